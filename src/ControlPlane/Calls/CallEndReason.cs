namespace PptpGw.ControlPlane.Calls;

/// <summary>
/// Why a call (a PPTP call with its PPP session) ended, as the gateway records it: the first reason known wins. It is
/// mapped in one place each to RADIUS Acct-Terminate-Cause and TACACS+ stop reasons (<see cref="CallEndReasonMapping"/>);
/// the PPTP result codes come from <see cref="Pptp.Connection.PptpCallClearReason"/>, the PIX messages from the PPP
/// <see cref="Ppp.Session.PppDownCause"/>.
/// </summary>
public enum CallEndReason
{
    /// <summary>Not known yet.</summary>
    Unknown = 0,
    /// <summary>The client hung up with LCP Terminate-Request (RFC 1661 §5.5).</summary>
    PeerTerminatedPpp,
    /// <summary>The peer sent Call-Clear-Request (RFC 2637 §2.12).</summary>
    PeerClearedCall,
    /// <summary>The peer sent Call-Disconnect-Notify (RFC 2637 §2.13).</summary>
    PeerDisconnectedCall,
    /// <summary>The link was lost: PPP negotiation, authentication or keep-alive failed, or the control connection went away.</summary>
    LinkLost,
    /// <summary>An administrator cleared it (<c>clear vpdn</c>).</summary>
    AdminClear,
    /// <summary>The gateway is shutting down.</summary>
    AdminShutdown,
    /// <summary>The AAA server asked for it (RADIUS Disconnect-Request, RFC 5176).</summary>
    AaaDisconnect,
    /// <summary>The AAA server's Session-Timeout expired (RFC 2865 §5.27).</summary>
    SessionTimeout,
    /// <summary>An internal failure of the gateway (dataplane refused the session's address or keys, PAC-Error).</summary>
    GatewayError,
    /// <summary><c>single-session deny|replace</c>: the user's second session was refused, or an older one replaced.</summary>
    SingleSession,
    /// <summary>No data from the client for the Idle-Timeout (RFC 2865 §5.28, or the group's <c>idle-timeout</c>).</summary>
    IdleTimeout,
}
