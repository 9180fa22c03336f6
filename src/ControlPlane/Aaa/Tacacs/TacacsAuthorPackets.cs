using System.Buffers.Binary;

namespace PptpGw.ControlPlane.Aaa.Tacacs;

/// <summary>
/// The authorization REQUEST body (RFC 8907 §6.1): authen_method, priv_lvl, authen_type, authen_service, user_len,
/// port_len, rem_addr_len, arg_cnt, the argument lengths, then user, port, rem_addr and the arguments.
/// </summary>
public readonly ref struct TacacsAuthorRequest
{
    /// <summary>authen_method .. arg_cnt: 8 octets.</summary>
    public const int FixedLength = 8;

    public TacacsAuthenMethod AuthenMethod { get; init; }
    public byte PrivilegeLevel { get; init; }
    public TacacsAuthenType AuthenType { get; init; }
    public TacacsAuthenService Service { get; init; }
    public ReadOnlySpan<byte> User { get; init; }
    public ReadOnlySpan<byte> Port { get; init; }
    public ReadOnlySpan<byte> RemoteAddress { get; init; }

    /// <summary>The parsed arguments (<see cref="TryParse"/>); <see cref="TryWrite"/> takes its arguments as a parameter.</summary>
    public TacacsArgumentList Arguments { get; init; }

    /// <summary>Reads a REQUEST body. Never throws.</summary>
    public static TacacsError TryParse(ReadOnlySpan<byte> body, out TacacsAuthorRequest value)
    {
        value = default;
        if (body.Length < FixedLength)
            return TacacsError.TooShort;
        var fields = new TacacsFieldReader(body);
        var authenMethod = (TacacsAuthenMethod)fields.U8();
        byte privilegeLevel = fields.U8();
        var authenType = (TacacsAuthenType)fields.U8();
        var service = (TacacsAuthenService)fields.U8();
        int user = fields.U8(), port = fields.U8(), remAddr = fields.U8(), count = fields.U8();
        if (body.Length < FixedLength + count)
            return TacacsError.FieldLengthsExceedBody;
        ReadOnlySpan<byte> lengths = fields.Field(count);
        int argTotal = TacacsArgumentList.TotalLength(lengths);
        TacacsError error = TacacsBody.CheckTotal(FixedLength + count + user + port + remAddr + argTotal, body.Length);
        if (error != TacacsError.None)
            return error;
        value = new TacacsAuthorRequest
        {
            AuthenMethod = authenMethod,
            PrivilegeLevel = privilegeLevel,
            AuthenType = authenType,
            Service = service,
            User = fields.Field(user),
            Port = fields.Field(port),
            RemoteAddress = fields.Field(remAddr),
            Arguments = new TacacsArgumentList(lengths, fields.Field(argTotal)),
        };
        return TacacsError.None;
    }

    /// <summary>
    /// Writes the body with <paramref name="arguments"/> ("service=ppp", "protocol=ip", ...). False when a field is
    /// longer than 255 octets, an argument is not printable US-ASCII (§3.7), or <paramref name="destination"/> is too small.
    /// </summary>
    public bool TryWrite(Span<byte> destination, ReadOnlySpan<string> arguments, out int written)
    {
        written = 0;
        if (!TacacsBody.FitsOctet(User) || !TacacsBody.FitsOctet(Port) || !TacacsBody.FitsOctet(RemoteAddress)
            || !TacacsArgumentList.AreValid(arguments))
            return false;
        int length = GetLength(arguments);
        if (destination.Length < length)
            return false;
        var fields = new TacacsFieldWriter(destination[..length]);
        fields.U8((byte)AuthenMethod);
        fields.U8(PrivilegeLevel);
        fields.U8((byte)AuthenType);
        fields.U8((byte)Service);
        fields.U8((byte)User.Length);
        fields.U8((byte)Port.Length);
        fields.U8((byte)RemoteAddress.Length);
        fields.U8((byte)arguments.Length);
        Span<byte> lengths = fields.Take(arguments.Length);
        fields.Field(User);
        fields.Field(Port);
        fields.Field(RemoteAddress);
        TacacsArgumentList.Write(arguments, lengths, fields.Take(length - fields.Written));
        written = length;
        return true;
    }

    /// <summary>The body's length with <paramref name="arguments"/> (valid ones: <see cref="TacacsArgumentList.AreValid"/>).</summary>
    public int GetLength(ReadOnlySpan<string> arguments) =>
        FixedLength + User.Length + Port.Length + RemoteAddress.Length + TacacsArgumentList.EncodedLength(arguments);
}

/// <summary>
/// The authorization RESPONSE body (RFC 8907 §6.2): status, arg_cnt, server_msg_len (2), data_len (2), the argument
/// lengths, server_msg, data, then the arguments.
/// </summary>
public readonly ref struct TacacsAuthorResponse
{
    /// <summary>status .. data_len: 6 octets.</summary>
    public const int FixedLength = 6;

    public TacacsAuthorStatus Status { get; init; }
    public ReadOnlySpan<byte> ServerMessage { get; init; }
    /// <summary>Text for an administrative log (§6.2).</summary>
    public ReadOnlySpan<byte> Data { get; init; }
    /// <summary>The parsed arguments; <see cref="TryWrite"/> takes its arguments as a parameter.</summary>
    public TacacsArgumentList Arguments { get; init; }

    /// <summary>Reads a RESPONSE body. Refuses lengths that do not add up and unknown statuses. Never throws.</summary>
    public static TacacsError TryParse(ReadOnlySpan<byte> body, out TacacsAuthorResponse value)
    {
        value = default;
        if (body.Length < FixedLength)
            return TacacsError.TooShort;
        var fields = new TacacsFieldReader(body);
        var status = (TacacsAuthorStatus)fields.U8();
        int count = fields.U8();
        int message = fields.U16(), data = fields.U16();
        if (body.Length < FixedLength + count)
            return TacacsError.FieldLengthsExceedBody;
        ReadOnlySpan<byte> lengths = fields.Field(count);
        int argTotal = TacacsArgumentList.TotalLength(lengths);
        TacacsError error = TacacsBody.CheckTotal(FixedLength + count + message + data + argTotal, body.Length);
        if (error != TacacsError.None)
            return error;
        if (!Enum.IsDefined(status))
            return TacacsError.UnknownStatus;
        value = new TacacsAuthorResponse
        {
            Status = status,
            ServerMessage = fields.Field(message),
            Data = fields.Field(data),
            Arguments = new TacacsArgumentList(lengths, fields.Field(argTotal)),
        };
        return TacacsError.None;
    }

    /// <summary>Writes the body with <paramref name="arguments"/>; false on a field too long or a destination too small.</summary>
    public bool TryWrite(Span<byte> destination, ReadOnlySpan<string> arguments, out int written)
    {
        written = 0;
        if (!TacacsBody.FitsUInt16(ServerMessage) || !TacacsBody.FitsUInt16(Data) || !TacacsArgumentList.AreValid(arguments))
            return false;
        int length = FixedLength + ServerMessage.Length + Data.Length + TacacsArgumentList.EncodedLength(arguments);
        if (destination.Length < length)
            return false;
        var fields = new TacacsFieldWriter(destination[..length]);
        fields.U8((byte)Status);
        fields.U8((byte)arguments.Length);
        fields.U16(ServerMessage.Length);
        fields.U16(Data.Length);
        Span<byte> lengths = fields.Take(arguments.Length);
        fields.Field(ServerMessage);
        fields.Field(Data);
        TacacsArgumentList.Write(arguments, lengths, fields.Take(length - fields.Written));
        written = length;
        return true;
    }
}
