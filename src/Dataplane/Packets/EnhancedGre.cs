using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace PptpGw.Dataplane.Packets;

/// <summary>Why an enhanced GRE packet (RFC 2637 §4.1) was rejected by <see cref="EnhancedGrePacket.TryParse"/>.</summary>
public enum EnhancedGreError
{
    None = 0,
    /// <summary>Fewer octets than the 8-octet mandatory header plus the optional fields its flags announce.</summary>
    TooShort,
    /// <summary>Version field is not 1 (RFC 2637 §4.1: "Ver: Must contain 1 (enhanced GRE)").</summary>
    BadVersion,
    /// <summary>Protocol Type is not 0x880B (RFC 2637 §4.1: PPP over enhanced GRE).</summary>
    BadProtocolType,
    /// <summary>K bit clear (RFC 2637 §4.1: "Key Present ... Set (1)"; the key carries payload length and call id).</summary>
    KeyBitMissing,
    /// <summary>C bit set (RFC 2637 §4.1: "Checksum Present. Set to zero (0)").</summary>
    ChecksumPresent,
    /// <summary>R bit set (RFC 2637 §4.1: "Routing Present. Set to zero (0)").</summary>
    RoutingPresent,
    /// <summary>s bit set (RFC 2637 §4.1: "Strict source route present. Set to zero (0)").</summary>
    StrictSourceRoutePresent,
    /// <summary>Recur field non-zero (RFC 2637 §4.1: "Recursion control. Set to zero (0)").</summary>
    RecursionControlNotZero,
    /// <summary>Reserved Flags bits non-zero (RFC 2637 §4.1: "Flags. Must be set to zero (0)").</summary>
    ReservedFlagsNotZero,
    /// <summary>The Key's Payload Length is larger than the octets after the header.</summary>
    PayloadLengthExceedsPacket,
    /// <summary>Payload Length is non-zero but S is clear: RFC 2637 §4.1 sets S "if a payload (data) packet is present".</summary>
    PayloadWithoutSequenceNumber,
}

/// <summary>
/// An enhanced GRE header (RFC 2637 §4.1) and the payload it announces:
/// <code>
/// octet 0: C R K S s Recur(3)      must be 0 0 1 S 0 000
/// octet 1: A Flags(4) Ver(3)       Flags 0, Ver 1
/// octets 2-3: Protocol Type 0x880B
/// octets 4-5: Key: Payload Length; octets 6-7: Key: Call ID (the receiver's peer call id)
/// [Sequence Number (4) if S] [Acknowledgment Number (4) if A]
/// </code>
/// </summary>
public readonly ref struct EnhancedGrePacket
{
    /// <summary>C R K S s Recur and A Flags Ver: the two flag octets.</summary>
    public const int MinHeaderLength = 8;
    /// <summary>Header with both Sequence and Acknowledgment numbers.</summary>
    public const int MaxHeaderLength = 16;
    /// <summary>GRE Protocol Type for PPP (RFC 2637 §4.1).</summary>
    public const ushort PppProtocolType = 0x880B;
    /// <summary>The Ver field value of enhanced GRE.</summary>
    public const byte Version = 1;

    internal const byte ChecksumBit = 0x80;
    internal const byte RoutingBit = 0x40;
    internal const byte KeyBit = 0x20;
    internal const byte SequenceBit = 0x10;
    internal const byte StrictSourceRouteBit = 0x08;
    internal const byte RecurMask = 0x07;
    internal const byte AcknowledgmentBit = 0x80;
    internal const byte FlagsMask = 0x78;
    internal const byte VersionMask = 0x07;

    /// <summary>S bit: a Sequence Number follows the Key (set on every data packet).</summary>
    public bool SequenceNumberPresent { get; }
    /// <summary>A bit: an Acknowledgment Number follows.</summary>
    public bool AcknowledgmentNumberPresent { get; }
    /// <summary>Key, high 16 bits: size of the payload, not including the GRE header.</summary>
    public ushort PayloadLength { get; }
    /// <summary>Key, low 16 bits: the Peer's Call ID of the session this packet belongs to.</summary>
    public ushort CallId { get; }
    /// <summary>The Sequence Number; 0 when <see cref="SequenceNumberPresent"/> is false.</summary>
    public uint SequenceNumber { get; }
    /// <summary>The Acknowledgment Number; 0 when <see cref="AcknowledgmentNumberPresent"/> is false.</summary>
    public uint AcknowledgmentNumber { get; }
    /// <summary>Octets of header: 8, 12 or 16.</summary>
    public int HeaderLength { get; }
    /// <summary>Exactly <see cref="PayloadLength"/> octets following the header (the PPP frame).</summary>
    public ReadOnlySpan<byte> Payload { get; }

    private EnhancedGrePacket(bool seqPresent, bool ackPresent, ushort payloadLength, ushort callId,
        uint seq, uint ack, int headerLength, ReadOnlySpan<byte> payload)
    {
        SequenceNumberPresent = seqPresent;
        AcknowledgmentNumberPresent = ackPresent;
        PayloadLength = payloadLength;
        CallId = callId;
        SequenceNumber = seq;
        AcknowledgmentNumber = ack;
        HeaderLength = headerLength;
        Payload = payload;
    }

    /// <summary>
    /// Parses an enhanced GRE packet (the IP payload). Octets after Payload Length are ignored
    /// (the IP total length, not GRE, bounds the datagram). Never throws.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static EnhancedGreError TryParse(ReadOnlySpan<byte> input, out EnhancedGrePacket packet)
    {
        packet = default;
        if (input.Length < MinHeaderLength)
            return EnhancedGreError.TooShort;
        byte flags0 = input[0];
        byte flags1 = input[1];
        // Check the two fixed octets against the only legal pattern first; the precise reason is
        // worked out off the fast path.
        if ((flags0 & ~SequenceBit) != KeyBit || (flags1 & ~AcknowledgmentBit) != Version
            || BinaryPrimitives.ReadUInt16BigEndian(input[2..]) != PppProtocolType)
            return Classify(input);

        bool seqPresent = (flags0 & SequenceBit) != 0;
        bool ackPresent = (flags1 & AcknowledgmentBit) != 0;
        int headerLength = MinHeaderLength + (seqPresent ? 4 : 0) + (ackPresent ? 4 : 0);
        if (input.Length < headerLength)
            return EnhancedGreError.TooShort;

        ushort payloadLength = BinaryPrimitives.ReadUInt16BigEndian(input[4..]);
        ushort callId = BinaryPrimitives.ReadUInt16BigEndian(input[6..]);
        uint seq = seqPresent ? BinaryPrimitives.ReadUInt32BigEndian(input[8..]) : 0;
        uint ack = ackPresent ? BinaryPrimitives.ReadUInt32BigEndian(input[(headerLength - 4)..]) : 0;
        if (payloadLength > input.Length - headerLength)
            return EnhancedGreError.PayloadLengthExceedsPacket;
        if (payloadLength != 0 && !seqPresent)
            return EnhancedGreError.PayloadWithoutSequenceNumber;

        packet = new EnhancedGrePacket(seqPresent, ackPresent, payloadLength, callId, seq, ack, headerLength,
            input.Slice(headerLength, payloadLength));
        return EnhancedGreError.None;
    }

    private static EnhancedGreError Classify(ReadOnlySpan<byte> input)
    {
        byte flags0 = input[0];
        byte flags1 = input[1];
        if ((flags1 & VersionMask) != Version)
            return EnhancedGreError.BadVersion;
        if (BinaryPrimitives.ReadUInt16BigEndian(input[2..]) != PppProtocolType)
            return EnhancedGreError.BadProtocolType;
        if ((flags0 & ChecksumBit) != 0)
            return EnhancedGreError.ChecksumPresent;
        if ((flags0 & RoutingBit) != 0)
            return EnhancedGreError.RoutingPresent;
        if ((flags0 & KeyBit) == 0)
            return EnhancedGreError.KeyBitMissing;
        if ((flags0 & StrictSourceRouteBit) != 0)
            return EnhancedGreError.StrictSourceRoutePresent;
        if ((flags0 & RecurMask) != 0)
            return EnhancedGreError.RecursionControlNotZero;
        return EnhancedGreError.ReservedFlagsNotZero;
    }
}

/// <summary>Writes enhanced GRE headers (RFC 2637 §4.1) in front of payloads already in place.</summary>
public static class EnhancedGreWriter
{
    /// <summary>Header size for the given optional fields: 8, plus 4 for each of Sequence and Acknowledgment.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int GetHeaderLength(bool sequenceNumberPresent, bool acknowledgmentNumberPresent)
        => EnhancedGrePacket.MinHeaderLength + (sequenceNumberPresent ? 4 : 0) + (acknowledgmentNumberPresent ? 4 : 0);

    /// <summary>
    /// Writes a data packet's header at <paramref name="headerOffset"/> in <paramref name="buffer"/>; the
    /// <paramref name="payloadLength"/> octets of payload are expected right after it
    /// (at headerOffset + <see cref="GetHeaderLength"/>(true, <paramref name="acknowledgmentNumberPresent"/>)).
    /// S is always set: RFC 2637 §4.1 requires a sequence number on every packet that carries a payload;
    /// the acknowledgment is piggy-backed when <paramref name="acknowledgmentNumberPresent"/>.
    /// Returns the header length, or -1 when the buffer cannot hold header and payload or the payload
    /// does not fit the 16-bit Payload Length.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int TryWriteDataHeader(Span<byte> buffer, int headerOffset, ushort callId, int payloadLength,
        uint sequenceNumber, bool acknowledgmentNumberPresent, uint acknowledgmentNumber)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(headerOffset);
        ArgumentOutOfRangeException.ThrowIfNegative(payloadLength);
        int headerLength = acknowledgmentNumberPresent ? 16 : 12;
        if (payloadLength > ushort.MaxValue || (long)headerOffset + headerLength + payloadLength > buffer.Length)
            return -1;
        Span<byte> header = buffer.Slice(headerOffset, headerLength);
        header[0] = EnhancedGrePacket.KeyBit | EnhancedGrePacket.SequenceBit;
        header[1] = (byte)(EnhancedGrePacket.Version | (acknowledgmentNumberPresent ? EnhancedGrePacket.AcknowledgmentBit : 0));
        BinaryPrimitives.WriteUInt16BigEndian(header[2..], EnhancedGrePacket.PppProtocolType);
        BinaryPrimitives.WriteUInt16BigEndian(header[4..], (ushort)payloadLength);
        BinaryPrimitives.WriteUInt16BigEndian(header[6..], callId);
        BinaryPrimitives.WriteUInt32BigEndian(header[8..], sequenceNumber);
        if (acknowledgmentNumberPresent)
            BinaryPrimitives.WriteUInt32BigEndian(header[12..], acknowledgmentNumber);
        return headerLength;
    }

    /// <summary>
    /// Writes an acknowledgment-only packet (RFC 2637 §4.1: S clear, A set, Payload Length 0, no payload),
    /// used when there is no data to piggy-back the acknowledgment on. Returns 12, or -1 when
    /// <paramref name="destination"/> is shorter.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int TryWriteAcknowledgment(Span<byte> destination, ushort callId, uint acknowledgmentNumber)
    {
        const int length = EnhancedGrePacket.MinHeaderLength + 4;
        if (destination.Length < length)
            return -1;
        destination[0] = EnhancedGrePacket.KeyBit;
        destination[1] = EnhancedGrePacket.AcknowledgmentBit | EnhancedGrePacket.Version;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], EnhancedGrePacket.PppProtocolType);
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(destination[6..], callId);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], acknowledgmentNumber);
        return length;
    }
}
