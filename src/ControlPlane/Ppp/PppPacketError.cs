namespace PptpGw.ControlPlane.Ppp;

/// <summary>Why a PPP control packet (LCP, IPCP, CCP, PAP, CHAP) was rejected by the parser.</summary>
public enum PppPacketError
{
    None = 0,
    /// <summary>Fewer than the 4 octets of Code, Identifier and Length.</summary>
    TooShort,
    /// <summary>Length field below 4.</summary>
    LengthTooSmall,
    /// <summary>Length field larger than the octets received (RFC 1661 §5: the packet is discarded).</summary>
    LengthExceedsData,
}
