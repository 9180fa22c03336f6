namespace PptpGw.ControlPlane.Ppp.Session;

/// <summary>Which end of the PPP link a session plays.</summary>
public enum PppRole
{
    /// <summary>The gateway (PNS side): authenticates the peer, assigns its address, offers MPPE.</summary>
    Server,
    /// <summary>The dial-in client (PAC/pppd side): is authenticated, takes the address it is given.</summary>
    Client,
}

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

/// <summary>Which of the session's automata a layer callback comes from.</summary>
public enum PppLayerKind
{
    Lcp,
    Ipcp,
    Ccp,
}

/// <summary>
/// What the LCP, IPCP and CCP layers tell their owner (the <see cref="PppSession"/>). Called from inside the
/// automaton's lock, like the layer callbacks themselves: no blocking. The defaults do nothing.
/// </summary>
public interface IPppLayerEvents
{
    /// <summary>tlu of the layer.</summary>
    void LayerUp(PppLayerKind layer) { }

    /// <summary>tld of the layer.</summary>
    void LayerDown(PppLayerKind layer) { }

    /// <summary>tlf of the layer.</summary>
    void LayerFinished(PppLayerKind layer) { }

    /// <summary>A line for "debug ppp negotiation" style logs.</summary>
    void Log(PppLayerKind layer, string message) { }

    /// <summary>
    /// LCP: the authentication protocol cannot be agreed (server: the peer refused every configured protocol; RFC 1661
    /// §6.2, Windows error 732). The link must be terminated.
    /// </summary>
    void AuthenticationNegotiationFailed(string reason) { }

    /// <summary>LCP: the peer sent a Protocol-Reject of <paramref name="protocol"/> (RFC 1661 §5.7).</summary>
    void ProtocolRejected(ushort protocol) { }

    /// <summary>CCP: the peer's decryptor lost synchronisation (Reset-Request, RFC 1962 §2.1, RFC 3078 §3.2); already answered with Reset-Ack.</summary>
    void CcpResetRequested() { }
}
