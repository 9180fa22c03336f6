namespace PptpGw.ControlPlane.Ppp;

/// <summary>A set of <see cref="PppAuthProtocol"/>, e.g. the ones configured by "vpdn group N ppp authentication ...".</summary>
[Flags]
public enum PppAuthProtocols : byte
{
    None = 0,
    Pap = 1 << PppAuthProtocol.Pap,
    Chap = 1 << PppAuthProtocol.Chap,
    MsChapV1 = 1 << PppAuthProtocol.MsChapV1,
    MsChapV2 = 1 << PppAuthProtocol.MsChapV2,
}
