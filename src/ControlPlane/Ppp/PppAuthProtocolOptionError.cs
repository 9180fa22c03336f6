namespace PptpGw.ControlPlane.Ppp;

/// <summary>Why Authentication-Protocol option data was not understood by <see cref="PppAuthProtocolOption.TryParse"/>.</summary>
public enum PppAuthProtocolOptionError
{
    None = 0,
    /// <summary>Fewer than the 2 octets of the Authentication-Protocol field.</summary>
    TooShort,
    /// <summary>A protocol other than PAP (0xC023) or CHAP (0xC223), e.g. EAP (0xC227).</summary>
    UnknownProtocol,
    /// <summary>CHAP without the Algorithm octet (RFC 1994 §3 makes it mandatory).</summary>
    MissingChapAlgorithm,
    /// <summary>CHAP with an algorithm other than 5, 0x80 or 0x81.</summary>
    UnknownChapAlgorithm,
    /// <summary>Octets beyond the protocol (PAP) or the algorithm (CHAP): RFC 1334 §2.1 and RFC 1994 §3 define none.</summary>
    UnexpectedData,
}
