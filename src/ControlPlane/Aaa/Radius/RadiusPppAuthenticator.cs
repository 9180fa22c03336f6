using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using PptpGw.ControlPlane.Logging;
using PptpGw.ControlPlane.Pools;
using PptpGw.ControlPlane.Ppp;
using PptpGw.ControlPlane.Ppp.Auth;
using PptpGw.ControlPlane.Ppp.Ccp;
using PptpGw.ControlPlane.Ppp.Chap;
using PptpGw.Dataplane.Mppe;

namespace PptpGw.ControlPlane.Aaa.Radius;

/// <summary>
/// <c>client authentication aaa NAME</c> with a RADIUS group: each PPP proof becomes one Access-Request (RFC 2865 §4.1)
/// with the call's NAS-Port (the PPTP call id) and Calling-Station-Id (the client's outside address), and the answer
/// becomes a <see cref="PppAuthResult"/>:
/// <list type="bullet">
/// <item>Access-Accept: the MPPE start keys (MS-CHAPv2: MS-MPPE-Send-Key/Recv-Key, RFC 2548 §2.4.2-§2.4.3, which are
/// named from the NAS's side: Send-Key encrypts what the gateway sends, exactly <see cref="MppeStartKeys.SendKey"/>;
/// MS-CHAPv1: MS-CHAP-MPPE-Keys, RFC 2548 §2.4.1, turned into start keys by RFC 3079 §2), the MS-CHAP2-Success
/// authenticator response ("S=", RFC 2759 §8.7) relayed to the peer, Framed-IP-Address, Session-Timeout, and
/// MS-MPPE-Encryption-Policy/Types (RFC 2548 §2.4.4-§2.4.5) as the strengths CCP may negotiate.</item>
/// <item>Access-Reject: the MS-CHAP-Error's E= and R= (RFC 2548 §2.1.5, RFC 2759 §6) or the Reply-Message as the reason.</item>
/// <item>No answer: a reject the peer may not retry, with a log line.</item>
/// </list>
/// An accept without usable keys for MS-CHAP returns no keys; the PPP authentication phase then fails the user with
/// "missing MPPE key from aaa server" (PIX 403110) when MPPE is configured.
/// </summary>
public sealed class RadiusPppAuthenticator : IPppAuthenticator
{
    private readonly RadiusClient _client;
    private readonly GatewayLog? _log;
    private readonly uint? _nasPort;
    private readonly string? _callingStationId;
    private readonly string? _calledStationId;

    public RadiusPppAuthenticator(RadiusClient client, GatewayLog? log = null)
        : this(client, log, null, null, null)
    {
    }

    private RadiusPppAuthenticator(RadiusClient client, GatewayLog? log, uint? nasPort, string? callingStationId, string? calledStationId)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        _log = log;
        _nasPort = nasPort;
        _callingStationId = callingStationId;
        _calledStationId = calledStationId;
    }

    /// <summary>
    /// The same backend for one call: NAS-Port = the PPTP call id, Calling-Station-Id = the client's outside address
    /// (RFC 2865 §5.5, §5.31), Called-Station-Id = the address it dialled (§5.30); shares the client and its sockets.
    /// </summary>
    public RadiusPppAuthenticator ForCall(uint nasPort, string? callingStationId, string? calledStationId = null) =>
        new(_client, _log, nasPort, callingStationId, calledStationId);

    /// <summary>
    /// The latest Access-Accept this (per-call) authenticator received: accounting echoes its Class attributes
    /// (RFC 2865 §5.25) and honours its Acct-Interim-Interval (RFC 2869 §5.16).
    /// </summary>
    public RadiusAccessResult? LastAccept => Volatile.Read(ref _lastAccept);

    private RadiusAccessResult? _lastAccept;

    /// <summary>What <c>show vpdn</c> and the logs call a server of the group: "GROUP 127.0.0.1:1645".</summary>
    public static string ServerName(string group, Config.AaaServerHost? host) =>
        host is null ? group : string.Create(CultureInfo.InvariantCulture, $"{group} {host.Address}:{host.AuthenticationPort}");

    public async ValueTask<PppAuthResult> AuthenticateAsync(PppAuthRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        string group = _client.Group.Name;
        RadiusCredentials? credentials = ToCredentials(request);
        if (credentials is null)
            return PppAuthResult.Reject(group, $"cannot send {request.GetType().Name} to RADIUS: malformed proof", retryAllowed: false,
                failure: PppAuthFailure.MalformedProof);

        var access = new RadiusAccessRequest(request.UserName, credentials)
        {
            NasPort = _nasPort,
            CallingStationId = _callingStationId,
            CalledStationId = _calledStationId,
        };
        RadiusAccessResult result;
        try
        {
            result = await _client.AuthenticateAsync(access, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (credentials is PapCredentials pap && System.Runtime.InteropServices.MemoryMarshal.TryGetArray(pap.Password, out ArraySegment<byte> segment))
                CryptographicOperations.ZeroMemory(segment);
        }
        PppAuthResult verdict = ToPppResult(request, result, group, _log);
        if (verdict.Accepted)
            Volatile.Write(ref _lastAccept, result);
        return verdict;
    }

    /// <summary>The RADIUS credentials of a PPP proof (RFC 2865 §5.2-§5.3, RFC 2548 §2.1-§2.3); null when malformed.</summary>
    public static RadiusCredentials? ToCredentials(PppAuthRequest request) => request switch
    {
        // A copy: the PPP request's array stays the authentication engine's, ours is wiped after the send.
        PapAuthRequest pap => new PapCredentials((byte[])pap.Password.Clone()),
        ChapMd5AuthRequest chap => new ChapCredentials(chap.Identifier, chap.Challenge, chap.Response),
        MsChapV1AuthRequest v1 when v1.Challenge.Length == MsChapV1.ChallengeLength
            && v1.LmResponse.Length == MsChapV1.ResponseLength && v1.NtResponse.Length == MsChapV1.ResponseLength =>
            // The PPP Identifier is not part of any MS-CHAP computation (RFC 2433 §5); 0 in the Ident octet.
            new MsChapV1Credentials(0, v1.Challenge, v1.LmResponse, v1.NtResponse, v1.UseNtResponse ? (byte)1 : (byte)0),
        MsChapV2AuthRequest v2 when v2.AuthenticatorChallenge.Length == MsChapV2.ChallengeLength
            && v2.PeerChallenge.Length == MsChapV2.ChallengeLength && v2.NtResponse.Length == MsChapV2.NtResponseLength =>
            new MsChapV2Credentials(0, v2.AuthenticatorChallenge, v2.PeerChallenge, v2.NtResponse),
        _ => null,
    };

    /// <summary>Turns a RADIUS answer to <paramref name="request"/> into the PPP verdict (pure but for the log lines).</summary>
    public static PppAuthResult ToPppResult(PppAuthRequest request, RadiusAccessResult result, string group, GatewayLog? log)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(result);
        string server = ServerName(group, result.Server);
        switch (result.Outcome)
        {
            case RadiusAccessOutcome.Timeout:
                log?.Write(PixSeverity.Warning, $"RADIUS: no answer from aaa-server group {group} for user '{request.UserName}'; authentication failed");
                return PppAuthResult.Reject(group, $"no answer from aaa-server group {group}", retryAllowed: false, failure: PppAuthFailure.ServerUnreachable);
            case RadiusAccessOutcome.Reject:
                return Rejected(request, result, server);
        }

        MppeStartKeys? keys = null;
        byte[]? authenticatorResponse = null;
        switch (request)
        {
            case MsChapV2AuthRequest:
                keys = MsChapV2Keys(result);
                authenticatorResponse = ParseSuccess(result.MsChap2Success);
                break;
            case MsChapV1AuthRequest v1:
                keys = MsChapV1Keys(result, v1.Challenge);
                break;
        }
        if (result.KeyError != RadiusCipherError.None)
            log?.Write(PixSeverity.Warning, $"RADIUS: {server} sent an MPPE key attribute for user '{request.UserName}' that cannot be decrypted ({result.KeyError})");
        if (request.Protocol is PppAuthProtocol.MsChapV1 or PppAuthProtocol.MsChapV2 && keys is null)
            log?.Debug(DebugClasses.PppUauth, $"radius: Access-Accept from {server} for '{request.UserName}' carries no usable MPPE keys");

        uint? framed = null;
        // 255.255.255.254 asks the NAS to choose (pool) and 255.255.255.255 the user to choose (RFC 2865 §5.8): the pool either way.
        if (result.FramedIpAddress is { } address && Ipv4.FromIPAddress(address) is uint a && a is not (0xFFFFFFFE or 0xFFFFFFFF or 0))
            framed = a;
        TimeSpan? sessionTimeout = result.SessionTimeout is { } seconds and > 0 ? TimeSpan.FromSeconds(seconds) : null;
        // RFC 2865 §5.28: consecutive idle seconds allowed before the session ends; 0 is taken as absent, like Session-Timeout.
        TimeSpan? idleTimeout = result.IdleTimeout is { } idle and > 0 ? TimeSpan.FromSeconds(idle) : null;
        return new PppAuthResult(true, server, keys, authenticatorResponse, framed, sessionTimeout, IdleTimeout: idleTimeout);
    }

    private static PppAuthResult Rejected(PppAuthRequest request, RadiusAccessResult result, string server)
    {
        string reason = result.Code == RadiusCode.AccessChallenge ? "Access-Challenge (PPP cannot relay it)" : "Access-Reject";
        if (result.ReplyMessage is { Length: > 0 } message)
            reason += $": \"{message}\"";
        var code = MsChapErrorCode.AuthenticationFailure;
        bool retry = true;
        if (request.Protocol is PppAuthProtocol.MsChapV1 or PppAuthProtocol.MsChapV2 && result.MsChapError is { } error)
        {
            // RFC 2548 §2.1.5: the MS-CHAP-Error text is the Failure packet's Message, "E=eeeeeeeeee R=r C=... V=vvvvvvvvvv".
            // We relay E and R; C (the next challenge) must be ours, since this gateway checks the retry.
            if (TryField(error, "E=", out uint e))
                code = (MsChapErrorCode)e;
            if (TryField(error, "R=", out uint r))
                retry = r == 1;
            reason += $" ({error})";
        }
        return PppAuthResult.Reject(server, reason, code, retry);
    }

    private static bool TryField(string text, string name, out uint value)
    {
        value = 0;
        foreach (string part in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part.StartsWith(name, StringComparison.Ordinal))
                return uint.TryParse(part.AsSpan(name.Length), NumberStyles.None, CultureInfo.InvariantCulture, out value);
        }
        return false;
    }

    /// <summary>The 20-octet authenticator response of "S=" + 40 hex digits (RFC 2759 §5), or null.</summary>
    private static byte[]? ParseSuccess(string? success)
    {
        if (success is null)
            return null;
        int at = success.IndexOf("S=", StringComparison.Ordinal);
        if (at < 0 || success.Length - at < MsChapV2.AuthenticatorResponseStringLength)
            return null;
        byte[] digest = new byte[MsChapV2.AuthenticatorResponseLength];
        return MsChapV2.TryParseAuthenticatorResponse(Encoding.ASCII.GetBytes(success.Substring(at, MsChapV2.AuthenticatorResponseStringLength)), digest)
            ? digest : null;
    }

    /// <summary>
    /// MS-CHAPv2 start keys: MS-MPPE-Send-Key is GetAsymmetricStartKey(MasterKey, IsSend, IsServer) of RFC 3079 §3.3 —
    /// the key the authenticator (this gateway) sends with — and Recv-Key the one it receives with. 16 octets serve
    /// every strength (40/56-bit use the first 8, RFC 3079 §3.1-§3.2).
    /// </summary>
    private static MppeStartKeys? MsChapV2Keys(RadiusAccessResult result)
    {
        Span<byte> send = stackalloc byte[16];
        Span<byte> receive = stackalloc byte[16];
        if (result.GetMsChapV2StartKeys(MppeKeyStrength.Bits128, send, receive) == 16)
            return new MppeStartKeys(send.ToArray(), receive.ToArray()) { AllowedStrengths = Allowed(result, MppePolicy.StrengthBits), EncryptionRequired = Required(result) };
        // A server that sent only 8-octet keys can serve 40/56-bit MPPE only.
        if (result.GetMsChapV2StartKeys(MppeKeyStrength.Bits40, send, receive) == 8)
        {
            byte[] s = new byte[16], r = new byte[16];
            send[..8].CopyTo(s);
            receive[..8].CopyTo(r);
            return new MppeStartKeys(s, r)
            {
                AllowedStrengths = Allowed(result, MppeSupportedBits.Encryption40Bit | MppeSupportedBits.Encryption56Bit),
                EncryptionRequired = Required(result),
            };
        }
        return null;
    }

    /// <summary>
    /// MS-CHAPv1 start keys from MS-CHAP-MPPE-Keys (RFC 3079 §2): 128-bit from the NT key and our challenge (the same
    /// both ways), 40/56-bit from the LM key. An all-zero LM key (FreeRADIUS) is no key: then only 128-bit is allowed.
    /// </summary>
    private static MppeStartKeys? MsChapV1Keys(RadiusAccessResult result, byte[] challenge)
    {
        Span<byte> longKey = stackalloc byte[16];
        Span<byte> shortKey = stackalloc byte[8];
        bool hasLong = result.GetMsChapV1StartKey(challenge, MppeKeyStrength.Bits128, longKey) == 16;
        bool hasShort = result.GetMsChapV1StartKey(challenge, MppeKeyStrength.Bits40, shortKey) == 8;
        if (!hasLong && !hasShort)
            return null;
        MppeSupportedBits have = (hasLong ? MppeSupportedBits.Encryption128Bit : 0)
            | (hasShort ? MppeSupportedBits.Encryption40Bit | MppeSupportedBits.Encryption56Bit : 0);
        byte[] key = hasLong ? longKey.ToArray() : new byte[16];
        return new MppeStartKeys(key, (byte[])key.Clone(), hasShort ? shortKey.ToArray() : null)
        {
            AllowedStrengths = Allowed(result, have),
            EncryptionRequired = Required(result),
        };
    }

    /// <summary>The strengths of MS-MPPE-Encryption-Types (RFC 2548 §2.4.5) within <paramref name="keys"/>; absent: all of them.</summary>
    private static MppeSupportedBits Allowed(RadiusAccessResult result, MppeSupportedBits keys)
    {
        if (result.EncryptionTypes is not { } types)
            return keys;
        MppeSupportedBits bits = ((types & MppeEncryptionTypes.Bits40) != 0 ? MppeSupportedBits.Encryption40Bit : 0)
            | ((types & MppeEncryptionTypes.Bits56) != 0 ? MppeSupportedBits.Encryption56Bit : 0)
            | ((types & MppeEncryptionTypes.Bits128) != 0 ? MppeSupportedBits.Encryption128Bit : 0);
        return bits & keys;
    }

    private static bool Required(RadiusAccessResult result) => result.EncryptionPolicy == MppeEncryptionPolicy.EncryptionRequired;
}
