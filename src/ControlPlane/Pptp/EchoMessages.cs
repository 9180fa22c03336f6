namespace PptpGw.ControlPlane.Pptp;

// The control connection keep-alive (RFC 2637 §2.5, §2.6): either peer may send an Echo-Request
// after 60 s without control traffic; the other answers with an Echo-Reply carrying the same Identifier.

/// <summary>Echo-Request (RFC 2637 §2.5), 16 octets: header, Identifier (4).</summary>
public readonly ref struct EchoRequest : IPptpControlMessage<EchoRequest>, IPptpMessageFields<EchoRequest>
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
        PptpReservedFieldPolicy policy = PptpReservedFieldPolicy.Tolerate) => PptpCodec.TryParse(input, out message, policy);

    /// <summary>Writes the 16-octet message; false when <paramref name="destination"/> is shorter.</summary>
    public bool TryWrite(Span<byte> destination) => PptpCodec.TryWrite(this, destination);

    static EchoRequest IPptpMessageFields<EchoRequest>.Read(scoped ref PptpFieldReader fields) => new()
    {
        Identifier = fields.U32(),
        ReservedFieldsNonZero = fields.End(),
    };

    void IPptpMessageFields<EchoRequest>.Write(scoped ref PptpFieldWriter fields)
    {
        fields.U32(Identifier);
    }
}

/// <summary>Echo-Reply (RFC 2637 §2.6), 20 octets: header, Identifier (4), Result Code (1), Error Code (1), Reserved1 (2).</summary>
public readonly ref struct EchoReply : IPptpControlMessage<EchoReply>, IPptpMessageFields<EchoReply>
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
        PptpReservedFieldPolicy policy = PptpReservedFieldPolicy.Tolerate) => PptpCodec.TryParse(input, out message, policy);

    /// <summary>Writes the 20-octet message; false when <paramref name="destination"/> is shorter.</summary>
    public bool TryWrite(Span<byte> destination) => PptpCodec.TryWrite(this, destination);

    static EchoReply IPptpMessageFields<EchoReply>.Read(scoped ref PptpFieldReader fields) => new()
    {
        Identifier = fields.U32(),
        ResultCode = (EchoReplyResultCode)fields.U8(),
        ErrorCode = (PptpGeneralErrorCode)fields.U8(),
        ReservedFieldsNonZero = fields.End(trailingReserved: 2),
    };

    void IPptpMessageFields<EchoReply>.Write(scoped ref PptpFieldWriter fields)
    {
        fields.U32(Identifier);
        fields.U8((byte)ResultCode);
        fields.U8((byte)ErrorCode);
        fields.End(trailingReserved: 2);
    }
}
