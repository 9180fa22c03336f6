namespace PptpGw.ControlPlane.Ppp.Auth;

/// <summary>PAP (RFC 1334 §2.2.1): the clear-text password.</summary>
public sealed record PapAuthRequest(string UserName, byte[] Password) : PppAuthRequest(UserName)
{
    public override PppAuthProtocol Protocol => PppAuthProtocol.Pap;
}
