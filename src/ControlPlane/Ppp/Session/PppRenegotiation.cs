namespace PptpGw.ControlPlane.Ppp.Session;

/// <summary>Which automaton left Opened to renegotiate while the call stays up (RFC 1661 §4.1: RCR/RCA/RCN in Opened → tld).</summary>
public enum PppRenegotiation
{
    /// <summary>LCP: the NCPs and CCP restart, authentication runs again (RFC 1661 §3.5), then the network phase.</summary>
    Lcp,
    /// <summary>IPCP alone: the address is kept, CCP stays as it is.</summary>
    Ipcp,
    /// <summary>CCP alone (RFC 1962 §2): MPPE restarts from the start keys, coherency count 0 (RFC 3078 §7).</summary>
    Ccp,
}
