namespace PptpGw.Load;

/// <summary>Where a session's set-up was when it succeeded or failed (the phases of RFC 2637 §2 and RFC 1661 §3).</summary>
public enum SetupPhase
{
    /// <summary>TCP connect to port 1723.</summary>
    Connect,
    /// <summary>Start-Control-Connection-Request sent, waiting for the Reply (RFC 2637 §2.1-§2.2).</summary>
    ControlConnection,
    /// <summary>Outgoing-Call-Request sent, waiting for the Reply (RFC 2637 §2.7-§2.8).</summary>
    Call,
    /// <summary>PPP Link Establishment: LCP (RFC 1661 §3.3).</summary>
    Lcp,
    /// <summary>PPP Authentication (RFC 1661 §3.4): PAP, CHAP, MS-CHAP v1/v2.</summary>
    Authentication,
    /// <summary>PPP Network-Layer Protocol: IPCP and CCP/MPPE (RFC 1661 §3.5).</summary>
    Network,
    /// <summary>The set-up was complete: the session was up (a failure here is a drop while holding).</summary>
    Up,
}
