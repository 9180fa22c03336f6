using System.Net;

namespace PptpGw.ControlPlane.Pptp.Connection;

/// <summary>
/// The gateway's side of the call state machine: it decides whether a call may be placed and learns of every
/// call's life. One handler serves all connections of a listener.
/// </summary>
/// <remarks>
/// Threading: the methods of one connection are called one at a time, from that connection's processing loop,
/// never under an internal lock; different connections call concurrently, so implementations must be
/// thread-safe. A method should return quickly (queue heavy work); an exception it throws is reported through
/// <see cref="IPptpEventSink.Error"/> and otherwise ignored. Every call for which
/// <see cref="OnOutgoingCallRequestAsync"/> returned an accepting decision gets exactly one
/// <see cref="OnCallCleared"/>, even when the call never reached the established state.
/// </remarks>
public interface IPptpCallHandler
{
    /// <summary>
    /// An Outgoing-Call-Request (RFC 2637 §2.7) arrived and was given our Call ID: accept or refuse it (limits,
    /// resources, policy). The connection keeps serving other messages meanwhile; <paramref name="cancellationToken"/>
    /// is cancelled when the decision is no longer wanted (decision timeout, call cleared, connection closed).
    /// </summary>
    ValueTask<CallDecision> OnOutgoingCallRequestAsync(CallRequestInfo request, CancellationToken cancellationToken);

    /// <summary>The call was accepted; called just before the Outgoing-Call-Reply is sent, so the session can be installed before the peer's first GRE packet.</summary>
    void OnCallEstablished(EstablishedCall call);

    /// <summary>The peer sent Set-Link-Info (RFC 2637 §2.15) for an established call: the PPP ACCMs negotiated by LCP.</summary>
    void OnSetLinkInfo(uint tunnelId, ushort callId, uint sendAccm, uint receiveAccm);

    /// <summary>An accepted call ended, for <paramref name="reason"/>; its Call ID has been released.</summary>
    void OnCallCleared(uint tunnelId, ushort callId, PptpCallClearReason reason);
}

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

/// <summary>The gateway's answer to an Outgoing-Call-Request; build it with <see cref="Accept"/> or <see cref="Refuse"/>.</summary>
public readonly record struct CallDecision
{
    /// <summary>True to answer Outgoing-Call-Reply "Connected".</summary>
    public bool Accepted { get; init; }
    /// <summary>Result Code of the Outgoing-Call-Reply (§2.8) for a refusal.</summary>
    public OutgoingCallResultCode ResultCode { get; init; }
    /// <summary>Error Code (§2.16) when <see cref="ResultCode"/> is General Error.</summary>
    public PptpGeneralErrorCode ErrorCode { get; init; }
    /// <summary>Cause Code of the Outgoing-Call-Reply; 0 when unused.</summary>
    public ushort CauseCode { get; init; }
    /// <summary>Connect Speed to report for an accepted call, bits/s; 0 for the configured default.</summary>
    public uint ConnectSpeed { get; init; }
    /// <summary>Why, for the logs (not sent).</summary>
    public string? Reason { get; init; }

    /// <summary>Accept the call.</summary>
    public static CallDecision Accept(uint connectSpeed = 0) =>
        new() { Accepted = true, ResultCode = OutgoingCallResultCode.Connected, ConnectSpeed = connectSpeed };

    /// <summary>
    /// Refuse the call with Result Code <paramref name="resultCode"/> (e.g. 7 Do Not Accept for policy, 4 Busy,
    /// or 2 General Error with <paramref name="errorCode"/> 4 No-Resource for exhausted resources).
    /// </summary>
    public static CallDecision Refuse(OutgoingCallResultCode resultCode, string reason,
        PptpGeneralErrorCode errorCode = PptpGeneralErrorCode.None, ushort causeCode = 0)
    {
        if (resultCode == OutgoingCallResultCode.Connected)
            throw new ArgumentOutOfRangeException(nameof(resultCode), resultCode, "a refusal cannot be Connected");
        if ((resultCode == OutgoingCallResultCode.GeneralError) != (errorCode != PptpGeneralErrorCode.None))
            throw new ArgumentException("an Error Code goes with, and only with, Result Code General Error (RFC 2637 §2.8)", nameof(errorCode));
        return new() { ResultCode = resultCode, ErrorCode = errorCode, CauseCode = causeCode, Reason = reason };
    }
}

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

/// <summary>Why a call ended. The first four are the gateway's own reasons for <see cref="PptpControlConnection.ClearCallAsync"/>.</summary>
public enum PptpCallClearReason
{
    /// <summary>An administrator cleared it (<c>clear vpdn</c>): CDN Result Code 3 Admin Shutdown.</summary>
    AdminClear,
    /// <summary>PPP on the call terminated (LCP Terminate, authentication failure, …): CDN Result Code 1 Lost Carrier.</summary>
    PppTerminated,
    /// <summary>The AAA server asked for a disconnect (RADIUS Disconnect-Request, session timeout): CDN Result Code 3 Admin Shutdown.</summary>
    AaaDisconnect,
    /// <summary>An internal failure of the gateway: CDN Result Code 2 General Error, Error Code 6 PAC-Error.</summary>
    GatewayError,
    /// <summary>The peer sent Call-Clear-Request (we answered with Call-Disconnect-Notify, Result Code 4 Request).</summary>
    PeerCallClearRequest,
    /// <summary>The peer sent Call-Disconnect-Notify for the call.</summary>
    PeerCallDisconnectNotify,
    /// <summary>The control connection closed, clearing all its calls (RFC 2637 §2.3).</summary>
    ControlConnectionClosed,
    /// <summary>The handler did not decide within the configured time (OCRP Result Code 6 Time-out was sent).</summary>
    DecisionTimeout,
}

/// <summary>Mapping of the gateway's clear reasons to Call-Disconnect-Notify codes (RFC 2637 §2.13).</summary>
public static class PptpCallClearReasonExtensions
{
    /// <summary>The CDN Result Code and Error Code to send when the gateway clears a call for <paramref name="reason"/>.</summary>
    public static (CallDisconnectResultCode Result, PptpGeneralErrorCode Error) ToDisconnectCodes(this PptpCallClearReason reason) => reason switch
    {
        PptpCallClearReason.AdminClear or PptpCallClearReason.AaaDisconnect => (CallDisconnectResultCode.AdminShutdown, PptpGeneralErrorCode.None),
        PptpCallClearReason.PppTerminated => (CallDisconnectResultCode.LostCarrier, PptpGeneralErrorCode.None),
        PptpCallClearReason.PeerCallClearRequest => (CallDisconnectResultCode.Request, PptpGeneralErrorCode.None),
        _ => (CallDisconnectResultCode.GeneralError, PptpGeneralErrorCode.PacError),
    };
}
