using static PptpGw.ControlPlane.Ppp.Fsm.PppFsmActions;
using static PptpGw.ControlPlane.Ppp.Fsm.PppFsmState;

namespace PptpGw.ControlPlane.Ppp.Fsm;

/// <summary>One cell of the RFC 1661 §4.1 table: the actions to perform and the next state, or the "-" (illegal) mark.</summary>
public readonly record struct PppFsmTransition(PppFsmActions Actions, PppFsmState Next, bool IsIllegal)
{
    /// <summary>The RFC's "-": the event cannot occur in this state. It is counted and ignored, never thrown.</summary>
    public static PppFsmTransition Illegal => new(None, Initial, true);

    /// <summary>RFC notation: "irc,scr/6", "2", or "-".</summary>
    public override string ToString() =>
        IsIllegal ? "-" : Actions == None ? ((int)Next).ToString(System.Globalization.CultureInfo.InvariantCulture)
                        : $"{Actions.ToRfcName()}/{(int)Next}";
}
