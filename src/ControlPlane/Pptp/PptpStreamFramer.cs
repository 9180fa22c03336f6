using System.Buffers.Binary;

namespace PptpGw.ControlPlane.Pptp;

/// <summary>
/// Splits the TCP control connection byte stream into PPTP control messages by their Length field
/// (RFC 2637 §2: every message starts with Length, header included).
/// </summary>
/// <remarks>
/// A corrupt status means the stream can no longer be framed. RFC 2637 §1 (the control message header's Magic Cookie) says the
/// cookie "should not be used as a means for resynchronizing the TCP data stream" and that "loss of
/// synchronization must result in immediate closing of the control connection's TCP session", so the
/// caller closes the connection rather than scanning for the next cookie. A Complete message may still
/// fail the message parser (wrong fixed length for its type, unknown type); the framing is intact then.
/// </remarks>
public static class PptpStreamFramer
{
    /// <summary>
    /// Looks at the start of <paramref name="received"/> (all bytes received and not yet consumed).
    /// <paramref name="messageLength"/> is the message's Length when it is known (at least 2 octets
    /// received and the Length is plausible), else 0: with <see cref="PptpFrameStatus.Complete"/> it is the
    /// number of octets to hand to the parser and then consume; with <see cref="PptpFrameStatus.Incomplete"/>
    /// it tells how many octets the whole message needs. Never throws.
    /// </summary>
    public static PptpFrameStatus Peek(ReadOnlySpan<byte> received, out int messageLength)
    {
        messageLength = 0;
        if (received.Length < 2)
            return PptpFrameStatus.Incomplete;
        int length = BinaryPrimitives.ReadUInt16BigEndian(received);
        if (length < PptpControlMessage.HeaderLength)
            return PptpFrameStatus.LengthBelowHeader;
        if (length > PptpControlMessage.MaximumLength)
            return PptpFrameStatus.LengthAboveMaximum;
        // Judge the cookie as soon as it has arrived, before waiting for the rest of the message.
        if (received.Length >= 8 && BinaryPrimitives.ReadUInt32BigEndian(received[4..]) != PptpControlMessage.MagicCookie)
            return PptpFrameStatus.BadMagicCookie;
        messageLength = length;
        return received.Length >= length ? PptpFrameStatus.Complete : PptpFrameStatus.Incomplete;
    }

    /// <summary>True for the statuses after which the control connection must be closed.</summary>
    public static bool IsCorrupt(this PptpFrameStatus status) =>
        status is not (PptpFrameStatus.Incomplete or PptpFrameStatus.Complete);
}
