namespace PptpGw.ControlPlane.Pptp;

/// <summary>What <see cref="PptpStreamFramer.Peek"/> found at the start of the received bytes.</summary>
public enum PptpFrameStatus
{
    /// <summary>Not a whole message yet: read more.</summary>
    Incomplete = 0,
    /// <summary>A whole message of the reported length is available at the start of the buffer.</summary>
    Complete,
    /// <summary>Corrupt stream: the Length field is below the 12-octet header.</summary>
    LengthBelowHeader,
    /// <summary>Corrupt stream: the Length field is above the longest control message (220 octets, §2.9).</summary>
    LengthAboveMaximum,
    /// <summary>Corrupt stream: the Magic Cookie is not 0x1A2B3C4D, so the receiver is out of sync with the stream.</summary>
    BadMagicCookie,
}
