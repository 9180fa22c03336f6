namespace PptpGw.ControlPlane.Ppp.Chap;

/// <summary>CHAP packet codes (RFC 1994 §4).</summary>
public enum ChapCode : byte
{
    /// <summary>Challenge: Value is the authenticator's challenge, Name identifies the authenticator.</summary>
    Challenge = 1,
    /// <summary>Response: Value is the hash (or, for MS-CHAP, the 49-octet response), Name identifies the peer.</summary>
    Response = 2,
    /// <summary>Success: Message (for MS-CHAPv2 it carries "S=&lt;authenticator response&gt;", RFC 2759 §5).</summary>
    Success = 3,
    /// <summary>Failure: Message (for MS-CHAP it carries "E=... R=... C=... V=...", RFC 2433 §6, RFC 2759 §6).</summary>
    Failure = 4,
}

/// <summary>
/// The CHAP Algorithm octet of the LCP Authentication-Protocol option (RFC 1994 §3; RFC 2433 §2; RFC 2759 §2).
/// </summary>
public enum ChapAlgorithm : byte
{
    /// <summary>CHAP with MD5 (RFC 1994 §3).</summary>
    Md5 = 0x05,
    /// <summary>MS-CHAP, version 1 (RFC 2433 §2).</summary>
    MsChapV1 = 0x80,
    /// <summary>MS-CHAP, version 2 (RFC 2759 §2).</summary>
    MsChapV2 = 0x81,
}

/// <summary>Why a CHAP packet was rejected by <see cref="ChapPacket.TryParse"/>.</summary>
public enum ChapError
{
    None = 0,
    /// <summary>Fewer than the 4 octets of Code, Identifier and Length.</summary>
    TooShort,
    /// <summary>Length field below 4.</summary>
    LengthTooSmall,
    /// <summary>Length field larger than the octets received (RFC 1661 §5: the packet is discarded).</summary>
    LengthExceedsData,
    /// <summary>
    /// Code is not 1-4. (MS-CHAP's Change-Password codes 5-7, RFC 2433 §7 and RFC 2759 §7, are not parsed here.)
    /// </summary>
    UnknownCode,
    /// <summary>Challenge or Response without the Value-Size octet.</summary>
    MissingValueSize,
    /// <summary>Value-Size is 0; RFC 1994 §4.1 requires one or more octets of Value.</summary>
    EmptyValue,
    /// <summary>Value-Size runs past the end of the packet (as bounded by the Length field).</summary>
    ValueExceedsPacket,
}

/// <summary>
/// A CHAP packet (RFC 1994 §4), parsed from the octets after the PPP Protocol field (0xC223).
/// Challenge/Response: Value-Size (1), Value, Name (the rest of the packet).
/// Success/Failure: Message (the whole Data field). The spans point into the input.
/// </summary>
public readonly ref struct ChapPacket
{
    /// <summary>Value-Size is a single octet (RFC 1994 §4.1).</summary>
    public const int MaxValueLength = byte.MaxValue;

    public ChapCode Code { get; }
    public byte Identifier { get; }
    /// <summary>Challenge/Response only: the Value (1-255 octets).</summary>
    public ReadOnlySpan<byte> Value { get; }
    /// <summary>Challenge/Response only: the Name (zero or more octets, not NUL-terminated).</summary>
    public ReadOnlySpan<byte> Name { get; }
    /// <summary>Success/Failure only: the Message (zero or more octets).</summary>
    public ReadOnlySpan<byte> Message { get; }

    private ChapPacket(ChapCode code, byte identifier, ReadOnlySpan<byte> value, ReadOnlySpan<byte> name, ReadOnlySpan<byte> message)
    {
        Code = code;
        Identifier = identifier;
        Value = value;
        Name = name;
        Message = message;
    }

    /// <summary>Parses a CHAP packet. Never throws.</summary>
    public static ChapError TryParse(ReadOnlySpan<byte> input, out ChapPacket packet)
    {
        packet = default;
        PppPacketError headerError = PppControlPacket.TryParse(input, out PppControlPacket header);
        switch (headerError)
        {
            case PppPacketError.None: break;
            case PppPacketError.TooShort: return ChapError.TooShort;
            case PppPacketError.LengthTooSmall: return ChapError.LengthTooSmall;
            default: return ChapError.LengthExceedsData;
        }

        ReadOnlySpan<byte> data = header.Data;
        switch ((ChapCode)header.Code)
        {
            case ChapCode.Challenge:
            case ChapCode.Response:
            {
                if (data.IsEmpty)
                    return ChapError.MissingValueSize;
                int valueSize = data[0];
                if (valueSize == 0)
                    return ChapError.EmptyValue;
                if (1 + valueSize > data.Length)
                    return ChapError.ValueExceedsPacket;
                packet = new ChapPacket((ChapCode)header.Code, header.Identifier, data.Slice(1, valueSize), data[(1 + valueSize)..], default);
                return ChapError.None;
            }
            case ChapCode.Success:
            case ChapCode.Failure:
                packet = new ChapPacket((ChapCode)header.Code, header.Identifier, default, default, data);
                return ChapError.None;
            default:
                return ChapError.UnknownCode;
        }
    }

    /// <summary>Octets a Challenge or Response with these fields occupies.</summary>
    public static int GetChallengeOrResponseLength(int valueLength, int nameLength) =>
        PppControlPacket.HeaderLength + 1 + valueLength + nameLength;

    /// <summary>Octets a Success or Failure with this message occupies.</summary>
    public static int GetResultLength(int messageLength) => PppControlPacket.HeaderLength + messageLength;

    /// <summary>Writes a Challenge (RFC 1994 §4.1); see <see cref="TryWriteChallengeOrResponse"/>.</summary>
    public static bool TryWriteChallenge(Span<byte> destination, byte identifier, ReadOnlySpan<byte> value, ReadOnlySpan<byte> name, out int bytesWritten) =>
        TryWriteChallengeOrResponse(destination, ChapCode.Challenge, identifier, value, name, out bytesWritten);

    /// <summary>Writes a Response (RFC 1994 §4.1); see <see cref="TryWriteChallengeOrResponse"/>.</summary>
    public static bool TryWriteResponse(Span<byte> destination, byte identifier, ReadOnlySpan<byte> value, ReadOnlySpan<byte> name, out int bytesWritten) =>
        TryWriteChallengeOrResponse(destination, ChapCode.Response, identifier, value, name, out bytesWritten);

    /// <summary>
    /// Writes a Challenge or Response: Value-Size, Value, Name. Returns false when <paramref name="destination"/> is
    /// too small or the packet would exceed the 16-bit Length; throws when the Value is not 1-255 octets
    /// (the caller chooses it) or <paramref name="code"/> is not Challenge/Response.
    /// </summary>
    public static bool TryWriteChallengeOrResponse(Span<byte> destination, ChapCode code, byte identifier, ReadOnlySpan<byte> value, ReadOnlySpan<byte> name, out int bytesWritten)
    {
        if (code is not (ChapCode.Challenge or ChapCode.Response))
            throw new ArgumentOutOfRangeException(nameof(code), code, "Only Challenge and Response carry Value and Name.");
        if (value.IsEmpty || value.Length > MaxValueLength)
            throw new ArgumentOutOfRangeException(nameof(value), value.Length, "The CHAP Value must be 1 to 255 octets (RFC 1994 §4.1).");
        bytesWritten = 0;
        int length = GetChallengeOrResponseLength(value.Length, name.Length);
        if (length > ushort.MaxValue || destination.Length < length)
            return false;
        PppControlPacket.TryWriteHeader(destination, (byte)code, identifier, length - PppControlPacket.HeaderLength);
        destination[PppControlPacket.HeaderLength] = (byte)value.Length;
        value.CopyTo(destination[(PppControlPacket.HeaderLength + 1)..]);
        name.CopyTo(destination[(PppControlPacket.HeaderLength + 1 + value.Length)..]);
        bytesWritten = length;
        return true;
    }

    /// <summary>Writes a Success (RFC 1994 §4.2); see <see cref="TryWriteResult"/>.</summary>
    public static bool TryWriteSuccess(Span<byte> destination, byte identifier, ReadOnlySpan<byte> message, out int bytesWritten) =>
        TryWriteResult(destination, ChapCode.Success, identifier, message, out bytesWritten);

    /// <summary>Writes a Failure (RFC 1994 §4.2); see <see cref="TryWriteResult"/>.</summary>
    public static bool TryWriteFailure(Span<byte> destination, byte identifier, ReadOnlySpan<byte> message, out int bytesWritten) =>
        TryWriteResult(destination, ChapCode.Failure, identifier, message, out bytesWritten);

    /// <summary>
    /// Writes a Success or Failure whose Data is <paramref name="message"/>. The Identifier MUST be copied from the
    /// Response (RFC 1994 §4.2). Returns false when <paramref name="destination"/> is too small or the packet would
    /// exceed the 16-bit Length; throws when <paramref name="code"/> is not Success/Failure.
    /// </summary>
    public static bool TryWriteResult(Span<byte> destination, ChapCode code, byte identifier, ReadOnlySpan<byte> message, out int bytesWritten)
    {
        if (code is not (ChapCode.Success or ChapCode.Failure))
            throw new ArgumentOutOfRangeException(nameof(code), code, "Only Success and Failure carry a Message.");
        bytesWritten = 0;
        int length = GetResultLength(message.Length);
        if (length > ushort.MaxValue || destination.Length < length)
            return false;
        PppControlPacket.TryWriteHeader(destination, (byte)code, identifier, message.Length);
        message.CopyTo(destination[PppControlPacket.HeaderLength..]);
        bytesWritten = length;
        return true;
    }
}
