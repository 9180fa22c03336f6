using static PptpGw.ControlPlane.Ppp.Fsm.PppFsmActions;
using static PptpGw.ControlPlane.Ppp.Fsm.PppFsmState;

namespace PptpGw.ControlPlane.Ppp.Fsm;

/// <summary>
/// The complete state transition table of RFC 1661 §4.1, in one place, laid out like the RFC
/// (events down, states across). The optional behaviours marked in the RFC are not taken:
/// [r] restart (Open in Stopped/Stopping/Opened does not bounce the link), [p] passive (TO- in
/// Req-Sent/Ack-Rcvd/Ack-Sent does tlf), [x] crossed connection (done as printed: scr/6, tld,scr/6).
/// </summary>
public static class PppFsmTable
{
    private static readonly PppFsmTransition X = PppFsmTransition.Illegal;

    private static PppFsmTransition T(PppFsmState next) => new(None, next, false);

    private static PppFsmTransition T(PppFsmActions actions, PppFsmState next) => new(actions, next, false);

    // Rows follow PppFsmEvent, columns PppFsmState (0 Initial .. 9 Opened), exactly as RFC 1661 §4.1.
    private static readonly PppFsmTransition[][] Rows =
    [
        //            0 Initial    1 Starting        2 Closed          3 Stopped                  4 Closing       5 Stopping      6 Req-Sent        7 Ack-Rcvd         8 Ack-Sent        9 Opened
        /* Up   */ [T(Closed),  T(Irc|Scr,ReqSent), X,                X,                         X,              X,              X,                X,                 X,                X],
        /* Down */ [X,          X,                 T(Initial),       T(Tls,Starting),           T(Initial),     T(Starting),    T(Starting),      T(Starting),       T(Starting),      T(Tld,Starting)],
        /* Open */ [T(Tls,Starting), T(Starting),  T(Irc|Scr,ReqSent), T(Stopped),              T(Stopping),    T(Stopping),    T(ReqSent),       T(AckRcvd),        T(AckSent),       T(Opened)],
        /* Close*/ [T(Initial), T(Tlf,Initial),    T(Closed),        T(Closed),                 T(Closing),     T(Closing),     T(Irc|Str,Closing), T(Irc|Str,Closing), T(Irc|Str,Closing), T(Tld|Irc|Str,Closing)],
        /* TO+  */ [X,          X,                 X,                X,                         T(Str,Closing), T(Str,Stopping), T(Scr,ReqSent),  T(Scr,ReqSent),    T(Scr,AckSent),   X],
        /* TO-  */ [X,          X,                 X,                X,                         T(Tlf,Closed),  T(Tlf,Stopped), T(Tlf,Stopped),   T(Tlf,Stopped),    T(Tlf,Stopped),   X],
        /* RCR+ */ [X,          X,                 T(Sta,Closed),    T(Irc|Scr|Sca,AckSent),    T(Closing),     T(Stopping),    T(Sca,AckSent),   T(Sca|Tlu,Opened), T(Sca,AckSent),   T(Tld|Scr|Sca,AckSent)],
        /* RCR- */ [X,          X,                 T(Sta,Closed),    T(Irc|Scr|Scn,ReqSent),    T(Closing),     T(Stopping),    T(Scn,ReqSent),   T(Scn,AckRcvd),    T(Scn,ReqSent),   T(Tld|Scr|Scn,ReqSent)],
        /* RCA  */ [X,          X,                 T(Sta,Closed),    T(Sta,Stopped),            T(Closing),     T(Stopping),    T(Irc,AckRcvd),   T(Scr,ReqSent),    T(Irc|Tlu,Opened), T(Tld|Scr,ReqSent)],
        /* RCN  */ [X,          X,                 T(Sta,Closed),    T(Sta,Stopped),            T(Closing),     T(Stopping),    T(Irc|Scr,ReqSent), T(Scr,ReqSent),  T(Irc|Scr,AckSent), T(Tld|Scr,ReqSent)],
        /* RTR  */ [X,          X,                 T(Sta,Closed),    T(Sta,Stopped),            T(Sta,Closing), T(Sta,Stopping), T(Sta,ReqSent),  T(Sta,ReqSent),    T(Sta,ReqSent),   T(Tld|Zrc|Sta,Stopping)],
        /* RTA  */ [X,          X,                 T(Closed),        T(Stopped),                T(Tlf,Closed),  T(Tlf,Stopped), T(ReqSent),       T(ReqSent),        T(AckSent),       T(Tld|Scr,ReqSent)],
        /* RUC  */ [X,          X,                 T(Scj,Closed),    T(Scj,Stopped),            T(Scj,Closing), T(Scj,Stopping), T(Scj,ReqSent),  T(Scj,AckRcvd),    T(Scj,AckSent),   T(Scj,Opened)],
        /* RXJ+ */ [X,          X,                 T(Closed),        T(Stopped),                T(Closing),     T(Stopping),    T(ReqSent),       T(ReqSent),        T(AckSent),       T(Opened)],
        /* RXJ- */ [X,          X,                 T(Tlf,Closed),    T(Tlf,Stopped),            T(Tlf,Closed),  T(Tlf,Stopped), T(Tlf,Stopped),   T(Tlf,Stopped),    T(Tlf,Stopped),   T(Tld|Irc|Str,Stopping)],
        /* RXR  */ [X,          X,                 T(Closed),        T(Stopped),                T(Closing),     T(Stopping),    T(ReqSent),       T(AckRcvd),        T(AckSent),       T(Ser,Opened)],
    ];

    /// <summary>The cell for <paramref name="fsmEvent"/> in <paramref name="state"/>; out-of-range values give <see cref="PppFsmTransition.Illegal"/>.</summary>
    public static PppFsmTransition Lookup(PppFsmState state, PppFsmEvent fsmEvent) =>
        (uint)fsmEvent < (uint)Rows.Length && (uint)state < (uint)Rows[(int)fsmEvent].Length
            ? Rows[(int)fsmEvent][(int)state]
            : X;
}
