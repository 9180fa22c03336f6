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

/// <summary>A call at one instant, for <c>show vpdn session</c>.</summary>
/// <param name="CallId">Our Call ID.</param>
/// <param name="PeerCallId">The peer's Call ID ("Remote call id").</param>
/// <param name="CallSerialNumber">The peer's Call Serial Number.</param>
/// <param name="State">The state.</param>
/// <param name="TimeSinceStateChange">Time since the last state change.</param>
/// <param name="PeerReceiveWindowSize">The peer's Packet Recv. Window Size ("peer RWS").</param>
/// <param name="ReceiveWindowSize">Our Packet Recv. Window Size.</param>
/// <param name="PeerProcessingDelay">The peer's Packet Processing Delay, 1/10 s.</param>
/// <param name="SendAccm">Send ACCM of the last Set-Link-Info (0xFFFFFFFF until one arrives).</param>
/// <param name="ReceiveAccm">Receive ACCM of the last Set-Link-Info (0xFFFFFFFF until one arrives).</param>
public sealed record PptpCallSnapshot(
    ushort CallId,
    ushort PeerCallId,
    ushort CallSerialNumber,
    PptpCallState State,
    TimeSpan TimeSinceStateChange,
    ushort PeerReceiveWindowSize,
    ushort ReceiveWindowSize,
    ushort PeerProcessingDelay,
    uint SendAccm,
    uint ReceiveAccm)
{
    /// <summary>The PIX's state name ("wt-vacc", "estabd").</summary>
    public string StateName => State.ShortName();
}
