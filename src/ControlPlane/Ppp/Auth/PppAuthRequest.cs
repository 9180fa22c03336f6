namespace PptpGw.ControlPlane.Ppp.Auth;

/// <summary>
/// What a peer presented in the authentication phase (RFC 1661 §3.5), one record per protocol. The byte arrays are
/// copies owned by the request (the backend may keep them across an await).
/// </summary>
/// <param name="UserName">The Peer-ID (PAP) or Name (CHAP family) exactly as received, possibly "DOMAIN\user".</param>
public abstract record PppAuthRequest(string UserName)
{
    /// <summary>The protocol the proof belongs to.</summary>
    public abstract PppAuthProtocol Protocol { get; }
}
