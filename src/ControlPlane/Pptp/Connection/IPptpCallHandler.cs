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
