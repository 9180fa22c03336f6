namespace PptpGw.ControlPlane.Ppp.Auth;

/// <summary>MS-CHAPv2 (RFC 2759 §4): our 16-octet Authenticator Challenge, the Peer-Challenge and the NT-Response.</summary>
public sealed record MsChapV2AuthRequest(string UserName, byte[] AuthenticatorChallenge, byte[] PeerChallenge, byte[] NtResponse)
    : PppAuthRequest(UserName)
{
    public override PppAuthProtocol Protocol => PppAuthProtocol.MsChapV2;
}
