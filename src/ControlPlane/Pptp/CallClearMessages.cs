namespace PptpGw.ControlPlane.Pptp;

// Call Management, call clearing (RFC 2637 §2.12, §2.13): the PNS asks with Call-Clear-Request;
// the PAC reports every disconnect (requested or not) with Call-Disconnect-Notify.

/// <summary>Call-Clear-Request (RFC 2637 §2.12), 16 octets: header, Call ID (2), Reserved1 (2).</summary>
public readonly ref struct CallClearRequest : IPptpControlMessage<CallClearRequest>, IPptpMessageFields<CallClearRequest>
{
    /// <summary>Fixed length of this message, header included.</summary>
    public static int MessageLength => 16;
    /// <summary>Control Message Type 12.</summary>
    public static PptpControlMessageType Type => PptpControlMessageType.CallClearRequest;

    /// <summary>Call ID: the sender's (PNS's) Call ID of the call to clear — the Call ID it put in its own OCRQ or ICRP.</summary>
    public ushort CallId { get; init; }
    /// <summary>True when a parsed message had a non-zero Reserved0 or Reserved1.</summary>
    public bool ReservedFieldsNonZero { get; private init; }

    /// <summary>Parses a Call-Clear-Request. Never throws.</summary>
    public static PptpParseError TryParse(ReadOnlySpan<byte> input, out CallClearRequest message,
        PptpReservedFieldPolicy policy = PptpReservedFieldPolicy.Tolerate) => PptpCodec.TryParse(input, out message, policy);

    /// <summary>Writes the 16-octet message; false when <paramref name="destination"/> is shorter.</summary>
    public bool TryWrite(Span<byte> destination) => PptpCodec.TryWrite(this, destination);

    static CallClearRequest IPptpMessageFields<CallClearRequest>.Read(scoped ref PptpFieldReader fields) => new()
    {
        CallId = fields.U16(),
        ReservedFieldsNonZero = fields.End(trailingReserved: 2),
    };

    void IPptpMessageFields<CallClearRequest>.Write(scoped ref PptpFieldWriter fields)
    {
        fields.U16(CallId);
        fields.End(trailingReserved: 2);
    }
}

/// <summary>
/// Call-Disconnect-Notify (RFC 2637 §2.13), 148 octets: header, Call ID (2), Result Code (1), Error Code (1),
/// Cause Code (2), Reserved1 (2), Call Statistics (128).
/// </summary>
public readonly ref struct CallDisconnectNotify : IPptpControlMessage<CallDisconnectNotify>, IPptpMessageFields<CallDisconnectNotify>
{
    /// <summary>Fixed length of this message, header included.</summary>
    public static int MessageLength => 148;
    /// <summary>Control Message Type 13.</summary>
    public static PptpControlMessageType Type => PptpControlMessageType.CallDisconnectNotify;

    private readonly ReadOnlySpan<byte> _callStatistics;

    /// <summary>Call ID: the sender's (PAC's) Call ID of the disconnected call.</summary>
    public ushort CallId { get; init; }
    /// <summary>Result Code: why the call was disconnected.</summary>
    public CallDisconnectResultCode ResultCode { get; init; }
    /// <summary>Error Code: set when Result Code is General Error (§2.16), else 0.</summary>
    public PptpGeneralErrorCode ErrorCode { get; init; }
    /// <summary>Cause Code: additional disconnect information (e.g. an ISDN Q.931 cause); 0 when not used.</summary>
    public ushort CauseCode { get; init; }
    /// <summary>Call Statistics (128 octets, NUL padded): vendor-specific call statistics, for logging. At most 128 octets.</summary>
    public ReadOnlySpan<byte> CallStatistics { get => _callStatistics; init => _callStatistics = PptpString.Check(value, PptpString.CallStatisticsLength, nameof(CallStatistics)); }
    /// <summary>True when a parsed message had a non-zero Reserved0 or Reserved1.</summary>
    public bool ReservedFieldsNonZero { get; private init; }

    /// <summary>Parses a Call-Disconnect-Notify. Never throws.</summary>
    public static PptpParseError TryParse(ReadOnlySpan<byte> input, out CallDisconnectNotify message,
        PptpReservedFieldPolicy policy = PptpReservedFieldPolicy.Tolerate) => PptpCodec.TryParse(input, out message, policy);

    /// <summary>Writes the 148-octet message; false when <paramref name="destination"/> is shorter.</summary>
    public bool TryWrite(Span<byte> destination) => PptpCodec.TryWrite(this, destination);

    static CallDisconnectNotify IPptpMessageFields<CallDisconnectNotify>.Read(scoped ref PptpFieldReader fields) => new()
    {
        CallId = fields.U16(),
        ResultCode = (CallDisconnectResultCode)fields.U8(),
        ErrorCode = (PptpGeneralErrorCode)fields.U8(),
        CauseCode = fields.U16(),
        CallStatistics = fields.Bytes(PptpString.CallStatisticsLength, reservedBefore: 2),
        ReservedFieldsNonZero = fields.End(),
    };

    void IPptpMessageFields<CallDisconnectNotify>.Write(scoped ref PptpFieldWriter fields)
    {
        fields.U16(CallId);
        fields.U8((byte)ResultCode);
        fields.U8((byte)ErrorCode);
        fields.U16(CauseCode);
        fields.Bytes(CallStatistics, PptpString.CallStatisticsLength, reservedBefore: 2);
    }
}
