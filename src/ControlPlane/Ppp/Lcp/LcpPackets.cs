using System.Buffers.Binary;

namespace PptpGw.ControlPlane.Ppp.Lcp;

/// <summary>Why an LCP packet body (after the shared <see cref="PppControlPacket"/> header) was rejected.</summary>
public enum LcpPacketError
{
    None = 0,
    /// <summary>The packet's Code is not one this codec handles.</summary>
    UnexpectedCode,
    /// <summary>Data shorter than the 4-octet Magic-Number (RFC 1661 §5.8, RFC 1570 §2).</summary>
    MagicNumberTruncated,
    /// <summary>Protocol-Reject data shorter than the 2-octet Rejected-Protocol (RFC 1661 §5.7).</summary>
    RejectedProtocolTruncated,
    /// <summary>Code-Reject without any rejected packet (RFC 1661 §5.6).</summary>
    RejectedPacketMissing,
    /// <summary>Time-Remaining data shorter than Magic-Number plus the 4-octet Seconds-Remaining (RFC 1570 §2.2).</summary>
    SecondsRemainingTruncated,
}

file static class LcpWrite
{
    /// <summary>Writes header + fixed fields + trailing data; returns total length or -1.</summary>
    public static int Packet(Span<byte> destination, LcpCode code, byte identifier, int fixedLength,
        ReadOnlySpan<byte> data, out Span<byte> fixedFields)
    {
        fixedFields = default;
        int length = PppControlPacket.HeaderLength + fixedLength + data.Length;
        if (length > ushort.MaxValue || length > destination.Length
            || !PppControlPacket.TryWriteHeader(destination, (byte)code, identifier, fixedLength + data.Length))
            return -1;
        fixedFields = destination.Slice(PppControlPacket.HeaderLength, fixedLength);
        data.CopyTo(destination[(PppControlPacket.HeaderLength + fixedLength)..]);
        return length;
    }
}

/// <summary>Echo-Request, Echo-Reply and Discard-Request (RFC 1661 §5.8, §5.9): Magic-Number then Data.</summary>
public readonly ref struct LcpEchoPacket
{
    public LcpCode Code { get; }
    public byte Identifier { get; }
    public uint MagicNumber { get; }
    /// <summary>Uninterpreted data, echoed back in an Echo-Reply.</summary>
    public ReadOnlySpan<byte> Data { get; }

    private LcpEchoPacket(LcpCode code, byte identifier, uint magicNumber, ReadOnlySpan<byte> data)
    {
        Code = code;
        Identifier = identifier;
        MagicNumber = magicNumber;
        Data = data;
    }

    public static LcpPacketError TryParse(PppControlPacket packet, out LcpEchoPacket value)
    {
        value = default;
        LcpCode code = (LcpCode)packet.Code;
        if (code is not (LcpCode.EchoRequest or LcpCode.EchoReply or LcpCode.DiscardRequest))
            return LcpPacketError.UnexpectedCode;
        if (packet.Data.Length < 4)
            return LcpPacketError.MagicNumberTruncated;
        value = new LcpEchoPacket(code, packet.Identifier, BinaryPrimitives.ReadUInt32BigEndian(packet.Data), packet.Data[4..]);
        return LcpPacketError.None;
    }

    /// <summary>Writes a whole packet; <paramref name="code"/> must be Echo-Request, Echo-Reply or Discard-Request. Returns its length or -1.</summary>
    public static int TryWrite(Span<byte> destination, LcpCode code, byte identifier, uint magicNumber, ReadOnlySpan<byte> data)
    {
        if (code is not (LcpCode.EchoRequest or LcpCode.EchoReply or LcpCode.DiscardRequest))
            throw new ArgumentOutOfRangeException(nameof(code), code, "Echo-Request, Echo-Reply or Discard-Request expected.");
        int length = LcpWrite.Packet(destination, code, identifier, 4, data, out Span<byte> fixedFields);
        if (length >= 0)
            BinaryPrimitives.WriteUInt32BigEndian(fixedFields, magicNumber);
        return length;
    }
}

/// <summary>Protocol-Reject (RFC 1661 §5.7): the rejected PPP protocol number and as much of its Information as fits.</summary>
public readonly ref struct LcpProtocolReject
{
    public byte Identifier { get; }
    public ushort RejectedProtocol { get; }
    public ReadOnlySpan<byte> RejectedInformation { get; }

    private LcpProtocolReject(byte identifier, ushort rejectedProtocol, ReadOnlySpan<byte> rejectedInformation)
    {
        Identifier = identifier;
        RejectedProtocol = rejectedProtocol;
        RejectedInformation = rejectedInformation;
    }

    public static LcpPacketError TryParse(PppControlPacket packet, out LcpProtocolReject value)
    {
        value = default;
        if (packet.Code != (byte)LcpCode.ProtocolReject)
            return LcpPacketError.UnexpectedCode;
        if (packet.Data.Length < 2)
            return LcpPacketError.RejectedProtocolTruncated;
        value = new LcpProtocolReject(packet.Identifier, BinaryPrimitives.ReadUInt16BigEndian(packet.Data), packet.Data[2..]);
        return LcpPacketError.None;
    }

    /// <summary>
    /// Writes a Protocol-Reject. <paramref name="rejectedInformation"/> is truncated so the packet fits
    /// <paramref name="maximumLength"/> (the peer's MRU; RFC 1661 §5.7: "truncated to comply with the
    /// peer's established MRU"). Returns the packet length or -1.
    /// </summary>
    public static int TryWrite(Span<byte> destination, byte identifier, ushort rejectedProtocol,
        ReadOnlySpan<byte> rejectedInformation, int maximumLength = ushort.MaxValue)
    {
        int room = Math.Min(maximumLength, ushort.MaxValue) - PppControlPacket.HeaderLength - 2;
        if (room < 0)
            return -1;
        if (rejectedInformation.Length > room)
            rejectedInformation = rejectedInformation[..room];
        int length = LcpWrite.Packet(destination, LcpCode.ProtocolReject, identifier, 2, rejectedInformation, out Span<byte> fixedFields);
        if (length >= 0)
            BinaryPrimitives.WriteUInt16BigEndian(fixedFields, rejectedProtocol);
        return length;
    }
}

/// <summary>Code-Reject (RFC 1661 §5.6): a copy of the packet whose Code was not understood.</summary>
public readonly ref struct LcpCodeReject
{
    public byte Identifier { get; }
    /// <summary>The rejected packet, starting with its Code; possibly truncated by the sender.</summary>
    public ReadOnlySpan<byte> RejectedPacket { get; }
    /// <summary>Code of the rejected packet.</summary>
    public byte RejectedCode => RejectedPacket.IsEmpty ? (byte)0 : RejectedPacket[0];

    private LcpCodeReject(byte identifier, ReadOnlySpan<byte> rejectedPacket)
    {
        Identifier = identifier;
        RejectedPacket = rejectedPacket;
    }

    public static LcpPacketError TryParse(PppControlPacket packet, out LcpCodeReject value)
    {
        value = default;
        if (packet.Code != (byte)LcpCode.CodeReject)
            return LcpPacketError.UnexpectedCode;
        if (packet.Data.IsEmpty)
            return LcpPacketError.RejectedPacketMissing;
        value = new LcpCodeReject(packet.Identifier, packet.Data);
        return LcpPacketError.None;
    }

    /// <summary>Writes a Code-Reject, truncating the copy to <paramref name="maximumLength"/> (RFC 1661 §5.6). Returns the length or -1.</summary>
    public static int TryWrite(Span<byte> destination, byte identifier, ReadOnlySpan<byte> rejectedPacket, int maximumLength = ushort.MaxValue)
    {
        int room = Math.Min(maximumLength, ushort.MaxValue) - PppControlPacket.HeaderLength;
        if (room < 1)
            return -1;
        if (rejectedPacket.Length > room)
            rejectedPacket = rejectedPacket[..room];
        return LcpWrite.Packet(destination, LcpCode.CodeReject, identifier, 0, rejectedPacket, out _);
    }
}

/// <summary>Terminate-Request and Terminate-Ack (RFC 1661 §5.5): uninterpreted Data.</summary>
public readonly ref struct LcpTerminatePacket
{
    public LcpCode Code { get; }
    public byte Identifier { get; }
    public ReadOnlySpan<byte> Data { get; }

    private LcpTerminatePacket(LcpCode code, byte identifier, ReadOnlySpan<byte> data)
    {
        Code = code;
        Identifier = identifier;
        Data = data;
    }

    public static LcpPacketError TryParse(PppControlPacket packet, out LcpTerminatePacket value)
    {
        value = default;
        LcpCode code = (LcpCode)packet.Code;
        if (code is not (LcpCode.TerminateRequest or LcpCode.TerminateAck))
            return LcpPacketError.UnexpectedCode;
        value = new LcpTerminatePacket(code, packet.Identifier, packet.Data);
        return LcpPacketError.None;
    }

    /// <summary><paramref name="code"/> must be Terminate-Request or Terminate-Ack. Returns the length or -1.</summary>
    public static int TryWrite(Span<byte> destination, LcpCode code, byte identifier, ReadOnlySpan<byte> data)
    {
        if (code is not (LcpCode.TerminateRequest or LcpCode.TerminateAck))
            throw new ArgumentOutOfRangeException(nameof(code), code, "Terminate-Request or Terminate-Ack expected.");
        return LcpWrite.Packet(destination, code, identifier, 0, data, out _);
    }
}

/// <summary>Identification (RFC 1570 §2.1): Magic-Number then a Message (Windows: "MSRASV5.00", "MSRAS-1-…").</summary>
public readonly ref struct LcpIdentification
{
    public byte Identifier { get; }
    public uint MagicNumber { get; }
    public ReadOnlySpan<byte> Message { get; }

    private LcpIdentification(byte identifier, uint magicNumber, ReadOnlySpan<byte> message)
    {
        Identifier = identifier;
        MagicNumber = magicNumber;
        Message = message;
    }

    public static LcpPacketError TryParse(PppControlPacket packet, out LcpIdentification value)
    {
        value = default;
        if (packet.Code != (byte)LcpCode.Identification)
            return LcpPacketError.UnexpectedCode;
        if (packet.Data.Length < 4)
            return LcpPacketError.MagicNumberTruncated;
        value = new LcpIdentification(packet.Identifier, BinaryPrimitives.ReadUInt32BigEndian(packet.Data), packet.Data[4..]);
        return LcpPacketError.None;
    }

    public static int TryWrite(Span<byte> destination, byte identifier, uint magicNumber, ReadOnlySpan<byte> message)
    {
        int length = LcpWrite.Packet(destination, LcpCode.Identification, identifier, 4, message, out Span<byte> fixedFields);
        if (length >= 0)
            BinaryPrimitives.WriteUInt32BigEndian(fixedFields, magicNumber);
        return length;
    }
}

/// <summary>Time-Remaining (RFC 1570 §2.2): Magic-Number, Seconds-Remaining, Message.</summary>
public readonly ref struct LcpTimeRemaining
{
    public byte Identifier { get; }
    public uint MagicNumber { get; }
    public uint SecondsRemaining { get; }
    public ReadOnlySpan<byte> Message { get; }

    private LcpTimeRemaining(byte identifier, uint magicNumber, uint secondsRemaining, ReadOnlySpan<byte> message)
    {
        Identifier = identifier;
        MagicNumber = magicNumber;
        SecondsRemaining = secondsRemaining;
        Message = message;
    }

    public static LcpPacketError TryParse(PppControlPacket packet, out LcpTimeRemaining value)
    {
        value = default;
        if (packet.Code != (byte)LcpCode.TimeRemaining)
            return LcpPacketError.UnexpectedCode;
        if (packet.Data.Length < 4)
            return LcpPacketError.MagicNumberTruncated;
        if (packet.Data.Length < 8)
            return LcpPacketError.SecondsRemainingTruncated;
        value = new LcpTimeRemaining(packet.Identifier, BinaryPrimitives.ReadUInt32BigEndian(packet.Data),
            BinaryPrimitives.ReadUInt32BigEndian(packet.Data[4..]), packet.Data[8..]);
        return LcpPacketError.None;
    }

    public static int TryWrite(Span<byte> destination, byte identifier, uint magicNumber, uint secondsRemaining, ReadOnlySpan<byte> message)
    {
        int length = LcpWrite.Packet(destination, LcpCode.TimeRemaining, identifier, 8, message, out Span<byte> fixedFields);
        if (length >= 0)
        {
            BinaryPrimitives.WriteUInt32BigEndian(fixedFields, magicNumber);
            BinaryPrimitives.WriteUInt32BigEndian(fixedFields[4..], secondsRemaining);
        }
        return length;
    }
}
