namespace PptpGw.ControlPlane.Ppp.Fsm;

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
