using System.Collections.Immutable;

namespace PptpGw.ControlPlane.Aaa.Tacacs;

/// <summary>
/// One authentication session's START (RFC 8907 §5.1) as the client sends it. For PAP, CHAP and MS-CHAP the exchange
/// is a single START and a single REPLY (§5.4.2.2-§5.4.2.5), sent with minor version 1 (§5.4.1).
/// </summary>
/// <param name="AuthenType">PAP, CHAP, MS-CHAP or MS-CHAPv2.</param>
/// <param name="User">The user name, sent as UTF-8.</param>
/// <param name="Data">§5.4.2: the PAP password, or PPP id + challenge + response. Secret: never logged.</param>
/// <param name="Port">The client port, printable US-ASCII.</param>
/// <param name="RemoteAddress">The user's address as text, printable US-ASCII.</param>
public sealed record TacacsAuthenticationRequest(
    TacacsAuthenType AuthenType,
    string User,
    byte[] Data,
    string Port,
    string RemoteAddress,
    byte PrivilegeLevel = 1,
    TacacsAuthenService Service = TacacsAuthenService.Ppp,
    TacacsAuthenAction Action = TacacsAuthenAction.Login)
{
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"AuthenType = {AuthenType}, User = {User}, Data = ({Data.Length} octets), Port = {Port}, RemoteAddress = {RemoteAddress}");
        return true;
    }
}

/// <summary>A server's authentication REPLY (RFC 8907 §5.2), other than ERROR (which makes the client try the next server).</summary>
/// <param name="Server">The server that answered ("address:port").</param>
public sealed record TacacsAuthenticationReply(TacacsAuthenStatus Status, TacacsAuthenReplyFlags Flags, string ServerMessage, byte[] Data, string Server);

/// <summary>An authorization REQUEST (RFC 8907 §6.1).</summary>
/// <param name="Arguments">Attribute-value pairs, e.g. "service=ppp", "protocol=ip" (§8.1).</param>
public sealed record TacacsAuthorizationRequest(
    string User,
    string Port,
    string RemoteAddress,
    ImmutableArray<string> Arguments,
    TacacsAuthenType AuthenType,
    TacacsAuthenMethod AuthenMethod = TacacsAuthenMethod.TacacsPlus,
    byte PrivilegeLevel = 1,
    TacacsAuthenService Service = TacacsAuthenService.Ppp);

/// <summary>A server's authorization RESPONSE (RFC 8907 §6.2), other than ERROR.</summary>
/// <param name="Arguments">The server's attribute-value pairs, e.g. "addr=198.19.0.7".</param>
public sealed record TacacsAuthorizationReply(TacacsAuthorStatus Status, string ServerMessage, string Data, ImmutableArray<string> Arguments, string Server)
{
    /// <summary>PASS_ADD or PASS_REPL.</summary>
    public bool IsPass => Status is TacacsAuthorStatus.PassAdd or TacacsAuthorStatus.PassReplace;
}

/// <summary>An accounting REQUEST (RFC 8907 §7.1).</summary>
/// <param name="Arguments">task_id, start_time, elapsed_time, bytes_in, ... (§8.3).</param>
public sealed record TacacsAccountingRequest(
    TacacsAcctFlags Flags,
    string User,
    string Port,
    string RemoteAddress,
    ImmutableArray<string> Arguments,
    TacacsAuthenType AuthenType,
    TacacsAuthenMethod AuthenMethod = TacacsAuthenMethod.TacacsPlus,
    byte PrivilegeLevel = 1,
    TacacsAuthenService Service = TacacsAuthenService.Ppp);

/// <summary>A server's SUCCESS accounting REPLY (RFC 8907 §7.2); ERROR and FOLLOW make the client try the next server.</summary>
public sealed record TacacsAccountingReply(TacacsAcctStatus Status, string ServerMessage, string Data, string Server);

/// <summary>No server of the group gave an answer (each one refused the connection, timed out, sent a malformed or
/// mis-keyed reply, or answered ERROR, which RFC 8907 §4.4 says to treat as unreachable).</summary>
public sealed class TacacsUnavailableException : Exception
{
    public TacacsUnavailableException()
    {
    }

    public TacacsUnavailableException(string message) : base(message)
    {
    }

    public TacacsUnavailableException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

/// <summary>Knobs of <see cref="TacacsPlusClient"/>; the per-server timeout and key come from the configuration.</summary>
public sealed record TacacsPlusClientOptions
{
    /// <summary>Ask for Single Connection Mode (RFC 8907 §4.3) on each new connection; kept when the server agrees.</summary>
    public bool SingleConnection { get; init; } = true;

    /// <summary>Idle single-connection connections kept per server (sessions run one at a time on a connection;
    /// concurrent sessions open more).</summary>
    public int MaxIdleConnectionsPerServer { get; init; } = 4;

    /// <summary>Replies with a longer body are refused (RFC 8907 §4.1: implementations MUST allow control over it).</summary>
    public int MaxBodyLength { get; init; } = TacacsHeader.DefaultMaxBodyLength;

    /// <summary>Overrides every server's <c>timeout</c> (tests); null: the configured seconds.</summary>
    public TimeSpan? Timeout { get; init; }
}
