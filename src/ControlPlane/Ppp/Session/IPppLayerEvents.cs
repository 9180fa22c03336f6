namespace PptpGw.ControlPlane.Ppp.Session;

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
