namespace PptpGw.Load;

/// <summary>Data traffic per session: ICMP echo requests (RFC 792) at <paramref name="PacketsPerSecond"/>, each an IPv4 datagram of <paramref name="Size"/> octets.</summary>
/// <param name="PacketsPerSecond">Per session; 0 sends nothing.</param>
/// <param name="Size">IPv4 total length (at least <see cref="TrafficGenerator.MinSize"/>).</param>
public sealed record TrafficSettings(double PacketsPerSecond, int Size);
