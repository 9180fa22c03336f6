namespace PptpGw.ControlPlane.Pptp;

// Control Connection Management (RFC 2637 §1, message type list): Start- and Stop-Control-Connection Request/Reply.
// Echo-Request/Reply, the keep-alive of the same family, are in EchoMessages.cs.
//
// Each message is a readonly ref struct: TryParse decodes peer input (never throws, returns a
// PptpParseError); the init properties build a message for TryWrite, which produces exactly the
// fixed-length message with every Reserved field 0. Text fields are exposed as the raw octets
// (the full fixed-size field after parsing); PptpString.ToLogString renders them.

/// <summary>
/// Start-Control-Connection-Request (RFC 2637 §2.1), 156 octets: header, Protocol Version (2), Reserved1 (2),
/// Framing Capabilities (4), Bearer Capabilities (4), Maximum Channels (2), Firmware Revision (2),
/// Host Name (64), Vendor String (64).
/// </summary>
public readonly ref struct StartControlConnectionRequest : IPptpControlMessage<StartControlConnectionRequest>, IPptpMessageFields<StartControlConnectionRequest>
{
    /// <summary>Fixed length of this message, header included.</summary>
    public static int MessageLength => 156;
    /// <summary>Control Message Type 1.</summary>
    public static PptpControlMessageType Type => PptpControlMessageType.StartControlConnectionRequest;

    private readonly ReadOnlySpan<byte> _hostName;
    private readonly ReadOnlySpan<byte> _vendorString;

    /// <summary>Protocol Version: the version of PPTP the sender wishes to use (<see cref="PptpControlMessage.ProtocolVersion"/>).</summary>
    public ushort ProtocolVersion { get; init; }
    /// <summary>Framing Capabilities: the type of framing the sender can provide.</summary>
    public PptpFramingCapabilities FramingCapabilities { get; init; }
    /// <summary>Bearer Capabilities: the bearer capabilities the sender can provide.</summary>
    public PptpBearerCapabilities BearerCapabilities { get; init; }
    /// <summary>Maximum Channels: total number of individual PPP sessions this PAC can support (PNS: 0).</summary>
    public ushort MaximumChannels { get; init; }
    /// <summary>Firmware Revision: the firmware revision of the issuing PAC, or the PNS driver's version.</summary>
    public ushort FirmwareRevision { get; init; }
    /// <summary>Host Name (64 octets, NUL padded): the DNS name of the issuing PAC or PNS. At most 64 octets.</summary>
    public ReadOnlySpan<byte> HostName { get => _hostName; init => _hostName = PptpString.Check(value, PptpString.FieldLength, nameof(HostName)); }
    /// <summary>Vendor String (64 octets, NUL padded): a vendor-specific string describing the PAC or PNS software. At most 64 octets.</summary>
    public ReadOnlySpan<byte> VendorString { get => _vendorString; init => _vendorString = PptpString.Check(value, PptpString.FieldLength, nameof(VendorString)); }
    /// <summary>True when a parsed message had a non-zero Reserved0 or Reserved1 (tolerated by default, see <see cref="PptpReservedFieldPolicy"/>).</summary>
    public bool ReservedFieldsNonZero { get; private init; }

    /// <summary>Parses a Start-Control-Connection-Request. Never throws.</summary>
    public static PptpParseError TryParse(ReadOnlySpan<byte> input, out StartControlConnectionRequest message,
        PptpReservedFieldPolicy policy = PptpReservedFieldPolicy.Tolerate) => PptpCodec.TryParse(input, out message, policy);

    /// <summary>Writes the 156-octet message; false when <paramref name="destination"/> is shorter.</summary>
    public bool TryWrite(Span<byte> destination) => PptpCodec.TryWrite(this, destination);

    static StartControlConnectionRequest IPptpMessageFields<StartControlConnectionRequest>.Read(scoped ref PptpFieldReader fields) => new()
    {
        ProtocolVersion = fields.U16(),
        FramingCapabilities = (PptpFramingCapabilities)fields.U32(reservedBefore: 2),
        BearerCapabilities = (PptpBearerCapabilities)fields.U32(),
        MaximumChannels = fields.U16(),
        FirmwareRevision = fields.U16(),
        HostName = fields.Bytes(PptpString.FieldLength),
        VendorString = fields.Bytes(PptpString.FieldLength),
        ReservedFieldsNonZero = fields.End(),
    };

    void IPptpMessageFields<StartControlConnectionRequest>.Write(scoped ref PptpFieldWriter fields)
    {
        fields.U16(ProtocolVersion);
        fields.U32((uint)FramingCapabilities, reservedBefore: 2);
        fields.U32((uint)BearerCapabilities);
        fields.U16(MaximumChannels);
        fields.U16(FirmwareRevision);
        fields.Bytes(HostName, PptpString.FieldLength);
        fields.Bytes(VendorString, PptpString.FieldLength);
    }
}

/// <summary>
/// Start-Control-Connection-Reply (RFC 2637 §2.2), 156 octets: header, Protocol Version (2), Result Code (1),
/// Error Code (1), Framing Capability (4), Bearer Capability (4), Maximum Channels (2), Firmware Revision (2),
/// Host Name (64), Vendor String (64).
/// </summary>
public readonly ref struct StartControlConnectionReply : IPptpControlMessage<StartControlConnectionReply>, IPptpMessageFields<StartControlConnectionReply>
{
    /// <summary>Fixed length of this message, header included.</summary>
    public static int MessageLength => 156;
    /// <summary>Control Message Type 2.</summary>
    public static PptpControlMessageType Type => PptpControlMessageType.StartControlConnectionReply;

    private readonly ReadOnlySpan<byte> _hostName;
    private readonly ReadOnlySpan<byte> _vendorString;

    /// <summary>Protocol Version: the version of PPTP the sender wishes to use.</summary>
    public ushort ProtocolVersion { get; init; }
    /// <summary>Result Code: the result of the command channel establishment attempt.</summary>
    public StartControlConnectionResultCode ResultCode { get; init; }
    /// <summary>Error Code: set when Result Code is General Error (§2.16), else 0.</summary>
    public PptpGeneralErrorCode ErrorCode { get; init; }
    /// <summary>Framing Capability: the type of framing the sender can support.</summary>
    public PptpFramingCapabilities FramingCapabilities { get; init; }
    /// <summary>Bearer Capability: the bearer capabilities the sender can support.</summary>
    public PptpBearerCapabilities BearerCapabilities { get; init; }
    /// <summary>Maximum Channels: total number of individual PPP sessions this PAC can support (PNS: 0).</summary>
    public ushort MaximumChannels { get; init; }
    /// <summary>Firmware Revision of the issuing PAC, or the PNS driver's version.</summary>
    public ushort FirmwareRevision { get; init; }
    /// <summary>Host Name (64 octets, NUL padded). At most 64 octets.</summary>
    public ReadOnlySpan<byte> HostName { get => _hostName; init => _hostName = PptpString.Check(value, PptpString.FieldLength, nameof(HostName)); }
    /// <summary>Vendor String (64 octets, NUL padded). At most 64 octets.</summary>
    public ReadOnlySpan<byte> VendorString { get => _vendorString; init => _vendorString = PptpString.Check(value, PptpString.FieldLength, nameof(VendorString)); }
    /// <summary>True when a parsed message had a non-zero Reserved0.</summary>
    public bool ReservedFieldsNonZero { get; private init; }

    /// <summary>Parses a Start-Control-Connection-Reply. Never throws.</summary>
    public static PptpParseError TryParse(ReadOnlySpan<byte> input, out StartControlConnectionReply message,
        PptpReservedFieldPolicy policy = PptpReservedFieldPolicy.Tolerate) => PptpCodec.TryParse(input, out message, policy);

    /// <summary>Writes the 156-octet message; false when <paramref name="destination"/> is shorter.</summary>
    public bool TryWrite(Span<byte> destination) => PptpCodec.TryWrite(this, destination);

    static StartControlConnectionReply IPptpMessageFields<StartControlConnectionReply>.Read(scoped ref PptpFieldReader fields) => new()
    {
        ProtocolVersion = fields.U16(),
        ResultCode = (StartControlConnectionResultCode)fields.U8(),
        ErrorCode = (PptpGeneralErrorCode)fields.U8(),
        FramingCapabilities = (PptpFramingCapabilities)fields.U32(),
        BearerCapabilities = (PptpBearerCapabilities)fields.U32(),
        MaximumChannels = fields.U16(),
        FirmwareRevision = fields.U16(),
        HostName = fields.Bytes(PptpString.FieldLength),
        VendorString = fields.Bytes(PptpString.FieldLength),
        ReservedFieldsNonZero = fields.End(),
    };

    void IPptpMessageFields<StartControlConnectionReply>.Write(scoped ref PptpFieldWriter fields)
    {
        fields.U16(ProtocolVersion);
        fields.U8((byte)ResultCode);
        fields.U8((byte)ErrorCode);
        fields.U32((uint)FramingCapabilities);
        fields.U32((uint)BearerCapabilities);
        fields.U16(MaximumChannels);
        fields.U16(FirmwareRevision);
        fields.Bytes(HostName, PptpString.FieldLength);
        fields.Bytes(VendorString, PptpString.FieldLength);
    }
}

/// <summary>
/// Stop-Control-Connection-Request (RFC 2637 §2.3), 16 octets: header, Reason (1), Reserved1 (1), Reserved2 (2).
/// </summary>
public readonly ref struct StopControlConnectionRequest : IPptpControlMessage<StopControlConnectionRequest>, IPptpMessageFields<StopControlConnectionRequest>
{
    /// <summary>Fixed length of this message, header included.</summary>
    public static int MessageLength => 16;
    /// <summary>Control Message Type 3.</summary>
    public static PptpControlMessageType Type => PptpControlMessageType.StopControlConnectionRequest;

    /// <summary>Reason: why the control connection is being closed.</summary>
    public StopControlConnectionReason Reason { get; init; }
    /// <summary>True when a parsed message had a non-zero Reserved0, Reserved1 or Reserved2.</summary>
    public bool ReservedFieldsNonZero { get; private init; }

    /// <summary>Parses a Stop-Control-Connection-Request. Never throws.</summary>
    public static PptpParseError TryParse(ReadOnlySpan<byte> input, out StopControlConnectionRequest message,
        PptpReservedFieldPolicy policy = PptpReservedFieldPolicy.Tolerate) => PptpCodec.TryParse(input, out message, policy);

    /// <summary>Writes the 16-octet message; false when <paramref name="destination"/> is shorter.</summary>
    public bool TryWrite(Span<byte> destination) => PptpCodec.TryWrite(this, destination);

    static StopControlConnectionRequest IPptpMessageFields<StopControlConnectionRequest>.Read(scoped ref PptpFieldReader fields) => new()
    {
        Reason = (StopControlConnectionReason)fields.U8(),
        ReservedFieldsNonZero = fields.End(trailingReserved: 3),
    };

    void IPptpMessageFields<StopControlConnectionRequest>.Write(scoped ref PptpFieldWriter fields)
    {
        fields.U8((byte)Reason);
        fields.End(trailingReserved: 3);
    }
}

/// <summary>
/// Stop-Control-Connection-Reply (RFC 2637 §2.4), 16 octets: header, Result Code (1), Error Code (1), Reserved1 (2).
/// </summary>
public readonly ref struct StopControlConnectionReply : IPptpControlMessage<StopControlConnectionReply>, IPptpMessageFields<StopControlConnectionReply>
{
    /// <summary>Fixed length of this message, header included.</summary>
    public static int MessageLength => 16;
    /// <summary>Control Message Type 4.</summary>
    public static PptpControlMessageType Type => PptpControlMessageType.StopControlConnectionReply;

    /// <summary>Result Code: the result of the attempt to close the control connection.</summary>
    public StopControlConnectionResultCode ResultCode { get; init; }
    /// <summary>Error Code: set when Result Code is General Error (§2.16), else 0.</summary>
    public PptpGeneralErrorCode ErrorCode { get; init; }
    /// <summary>True when a parsed message had a non-zero Reserved0 or Reserved1.</summary>
    public bool ReservedFieldsNonZero { get; private init; }

    /// <summary>Parses a Stop-Control-Connection-Reply. Never throws.</summary>
    public static PptpParseError TryParse(ReadOnlySpan<byte> input, out StopControlConnectionReply message,
        PptpReservedFieldPolicy policy = PptpReservedFieldPolicy.Tolerate) => PptpCodec.TryParse(input, out message, policy);

    /// <summary>Writes the 16-octet message; false when <paramref name="destination"/> is shorter.</summary>
    public bool TryWrite(Span<byte> destination) => PptpCodec.TryWrite(this, destination);

    static StopControlConnectionReply IPptpMessageFields<StopControlConnectionReply>.Read(scoped ref PptpFieldReader fields) => new()
    {
        ResultCode = (StopControlConnectionResultCode)fields.U8(),
        ErrorCode = (PptpGeneralErrorCode)fields.U8(),
        ReservedFieldsNonZero = fields.End(trailingReserved: 2),
    };

    void IPptpMessageFields<StopControlConnectionReply>.Write(scoped ref PptpFieldWriter fields)
    {
        fields.U8((byte)ResultCode);
        fields.U8((byte)ErrorCode);
        fields.End(trailingReserved: 2);
    }
}
