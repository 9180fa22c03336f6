namespace PptpGw.Load;

/// <summary>Data traffic per session: ICMP echo requests (RFC 792) at <paramref name="PacketsPerSecond"/>, each an IPv4 datagram of <paramref name="Size"/> octets.</summary>
/// <param name="PacketsPerSecond">Per session; 0 sends nothing.</param>
/// <param name="Size">IPv4 total length (at least <see cref="TrafficGenerator.MinSize"/>).</param>
public sealed record TrafficSettings(double PacketsPerSecond, int Size)
{
    /// <summary>
    /// Where the echo requests go (host order), or 0 for the gateway's tunnel address (IPCP's remote address). A host behind
    /// the gateway's inside port measures the gateway's forwarding path rather than its kernel (<c>--traffic-target</c>).
    /// </summary>
    public uint Target { get; init; }
}
