using System.Net;

namespace PptpGw.ControlPlane.Pptp.Connection;

/// <summary>A control connection at one instant, for <c>show vpdn tunnel</c>.</summary>
/// <param name="TunnelId">Our tunnel id.</param>
/// <param name="RemoteId">The peer's id of the tunnel. PPTP carries none on the wire, so — as the PIX prints it — this is the tunnel id.</param>
/// <param name="State">The state.</param>
/// <param name="TimeSinceStateChange">Time since the last state change ("time since event change").</param>
/// <param name="Remote">The peer's address and port.</param>
/// <param name="Local">Our address and port.</param>
/// <param name="PacketsSent">Control messages sent.</param>
/// <param name="PacketsReceived">Control messages received (whole frames).</param>
/// <param name="BytesSent">Octets sent on the control connection.</param>
/// <param name="BytesReceived">Octets received on the control connection.</param>
/// <param name="PeerHostName">Host Name of the peer's SCCRQ, or null before it.</param>
/// <param name="PeerVendor">Vendor String of the peer's SCCRQ, or null before it.</param>
/// <param name="PeerProtocolVersion">Protocol Version of the peer's SCCRQ, 0 before it.</param>
/// <param name="Calls">The calls, by our Call ID.</param>
public sealed record PptpTunnelSnapshot(
    uint TunnelId,
    uint RemoteId,
    PptpControlConnectionState State,
    TimeSpan TimeSinceStateChange,
    IPEndPoint Remote,
    IPEndPoint Local,
    long PacketsSent,
    long PacketsReceived,
    long BytesSent,
    long BytesReceived,
    string? PeerHostName,
    string? PeerVendor,
    ushort PeerProtocolVersion,
    IReadOnlyList<PptpCallSnapshot> Calls)
{
    /// <summary>The PIX's state name ("wt-sccrq", "estabd", …).</summary>
    public string StateName => State.ShortName();
}
