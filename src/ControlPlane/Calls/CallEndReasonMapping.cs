using PptpGw.ControlPlane.Aaa.Radius;
using PptpGw.ControlPlane.Ppp.Session;
using PptpGw.ControlPlane.Pptp.Connection;

namespace PptpGw.ControlPlane.Calls;

/// <summary>The one place where the layers' typed outcomes become a <see cref="CallEndReason"/>, and it an Acct-Terminate-Cause.</summary>
public static class CallEndReasonMapping
{
    /// <summary>RFC 2866 §5.10 Acct-Terminate-Cause of <paramref name="reason"/>.</summary>
    public static AcctTerminateCause ToAcctTerminateCause(this CallEndReason reason) => reason switch
    {
        CallEndReason.PeerTerminatedPpp or CallEndReason.PeerClearedCall or CallEndReason.PeerDisconnectedCall => AcctTerminateCause.UserRequest,
        // single-session: the gateway's policy reset the session, as an administrator would (accel-ppp's TERM_ADMIN_RESET).
        CallEndReason.AdminClear or CallEndReason.AaaDisconnect or CallEndReason.SingleSession => AcctTerminateCause.AdminReset,
        CallEndReason.AdminShutdown => AcctTerminateCause.AdminReboot,
        CallEndReason.SessionTimeout => AcctTerminateCause.SessionTimeout,
        CallEndReason.IdleTimeout => AcctTerminateCause.IdleTimeout,
        CallEndReason.GatewayError => AcctTerminateCause.NasError,
        _ => AcctTerminateCause.LostCarrier,
    };

    /// <summary>The call's end when its PPP session ended first for <paramref name="cause"/>.</summary>
    public static CallEndReason FromPpp(PppDownCause cause) => cause switch
    {
        PppDownCause.PeerTerminated => CallEndReason.PeerTerminatedPpp,
        _ => CallEndReason.LinkLost,
    };

    /// <summary>The call's end when PPTP cleared it first for <paramref name="reason"/> (<paramref name="stopping"/>: the gateway shuts down).</summary>
    public static CallEndReason FromPptp(PptpCallClearReason reason, bool stopping) => reason switch
    {
        PptpCallClearReason.AdminClear => CallEndReason.AdminClear,
        PptpCallClearReason.PeerCallClearRequest => CallEndReason.PeerClearedCall,
        PptpCallClearReason.PeerCallDisconnectNotify => CallEndReason.PeerDisconnectedCall,
        PptpCallClearReason.GatewayError => CallEndReason.GatewayError,
        PptpCallClearReason.AaaDisconnect => CallEndReason.AaaDisconnect,
        _ => stopping ? CallEndReason.AdminShutdown : CallEndReason.LinkLost,
    };

    /// <summary>The call's end when the AAA server ends it with <paramref name="cause"/> (Session-Timeout, Disconnect-Request).</summary>
    public static CallEndReason FromAaa(AcctTerminateCause cause) => cause switch
    {
        AcctTerminateCause.SessionTimeout => CallEndReason.SessionTimeout,
        AcctTerminateCause.IdleTimeout => CallEndReason.IdleTimeout,
        // accounting unanswered-start disconnect: the gateway cannot bill the session (accel-ppp acct-timeout), NAS-Error.
        AcctTerminateCause.NasError => CallEndReason.GatewayError,
        _ => CallEndReason.AaaDisconnect,
    };
}
