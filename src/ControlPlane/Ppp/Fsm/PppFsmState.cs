namespace PptpGw.ControlPlane.Ppp.Fsm;

/// <summary>The ten states of the option negotiation automaton (RFC 1661 §4.2), numbered as in the §4.1 table.</summary>
public enum PppFsmState
{
    /// <summary>0 Initial: the lower layer is unavailable (Down) and no Open has occurred.</summary>
    Initial = 0,
    /// <summary>1 Starting: an Open has been initiated, the lower layer is still unavailable.</summary>
    Starting = 1,
    /// <summary>2 Closed: the link is available (Up) but no Open has occurred.</summary>
    Closed = 2,
    /// <summary>3 Stopped: the automaton terminated (This-Layer-Finished) and waits for a Down or a peer's Configure-Request.</summary>
    Stopped = 3,
    /// <summary>4 Closing: a Terminate-Request has been sent after a Close; no Open is pending.</summary>
    Closing = 4,
    /// <summary>5 Stopping: a Terminate-Request has been sent (or received) but the Open is still in force.</summary>
    Stopping = 5,
    /// <summary>6 Req-Sent: a Configure-Request has been sent, no Configure-Ack sent or received yet.</summary>
    ReqSent = 6,
    /// <summary>7 Ack-Rcvd: our Configure-Request was acknowledged, no Configure-Ack sent yet.</summary>
    AckRcvd = 7,
    /// <summary>8 Ack-Sent: we acknowledged the peer's Configure-Request, ours is not acknowledged yet.</summary>
    AckSent = 8,
    /// <summary>9 Opened: both Configure-Acks exchanged; the layer is up.</summary>
    Opened = 9,
}

/// <summary>The events of the automaton (RFC 1661 §4.3). The RFC spelling is given by <see cref="PppFsmNames.ToRfcName(PppFsmEvent)"/>.</summary>
public enum PppFsmEvent
{
    /// <summary>Up: the lower layer is ready to carry packets.</summary>
    Up = 0,
    /// <summary>Down: the lower layer is no longer ready.</summary>
    Down,
    /// <summary>Open: administrative Open (the link is allowed to be used).</summary>
    Open,
    /// <summary>Close: administrative Close.</summary>
    Close,
    /// <summary>TO+: the Restart timer expired and the Restart counter is still greater than zero.</summary>
    TimeoutPlus,
    /// <summary>TO-: the Restart timer expired and the Restart counter is exhausted.</summary>
    TimeoutMinus,
    /// <summary>RCR+: a Configure-Request we can acknowledge.</summary>
    RcrPlus,
    /// <summary>RCR-: a Configure-Request we must Nak or Reject.</summary>
    RcrMinus,
    /// <summary>RCA: a valid Configure-Ack for our outstanding Configure-Request.</summary>
    Rca,
    /// <summary>RCN: a valid Configure-Nak or Configure-Reject for our outstanding Configure-Request.</summary>
    Rcn,
    /// <summary>RTR: a Terminate-Request.</summary>
    Rtr,
    /// <summary>RTA: a Terminate-Ack.</summary>
    Rta,
    /// <summary>RUC: a packet with an unknown code.</summary>
    Ruc,
    /// <summary>RXJ+: a Code-Reject or Protocol-Reject whose rejected value is acceptable (e.g. an extended code).</summary>
    RxjPlus,
    /// <summary>RXJ-: a Code-Reject or Protocol-Reject that is catastrophic (e.g. Code-Reject of Configure-Request, Protocol-Reject of LCP).</summary>
    RxjMinus,
    /// <summary>RXR: an Echo-Request, Echo-Reply or Discard-Request.</summary>
    Rxr,
}

/// <summary>
/// The actions of the automaton (RFC 1661 §4.4). A transition's actions are a set; RFC 1661 §4.1 lets
/// them run "in any convenient order". <see cref="PppFsm"/> runs them in declaration order below
/// (tld first so the layer is down before it rebuilds options, irc before scr/str, tlu/tls/tlf last).
/// </summary>
[Flags]
public enum PppFsmActions
{
    None = 0,
    /// <summary>tld This-Layer-Down: leaving Opened.</summary>
    Tld = 1 << 0,
    /// <summary>irc Initialize-Restart-Count: Max-Configure, or Max-Terminate when the next state is Closing/Stopping.</summary>
    Irc = 1 << 1,
    /// <summary>zrc Zero-Restart-Count: counter to zero and the Restart timer started (so TO- follows one period later).</summary>
    Zrc = 1 << 2,
    /// <summary>scr Send-Configure-Request (decrements the Restart counter, starts the Restart timer).</summary>
    Scr = 1 << 3,
    /// <summary>sca Send-Configure-Ack.</summary>
    Sca = 1 << 4,
    /// <summary>scn Send-Configure-Nak or Send-Configure-Reject.</summary>
    Scn = 1 << 5,
    /// <summary>str Send-Terminate-Request (decrements the Restart counter, starts the Restart timer).</summary>
    Str = 1 << 6,
    /// <summary>sta Send-Terminate-Ack.</summary>
    Sta = 1 << 7,
    /// <summary>scj Send-Code-Reject.</summary>
    Scj = 1 << 8,
    /// <summary>ser Send-Echo-Reply.</summary>
    Ser = 1 << 9,
    /// <summary>tlu This-Layer-Up: entering Opened.</summary>
    Tlu = 1 << 10,
    /// <summary>tls This-Layer-Started: the lower layer is needed.</summary>
    Tls = 1 << 11,
    /// <summary>tlf This-Layer-Finished: the lower layer is no longer needed.</summary>
    Tlf = 1 << 12,
}

/// <summary>RFC 1661 spellings for logs ("Req-Sent", "RCR+", "irc,scr").</summary>
public static class PppFsmNames
{
    private static readonly string[] StateNames =
        ["Initial", "Starting", "Closed", "Stopped", "Closing", "Stopping", "Req-Sent", "Ack-Rcvd", "Ack-Sent", "Opened"];

    private static readonly string[] EventNames =
        ["Up", "Down", "Open", "Close", "TO+", "TO-", "RCR+", "RCR-", "RCA", "RCN", "RTR", "RTA", "RUC", "RXJ+", "RXJ-", "RXR"];

    private static readonly string[] ActionNames =
        ["tld", "irc", "zrc", "scr", "sca", "scn", "str", "sta", "scj", "ser", "tlu", "tls", "tlf"];

    /// <summary>Number of states (10).</summary>
    public const int StateCount = 10;
    /// <summary>Number of events (16).</summary>
    public const int EventCount = 16;

    public static string ToRfcName(this PppFsmState state) =>
        (uint)state < StateCount ? StateNames[(int)state] : state.ToString();

    public static string ToRfcName(this PppFsmEvent fsmEvent) =>
        (uint)fsmEvent < EventCount ? EventNames[(int)fsmEvent] : fsmEvent.ToString();

    /// <summary>Comma-separated RFC abbreviations in execution order, e.g. "tld,scr,sca"; empty for none.</summary>
    public static string ToRfcName(this PppFsmActions actions)
    {
        if (actions == PppFsmActions.None)
            return string.Empty;
        var names = new List<string>(4);
        for (int bit = 0; bit < ActionNames.Length; bit++)
        {
            if (((int)actions & (1 << bit)) != 0)
                names.Add(ActionNames[bit]);
        }
        return string.Join(',', names);
    }
}
