using System.Net;

namespace PptpGw.ControlPlane.Pptp.Connection;

/// <summary>A call the gateway accepted: what the dataplane needs to carry its GRE traffic (RFC 2637 §4.1).</summary>
/// <param name="Connection">The control connection carrying the call (for <see cref="PptpControlConnection.ClearCallAsync"/>).</param>
/// <param name="TunnelId">The control connection's tunnel id.</param>
/// <param name="CallId">Our Call ID: the GRE Key of packets from the peer.</param>
/// <param name="PeerCallId">The peer's Call ID: the GRE Key of packets we send.</param>
/// <param name="Peer">The peer's address (GRE goes to the same IP).</param>
/// <param name="Local">Our address of the control connection.</param>
/// <param name="PeerReceiveWindowSize">The peer's Packet Recv. Window Size (§4.4).</param>
/// <param name="ReceiveWindowSize">The Packet Recv. Window Size we announced.</param>
/// <param name="PeerProcessingDelay">The peer's Packet Processing Delay, 1/10 s.</param>
/// <param name="ConnectSpeed">The Connect Speed we announced, bits/s.</param>
public sealed record EstablishedCall(
    PptpControlConnection Connection,
    uint TunnelId,
    ushort CallId,
    ushort PeerCallId,
    IPEndPoint Peer,
    IPEndPoint Local,
    ushort PeerReceiveWindowSize,
    ushort ReceiveWindowSize,
    ushort PeerProcessingDelay,
    uint ConnectSpeed);
