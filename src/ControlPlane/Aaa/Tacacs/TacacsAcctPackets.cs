using System.Buffers.Binary;

namespace PptpGw.ControlPlane.Aaa.Tacacs;

/// <summary>
/// The accounting REQUEST body (RFC 8907 §7.1): flags, authen_method, priv_lvl, authen_type, authen_service, user_len,
/// port_len, rem_addr_len, arg_cnt, the argument lengths, then user, port, rem_addr and the arguments (task_id,
/// start_time, elapsed_time, bytes_in, ... §8.3).
/// </summary>
public readonly ref struct TacacsAcctRequest
{
    /// <summary>flags .. arg_cnt: 9 octets.</summary>
    public const int FixedLength = FlagsLength + TacacsAuthorRequest.FixedLength;

    /// <summary>The flags octet before the authorization REQUEST's layout.</summary>
    private const int FlagsLength = 1;

    public TacacsAcctFlags Flags { get; init; }
    public TacacsAuthenMethod AuthenMethod { get; init; }
    public byte PrivilegeLevel { get; init; }
    public TacacsAuthenType AuthenType { get; init; }
    public TacacsAuthenService Service { get; init; }
    public ReadOnlySpan<byte> User { get; init; }
    public ReadOnlySpan<byte> Port { get; init; }
    public ReadOnlySpan<byte> RemoteAddress { get; init; }
    /// <summary>The parsed arguments; <see cref="TryWrite"/> takes its arguments as a parameter.</summary>
    public TacacsArgumentList Arguments { get; init; }

    /// <summary>
    /// A REQUEST from its flags and the rest of the body, which is laid out as an authorization REQUEST (RFC 8907 §7.1
    /// vs §6.1).
    /// </summary>
    public TacacsAcctRequest(TacacsAcctFlags flags, TacacsAuthorRequest rest)
    {
        Flags = flags;
        AuthenMethod = rest.AuthenMethod;
        PrivilegeLevel = rest.PrivilegeLevel;
        AuthenType = rest.AuthenType;
        Service = rest.Service;
        User = rest.User;
        Port = rest.Port;
        RemoteAddress = rest.RemoteAddress;
        Arguments = rest.Arguments;
    }

    /// <summary>
    /// Reads a REQUEST body. Never throws. After its flags octet the body is laid out exactly as an authorization
    /// REQUEST (RFC 8907 §7.1 vs §6.1), so that parser reads the rest.
    /// </summary>
    public static TacacsError TryParse(ReadOnlySpan<byte> body, out TacacsAcctRequest value)
    {
        value = default;
        if (body.Length < FixedLength)
            return TacacsError.TooShort;
        TacacsError error = TacacsAuthorRequest.TryParse(body[FlagsLength..], out TacacsAuthorRequest rest);
        if (error != TacacsError.None)
            return error;
        value = new TacacsAcctRequest((TacacsAcctFlags)body[0], rest);
        return TacacsError.None;
    }

    /// <summary>
    /// Writes the body with <paramref name="arguments"/>; false on a field too long, a non-ASCII argument or a
    /// destination too small (then nothing is written). The flags octet, then an authorization REQUEST's layout.
    /// </summary>
    public bool TryWrite(Span<byte> destination, ReadOnlySpan<string> arguments, out int written)
    {
        written = 0;
        if (destination.IsEmpty || !Rest.TryWrite(destination[FlagsLength..], arguments, out int restLength))
            return false;
        destination[0] = (byte)Flags;
        written = FlagsLength + restLength;
        return true;
    }

    /// <summary>The body's length with <paramref name="arguments"/>.</summary>
    public int GetLength(ReadOnlySpan<string> arguments) => FlagsLength + Rest.GetLength(arguments);

    /// <summary>Everything after the flags octet: an authorization REQUEST (RFC 8907 §7.1 vs §6.1).</summary>
    private TacacsAuthorRequest Rest => new()
    {
        AuthenMethod = AuthenMethod,
        PrivilegeLevel = PrivilegeLevel,
        AuthenType = AuthenType,
        Service = Service,
        User = User,
        Port = Port,
        RemoteAddress = RemoteAddress,
    };
}

/// <summary>The accounting REPLY body (RFC 8907 §7.2): server_msg_len (2), data_len (2), status, server_msg, data.</summary>
public readonly ref struct TacacsAcctReply
{
    /// <summary>server_msg_len .. status: 5 octets.</summary>
    public const int FixedLength = TacacsBody.TwoFieldsFixedLength;

    public TacacsAcctStatus Status { get; init; }
    public ReadOnlySpan<byte> ServerMessage { get; init; }
    public ReadOnlySpan<byte> Data { get; init; }

    public int Length => FixedLength + ServerMessage.Length + Data.Length;

    /// <summary>Reads a REPLY body. Refuses lengths that do not add up and unknown statuses. Never throws.</summary>
    public static TacacsError TryParse(ReadOnlySpan<byte> body, out TacacsAcctReply value)
    {
        value = default;
        TacacsError error = TacacsBody.TryParseTwoFields(body, out byte octet, out ReadOnlySpan<byte> message, out ReadOnlySpan<byte> data);
        if (error != TacacsError.None)
            return error;
        var status = (TacacsAcctStatus)octet;
        if (!Enum.IsDefined(status))
            return TacacsError.UnknownStatus;
        value = new TacacsAcctReply { Status = status, ServerMessage = message, Data = data };
        return TacacsError.None;
    }

    /// <summary>Writes the body; false when a field exceeds 65535 octets or <paramref name="destination"/> is too small.</summary>
    public bool TryWrite(Span<byte> destination, out int written) =>
        TacacsBody.TryWriteTwoFields(destination, (byte)Status, ServerMessage, Data, out written);
}
