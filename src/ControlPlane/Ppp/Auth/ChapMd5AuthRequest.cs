namespace PptpGw.ControlPlane.Ppp.Auth;

/// <summary>CHAP MD5 (RFC 1994 §4.1): the Identifier and Challenge we sent and the peer's Response Value.</summary>
public sealed record ChapMd5AuthRequest(string UserName, byte Identifier, byte[] Challenge, byte[] Response) : PppAuthRequest(UserName)
{
    public override PppAuthProtocol Protocol => PppAuthProtocol.Chap;
}
