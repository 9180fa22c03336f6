namespace PptpGw.ControlPlane.Ppp.Session;

/// <summary>The link phases of RFC 1661 §3.2.</summary>
public enum PppPhase
{
    /// <summary>Link Dead: no lower layer, or everything finished.</summary>
    Dead,
    /// <summary>Link Establishment: LCP negotiating.</summary>
    Establish,
    /// <summary>Authentication (RFC 1661 §3.5): PAP or CHAP running; NCP packets are discarded.</summary>
    Authenticate,
    /// <summary>Network-Layer Protocol: IPCP and CCP.</summary>
    Network,
    /// <summary>Link Termination: LCP Terminate exchange.</summary>
    Terminate,
}
