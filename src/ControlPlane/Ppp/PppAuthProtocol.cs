namespace PptpGw.ControlPlane.Ppp;

/// <summary>
/// An authentication protocol the gateway can ask for in the LCP Authentication-Protocol option (RFC 1661 §6.2).
/// The members are ordered by preference: a larger value is preferred.
/// </summary>
public enum PppAuthProtocol : byte
{
    /// <summary>PAP, protocol 0xC023 (RFC 1334 §2.1). Clear-text password; least preferred.</summary>
    Pap = 1,
    /// <summary>CHAP with MD5, protocol 0xC223 algorithm 5 (RFC 1994 §3).</summary>
    Chap = 2,
    /// <summary>MS-CHAP v1, protocol 0xC223 algorithm 0x80 (RFC 2433 §2). The PIX's "mschap".</summary>
    MsChapV1 = 3,
    /// <summary>MS-CHAP v2, protocol 0xC223 algorithm 0x81 (RFC 2759 §2). Most preferred: mutual authentication.</summary>
    MsChapV2 = 4,
}
