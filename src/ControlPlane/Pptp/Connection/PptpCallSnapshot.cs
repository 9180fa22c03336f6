namespace PptpGw.ControlPlane.Pptp.Connection;

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
