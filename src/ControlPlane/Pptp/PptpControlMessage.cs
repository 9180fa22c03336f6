using System.Buffers.Binary;
using System.Diagnostics;

namespace PptpGw.ControlPlane.Pptp;

/// <summary>The PPTP Message Type field of every PPTP message (RFC 2637 §2, header of §2.1–§2.15).</summary>
public enum PptpMessageType : ushort
{
    /// <summary>1: Control Message — every message of RFC 2637 §2.</summary>
    ControlMessage = 1,
    /// <summary>2: Management Message — named by the RFC but no such message is defined.</summary>
    ManagementMessage = 2,
}

/// <summary>The Control Message Type field (RFC 2637 §1 lists them by family; §2.1–§2.15 give their formats).</summary>
public enum PptpControlMessageType : ushort
{
    /// <summary>(Control Connection Management) 1: Start-Control-Connection-Request, §2.1.</summary>
    StartControlConnectionRequest = 1,
    /// <summary>(Control Connection Management) 2: Start-Control-Connection-Reply, §2.2.</summary>
    StartControlConnectionReply = 2,
    /// <summary>(Control Connection Management) 3: Stop-Control-Connection-Request, §2.3.</summary>
    StopControlConnectionRequest = 3,
    /// <summary>(Control Connection Management) 4: Stop-Control-Connection-Reply, §2.4.</summary>
    StopControlConnectionReply = 4,
    /// <summary>(Control Connection Management) 5: Echo-Request, §2.5.</summary>
    EchoRequest = 5,
    /// <summary>(Control Connection Management) 6: Echo-Reply, §2.6.</summary>
    EchoReply = 6,
    /// <summary>(Call Management) 7: Outgoing-Call-Request, §2.7.</summary>
    OutgoingCallRequest = 7,
    /// <summary>(Call Management) 8: Outgoing-Call-Reply, §2.8.</summary>
    OutgoingCallReply = 8,
    /// <summary>(Call Management) 9: Incoming-Call-Request, §2.9.</summary>
    IncomingCallRequest = 9,
    /// <summary>(Call Management) 10: Incoming-Call-Reply, §2.10.</summary>
    IncomingCallReply = 10,
    /// <summary>(Call Management) 11: Incoming-Call-Connected, §2.11.</summary>
    IncomingCallConnected = 11,
    /// <summary>(Call Management) 12: Call-Clear-Request, §2.12.</summary>
    CallClearRequest = 12,
    /// <summary>(Call Management) 13: Call-Disconnect-Notify, §2.13.</summary>
    CallDisconnectNotify = 13,
    /// <summary>(Error Reporting) 14: WAN-Error-Notify, §2.14.</summary>
    WanErrorNotify = 14,
    /// <summary>(PPP Session Control) 15: Set-Link-Info, §2.15.</summary>
    SetLinkInfo = 15,
}

/// <summary>Why a PPTP control message was rejected by the parser. Parsing never throws.</summary>
/// <remarks>
/// Everything up to <see cref="LengthExceedsData"/> is a framing or format error that RFC 2637 §2.16
/// calls Bad-Format ("Length is wrong or Magic Cookie value is incorrect"); a peer that sends one has
/// lost synchronisation with the TCP stream, which per RFC 2637 (PPTP Control Message Header, Magic Cookie) must close the connection.
/// <see cref="ReservedFieldNonZero"/> corresponds to §2.16 Bad-Value.
/// </remarks>
public enum PptpParseError
{
    /// <summary>The message parsed.</summary>
    None = 0,
    /// <summary>Fewer than the 12 octets of the PPTP header were supplied.</summary>
    TooShort,
    /// <summary>The Length field is smaller than the 12-octet header.</summary>
    LengthBelowHeader,
    /// <summary>The PPTP Message Type is not 1 (Control Message).</summary>
    BadPptpMessageType,
    /// <summary>The Magic Cookie is not 0x1A2B3C4D.</summary>
    BadMagicCookie,
    /// <summary>The Control Message Type is not one of 1–15.</summary>
    UnknownControlMessageType,
    /// <summary>The Length field is smaller than the fixed size of the message's Control Message Type.</summary>
    LengthBelowMessageSize,
    /// <summary>The Length field is larger than the fixed size of the message's Control Message Type
    /// (every RFC 2637 control message has one fixed length; there is no extension mechanism).</summary>
    LengthAboveMessageSize,
    /// <summary>The Length field is larger than the octets supplied (a truncated message).</summary>
    LengthExceedsData,
    /// <summary>A well-formed message of another Control Message Type was given to a message-specific parser.</summary>
    UnexpectedControlMessageType,
    /// <summary>A Reserved field is not 0 and <see cref="PptpReservedFieldPolicy.Reject"/> was asked for
    /// (RFC 2637 §2: reserved fields MUST be sent as 0; §2.16 Bad-Value covers "reserved field was non-zero").
    /// The message is still decoded into the out parameter so the caller can answer it.</summary>
    ReservedFieldNonZero,
}

/// <summary>What a parser does with a Reserved field that is not 0.</summary>
/// <remarks>
/// RFC 2637 §2 says reserved fields "MUST be sent as 0 values to allow for protocol extensibility" —
/// a rule on the sender. Tolerating them on receipt is the conventional, robust choice (the fields may
/// carry a later extension), so it is the default; the message then reports it through its
/// <c>ReservedFieldsNonZero</c> property so it can be logged. <see cref="Reject"/> gives the strict
/// reading, for an operator who wants §2.16 Bad-Value answers.
/// </remarks>
public enum PptpReservedFieldPolicy
{
    /// <summary>Accept the message; its <c>ReservedFieldsNonZero</c> property says a reserved field was set.</summary>
    Tolerate = 0,
    /// <summary>Return <see cref="PptpParseError.ReservedFieldNonZero"/>.</summary>
    Reject = 1,
}

/// <summary>
/// What the 15 message codecs have in common, so the control connection can be generic over them
/// (<c>where T : IPptpControlMessage&lt;T&gt;, allows ref struct</c>).
/// </summary>
public interface IPptpControlMessage<TSelf> where TSelf : IPptpControlMessage<TSelf>, allows ref struct
{
    /// <summary>The Control Message Type of the message.</summary>
    static abstract PptpControlMessageType Type { get; }

    /// <summary>The fixed length of the message in octets, header included (RFC 2637 §2.1–§2.15).</summary>
    static abstract int MessageLength { get; }

    /// <summary>
    /// Parses a whole message: header checks (<see cref="PptpControlHeader.TryParse"/>), the type match,
    /// Length within <paramref name="input"/>, then the reserved-field policy. Octets of
    /// <paramref name="input"/> beyond Length are not read. Never throws. <paramref name="message"/> is
    /// filled on <see cref="PptpParseError.None"/> and on <see cref="PptpParseError.ReservedFieldNonZero"/>;
    /// its text fields are slices of <paramref name="input"/>.
    /// </summary>
    static abstract PptpParseError TryParse(ReadOnlySpan<byte> input, out TSelf message,
        PptpReservedFieldPolicy policy = PptpReservedFieldPolicy.Tolerate);

    /// <summary>True when a parsed message had a non-zero Reserved field (always false for a message built to be sent).</summary>
    bool ReservedFieldsNonZero { get; }

    /// <summary>
    /// Writes exactly <see cref="MessageLength"/> octets (header with the fixed Length, fields, every
    /// Reserved field 0, text fields NUL padded) to the start of <paramref name="destination"/>;
    /// false, writing nothing, when it is shorter.
    /// </summary>
    bool TryWrite(Span<byte> destination);
}

/// <summary>Constants and per-type facts of PPTP control messages (RFC 2637 §2).</summary>
public static class PptpControlMessage
{
    /// <summary>The Magic Cookie, always 0x1A2B3C4D (RFC 2637 §1 control message header, §2.1–§2.15); it lets the receiver check it is in sync with the TCP stream.</summary>
    public const uint MagicCookie = 0x1A2B3C4D;

    /// <summary>Length (2) + PPTP Message Type (2) + Magic Cookie (4) + Control Message Type (2) + Reserved0 (2).</summary>
    public const int HeaderLength = 12;

    /// <summary>The shortest control message (Stop-Control-Connection-Request/Reply, Echo-Request, Call-Clear-Request).</summary>
    public const int MinimumLength = 16;

    /// <summary>The longest control message (Incoming-Call-Request, 220 octets, §2.9).</summary>
    public const int MaximumLength = 220;

    /// <summary>Protocol Version 1, revision 0 (RFC 2637 §2.1: "the version of the PPTP protocol", 0x0100).</summary>
    public const ushort ProtocolVersion = 0x0100;

    /// <summary>The TCP port of the control connection (RFC 2637 §1).</summary>
    public const int TcpPort = 1723;

    /// <summary>
    /// The fixed length in octets of a control message of <paramref name="type"/>, header included,
    /// or 0 for a type RFC 2637 does not define. Lengths are those of the §2.1–§2.15 diagrams.
    /// </summary>
    public static int FixedLength(PptpControlMessageType type) => type switch
    {
        PptpControlMessageType.StartControlConnectionRequest => StartControlConnectionRequest.MessageLength,
        PptpControlMessageType.StartControlConnectionReply => StartControlConnectionReply.MessageLength,
        PptpControlMessageType.StopControlConnectionRequest => StopControlConnectionRequest.MessageLength,
        PptpControlMessageType.StopControlConnectionReply => StopControlConnectionReply.MessageLength,
        PptpControlMessageType.EchoRequest => EchoRequest.MessageLength,
        PptpControlMessageType.EchoReply => EchoReply.MessageLength,
        PptpControlMessageType.OutgoingCallRequest => OutgoingCallRequest.MessageLength,
        PptpControlMessageType.OutgoingCallReply => OutgoingCallReply.MessageLength,
        PptpControlMessageType.IncomingCallRequest => IncomingCallRequest.MessageLength,
        PptpControlMessageType.IncomingCallReply => IncomingCallReply.MessageLength,
        PptpControlMessageType.IncomingCallConnected => IncomingCallConnected.MessageLength,
        PptpControlMessageType.CallClearRequest => CallClearRequest.MessageLength,
        PptpControlMessageType.CallDisconnectNotify => CallDisconnectNotify.MessageLength,
        PptpControlMessageType.WanErrorNotify => WanErrorNotify.MessageLength,
        PptpControlMessageType.SetLinkInfo => SetLinkInfo.MessageLength,
        _ => 0,
    };

    /// <summary>True for the 15 Control Message Types RFC 2637 defines.</summary>
    public static bool IsDefined(PptpControlMessageType type) => FixedLength(type) != 0;

    /// <summary>The RFC's name, e.g. "Start-Control-Connection-Request"; "Unknown" for an undefined type.</summary>
    public static string RfcName(this PptpControlMessageType type) => type switch
    {
        PptpControlMessageType.StartControlConnectionRequest => "Start-Control-Connection-Request",
        PptpControlMessageType.StartControlConnectionReply => "Start-Control-Connection-Reply",
        PptpControlMessageType.StopControlConnectionRequest => "Stop-Control-Connection-Request",
        PptpControlMessageType.StopControlConnectionReply => "Stop-Control-Connection-Reply",
        PptpControlMessageType.EchoRequest => "Echo-Request",
        PptpControlMessageType.EchoReply => "Echo-Reply",
        PptpControlMessageType.OutgoingCallRequest => "Outgoing-Call-Request",
        PptpControlMessageType.OutgoingCallReply => "Outgoing-Call-Reply",
        PptpControlMessageType.IncomingCallRequest => "Incoming-Call-Request",
        PptpControlMessageType.IncomingCallReply => "Incoming-Call-Reply",
        PptpControlMessageType.IncomingCallConnected => "Incoming-Call-Connected",
        PptpControlMessageType.CallClearRequest => "Call-Clear-Request",
        PptpControlMessageType.CallDisconnectNotify => "Call-Disconnect-Notify",
        PptpControlMessageType.WanErrorNotify => "WAN-Error-Notify",
        PptpControlMessageType.SetLinkInfo => "Set-Link-Info",
        _ => "Unknown",
    };

    /// <summary>The usual abbreviation, as the reference's debug output prints it ("SCCRQ", "OCRP", "SLI", …); "UNKNOWN" otherwise.</summary>
    public static string Abbreviation(this PptpControlMessageType type) => type switch
    {
        PptpControlMessageType.StartControlConnectionRequest => "SCCRQ",
        PptpControlMessageType.StartControlConnectionReply => "SCCRP",
        PptpControlMessageType.StopControlConnectionRequest => "StopCCRQ",
        PptpControlMessageType.StopControlConnectionReply => "StopCCRP",
        PptpControlMessageType.EchoRequest => "ECHORQ",
        PptpControlMessageType.EchoReply => "ECHORP",
        PptpControlMessageType.OutgoingCallRequest => "OCRQ",
        PptpControlMessageType.OutgoingCallReply => "OCRP",
        PptpControlMessageType.IncomingCallRequest => "ICRQ",
        PptpControlMessageType.IncomingCallReply => "ICRP",
        PptpControlMessageType.IncomingCallConnected => "ICCN",
        PptpControlMessageType.CallClearRequest => "CCRQ",
        PptpControlMessageType.CallDisconnectNotify => "CDN",
        PptpControlMessageType.WanErrorNotify => "WEN",
        PptpControlMessageType.SetLinkInfo => "SLI",
        _ => "UNKNOWN",
    };
}

/// <summary>
/// The 12-octet header every PPTP control message starts with (RFC 2637 §2.1–§2.15):
/// Length (2), PPTP Message Type (2), Magic Cookie (4), Control Message Type (2), Reserved0 (2).
/// </summary>
public readonly record struct PptpControlHeader(
    ushort Length,
    PptpMessageType MessageType,
    uint MagicCookie,
    PptpControlMessageType ControlMessageType,
    ushort Reserved0)
{
    /// <summary>
    /// Parses and checks the header alone: it needs only the first 12 octets, and does NOT require the
    /// rest of the message to be present (that makes it usable on a stream prefix or a truncated capture;
    /// the message parsers add the <see cref="PptpParseError.LengthExceedsData"/> check).
    /// Checks, in order: <see cref="PptpParseError.TooShort"/>, <see cref="PptpParseError.LengthBelowHeader"/>,
    /// <see cref="PptpParseError.BadPptpMessageType"/>, <see cref="PptpParseError.BadMagicCookie"/>,
    /// <see cref="PptpParseError.UnknownControlMessageType"/>, then Length against the type's fixed length.
    /// Reserved0 is not judged here (see <see cref="Reserved0"/>). Whenever 12 octets are present,
    /// <paramref name="header"/> holds the decoded fields even on error, for logging.
    /// </summary>
    public static PptpParseError TryParse(ReadOnlySpan<byte> input, out PptpControlHeader header)
    {
        if (input.Length < PptpControlMessage.HeaderLength)
        {
            header = default;
            return PptpParseError.TooShort;
        }
        header = new PptpControlHeader(
            BinaryPrimitives.ReadUInt16BigEndian(input),
            (PptpMessageType)BinaryPrimitives.ReadUInt16BigEndian(input[2..]),
            BinaryPrimitives.ReadUInt32BigEndian(input[4..]),
            (PptpControlMessageType)BinaryPrimitives.ReadUInt16BigEndian(input[8..]),
            BinaryPrimitives.ReadUInt16BigEndian(input[10..]));
        if (header.Length < PptpControlMessage.HeaderLength)
            return PptpParseError.LengthBelowHeader;
        if (header.MessageType != PptpMessageType.ControlMessage)
            return PptpParseError.BadPptpMessageType;
        if (header.MagicCookie != PptpControlMessage.MagicCookie)
            return PptpParseError.BadMagicCookie;
        int fixedLength = PptpControlMessage.FixedLength(header.ControlMessageType);
        if (fixedLength == 0)
            return PptpParseError.UnknownControlMessageType;
        if (header.Length < fixedLength)
            return PptpParseError.LengthBelowMessageSize;
        if (header.Length > fixedLength)
            return PptpParseError.LengthAboveMessageSize;
        return PptpParseError.None;
    }

    /// <summary>
    /// Writes a correct header for <paramref name="type"/> (its fixed Length, Control Message, the Magic
    /// Cookie, Reserved0 = 0). Returns false when <paramref name="destination"/> has fewer than 12 octets.
    /// Throws <see cref="ArgumentOutOfRangeException"/> for an undefined type (a programmer error).
    /// </summary>
    public static bool TryWrite(Span<byte> destination, PptpControlMessageType type)
    {
        int length = PptpControlMessage.FixedLength(type);
        if (length == 0)
            throw new ArgumentOutOfRangeException(nameof(type), type, "not a PPTP control message type");
        if (destination.Length < PptpControlMessage.HeaderLength)
            return false;
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)length);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)PptpMessageType.ControlMessage);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], PptpControlMessage.MagicCookie);
        BinaryPrimitives.WriteUInt16BigEndian(destination[8..], (ushort)type);
        BinaryPrimitives.WriteUInt16BigEndian(destination[10..], 0);
        return true;
    }
}

/// <summary>Shared steps of the per-message parsers and writers.</summary>
internal static class PptpCodec
{
    /// <summary>
    /// Parses a whole message of type <typeparamref name="T"/> (<see cref="IPptpControlMessage{TSelf}.TryParse"/>):
    /// <see cref="Open"/>, the fields in RFC order, then the reserved-field policy. Never throws.
    /// </summary>
    internal static PptpParseError TryParse<T>(ReadOnlySpan<byte> input, out T message, PptpReservedFieldPolicy policy)
        where T : IPptpControlMessage<T>, IPptpMessageFields<T>, allows ref struct
    {
        message = default!; // a ref struct message: never null
        PptpParseError error = Open(input, T.Type, out ReadOnlySpan<byte> m, out bool reserved);
        if (error != PptpParseError.None)
            return error;
        var fields = new PptpFieldReader(m, reserved);
        message = T.Read(ref fields);
        Debug.Assert(fields.Offset == T.MessageLength, $"{T.Type} reads {fields.Offset} octets, not {T.MessageLength}");
        return fields.ReservedNonZero && policy == PptpReservedFieldPolicy.Reject ? PptpParseError.ReservedFieldNonZero : PptpParseError.None;
    }

    /// <summary>
    /// Writes <paramref name="message"/> (<see cref="IPptpControlMessage{TSelf}.TryWrite"/>): the header, a zeroed
    /// body (so every Reserved field is 0, RFC 2637 §2), then the fields in RFC order.
    /// </summary>
    internal static bool TryWrite<T>(scoped in T message, Span<byte> destination)
        where T : IPptpControlMessage<T>, IPptpMessageFields<T>, allows ref struct
    {
        int length = T.MessageLength;
        if (destination.Length < length)
            return false;
        Span<byte> m = destination[..length];
        PptpControlHeader.TryWrite(m, T.Type);
        m[PptpControlMessage.HeaderLength..].Clear();
        var fields = new PptpFieldWriter(m);
        message.Write(ref fields);
        Debug.Assert(fields.Offset == length, $"{T.Type} writes {fields.Offset} octets, not {length}");
        return true;
    }

    /// <summary>
    /// Header checks, type match and the Length-versus-data check; on success <paramref name="message"/>
    /// is exactly the Length octets (octets beyond Length belong to the next message and are not read).
    /// </summary>
    private static PptpParseError Open(
        ReadOnlySpan<byte> input, PptpControlMessageType expected, out ReadOnlySpan<byte> message, out bool reservedNonZero)
    {
        message = default;
        reservedNonZero = false;
        PptpParseError error = PptpControlHeader.TryParse(input, out PptpControlHeader header);
        if (error != PptpParseError.None)
            return error;
        if (header.ControlMessageType != expected)
            return PptpParseError.UnexpectedControlMessageType;
        if (header.Length > input.Length)
            return PptpParseError.LengthExceedsData;
        message = input[..header.Length];
        reservedNonZero = header.Reserved0 != 0;
        return PptpParseError.None;
    }
}
