namespace PptpGw.ControlPlane.Pptp;

// Call Management, incoming calls (RFC 2637 §2.9–§2.11): the three-way handshake
// Incoming-Call-Request (PAC→PNS), Incoming-Call-Reply (PNS→PAC), Incoming-Call-Connected (PAC→PNS).

/// <summary>
/// Incoming-Call-Request (RFC 2637 §2.9), 220 octets: header, Call ID (2), Call Serial Number (2),
/// Call Bearer Type (4), Physical Channel ID (4), Dialed Number Length (2), Dialing Number Length (2),
/// Dialed Number (64), Dialing Number (64), Subaddress (64).
/// </summary>
public readonly ref struct IncomingCallRequest : IPptpControlMessage<IncomingCallRequest>, IPptpMessageFields<IncomingCallRequest>
{
    /// <summary>Fixed length of this message, header included.</summary>
    public static int MessageLength => 220;
    /// <summary>Control Message Type 9.</summary>
    public static PptpControlMessageType Type => PptpControlMessageType.IncomingCallRequest;

    private readonly ReadOnlySpan<byte> _dialedNumber;
    private readonly ReadOnlySpan<byte> _dialingNumber;
    private readonly ReadOnlySpan<byte> _subaddress;

    /// <summary>Call ID: unique identifier assigned by the PAC to this session.</summary>
    public ushort CallId { get; init; }
    /// <summary>Call Serial Number: identifier assigned by the PAC to this session for logging.</summary>
    public ushort CallSerialNumber { get; init; }
    /// <summary>Call Bearer Type: the call is on an analog (1) or digital (2) channel.</summary>
    public PptpBearerType CallBearerType { get; init; }
    /// <summary>Physical Channel ID: vendor-specific physical channel number, for logging.</summary>
    public uint PhysicalChannelId { get; init; }
    /// <summary>Dialed Number Length: the actual number of valid digits in the Dialed Number field.</summary>
    public ushort DialedNumberLength { get; init; }
    /// <summary>Dialing Number Length: the actual number of valid digits in the Dialing Number field.</summary>
    public ushort DialingNumberLength { get; init; }
    /// <summary>Dialed Number (64 octets, NUL padded): the number dialed by the caller (DNIS). At most 64 octets.</summary>
    public ReadOnlySpan<byte> DialedNumber { get => _dialedNumber; init => _dialedNumber = PptpString.Check(value, PptpString.FieldLength, nameof(DialedNumber)); }
    /// <summary>Dialing Number (64 octets, NUL padded): the number from which the call was placed (CLID). At most 64 octets.</summary>
    public ReadOnlySpan<byte> DialingNumber { get => _dialingNumber; init => _dialingNumber = PptpString.Check(value, PptpString.FieldLength, nameof(DialingNumber)); }
    /// <summary>Subaddress (64 octets, NUL padded): additional dialing information. At most 64 octets.</summary>
    public ReadOnlySpan<byte> Subaddress { get => _subaddress; init => _subaddress = PptpString.Check(value, PptpString.FieldLength, nameof(Subaddress)); }
    /// <summary>True when a parsed message had a non-zero Reserved0.</summary>
    public bool ReservedFieldsNonZero { get; private init; }

    /// <summary>Parses an Incoming-Call-Request. Never throws.</summary>
    public static PptpParseError TryParse(ReadOnlySpan<byte> input, out IncomingCallRequest message,
        PptpReservedFieldPolicy policy = PptpReservedFieldPolicy.Tolerate) => PptpCodec.TryParse(input, out message, policy);

    /// <summary>Writes the 220-octet message; false when <paramref name="destination"/> is shorter.</summary>
    public bool TryWrite(Span<byte> destination) => PptpCodec.TryWrite(this, destination);

    static IncomingCallRequest IPptpMessageFields<IncomingCallRequest>.Read(scoped ref PptpFieldReader fields) => new()
    {
        CallId = fields.U16(),
        CallSerialNumber = fields.U16(),
        CallBearerType = (PptpBearerType)fields.U32(),
        PhysicalChannelId = fields.U32(),
        DialedNumberLength = fields.U16(),
        DialingNumberLength = fields.U16(),
        DialedNumber = fields.Bytes(PptpString.FieldLength),
        DialingNumber = fields.Bytes(PptpString.FieldLength),
        Subaddress = fields.Bytes(PptpString.FieldLength),
        ReservedFieldsNonZero = fields.End(),
    };

    void IPptpMessageFields<IncomingCallRequest>.Write(scoped ref PptpFieldWriter fields)
    {
        fields.U16(CallId);
        fields.U16(CallSerialNumber);
        fields.U32((uint)CallBearerType);
        fields.U32(PhysicalChannelId);
        fields.U16(DialedNumberLength);
        fields.U16(DialingNumberLength);
        fields.Bytes(DialedNumber, PptpString.FieldLength);
        fields.Bytes(DialingNumber, PptpString.FieldLength);
        fields.Bytes(Subaddress, PptpString.FieldLength);
    }
}

/// <summary>
/// Incoming-Call-Reply (RFC 2637 §2.10), 24 octets: header, Call ID (2), Peer's Call ID (2), Result Code (1),
/// Error Code (1), Packet Recv. Window Size (2), Packet Transmit Delay (2), Reserved1 (2).
/// (24, not 28: the §2.10 diagram has three 32-bit words after the header.)
/// </summary>
public readonly ref struct IncomingCallReply : IPptpControlMessage<IncomingCallReply>, IPptpMessageFields<IncomingCallReply>
{
    /// <summary>Fixed length of this message, header included.</summary>
    public static int MessageLength => 24;
    /// <summary>Control Message Type 10.</summary>
    public static PptpControlMessageType Type => PptpControlMessageType.IncomingCallReply;

    /// <summary>Call ID: unique identifier assigned by the PNS to this session.</summary>
    public ushort CallId { get; init; }
    /// <summary>Peer's Call ID: the Call ID of the Incoming-Call-Request being answered.</summary>
    public ushort PeersCallId { get; init; }
    /// <summary>Result Code: whether the PAC should answer the call.</summary>
    public IncomingCallResultCode ResultCode { get; init; }
    /// <summary>Error Code: set when Result Code is General Error (§2.16), else 0.</summary>
    public PptpGeneralErrorCode ErrorCode { get; init; }
    /// <summary>Packet Recv. Window Size: the number of received data packets the PNS will buffer for this session.</summary>
    public ushort PacketRecvWindowSize { get; init; }
    /// <summary>Packet Transmit Delay: a measure of the packet processing delay of the PNS, in 1/10 seconds.</summary>
    public ushort PacketTransmitDelay { get; init; }
    /// <summary>True when a parsed message had a non-zero Reserved0 or Reserved1.</summary>
    public bool ReservedFieldsNonZero { get; private init; }

    /// <summary>Parses an Incoming-Call-Reply. Never throws.</summary>
    public static PptpParseError TryParse(ReadOnlySpan<byte> input, out IncomingCallReply message,
        PptpReservedFieldPolicy policy = PptpReservedFieldPolicy.Tolerate) => PptpCodec.TryParse(input, out message, policy);

    /// <summary>Writes the 24-octet message; false when <paramref name="destination"/> is shorter.</summary>
    public bool TryWrite(Span<byte> destination) => PptpCodec.TryWrite(this, destination);

    static IncomingCallReply IPptpMessageFields<IncomingCallReply>.Read(scoped ref PptpFieldReader fields) => new()
    {
        CallId = fields.U16(),
        PeersCallId = fields.U16(),
        ResultCode = (IncomingCallResultCode)fields.U8(),
        ErrorCode = (PptpGeneralErrorCode)fields.U8(),
        PacketRecvWindowSize = fields.U16(),
        PacketTransmitDelay = fields.U16(),
        ReservedFieldsNonZero = fields.End(trailingReserved: 2),
    };

    void IPptpMessageFields<IncomingCallReply>.Write(scoped ref PptpFieldWriter fields)
    {
        fields.U16(CallId);
        fields.U16(PeersCallId);
        fields.U8((byte)ResultCode);
        fields.U8((byte)ErrorCode);
        fields.U16(PacketRecvWindowSize);
        fields.U16(PacketTransmitDelay);
        fields.End(trailingReserved: 2);
    }
}

/// <summary>
/// Incoming-Call-Connected (RFC 2637 §2.11), 28 octets: header, Peer's Call ID (2), Reserved1 (2),
/// Connect Speed (4), Packet Recv. Window Size (2), Packet Transmit Delay (2), Framing Type (4).
/// </summary>
public readonly ref struct IncomingCallConnected : IPptpControlMessage<IncomingCallConnected>, IPptpMessageFields<IncomingCallConnected>
{
    /// <summary>Fixed length of this message, header included.</summary>
    public static int MessageLength => 28;
    /// <summary>Control Message Type 11.</summary>
    public static PptpControlMessageType Type => PptpControlMessageType.IncomingCallConnected;

    /// <summary>Peer's Call ID: the Call ID of the Incoming-Call-Reply (the PNS's Call ID).</summary>
    public ushort PeersCallId { get; init; }
    /// <summary>Connect Speed: the actual connection speed, in bits/second.</summary>
    public uint ConnectSpeed { get; init; }
    /// <summary>Packet Recv. Window Size: the number of received data packets the PAC will buffer for this session.</summary>
    public ushort PacketRecvWindowSize { get; init; }
    /// <summary>Packet Transmit Delay: a measure of the packet processing delay of the PAC, in 1/10 seconds.</summary>
    public ushort PacketTransmitDelay { get; init; }
    /// <summary>Framing Type: asynchronous (1) or synchronous (2) framing.</summary>
    public PptpFramingType FramingType { get; init; }
    /// <summary>True when a parsed message had a non-zero Reserved0 or Reserved1.</summary>
    public bool ReservedFieldsNonZero { get; private init; }

    /// <summary>Parses an Incoming-Call-Connected. Never throws.</summary>
    public static PptpParseError TryParse(ReadOnlySpan<byte> input, out IncomingCallConnected message,
        PptpReservedFieldPolicy policy = PptpReservedFieldPolicy.Tolerate) => PptpCodec.TryParse(input, out message, policy);

    /// <summary>Writes the 28-octet message; false when <paramref name="destination"/> is shorter.</summary>
    public bool TryWrite(Span<byte> destination) => PptpCodec.TryWrite(this, destination);

    static IncomingCallConnected IPptpMessageFields<IncomingCallConnected>.Read(scoped ref PptpFieldReader fields) => new()
    {
        PeersCallId = fields.U16(),
        ConnectSpeed = fields.U32(reservedBefore: 2),
        PacketRecvWindowSize = fields.U16(),
        PacketTransmitDelay = fields.U16(),
        FramingType = (PptpFramingType)fields.U32(),
        ReservedFieldsNonZero = fields.End(),
    };

    void IPptpMessageFields<IncomingCallConnected>.Write(scoped ref PptpFieldWriter fields)
    {
        fields.U16(PeersCallId);
        fields.U32(ConnectSpeed, reservedBefore: 2);
        fields.U16(PacketRecvWindowSize);
        fields.U16(PacketTransmitDelay);
        fields.U32((uint)FramingType);
    }
}
