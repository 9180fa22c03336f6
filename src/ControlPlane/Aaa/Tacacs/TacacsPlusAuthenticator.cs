using System.Globalization;
using System.Text;
using PptpGw.ControlPlane.Logging;
using PptpGw.ControlPlane.Pools;
using PptpGw.ControlPlane.Ppp;
using PptpGw.ControlPlane.Ppp.Auth;
using PptpGw.ControlPlane.Ppp.Chap;

namespace PptpGw.ControlPlane.Aaa.Tacacs;

/// <summary>
/// <c>client authentication aaa NAME</c> with a TACACS+ group: each PPP proof becomes one authentication START
/// (RFC 8907 §5.4.2) and, after a PASS, one authorization REQUEST for service=ppp protocol=ip whose "addr=" becomes the
/// Framed-IP. What TACACS+ cannot do:
/// <list type="bullet">
/// <item>MPPE keys: no TACACS+ packet carries them (nothing like RADIUS MS-MPPE-Send-Key/Recv-Key), so every accept has
/// <see cref="PppAuthResult.Keys"/> null. <c>mppe ... required</c> with TACACS+ is a configuration error (the parser
/// reports it); with optional MPPE the session comes up unencrypted — see <see cref="TacacsPlusMppePolicy"/>.</item>
/// <item>MS-CHAPv2 mutual authentication: §5.4.2.5 defines a single START and a REPLY of PASS or FAIL, and no reply data,
/// so a server that checks the NT-Response returns no authenticator response ("S=", RFC 2759 §8.7). The gateway cannot
/// compute it (it needs the password hash), and a Windows client drops a Success without a valid S=. Such a PASS is
/// therefore turned into a reject with "TACACS+ cannot complete MS-CHAPv2: no authenticator response". A server that
/// does put the authenticator response in the REPLY's data (or server_msg) — 20 octets, or "S=" and 40 hex digits —
/// is honoured and the session proceeds.</item>
/// </list>
/// MS-CHAP v1/v2 carry no PPP Identifier in <see cref="MsChapV1AuthRequest"/>/<see cref="MsChapV2AuthRequest"/>; the
/// data's id octet is sent as 0, which no MS-CHAP computation uses (RFC 2433 §5, RFC 2759 §8).
/// </summary>
public sealed class TacacsPlusAuthenticator : IPppAuthenticator
{
    /// <summary>The message logged (and given as reason) when an MS-CHAPv2 PASS has no authenticator response.</summary>
    public const string NoAuthenticatorResponseMessage = "TACACS+ cannot complete MS-CHAPv2: no authenticator response";

    private readonly TacacsPlusClient _client;
    private readonly GatewayLog? _log;
    private readonly TacacsPlusAuthenticatorOptions _options;
    private readonly string _port;
    private readonly string _remoteAddress;

    public TacacsPlusAuthenticator(TacacsPlusClient client, GatewayLog? log = null, TacacsPlusAuthenticatorOptions? options = null)
        : this(client, log, options ?? new TacacsPlusAuthenticatorOptions(), null, "")
    {
    }

    private TacacsPlusAuthenticator(TacacsPlusClient client, GatewayLog? log, TacacsPlusAuthenticatorOptions options, string? port, string remoteAddress)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        _client = client;
        _log = log;
        _options = options;
        _port = port ?? options.Port;
        _remoteAddress = remoteAddress;
    }

    /// <summary>
    /// The same backend with the START's port and rem_addr of one call (§5.1), e.g. "pptp/3" and the PPTP peer's address;
    /// shares the client and its connections.
    /// </summary>
    public TacacsPlusAuthenticator ForCall(string port, string remoteAddress) => new(_client, _log, _options, port, remoteAddress);

    public async ValueTask<PppAuthResult> AuthenticateAsync(PppAuthRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        string group = _client.GroupName;
        if (Encoding.UTF8.GetByteCount(request.UserName) > byte.MaxValue)
            return PppAuthResult.Reject(group, "user name longer than 255 octets (RFC 8907 §5.1 user_len)", retryAllowed: false);
        if (!TryBuildData(request, out TacacsAuthenType type, out byte[] data, out string? invalid))
            return PppAuthResult.Reject(group, invalid!, retryAllowed: false);

        TacacsAuthenticationReply reply;
        try
        {
            reply = await _client.AuthenticateAsync(
                new TacacsAuthenticationRequest(type, request.UserName, data, _port, _remoteAddress, _options.PrivilegeLevel),
                cancellationToken).ConfigureAwait(false);
        }
        catch (TacacsUnavailableException e)
        {
            return PppAuthResult.Reject(group, e.Message, retryAllowed: false);
        }
        finally
        {
            Array.Clear(data);
        }

        string server = $"{group} {reply.Server}";
        switch (reply.Status)
        {
            case TacacsAuthenStatus.Pass:
                break;
            case TacacsAuthenStatus.Fail:
                return PppAuthResult.Reject(server, Reason("TACACS+ FAIL", reply.ServerMessage));
            case TacacsAuthenStatus.Restart:
                // §5.4.3: this authen_type is not acceptable; a client without RESTART treats it as FAIL.
                return PppAuthResult.Reject(server, Reason($"TACACS+ RESTART: {type} is not accepted by the server", reply.ServerMessage), retryAllowed: false);
            case TacacsAuthenStatus.Follow:
                // §5.4.3: FOLLOW is deprecated and treated as FAIL.
                return PppAuthResult.Reject(server, Reason("TACACS+ FOLLOW (deprecated, treated as FAIL)", reply.ServerMessage), retryAllowed: false);
            default:
                return PppAuthResult.Reject(server,
                    $"TACACS+ {RfcName(reply.Status)}: the server asked for more, but a {type} login is one START and one REPLY (RFC 8907 §5.4.2)",
                    retryAllowed: false);
        }

        byte[]? authenticatorResponse = null;
        if (request is MsChapV2AuthRequest)
        {
            authenticatorResponse = FindAuthenticatorResponse(reply);
            if (authenticatorResponse is null)
            {
                _log?.Write(PixSeverity.Warning, $"{NoAuthenticatorResponseMessage} (user '{request.UserName}', server {reply.Server}; "
                    + "RFC 8907 §5.4.2.5 gives the REPLY no data, and a Windows client rejects a Success without S=)");
                return PppAuthResult.Reject(server, NoAuthenticatorResponseMessage, retryAllowed: false);
            }
        }

        uint? framedIp = null;
        TimeSpan? sessionTimeout = null, idleTimeout = null;
        if (_options.Authorize)
        {
            (PppAuthResult? rejected, framedIp, sessionTimeout, idleTimeout) = await AuthorizeAsync(request.UserName, type, cancellationToken).ConfigureAwait(false);
            if (rejected is not null)
                return rejected;
        }

        if (_options.Mppe is { } mppe && request.Protocol is PppAuthProtocol.MsChapV1 or PppAuthProtocol.MsChapV2)
        {
            _log?.Write(mppe.Required ? PixSeverity.Warning : PixSeverity.Informational,
                $"user '{request.UserName}' authenticated by TACACS+ {reply.Server}: TACACS+ returns no MPPE keys, so "
                + (mppe.Required ? "the session cannot be encrypted as 'mppe ... required' demands" : "the session runs unencrypted"));
        }
        return new PppAuthResult(true, server, Keys: null, AuthenticatorResponse: authenticatorResponse, FramedIpAddress: framedIp,
            SessionTimeout: sessionTimeout, IdleTimeout: idleTimeout);
    }

    /// <summary>The status as RFC 8907 spells it (GETPASS, PASS_ADD, FAIL, ...), for reasons and logs.</summary>
    private static string RfcName<T>(T status) where T : struct, Enum => status switch
    {
        TacacsAuthenStatus.GetData => "GETDATA",
        TacacsAuthenStatus.GetUser => "GETUSER",
        TacacsAuthenStatus.GetPass => "GETPASS",
        TacacsAuthorStatus.PassAdd => "PASS_ADD",
        TacacsAuthorStatus.PassReplace => "PASS_REPL",
        TacacsAuthorStatus.Follow => "FOLLOW (deprecated, treated as FAIL)",
        _ => status.ToString().ToUpperInvariant(),
    };

    private static string Reason(string what, string serverMessage) =>
        serverMessage.Length == 0 ? what : $"{what}: \"{serverMessage}\"";

    /// <summary>§5.4.2.2-§5.4.2.5: the START's data field per authen_type.</summary>
    private static bool TryBuildData(PppAuthRequest request, out TacacsAuthenType type, out byte[] data, out string? invalid)
    {
        invalid = null;
        switch (request)
        {
            case PapAuthRequest pap:
                // §5.4.2.2: "the data field MUST contain the PAP ASCII password".
                type = TacacsAuthenType.Pap;
                data = (byte[])pap.Password.Clone();
                break;
            case ChapMd5AuthRequest chap when chap.Response.Length == ChapMd5.ResponseLength:
                // §5.4.2.3: PPP id (1) + challenge + response (16).
                type = TacacsAuthenType.Chap;
                data = [chap.Identifier, .. chap.Challenge, .. chap.Response];
                break;
            case MsChapV1AuthRequest v1 when v1.Challenge.Length == MsChapV1.ChallengeLength
                && v1.LmResponse.Length == MsChapV1.ResponseLength && v1.NtResponse.Length == MsChapV1.ResponseLength:
                // §5.4.2.4: PPP id (1) + challenge (8) + the 49-octet MS-CHAP Response: LM (24), NT (24), Flags (RFC 2433 §5).
                type = TacacsAuthenType.MsChap;
                data = [0, .. v1.Challenge, .. v1.LmResponse, .. v1.NtResponse, v1.UseNtResponse ? (byte)1 : (byte)0];
                break;
            case MsChapV2AuthRequest v2 when v2.AuthenticatorChallenge.Length == MsChapV2.ChallengeLength
                && v2.PeerChallenge.Length == MsChapV2.ChallengeLength && v2.NtResponse.Length == MsChapV2.NtResponseLength:
                // §5.4.2.5: PPP id (1) + challenge (16) + the 49-octet Response: Peer-Challenge (16), Reserved (8, zero),
                // NT-Response (24), Flags (0) (RFC 2759 §4).
                type = TacacsAuthenType.MsChapV2;
                data = [0, .. v2.AuthenticatorChallenge, .. v2.PeerChallenge, 0, 0, 0, 0, 0, 0, 0, 0, .. v2.NtResponse, 0];
                break;
            default:
                type = default;
                data = [];
                invalid = $"cannot send {request.GetType().Name} to TACACS+: unsupported or malformed proof";
                return false;
        }
        if (data.Length > byte.MaxValue)
        {
            invalid = $"{type} data longer than 255 octets (RFC 8907 §5.1 data_len)";
            return false;
        }
        return true;
    }

    /// <summary>An authenticator response the server chose to return, raw (20 octets) or as "S=" + 40 hex digits.</summary>
    private static byte[]? FindAuthenticatorResponse(TacacsAuthenticationReply reply)
    {
        if (reply.Data.Length == MsChapV2.AuthenticatorResponseLength)
            return (byte[])reply.Data.Clone();
        byte[] digest = new byte[MsChapV2.AuthenticatorResponseLength];
        ReadOnlySpan<byte> data = reply.Data;
        if (data.Length >= MsChapV2.AuthenticatorResponseStringLength
            && MsChapV2.TryParseAuthenticatorResponse(data[..MsChapV2.AuthenticatorResponseStringLength], digest))
            return digest;
        byte[] message = Encoding.ASCII.GetBytes(reply.ServerMessage);
        int at = message.AsSpan().IndexOf("S="u8);
        if (at >= 0 && message.Length - at >= MsChapV2.AuthenticatorResponseStringLength
            && MsChapV2.TryParseAuthenticatorResponse(message.AsSpan(at, MsChapV2.AuthenticatorResponseStringLength), digest))
            return digest;
        return null;
    }

    private async ValueTask<(PppAuthResult? Rejected, uint? FramedIp, TimeSpan? SessionTimeout, TimeSpan? IdleTimeout)> AuthorizeAsync(string user,
        TacacsAuthenType type, CancellationToken cancellationToken)
    {
        string group = _client.GroupName;
        TacacsAuthorizationReply reply;
        try
        {
            reply = await _client.AuthorizeAsync(
                new TacacsAuthorizationRequest(user, _port, _remoteAddress, ["service=ppp", "protocol=ip"], type,
                    PrivilegeLevel: _options.PrivilegeLevel),
                cancellationToken).ConfigureAwait(false);
        }
        catch (TacacsUnavailableException e)
        {
            return (PppAuthResult.Reject(group, "authorization: " + e.Message, retryAllowed: false), null, null, null);
        }
        string server = $"{group} {reply.Server}";
        if (!reply.IsPass)
            return (PppAuthResult.Reject(server, Reason($"TACACS+ authorization {RfcName(reply.Status)}", reply.ServerMessage), retryAllowed: false), null, null, null);

        uint? address = null;
        TimeSpan? timeout = null, idle = null;
        foreach (string argument in reply.Arguments)
        {
            int at = argument.AsSpan().IndexOfAny('=', '*');
            if (at <= 0)
                continue; // not an attribute-value pair: nothing to honour
            string name = argument[..at];
            string value = argument[(at + 1)..];
            bool mandatory = argument[at] == '=';
            switch (name)
            {
                case "addr":
                    // §8.2 addr: the network address to assign to the user.
                    if (Ipv4.TryParse(value, out uint a) && a != 0)
                        address = a;
                    else if (mandatory)
                        return (Refuse(server, argument, "not an IPv4 address"), null, null, null);
                    break;
                case "timeout":
                    // §8.2 timeout: minutes the connection may last; 0 is no timeout.
                    if (uint.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out uint minutes))
                        timeout = minutes == 0 ? null : TimeSpan.FromMinutes(minutes);
                    else if (mandatory)
                        return (Refuse(server, argument, "not a number of minutes"), null, null, null);
                    break;
                case "idletime":
                    // §8.2 idletime: minutes the connection may stay idle, then it ends; 0 is no timeout. Enforced like a
                    // RADIUS Idle-Timeout (RFC 2865 §5.28): from the client's data as the dataplane counts it.
                    if (uint.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out uint idleMinutes))
                        idle = idleMinutes == 0 ? null : TimeSpan.FromMinutes(idleMinutes);
                    else if (mandatory)
                        return (Refuse(server, argument, "not a number of minutes"), null, null, null);
                    break;
                case "service" when value != "ppp" && mandatory:
                case "protocol" when value != "ip" && mandatory:
                    return (Refuse(server, argument, "this gateway authorizes service=ppp protocol=ip only"), null, null, null);
                case "service" or "protocol":
                    break;
                default:
                    // A mandatory argument must be honoured; one the gateway cannot apply (an ACL, an address pool, ...)
                    // fails the authorization rather than letting the user in with less restriction than intended.
                    if (mandatory)
                        return (Refuse(server, argument, "the gateway cannot apply it"), null, null, null);
                    _log?.Debug(DebugClasses.PppUauth, $"TACACS+ authorization for '{user}': optional argument '{argument}' ignored");
                    break;
            }
        }
        return (null, address, timeout, idle);
    }

    private PppAuthResult Refuse(string server, string argument, string why)
    {
        string reason = $"TACACS+ authorization returned mandatory argument '{argument}': {why}";
        _log?.Write(PixSeverity.Warning, reason);
        return PppAuthResult.Reject(server, reason, retryAllowed: false);
    }
}
