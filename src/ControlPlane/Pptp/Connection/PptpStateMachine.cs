namespace PptpGw.ControlPlane.Pptp.Connection;

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
