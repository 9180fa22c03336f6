namespace PptpGw.ControlPlane.Pptp.Connection;

/// <summary>
/// States of a control connection on the receiving side (RFC 2637 §3.1.2, "Control Connection Receiver"):
/// the gateway accepts the TCP connection and waits for the peer's Start-Control-Connection-Request.
/// </summary>
/// <remarks>
/// §3.1.2 calls the first state "idle" (TCP open, no SCCRQ yet); the reference PIX names it "wt-sccrq"
/// ("SCCRQ-ok -> state change wt-sccrq to estabd"), so <see cref="WaitStartControlConnectionRequest"/> is
/// that state and <see cref="Idle"/> is only the state of an object whose run has not begun.
/// </remarks>
public enum PptpControlConnectionState
{
    /// <summary>Created, <see cref="PptpControlConnection.RunAsync"/> not called yet.</summary>
    Idle = 0,
    /// <summary>TCP is open; waiting for Start-Control-Connection-Request (§3.1.2 idle; PIX "wt-sccrq").</summary>
    WaitStartControlConnectionRequest,
    /// <summary>SCCRQ answered with a successful SCCRP: calls may be placed (§3.1.2 established; PIX "estabd").</summary>
    Established,
    /// <summary>We sent Stop-Control-Connection-Request and wait for the reply (§3.1.2 wait-stop-reply).</summary>
    WaitStopReply,
    /// <summary>The TCP connection is closed; every call is cleared. Final.</summary>
    Closed,
}

/// <summary>The events that move a control connection between states; each is one row of <see cref="PptpStateMachine.Next(PptpControlConnectionState, PptpControlConnectionEvent)"/>.</summary>
public enum PptpControlConnectionEvent
{
    /// <summary>The run began (TCP is open).</summary>
    Start,
    /// <summary>A Start-Control-Connection-Request with a supported version arrived; SCCRP Successful sent.</summary>
    StartRequestAccepted,
    /// <summary>A Start-Control-Connection-Request was refused (version, admission); SCCRP with an error sent.
    /// §3.1.2: the receiver stays idle, the originator closes.</summary>
    StartRequestRefused,
    /// <summary>No Start-Control-Connection-Request within the configured time.</summary>
    StartRequestTimeout,
    /// <summary>The peer sent Stop-Control-Connection-Request; Stop-Control-Connection-Reply sent.</summary>
    StopRequestReceived,
    /// <summary>The gateway asked to stop (shutdown, clear vpdn tunnel).</summary>
    LocalStop,
    /// <summary>Stop-Control-Connection-Reply arrived.</summary>
    StopReplyReceived,
    /// <summary>No Stop-Control-Connection-Reply within the configured time.</summary>
    StopReplyTimeout,
    /// <summary>Our Echo-Request was not answered in time (§3.1.4 keep-alive).</summary>
    EchoTimeout,
    /// <summary>The peer closed TCP.</summary>
    PeerClosed,
    /// <summary>The byte stream lost PPTP framing (bad Magic Cookie or Length) — RFC 2637 §2 requires closing.</summary>
    StreamCorrupt,
    /// <summary>A read or write failed or timed out, or the run was cancelled.</summary>
    TransportFailure,
}

/// <summary>States of a call on the PAC side of an outgoing call (RFC 2637 §3.2.4.1 "PAC Outgoing Call States").</summary>
/// <remarks>
/// The gateway answers Outgoing-Call-Requests as the PAC does (as the PIX does). §3.2.4.1's wait_cs_ans
/// (dialling) is, for a VPN gateway, the wait for the gateway's decision (AAA, limits, a PPP interface) —
/// the PIX calls it "wt-vacc" (waiting for the virtual access interface): "vacc-ok -> state change wt-vacc to estabd".
/// </remarks>
public enum PptpCallState
{
    /// <summary>Outgoing-Call-Request received; waiting for <see cref="IPptpCallHandler.OnOutgoingCallRequestAsync"/> (§3.2.4.1 wait_cs_ans; PIX "wt-vacc").</summary>
    WaitDecision = 0,
    /// <summary>Outgoing-Call-Reply Connected sent (§3.2.4.1 established; PIX "estabd").</summary>
    Established,
    /// <summary>Cleared: refused, disconnected, or its control connection went down (§3.2.4.1 idle). Final.</summary>
    Cleared,
}

/// <summary>Events of a call's life; each is one row of <see cref="PptpStateMachine.Next(PptpCallState, PptpCallEvent)"/>.</summary>
public enum PptpCallEvent
{
    /// <summary>The gateway accepted the call; OCRP Connected sent.</summary>
    Accepted,
    /// <summary>The gateway refused the call; OCRP with an error sent.</summary>
    Refused,
    /// <summary>The gateway did not decide in time; OCRP Time-out sent.</summary>
    DecisionTimeout,
    /// <summary>Call-Clear-Request from the peer; Call-Disconnect-Notify sent (§3.2.4.1).</summary>
    PeerClearRequest,
    /// <summary>The peer reported the call gone with a Call-Disconnect-Notify.</summary>
    PeerDisconnectNotify,
    /// <summary>The gateway cleared the call (admin, PPP, AAA); Call-Disconnect-Notify sent.</summary>
    LocalClear,
    /// <summary>The control connection closed: its calls are implicitly cleared (RFC 2637 §2.3).</summary>
    ControlConnectionClosed,
}

/// <summary>
/// The transition tables of both automata, in one place, and the names the PIX's <c>debug vpdn events</c>
/// and <c>show vpdn</c> print for states and triggers.
/// </summary>
public static class PptpStateMachine
{
    /// <summary>The state after <paramref name="event"/> in <paramref name="state"/>, or null when the event is not valid there (the caller ignores it).</summary>
    public static PptpControlConnectionState? Next(PptpControlConnectionState state, PptpControlConnectionEvent @event) => (state, @event) switch
    {
        (PptpControlConnectionState.Idle, PptpControlConnectionEvent.Start) => PptpControlConnectionState.WaitStartControlConnectionRequest,
        (PptpControlConnectionState.Idle, PptpControlConnectionEvent.LocalStop) => PptpControlConnectionState.Closed,

        (PptpControlConnectionState.WaitStartControlConnectionRequest, PptpControlConnectionEvent.StartRequestAccepted) => PptpControlConnectionState.Established,
        // §3.1.2: "Receive Start Control Connection Request, Version Not OK / Send Start Control Connection Reply with Error" loops on idle.
        (PptpControlConnectionState.WaitStartControlConnectionRequest, PptpControlConnectionEvent.StartRequestRefused) => PptpControlConnectionState.WaitStartControlConnectionRequest,
        // No control connection exists yet, so there is nothing to stop with a StopCCRQ: close TCP.
        (PptpControlConnectionState.WaitStartControlConnectionRequest, PptpControlConnectionEvent.LocalStop) => PptpControlConnectionState.Closed,

        (PptpControlConnectionState.Established, PptpControlConnectionEvent.LocalStop) => PptpControlConnectionState.WaitStopReply,
        // §3.1.2: established → idle on a received Stop-Control-Connection-Request: send the Stop reply, close TCP.
        // Before SCCRQ there is no control connection, but a peer that asks to stop is answered and let go.
        (PptpControlConnectionState.WaitStartControlConnectionRequest or PptpControlConnectionState.Established or PptpControlConnectionState.WaitStopReply,
            PptpControlConnectionEvent.StopRequestReceived) => PptpControlConnectionState.Closed,
        (PptpControlConnectionState.WaitStopReply, PptpControlConnectionEvent.StopReplyReceived) => PptpControlConnectionState.Closed,
        (PptpControlConnectionState.WaitStopReply, PptpControlConnectionEvent.StopReplyTimeout) => PptpControlConnectionState.Closed,
        (PptpControlConnectionState.WaitStopReply, PptpControlConnectionEvent.LocalStop) => PptpControlConnectionState.WaitStopReply,

        (PptpControlConnectionState.WaitStartControlConnectionRequest, PptpControlConnectionEvent.StartRequestTimeout) => PptpControlConnectionState.Closed,
        (PptpControlConnectionState.Established, PptpControlConnectionEvent.EchoTimeout) => PptpControlConnectionState.Closed,
        (not (PptpControlConnectionState.Idle or PptpControlConnectionState.Closed),
            PptpControlConnectionEvent.PeerClosed or PptpControlConnectionEvent.StreamCorrupt or PptpControlConnectionEvent.TransportFailure) => PptpControlConnectionState.Closed,
        _ => null,
    };

    /// <summary>The state after <paramref name="event"/> in <paramref name="state"/>, or null when the event is not valid there.</summary>
    public static PptpCallState? Next(PptpCallState state, PptpCallEvent @event) => (state, @event) switch
    {
        (PptpCallState.WaitDecision, PptpCallEvent.Accepted) => PptpCallState.Established,
        (PptpCallState.WaitDecision, PptpCallEvent.Refused or PptpCallEvent.DecisionTimeout) => PptpCallState.Cleared,
        // §3.2.4.1: wait_cs_ans "or Recv. Call Clear Req. /Send Disconnect Notify" → idle; established likewise.
        (PptpCallState.WaitDecision or PptpCallState.Established,
            PptpCallEvent.PeerClearRequest or PptpCallEvent.PeerDisconnectNotify or PptpCallEvent.ControlConnectionClosed) => PptpCallState.Cleared,
        (PptpCallState.Established, PptpCallEvent.LocalClear) => PptpCallState.Cleared,
        _ => null,
    };

    /// <summary>The PIX's short state name, as <c>show vpdn</c> and <c>debug vpdn events</c> print it ("wt-sccrq", "estabd", …).</summary>
    public static string ShortName(this PptpControlConnectionState state) => state switch
    {
        PptpControlConnectionState.Idle => "idle",
        PptpControlConnectionState.WaitStartControlConnectionRequest => "wt-sccrq",
        PptpControlConnectionState.Established => "estabd",
        PptpControlConnectionState.WaitStopReply => "wt-stoprp",
        PptpControlConnectionState.Closed => "closed",
        _ => "unknown",
    };

    /// <summary>The PIX's short call state name ("wt-vacc", "estabd", "idle").</summary>
    public static string ShortName(this PptpCallState state) => state switch
    {
        PptpCallState.WaitDecision => "wt-vacc",
        PptpCallState.Established => "estabd",
        PptpCallState.Cleared => "idle",
        _ => "unknown",
    };

    /// <summary>The trigger as <c>debug vpdn events</c> prints it before the arrow ("SCCRQ-ok", "vacc-ok", …).</summary>
    public static string TriggerName(this PptpControlConnectionEvent @event) => @event switch
    {
        PptpControlConnectionEvent.Start => "TCP-open",
        PptpControlConnectionEvent.StartRequestAccepted => "SCCRQ-ok",
        PptpControlConnectionEvent.StartRequestRefused => "SCCRQ-bad",
        PptpControlConnectionEvent.StartRequestTimeout => "SCCRQ-timeout",
        PptpControlConnectionEvent.StopRequestReceived => "StopCCRQ",
        PptpControlConnectionEvent.LocalStop => "local-stop",
        PptpControlConnectionEvent.StopReplyReceived => "StopCCRP",
        PptpControlConnectionEvent.StopReplyTimeout => "StopCCRP-timeout",
        PptpControlConnectionEvent.EchoTimeout => "echo-timeout",
        PptpControlConnectionEvent.PeerClosed => "TCP-closed",
        PptpControlConnectionEvent.StreamCorrupt => "bad-stream",
        PptpControlConnectionEvent.TransportFailure => "io-error",
        _ => "unknown",
    };

    /// <summary>The call trigger as <c>debug vpdn events</c> prints it ("vacc-ok", "CCRQ", …).</summary>
    public static string TriggerName(this PptpCallEvent @event) => @event switch
    {
        PptpCallEvent.Accepted => "vacc-ok",
        PptpCallEvent.Refused => "vacc-fail",
        PptpCallEvent.DecisionTimeout => "vacc-timeout",
        PptpCallEvent.PeerClearRequest => "CCRQ",
        PptpCallEvent.PeerDisconnectNotify => "CDN",
        PptpCallEvent.LocalClear => "local-clear",
        PptpCallEvent.ControlConnectionClosed => "tnl-down",
        _ => "unknown",
    };
}
