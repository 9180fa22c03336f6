using static PptpGw.ControlPlane.Pptp.PptpCodec;

namespace PptpGw.ControlPlane.Pptp;

// Call Management, incoming calls (RFC 2637 §2.9–§2.11): the three-way handshake
// Incoming-Call-Request (PAC→PNS), Incoming-Call-Reply (PNS→PAC), Incoming-Call-Connected (PAC→PNS).

/// <summary>
/// Incoming-Call-Request (RFC 2637 §2.9), 220 octets: header, Call ID (2), Call Serial Number (2),
/// Call Bearer Type (4), Physical Channel ID (4), Dialed Number Length (2), Dialing Number Length (2),
/// Dialed Number (64), Dialing Number (64), Subaddress (64).
/// </summary>
public readonly ref struct IncomingCallRequest : IPptpControlMessage<IncomingCallRequest>
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
        PptpReservedFieldPolicy policy = PptpReservedFieldPolicy.Tolerate)
    {
        message = default;
        PptpParseError error = Open(input, Type, out ReadOnlySpan<byte> m, out bool reserved);
        if (error != PptpParseError.None)
            return error;
        message = new IncomingCallRequest
        {
            CallId = U16(m, 12),
            CallSerialNumber = U16(m, 14),
            CallBearerType = (PptpBearerType)U32(m, 16),
            PhysicalChannelId = U32(m, 20),
            DialedNumberLength = U16(m, 24),
            DialingNumberLength = U16(m, 26),
            DialedNumber = m.Slice(28, PptpString.FieldLength),
            DialingNumber = m.Slice(92, PptpString.FieldLength),
            Subaddress = m.Slice(156, PptpString.FieldLength),
            ReservedFieldsNonZero = reserved,
        };
        return Close(reserved, policy);
    }

    /// <summary>Writes the 220-octet message; false when <paramref name="destination"/> is shorter.</summary>
    public bool TryWrite(Span<byte> destination)
    {
        if (!TryOpen(destination, Type, out Span<byte> m))
            return false;
        U16(m, 12, CallId);
        U16(m, 14, CallSerialNumber);
        U32(m, 16, (uint)CallBearerType);
        U32(m, 20, PhysicalChannelId);
        U16(m, 24, DialedNumberLength);
        U16(m, 26, DialingNumberLength);
        DialedNumber.CopyTo(m[28..]);
        DialingNumber.CopyTo(m[92..]);
        Subaddress.CopyTo(m[156..]);
        return true;
    }
}

/// <summary>
/// Incoming-Call-Reply (RFC 2637 §2.10), 24 octets: header, Call ID (2), Peer's Call ID (2), Result Code (1),
/// Error Code (1), Packet Recv. Window Size (2), Packet Transmit Delay (2), Reserved1 (2).
/// (24, not 28: the §2.10 diagram has three 32-bit words after the header.)
/// </summary>
public readonly ref struct IncomingCallReply : IPptpControlMessage<IncomingCallReply>
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
        PptpReservedFieldPolicy policy = PptpReservedFieldPolicy.Tolerate)
    {
        message = default;
        PptpParseError error = Open(input, Type, out ReadOnlySpan<byte> m, out bool reserved);
        if (error != PptpParseError.None)
            return error;
        reserved |= U16(m, 22) != 0;
        message = new IncomingCallReply
        {
            CallId = U16(m, 12),
            PeersCallId = U16(m, 14),
            ResultCode = (IncomingCallResultCode)m[16],
            ErrorCode = (PptpGeneralErrorCode)m[17],
            PacketRecvWindowSize = U16(m, 18),
            PacketTransmitDelay = U16(m, 20),
            ReservedFieldsNonZero = reserved,
        };
        return Close(reserved, policy);
    }

    /// <summary>Writes the 24-octet message; false when <paramref name="destination"/> is shorter.</summary>
    public bool TryWrite(Span<byte> destination)
    {
        if (!TryOpen(destination, Type, out Span<byte> m))
            return false;
        U16(m, 12, CallId);
        U16(m, 14, PeersCallId);
        m[16] = (byte)ResultCode;
        m[17] = (byte)ErrorCode;
        U16(m, 18, PacketRecvWindowSize);
        U16(m, 20, PacketTransmitDelay);
        return true;
    }
}

/// <summary>
/// Incoming-Call-Connected (RFC 2637 §2.11), 28 octets: header, Peer's Call ID (2), Reserved1 (2),
/// Connect Speed (4), Packet Recv. Window Size (2), Packet Transmit Delay (2), Framing Type (4).
/// </summary>
public readonly ref struct IncomingCallConnected : IPptpControlMessage<IncomingCallConnected>
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
        PptpReservedFieldPolicy policy = PptpReservedFieldPolicy.Tolerate)
    {
        message = default;
        PptpParseError error = Open(input, Type, out ReadOnlySpan<byte> m, out bool reserved);
        if (error != PptpParseError.None)
            return error;
        reserved |= U16(m, 14) != 0;
        message = new IncomingCallConnected
        {
            PeersCallId = U16(m, 12),
            ConnectSpeed = U32(m, 16),
            PacketRecvWindowSize = U16(m, 20),
            PacketTransmitDelay = U16(m, 22),
            FramingType = (PptpFramingType)U32(m, 24),
            ReservedFieldsNonZero = reserved,
        };
        return Close(reserved, policy);
    }

    /// <summary>Writes the 28-octet message; false when <paramref name="destination"/> is shorter.</summary>
    public bool TryWrite(Span<byte> destination)
    {
        if (!TryOpen(destination, Type, out Span<byte> m))
            return false;
        U16(m, 12, PeersCallId);
        U32(m, 16, ConnectSpeed);
        U16(m, 20, PacketRecvWindowSize);
        U16(m, 22, PacketTransmitDelay);
        U32(m, 24, (uint)FramingType);
        return true;
    }
}
