namespace PptpGw.ControlPlane.Ppp.Auth;

/// <summary>MS-CHAPv1 (RFC 2433 §4): our 8-octet challenge and the peer's LM and NT responses.</summary>
public sealed record MsChapV1AuthRequest(string UserName, byte[] Challenge, byte[] LmResponse, byte[] NtResponse, bool UseNtResponse)
    : PppAuthRequest(UserName)
{
    public override PppAuthProtocol Protocol => PppAuthProtocol.MsChapV1;
}
