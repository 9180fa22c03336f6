namespace PptpGw.ControlPlane.Pptp;

// Call Management, outgoing calls (RFC 2637 §2.7, §2.8). Remote-access clients (Windows, pppd)
// open their session with an Outgoing-Call-Request, so a VPN gateway receives OCRQ and answers OCRP
// (the reference PIX logs "CC I OCRQ" / "CC O OCRP").

/// <summary>
/// Outgoing-Call-Request (RFC 2637 §2.7), 168 octets: header, Call ID (2), Call Serial Number (2), Minimum BPS (4),
/// Maximum BPS (4), Bearer Type (4), Framing Type (4), Packet Recv. Window Size (2), Packet Processing Delay (2),
/// Phone Number Length (2), Reserved1 (2), Phone Number (64), Subaddress (64).
/// </summary>
public readonly ref struct OutgoingCallRequest : IPptpControlMessage<OutgoingCallRequest>, IPptpMessageFields<OutgoingCallRequest>
{
    /// <summary>Fixed length of this message, header included.</summary>
    public static int MessageLength => 168;
    /// <summary>Control Message Type 7.</summary>
    public static PptpControlMessageType Type => PptpControlMessageType.OutgoingCallRequest;

    private readonly ReadOnlySpan<byte> _phoneNumber;
    private readonly ReadOnlySpan<byte> _subaddress;

    /// <summary>Call ID: unique identifier, assigned by the sender, of this session within the tunnel; the peer puts it in the GRE Key of packets it sends (§4.1).</summary>
    public ushort CallId { get; init; }
    /// <summary>Call Serial Number: identifier assigned by the PNS to this session for logging.</summary>
    public ushort CallSerialNumber { get; init; }
    /// <summary>Minimum BPS: the lowest acceptable line speed, in bits/second.</summary>
    public uint MinimumBps { get; init; }
    /// <summary>Maximum BPS: the highest acceptable line speed, in bits/second.</summary>
    public uint MaximumBps { get; init; }
    /// <summary>Bearer Type: analog, digital or any channel.</summary>
    public PptpBearerType BearerType { get; init; }
    /// <summary>Framing Type: asynchronous, synchronous or either.</summary>
    public PptpFramingType FramingType { get; init; }
    /// <summary>Packet Recv. Window Size: the number of received data packets the sender will buffer for this session.</summary>
    public ushort PacketRecvWindowSize { get; init; }
    /// <summary>Packet Processing Delay: a measure of the packet processing delay of the sender, in 1/10 seconds.</summary>
    public ushort PacketProcessingDelay { get; init; }
    /// <summary>Phone Number Length: the actual number of valid digits in the Phone Number field (not checked against the field).</summary>
    public ushort PhoneNumberLength { get; init; }
    /// <summary>Phone Number (64 octets, NUL padded): the number to dial. At most 64 octets.</summary>
    public ReadOnlySpan<byte> PhoneNumber { get => _phoneNumber; init => _phoneNumber = PptpString.Check(value, PptpString.FieldLength, nameof(PhoneNumber)); }
    /// <summary>Subaddress (64 octets, NUL padded): additional dialing information. At most 64 octets.</summary>
    public ReadOnlySpan<byte> Subaddress { get => _subaddress; init => _subaddress = PptpString.Check(value, PptpString.FieldLength, nameof(Subaddress)); }
    /// <summary>True when a parsed message had a non-zero Reserved0 or Reserved1.</summary>
    public bool ReservedFieldsNonZero { get; private init; }

    /// <summary>Parses an Outgoing-Call-Request. Never throws.</summary>
    public static PptpParseError TryParse(ReadOnlySpan<byte> input, out OutgoingCallRequest message,
        PptpReservedFieldPolicy policy = PptpReservedFieldPolicy.Tolerate) => PptpCodec.TryParse(input, out message, policy);

    /// <summary>
    /// The first field whose value is out of range (RFC 2637 §2.7), as the reason of a General Error / Bad-Value (§2.16)
    /// Outgoing-Call-Reply; null when every field is acceptable. Checked: Bearer and Framing Type (1-3), Packet Recv.
    /// Window Size (at least 1: a window of 0 would forbid sending anything, §4.4) and Phone Number Length (at most the
    /// 64-octet field). Subaddress has no length field (§2.7): its 64 octets are the bound, and logs stop at its first
    /// NUL. Not checked, to stay liberal with real clients: octets after the NUL padding, and the line speeds (the PAC
    /// picks the connect speed; clients send any pair: Windows 300-100000000, pptp-linux 2400-10000000).
    /// </summary>
    public string? FindBadValue()
    {
        if (BearerType is not (PptpBearerType.Analog or PptpBearerType.Digital or PptpBearerType.Any))
            return $"Bearer Type {(uint)BearerType} is not 1-3";
        if (FramingType is not (PptpFramingType.Asynchronous or PptpFramingType.Synchronous or PptpFramingType.Any))
            return $"Framing Type {(uint)FramingType} is not 1-3";
        if (PacketRecvWindowSize == 0)
            return "Packet Recv. Window Size 0";
        if (PhoneNumberLength > PptpString.FieldLength)
            return $"Phone Number Length {PhoneNumberLength} exceeds the {PptpString.FieldLength}-octet field";
        return null;
    }

    /// <summary>Writes the 168-octet message; false when <paramref name="destination"/> is shorter.</summary>
    public bool TryWrite(Span<byte> destination) => PptpCodec.TryWrite(this, destination);

    static OutgoingCallRequest IPptpMessageFields<OutgoingCallRequest>.Read(scoped ref PptpFieldReader fields) => new()
    {
        CallId = fields.U16(),
        CallSerialNumber = fields.U16(),
        MinimumBps = fields.U32(),
        MaximumBps = fields.U32(),
        BearerType = (PptpBearerType)fields.U32(),
        FramingType = (PptpFramingType)fields.U32(),
        PacketRecvWindowSize = fields.U16(),
        PacketProcessingDelay = fields.U16(),
        PhoneNumberLength = fields.U16(),
        PhoneNumber = fields.Bytes(PptpString.FieldLength, reservedBefore: 2),
        Subaddress = fields.Bytes(PptpString.FieldLength),
        ReservedFieldsNonZero = fields.End(),
    };

    void IPptpMessageFields<OutgoingCallRequest>.Write(scoped ref PptpFieldWriter fields)
    {
        fields.U16(CallId);
        fields.U16(CallSerialNumber);
        fields.U32(MinimumBps);
        fields.U32(MaximumBps);
        fields.U32((uint)BearerType);
        fields.U32((uint)FramingType);
        fields.U16(PacketRecvWindowSize);
        fields.U16(PacketProcessingDelay);
        fields.U16(PhoneNumberLength);
        fields.Bytes(PhoneNumber, PptpString.FieldLength, reservedBefore: 2);
        fields.Bytes(Subaddress, PptpString.FieldLength);
    }
}

/// <summary>
/// Outgoing-Call-Reply (RFC 2637 §2.8), 32 octets: header, Call ID (2), Peer's Call ID (2), Result Code (1),
/// Error Code (1), Cause Code (2), Connect Speed (4), Packet Recv. Window Size (2), Packet Processing Delay (2),
/// Physical Channel ID (4).
/// </summary>
public readonly ref struct OutgoingCallReply : IPptpControlMessage<OutgoingCallReply>, IPptpMessageFields<OutgoingCallReply>
{
    /// <summary>Fixed length of this message, header included.</summary>
    public static int MessageLength => 32;
    /// <summary>Control Message Type 8.</summary>
    public static PptpControlMessageType Type => PptpControlMessageType.OutgoingCallReply;

    /// <summary>Call ID: unique identifier assigned by the sender (the PAC) to this session.</summary>
    public ushort CallId { get; init; }
    /// <summary>Peer's Call ID: the Call ID of the Outgoing-Call-Request being answered; the sender puts it in the GRE Key of its data packets.</summary>
    public ushort PeersCallId { get; init; }
    /// <summary>Result Code: the result of the outgoing call attempt.</summary>
    public OutgoingCallResultCode ResultCode { get; init; }
    /// <summary>Error Code: set when Result Code is General Error (§2.16), else 0.</summary>
    public PptpGeneralErrorCode ErrorCode { get; init; }
    /// <summary>Cause Code: additional failure information (e.g. an ISDN Q.931 cause); 0 when not used.</summary>
    public ushort CauseCode { get; init; }
    /// <summary>Connect Speed: the actual connection speed, in bits/second.</summary>
    public uint ConnectSpeed { get; init; }
    /// <summary>Packet Recv. Window Size: the number of received data packets the sender will buffer for this session.</summary>
    public ushort PacketRecvWindowSize { get; init; }
    /// <summary>Packet Processing Delay: a measure of the packet processing delay of the sender, in 1/10 seconds.</summary>
    public ushort PacketProcessingDelay { get; init; }
    /// <summary>Physical Channel ID: vendor-specific physical channel number used for the call, for logging.</summary>
    public uint PhysicalChannelId { get; init; }
    /// <summary>True when a parsed message had a non-zero Reserved0.</summary>
    public bool ReservedFieldsNonZero { get; private init; }

    /// <summary>Parses an Outgoing-Call-Reply. Never throws.</summary>
    public static PptpParseError TryParse(ReadOnlySpan<byte> input, out OutgoingCallReply message,
        PptpReservedFieldPolicy policy = PptpReservedFieldPolicy.Tolerate) => PptpCodec.TryParse(input, out message, policy);

    /// <summary>Writes the 32-octet message; false when <paramref name="destination"/> is shorter.</summary>
    public bool TryWrite(Span<byte> destination) => PptpCodec.TryWrite(this, destination);

    static OutgoingCallReply IPptpMessageFields<OutgoingCallReply>.Read(scoped ref PptpFieldReader fields) => new()
    {
        CallId = fields.U16(),
        PeersCallId = fields.U16(),
        ResultCode = (OutgoingCallResultCode)fields.U8(),
        ErrorCode = (PptpGeneralErrorCode)fields.U8(),
        CauseCode = fields.U16(),
        ConnectSpeed = fields.U32(),
        PacketRecvWindowSize = fields.U16(),
        PacketProcessingDelay = fields.U16(),
        PhysicalChannelId = fields.U32(),
        ReservedFieldsNonZero = fields.End(),
    };

    void IPptpMessageFields<OutgoingCallReply>.Write(scoped ref PptpFieldWriter fields)
    {
        fields.U16(CallId);
        fields.U16(PeersCallId);
        fields.U8((byte)ResultCode);
        fields.U8((byte)ErrorCode);
        fields.U16(CauseCode);
        fields.U32(ConnectSpeed);
        fields.U16(PacketRecvWindowSize);
        fields.U16(PacketProcessingDelay);
        fields.U32(PhysicalChannelId);
    }
}
