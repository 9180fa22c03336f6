using System.Buffers.Binary;

namespace PptpGw.ControlPlane.Aaa.Tacacs;

internal static class TacacsBody
{
    /// <summary>RFC 8907 §4.5: the fields' lengths must add up to exactly the body length.</summary>
    public static TacacsError CheckTotal(int total, int bodyLength) =>
        total > bodyLength ? TacacsError.FieldLengthsExceedBody
        : total < bodyLength ? TacacsError.FieldLengthsShortOfBody
        : TacacsError.None;

    public static bool FitsOctet(ReadOnlySpan<byte> field) => field.Length <= byte.MaxValue;

    public static bool FitsUInt16(ReadOnlySpan<byte> field) => field.Length <= ushort.MaxValue;

    /// <summary>The fixed part of the layout CONTINUE and accounting REPLY share (<see cref="TryParseTwoFields"/>): 5 octets.</summary>
    public const int TwoFieldsFixedLength = 5;

    /// <summary>
    /// The layout authentication CONTINUE (RFC 8907 §5.3) and accounting REPLY (§7.2) share: two 2-octet lengths, one
    /// octet (flags, status), then the two fields. Checks the fixed length and the lengths' total. Never throws.
    /// </summary>
    public static TacacsError TryParseTwoFields(ReadOnlySpan<byte> body, out byte octet, out ReadOnlySpan<byte> first, out ReadOnlySpan<byte> second)
    {
        octet = 0;
        first = default;
        second = default;
        if (body.Length < TwoFieldsFixedLength)
            return TacacsError.TooShort;
        var fields = new TacacsFieldReader(body);
        int firstLength = fields.U16(), secondLength = fields.U16();
        octet = fields.U8();
        TacacsError error = CheckTotal(TwoFieldsFixedLength + firstLength + secondLength, body.Length);
        if (error != TacacsError.None)
            return error;
        first = fields.Field(firstLength);
        second = fields.Field(secondLength);
        return TacacsError.None;
    }

    /// <summary>Writes that layout; false when a field exceeds 65535 octets or <paramref name="destination"/> is too small.</summary>
    public static bool TryWriteTwoFields(Span<byte> destination, byte octet, ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, out int written)
    {
        written = 0;
        if (!FitsUInt16(first) || !FitsUInt16(second) || destination.Length < TwoFieldsFixedLength + first.Length + second.Length)
            return false;
        var fields = new TacacsFieldWriter(destination);
        fields.U16(first.Length);
        fields.U16(second.Length);
        fields.U8(octet);
        fields.Field(first);
        fields.Field(second);
        written = fields.Written;
        return true;
    }
}

/// <summary>
/// The authentication START body (RFC 8907 §5.1), sent by the client as the first packet (seq_no 1) of an
/// authentication session: action, priv_lvl, authen_type, authen_service, then user, port, rem_addr and data, each
/// with a one-octet length.
/// </summary>
public readonly ref struct TacacsAuthenStart
{
    /// <summary>action .. data_len: 8 octets.</summary>
    public const int FixedLength = 8;

    public TacacsAuthenAction Action { get; init; }
    public byte PrivilegeLevel { get; init; }
    public TacacsAuthenType AuthenType { get; init; }
    public TacacsAuthenService Service { get; init; }
    /// <summary>The user name (UTF-8, RFC 8907 §3.7 UsernameCasePreserved).</summary>
    public ReadOnlySpan<byte> User { get; init; }
    /// <summary>The client port the user arrived on ("tty10", here the PPTP call).</summary>
    public ReadOnlySpan<byte> Port { get; init; }
    /// <summary>Where the user is (the PPTP peer's address as text).</summary>
    public ReadOnlySpan<byte> RemoteAddress { get; init; }
    /// <summary>authen_type-specific data (§5.4.2): the PAP password, or PPP id + challenge + response.</summary>
    public ReadOnlySpan<byte> Data { get; init; }

    /// <summary>The body's length.</summary>
    public int Length => FixedLength + User.Length + Port.Length + RemoteAddress.Length + Data.Length;

    /// <summary>Reads a START body (after de-obfuscation). Never throws.</summary>
    public static TacacsError TryParse(ReadOnlySpan<byte> body, out TacacsAuthenStart value)
    {
        value = default;
        if (body.Length < FixedLength)
            return TacacsError.TooShort;
        var fields = new TacacsFieldReader(body);
        var action = (TacacsAuthenAction)fields.U8();
        byte privilegeLevel = fields.U8();
        var authenType = (TacacsAuthenType)fields.U8();
        var service = (TacacsAuthenService)fields.U8();
        int user = fields.U8(), port = fields.U8(), remAddr = fields.U8(), data = fields.U8();
        TacacsError error = TacacsBody.CheckTotal(FixedLength + user + port + remAddr + data, body.Length);
        if (error != TacacsError.None)
            return error;
        value = new TacacsAuthenStart
        {
            Action = action,
            PrivilegeLevel = privilegeLevel,
            AuthenType = authenType,
            Service = service,
            User = fields.Field(user),
            Port = fields.Field(port),
            RemoteAddress = fields.Field(remAddr),
            Data = fields.Field(data),
        };
        return TacacsError.None;
    }

    /// <summary>Writes the body; false when a field is longer than 255 octets or <paramref name="destination"/> is too small.</summary>
    public bool TryWrite(Span<byte> destination, out int written)
    {
        written = 0;
        if (!TacacsBody.FitsOctet(User) || !TacacsBody.FitsOctet(Port) || !TacacsBody.FitsOctet(RemoteAddress) || !TacacsBody.FitsOctet(Data)
            || destination.Length < Length)
            return false;
        var fields = new TacacsFieldWriter(destination);
        fields.U8((byte)Action);
        fields.U8(PrivilegeLevel);
        fields.U8((byte)AuthenType);
        fields.U8((byte)Service);
        fields.U8((byte)User.Length);
        fields.U8((byte)Port.Length);
        fields.U8((byte)RemoteAddress.Length);
        fields.U8((byte)Data.Length);
        fields.Field(User);
        fields.Field(Port);
        fields.Field(RemoteAddress);
        fields.Field(Data);
        written = fields.Written;
        return true;
    }
}

/// <summary>
/// The authentication REPLY body (RFC 8907 §5.2), the server's only authentication packet: status, flags,
/// server_msg_len (2), data_len (2), server_msg, data.
/// </summary>
public readonly ref struct TacacsAuthenReply
{
    /// <summary>status .. data_len: 6 octets.</summary>
    public const int FixedLength = 6;

    public TacacsAuthenStatus Status { get; init; }
    public TacacsAuthenReplyFlags Flags { get; init; }
    /// <summary>Text for the user (printable US-ASCII, §3.7).</summary>
    public ReadOnlySpan<byte> ServerMessage { get; init; }
    /// <summary>Data for the client, not the user (§5.2).</summary>
    public ReadOnlySpan<byte> Data { get; init; }

    public int Length => FixedLength + ServerMessage.Length + Data.Length;

    /// <summary>Reads a REPLY body (after de-obfuscation). Refuses lengths that do not add up and unknown statuses. Never throws.</summary>
    public static TacacsError TryParse(ReadOnlySpan<byte> body, out TacacsAuthenReply value)
    {
        value = default;
        if (body.Length < FixedLength)
            return TacacsError.TooShort;
        var fields = new TacacsFieldReader(body);
        var status = (TacacsAuthenStatus)fields.U8();
        var flags = (TacacsAuthenReplyFlags)fields.U8();
        int message = fields.U16(), data = fields.U16();
        TacacsError error = TacacsBody.CheckTotal(FixedLength + message + data, body.Length);
        if (error != TacacsError.None)
            return error;
        if (!Enum.IsDefined(status))
            return TacacsError.UnknownStatus;
        value = new TacacsAuthenReply { Status = status, Flags = flags, ServerMessage = fields.Field(message), Data = fields.Field(data) };
        return TacacsError.None;
    }

    /// <summary>Writes the body; false when a field exceeds 65535 octets or <paramref name="destination"/> is too small.</summary>
    public bool TryWrite(Span<byte> destination, out int written)
    {
        written = 0;
        if (!TacacsBody.FitsUInt16(ServerMessage) || !TacacsBody.FitsUInt16(Data) || destination.Length < Length)
            return false;
        var fields = new TacacsFieldWriter(destination);
        fields.U8((byte)Status);
        fields.U8((byte)Flags);
        fields.U16(ServerMessage.Length);
        fields.U16(Data.Length);
        fields.Field(ServerMessage);
        fields.Field(Data);
        written = fields.Written;
        return true;
    }
}

/// <summary>
/// The authentication CONTINUE body (RFC 8907 §5.3): user_msg_len (2), data_len (2), flags, user_msg, data. The
/// gateway sends it only with ABORT, to end a session whose server asked for more than a PPP login can give.
/// </summary>
public readonly ref struct TacacsAuthenContinue
{
    /// <summary>user_msg_len .. flags: 5 octets.</summary>
    public const int FixedLength = TacacsBody.TwoFieldsFixedLength;

    public ReadOnlySpan<byte> UserMessage { get; init; }
    public ReadOnlySpan<byte> Data { get; init; }
    public TacacsAuthenContinueFlags Flags { get; init; }

    public int Length => FixedLength + UserMessage.Length + Data.Length;

    /// <summary>Reads a CONTINUE body. Never throws.</summary>
    public static TacacsError TryParse(ReadOnlySpan<byte> body, out TacacsAuthenContinue value)
    {
        value = default;
        TacacsError error = TacacsBody.TryParseTwoFields(body, out byte flags, out ReadOnlySpan<byte> message, out ReadOnlySpan<byte> data);
        if (error != TacacsError.None)
            return error;
        value = new TacacsAuthenContinue { Flags = (TacacsAuthenContinueFlags)flags, UserMessage = message, Data = data };
        return TacacsError.None;
    }

    /// <summary>Writes the body; false when a field exceeds 65535 octets or <paramref name="destination"/> is too small.</summary>
    public bool TryWrite(Span<byte> destination, out int written) =>
        TacacsBody.TryWriteTwoFields(destination, (byte)Flags, UserMessage, Data, out written);
}
