namespace PptpGw.ControlPlane.Ppp.Session;

/// <summary>
/// Why a PPP session ended, as a value: the gateway maps it to PIX messages, Acct-Terminate-Cause and the client's exit
/// status in one place each (never from <see cref="PppLinkDown.Detail"/>, which is text for logs).
/// </summary>
public enum PppDownCause
{
    /// <summary>The peer sent LCP Terminate-Request (RFC 1661 §5.5): it hung up.</summary>
    PeerTerminated,
    /// <summary>Our side closed the link (<see cref="PppSession.Close(string)"/>): administrator, AAA disconnect, user hang-up.</summary>
    LocalClose,
    /// <summary>The lower layer (the PPTP call) went away (RFC 1661 §4.3 Down event).</summary>
    LowerLayerDown,
    /// <summary>The session was disposed while still up.</summary>
    Disposed,
    /// <summary>The link was not up within <see cref="PppSessionOptions.NegotiationTimeout"/>.</summary>
    NegotiationTimeout,
    /// <summary>LCP gave up (restart counters exhausted, RFC 1661 §4.6) without agreeing.</summary>
    LcpNegotiationFailed,
    /// <summary>LCP could not agree on an authentication protocol (RFC 1661 §6.2; Windows error 732).</summary>
    NoAuthenticationProtocol,
    /// <summary>Server: LCP opened without the authentication the group requires.</summary>
    AuthenticationRefused,
    /// <summary>Client: the server asks for authentication and no credentials are configured.</summary>
    NoCredentials,
    /// <summary>The peer sent a Protocol-Reject for PAP or CHAP (RFC 1661 §5.7).</summary>
    AuthenticationProtocolRejected,
    /// <summary>The authentication phase failed (<see cref="PppLinkDown.Authentication"/> says how).</summary>
    AuthenticationFailed,
    /// <summary>MPPE is required and the authentication protocol gives no MPPE keys (PAP/CHAP; PIX "requires mschap for MPPE").</summary>
    MppeRequiresMsChap,
    /// <summary>MPPE is required and no strength is allowed by both the group and the AAA server's keys.</summary>
    MppeNoCommonStrength,
    /// <summary>MPPE is required and CCP settled without it (RFC 3078 §4; PIX "mppe required but not active").</summary>
    MppeNotNegotiated,
    /// <summary>CCP closed while MPPE was active or required.</summary>
    CcpClosed,
    /// <summary>The AAA server's Framed-IP-Address is held by another session.</summary>
    AddressInUse,
    /// <summary>The address pool has no free address.</summary>
    AddressPoolExhausted,
    /// <summary>No pool and no Framed-IP-Address: nothing to give the peer.</summary>
    NoAddressPool,
    /// <summary>IPCP gave up without agreeing.</summary>
    IpcpNegotiationFailed,
    /// <summary>IPCP closed after the link was up.</summary>
    IpcpClosed,
    /// <summary>LCP left the Opened state for a reason other than a Terminate (e.g. a new Configure-Request).</summary>
    LcpLeftOpened,
}
