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
        int user = body[4], port = body[5], remAddr = body[6], count = body[7];
        if (body.Length < FixedLength + count)
            return TacacsError.FieldLengthsExceedBody;
        ReadOnlySpan<byte> lengths = body.Slice(FixedLength, count);
        int argTotal = 0;
        foreach (byte l in lengths)
            argTotal += l;
        int o = FixedLength + count;
        TacacsError error = TacacsBody.CheckTotal(o + user + port + remAddr + argTotal, body.Length);
        if (error != TacacsError.None)
            return error;
        value = new TacacsAuthorRequest
        {
            AuthenMethod = (TacacsAuthenMethod)body[0],
            PrivilegeLevel = body[1],
            AuthenType = (TacacsAuthenType)body[2],
            Service = (TacacsAuthenService)body[3],
            User = body.Slice(o, user),
            Port = body.Slice(o += user, port),
            RemoteAddress = body.Slice(o += port, remAddr),
            Arguments = new TacacsArgumentList(lengths, body.Slice(o + remAddr, argTotal)),
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
        int length = FixedLength + User.Length + Port.Length + RemoteAddress.Length + TacacsArgumentList.EncodedLength(arguments);
        if (destination.Length < length)
            return false;
        destination[0] = (byte)AuthenMethod;
        destination[1] = PrivilegeLevel;
        destination[2] = (byte)AuthenType;
        destination[3] = (byte)Service;
        destination[4] = (byte)User.Length;
        destination[5] = (byte)Port.Length;
        destination[6] = (byte)RemoteAddress.Length;
        destination[7] = (byte)arguments.Length;
        int o = FixedLength + arguments.Length;
        User.CopyTo(destination[o..]);
        Port.CopyTo(destination[(o += User.Length)..]);
        RemoteAddress.CopyTo(destination[(o += Port.Length)..]);
        o += RemoteAddress.Length;
        TacacsArgumentList.Write(arguments, destination.Slice(FixedLength, arguments.Length), destination[o..length]);
        written = length;
        return true;
    }
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
        int count = body[1];
        int message = BinaryPrimitives.ReadUInt16BigEndian(body[2..]);
        int data = BinaryPrimitives.ReadUInt16BigEndian(body[4..]);
        if (body.Length < FixedLength + count)
            return TacacsError.FieldLengthsExceedBody;
        ReadOnlySpan<byte> lengths = body.Slice(FixedLength, count);
        int argTotal = 0;
        foreach (byte l in lengths)
            argTotal += l;
        int o = FixedLength + count;
        TacacsError error = TacacsBody.CheckTotal(o + message + data + argTotal, body.Length);
        if (error != TacacsError.None)
            return error;
        var status = (TacacsAuthorStatus)body[0];
        if (!Enum.IsDefined(status))
            return TacacsError.UnknownStatus;
        value = new TacacsAuthorResponse
        {
            Status = status,
            ServerMessage = body.Slice(o, message),
            Data = body.Slice(o += message, data),
            Arguments = new TacacsArgumentList(lengths, body.Slice(o + data, argTotal)),
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
        destination[0] = (byte)Status;
        destination[1] = (byte)arguments.Length;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)ServerMessage.Length);
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], (ushort)Data.Length);
        int o = FixedLength + arguments.Length;
        ServerMessage.CopyTo(destination[o..]);
        Data.CopyTo(destination[(o += ServerMessage.Length)..]);
        o += Data.Length;
        TacacsArgumentList.Write(arguments, destination.Slice(FixedLength, arguments.Length), destination[o..length]);
        written = length;
        return true;
    }
}
