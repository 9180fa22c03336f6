using static PptpGw.ControlPlane.Pptp.PptpCodec;

namespace PptpGw.ControlPlane.Pptp;

// The control connection keep-alive (RFC 2637 §2.5, §2.6): either peer may send an Echo-Request
// after 60 s without control traffic; the other answers with an Echo-Reply carrying the same Identifier.

/// <summary>Echo-Request (RFC 2637 §2.5), 16 octets: header, Identifier (4).</summary>
public readonly ref struct EchoRequest : IPptpControlMessage<EchoRequest>
{
    /// <summary>Fixed length of this message, header included.</summary>
    public static int MessageLength => 16;
    /// <summary>Control Message Type 5.</summary>
    public static PptpControlMessageType Type => PptpControlMessageType.EchoRequest;

    /// <summary>Identifier: set by the sender, used to match the Echo-Reply to this request.</summary>
    public uint Identifier { get; init; }
    /// <summary>True when a parsed message had a non-zero Reserved0.</summary>
    public bool ReservedFieldsNonZero { get; private init; }

    /// <summary>Parses an Echo-Request. Never throws.</summary>
    public static PptpParseError TryParse(ReadOnlySpan<byte> input, out EchoRequest message,
        PptpReservedFieldPolicy policy = PptpReservedFieldPolicy.Tolerate)
    {
        message = default;
        PptpParseError error = Open(input, Type, out ReadOnlySpan<byte> m, out bool reserved);
        if (error != PptpParseError.None)
            return error;
        message = new EchoRequest { Identifier = U32(m, 12), ReservedFieldsNonZero = reserved };
        return Close(reserved, policy);
    }

    /// <summary>Writes the 16-octet message; false when <paramref name="destination"/> is shorter.</summary>
    public bool TryWrite(Span<byte> destination)
    {
        if (!TryOpen(destination, Type, out Span<byte> m))
            return false;
        U32(m, 12, Identifier);
        return true;
    }
}

/// <summary>Echo-Reply (RFC 2637 §2.6), 20 octets: header, Identifier (4), Result Code (1), Error Code (1), Reserved1 (2).</summary>
public readonly ref struct EchoReply : IPptpControlMessage<EchoReply>
{
    /// <summary>Fixed length of this message, header included.</summary>
    public static int MessageLength => 20;
    /// <summary>Control Message Type 6.</summary>
    public static PptpControlMessageType Type => PptpControlMessageType.EchoReply;

    /// <summary>Identifier: the contents of the Identifier field of the Echo-Request being answered.</summary>
    public uint Identifier { get; init; }
    /// <summary>Result Code: the result of the receipt of the Echo-Request.</summary>
    public EchoReplyResultCode ResultCode { get; init; }
    /// <summary>Error Code: set when Result Code is General Error (§2.16), else 0.</summary>
    public PptpGeneralErrorCode ErrorCode { get; init; }
    /// <summary>True when a parsed message had a non-zero Reserved0 or Reserved1.</summary>
    public bool ReservedFieldsNonZero { get; private init; }

    /// <summary>Parses an Echo-Reply. Never throws.</summary>
    public static PptpParseError TryParse(ReadOnlySpan<byte> input, out EchoReply message,
        PptpReservedFieldPolicy policy = PptpReservedFieldPolicy.Tolerate)
    {
        message = default;
        PptpParseError error = Open(input, Type, out ReadOnlySpan<byte> m, out bool reserved);
        if (error != PptpParseError.None)
            return error;
        reserved |= U16(m, 18) != 0;
        message = new EchoReply
        {
            Identifier = U32(m, 12),
            ResultCode = (EchoReplyResultCode)m[16],
            ErrorCode = (PptpGeneralErrorCode)m[17],
            ReservedFieldsNonZero = reserved,
        };
        return Close(reserved, policy);
    }

    /// <summary>Writes the 20-octet message; false when <paramref name="destination"/> is shorter.</summary>
    public bool TryWrite(Span<byte> destination)
    {
        if (!TryOpen(destination, Type, out Span<byte> m))
            return false;
        U32(m, 12, Identifier);
        m[16] = (byte)ResultCode;
        m[17] = (byte)ErrorCode;
        return true;
    }
}
