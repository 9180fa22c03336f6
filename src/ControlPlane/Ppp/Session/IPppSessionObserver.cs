using PptpGw.ControlPlane.Ppp.Auth;

namespace PptpGw.ControlPlane.Ppp.Session;

/// <summary>
/// What a session reports to the gateway. Called under the session lock, on whichever thread delivered the event (a
/// receive, a timer, an AAA completion): no blocking. The defaults do nothing.
/// </summary>
public interface IPppSessionObserver
{
    /// <summary>The network phase completed: IPCP Opened and CCP settled (MPPE on, or off and allowed).</summary>
    void LinkUp(PppSession session, PppLinkResult result) { }

    /// <summary>
    /// After <see cref="LinkUp"/>: LCP, IPCP or CCP renegotiates (RFC 1661 §4.1) and the call stays up. Data must stop until
    /// <see cref="NetworkUp"/> (the dataplane's network-down command).
    /// </summary>
    void NetworkDown(PppSession session, PppRenegotiation renegotiation) { }

    /// <summary>The renegotiation completed: the network phase is up again with <paramref name="result"/> (framing, MPPE keys).</summary>
    void NetworkUp(PppSession session, PppLinkResult result) { }

    /// <summary>The session ended (once per session, whether or not the link was ever up).</summary>
    void LinkDown(PppSession session, PppLinkDown down) { }

    /// <summary>A user name arrived and is being checked (PIX 603102 "aaa authentication started").</summary>
    void AuthenticationStarted(PppSession session, string userName) { }

    /// <summary>PIX 603103 "aaa authentication succeed".</summary>
    void AuthenticationSucceeded(PppSession session, PppAuthOutcome outcome) { }

    /// <summary>PIX 603103 "aaa authentication failed" (also for attempts the peer may retry: see <see cref="PppAuthOutcome.IsFinal"/>).</summary>
    void AuthenticationFailed(PppSession session, PppAuthOutcome outcome) { }

    /// <summary>The peer sent a CCP Reset-Request: the dataplane must set the flushed bit on its next packet (RFC 3078 §3.2).</summary>
    void CcpResetRequested(PppSession session) { }

    /// <summary>"debug ppp negotiation" lines.</summary>
    void Log(PppSession session, string message) { }

    /// <summary>
    /// Whether <see cref="Log"/> would keep a line now: the session builds its per-event automaton lines (several per
    /// packet) only when it would (issue 11: formatting them for a sink that drops them cost a set-up burst 2-3 % of the
    /// gateway's CPU). Default true.
    /// </summary>
    bool IsLogEnabled(PppSession session) => true;
}
