using System.Net;

namespace PptpGw.ControlPlane.Pptp.Connection;

/// <summary>What the gateway is asked to decide about an Outgoing-Call-Request (RFC 2637 §2.7).</summary>
/// <param name="TunnelId">The control connection's tunnel id.</param>
/// <param name="Peer">The peer's TCP address and port.</param>
/// <param name="CallId">The Call ID the gateway assigned (the GRE Key the peer will send with).</param>
/// <param name="PeerCallId">The peer's Call ID (the GRE Key we send with).</param>
/// <param name="CallSerialNumber">The peer's Call Serial Number, for logs.</param>
/// <param name="MinimumBps">Lowest acceptable line speed.</param>
/// <param name="MaximumBps">Highest acceptable line speed.</param>
/// <param name="BearerType">Requested bearer.</param>
/// <param name="FramingType">Requested framing.</param>
/// <param name="PeerReceiveWindowSize">Packet Recv. Window Size: how many data packets the peer buffers (§4.4 flow control).</param>
/// <param name="PeerProcessingDelay">Packet Processing Delay of the peer, in 1/10 s.</param>
/// <param name="PhoneNumber">Phone Number, rendered for logs.</param>
public sealed record CallRequestInfo(
    uint TunnelId,
    IPEndPoint Peer,
    ushort CallId,
    ushort PeerCallId,
    ushort CallSerialNumber,
    uint MinimumBps,
    uint MaximumBps,
    PptpBearerType BearerType,
    PptpFramingType FramingType,
    ushort PeerReceiveWindowSize,
    ushort PeerProcessingDelay,
    string PhoneNumber);
