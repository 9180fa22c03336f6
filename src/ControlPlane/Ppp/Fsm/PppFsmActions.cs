namespace PptpGw.ControlPlane.Ppp.Fsm;

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
