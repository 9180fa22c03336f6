namespace PptpGw.ControlPlane.Pptp;

// Messages about a call's link (RFC 2637 §1, message type list): Error Reporting (WAN-Error-Notify, §2.14, PAC→PNS)
// and PPP Session Control (Set-Link-Info, §2.15, PNS→PAC; Windows clients also send it, see the
// reference's "CC I SLI").

/// <summary>
/// WAN-Error-Notify (RFC 2637 §2.14), 40 octets: header, Peer's Call ID (2), Reserved1 (2), CRC Errors (4),
/// Framing Errors (4), Hardware Overruns (4), Buffer Overruns (4), Time-out Errors (4), Alignment Errors (4).
/// The counters are cumulative since the session was established.
/// </summary>
public readonly ref struct WanErrorNotify : IPptpControlMessage<WanErrorNotify>, IPptpMessageFields<WanErrorNotify>
{
    /// <summary>Fixed length of this message, header included.</summary>
    public static int MessageLength => 40;
    /// <summary>Control Message Type 14.</summary>
    public static PptpControlMessageType Type => PptpControlMessageType.WanErrorNotify;

    /// <summary>Peer's Call ID: the Call ID assigned by the PNS to this call.</summary>
    public ushort PeersCallId { get; init; }
    /// <summary>CRC Errors: PPP frames received with CRC errors since the session was established.</summary>
    public uint CrcErrors { get; init; }
    /// <summary>Framing Errors: improperly framed PPP packets received.</summary>
    public uint FramingErrors { get; init; }
    /// <summary>Hardware Overruns: receive buffer over-runs since the session was established.</summary>
    public uint HardwareOverruns { get; init; }
    /// <summary>Buffer Overruns: buffer over-runs detected since the session was established.</summary>
    public uint BufferOverruns { get; init; }
    /// <summary>Time-out Errors: time-outs since the call was established.</summary>
    public uint TimeoutErrors { get; init; }
    /// <summary>Alignment Errors: alignment errors since the call was established.</summary>
    public uint AlignmentErrors { get; init; }
    /// <summary>True when a parsed message had a non-zero Reserved0 or Reserved1.</summary>
    public bool ReservedFieldsNonZero { get; private init; }

    /// <summary>Parses a WAN-Error-Notify. Never throws.</summary>
    public static PptpParseError TryParse(ReadOnlySpan<byte> input, out WanErrorNotify message,
        PptpReservedFieldPolicy policy = PptpReservedFieldPolicy.Tolerate) => PptpCodec.TryParse(input, out message, policy);

    /// <summary>Writes the 40-octet message; false when <paramref name="destination"/> is shorter.</summary>
    public bool TryWrite(Span<byte> destination) => PptpCodec.TryWrite(this, destination);

    static WanErrorNotify IPptpMessageFields<WanErrorNotify>.Read(scoped ref PptpFieldReader fields) => new()
    {
        PeersCallId = fields.U16(),
        CrcErrors = fields.U32(reservedBefore: 2),
        FramingErrors = fields.U32(),
        HardwareOverruns = fields.U32(),
        BufferOverruns = fields.U32(),
        TimeoutErrors = fields.U32(),
        AlignmentErrors = fields.U32(),
        ReservedFieldsNonZero = fields.End(),
    };

    void IPptpMessageFields<WanErrorNotify>.Write(scoped ref PptpFieldWriter fields)
    {
        fields.U16(PeersCallId);
        fields.U32(CrcErrors, reservedBefore: 2);
        fields.U32(FramingErrors);
        fields.U32(HardwareOverruns);
        fields.U32(BufferOverruns);
        fields.U32(TimeoutErrors);
        fields.U32(AlignmentErrors);
    }
}

/// <summary>
/// Set-Link-Info (RFC 2637 §2.15), 24 octets: header, Peer's Call ID (2), Reserved1 (2), Send ACCM (4), Receive ACCM (4).
/// Carries the PPP Async-Control-Character-Map negotiated by LCP (RFC 1662 §7.1) to the side doing the framing.
/// </summary>
public readonly ref struct SetLinkInfo : IPptpControlMessage<SetLinkInfo>, IPptpMessageFields<SetLinkInfo>
{
    /// <summary>Fixed length of this message, header included.</summary>
    public static int MessageLength => 24;
    /// <summary>Control Message Type 15.</summary>
    public static PptpControlMessageType Type => PptpControlMessageType.SetLinkInfo;

    /// <summary>Peer's Call ID: the Call ID the receiver of this message assigned to the call.</summary>
    public ushort PeersCallId { get; init; }
    /// <summary>Send ACCM: the ACCM to use when sending to the remote end (default 0xFFFFFFFF).</summary>
    public uint SendAccm { get; init; }
    /// <summary>Receive ACCM: the ACCM the remote end uses when sending (default 0xFFFFFFFF).</summary>
    public uint ReceiveAccm { get; init; }
    /// <summary>True when a parsed message had a non-zero Reserved0 or Reserved1.</summary>
    public bool ReservedFieldsNonZero { get; private init; }

    /// <summary>Parses a Set-Link-Info. Never throws.</summary>
    public static PptpParseError TryParse(ReadOnlySpan<byte> input, out SetLinkInfo message,
        PptpReservedFieldPolicy policy = PptpReservedFieldPolicy.Tolerate) => PptpCodec.TryParse(input, out message, policy);

    /// <summary>Writes the 24-octet message; false when <paramref name="destination"/> is shorter.</summary>
    public bool TryWrite(Span<byte> destination) => PptpCodec.TryWrite(this, destination);

    static SetLinkInfo IPptpMessageFields<SetLinkInfo>.Read(scoped ref PptpFieldReader fields) => new()
    {
        PeersCallId = fields.U16(),
        SendAccm = fields.U32(reservedBefore: 2),
        ReceiveAccm = fields.U32(),
        ReservedFieldsNonZero = fields.End(),
    };

    void IPptpMessageFields<SetLinkInfo>.Write(scoped ref PptpFieldWriter fields)
    {
        fields.U16(PeersCallId);
        fields.U32(SendAccm, reservedBefore: 2);
        fields.U32(ReceiveAccm);
    }
}
