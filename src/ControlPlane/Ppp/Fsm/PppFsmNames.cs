namespace PptpGw.ControlPlane.Ppp.Fsm;

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
