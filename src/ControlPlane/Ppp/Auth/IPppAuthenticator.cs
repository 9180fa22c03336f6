using PptpGw.ControlPlane.Ppp.Chap;
using PptpGw.Dataplane.Mppe;

namespace PptpGw.ControlPlane.Ppp.Auth;

/// <summary>
/// What a peer presented in the authentication phase (RFC 1661 §3.5), one record per protocol. The byte arrays are
/// copies owned by the request (the backend may keep them across an await).
/// </summary>
/// <param name="UserName">The Peer-ID (PAP) or Name (CHAP family) exactly as received, possibly "DOMAIN\user".</param>
public abstract record PppAuthRequest(string UserName)
{
    /// <summary>The protocol the proof belongs to.</summary>
    public abstract PppAuthProtocol Protocol { get; }
}

/// <summary>PAP (RFC 1334 §2.2.1): the clear-text password.</summary>
public sealed record PapAuthRequest(string UserName, byte[] Password) : PppAuthRequest(UserName)
{
    public override PppAuthProtocol Protocol => PppAuthProtocol.Pap;
}

/// <summary>CHAP MD5 (RFC 1994 §4.1): the Identifier and Challenge we sent and the peer's Response Value.</summary>
public sealed record ChapMd5AuthRequest(string UserName, byte Identifier, byte[] Challenge, byte[] Response) : PppAuthRequest(UserName)
{
    public override PppAuthProtocol Protocol => PppAuthProtocol.Chap;
}

/// <summary>MS-CHAPv1 (RFC 2433 §4): our 8-octet challenge and the peer's LM and NT responses.</summary>
public sealed record MsChapV1AuthRequest(string UserName, byte[] Challenge, byte[] LmResponse, byte[] NtResponse, bool UseNtResponse)
    : PppAuthRequest(UserName)
{
    public override PppAuthProtocol Protocol => PppAuthProtocol.MsChapV1;
}

/// <summary>MS-CHAPv2 (RFC 2759 §4): our 16-octet Authenticator Challenge, the Peer-Challenge and the NT-Response.</summary>
public sealed record MsChapV2AuthRequest(string UserName, byte[] AuthenticatorChallenge, byte[] PeerChallenge, byte[] NtResponse)
    : PppAuthRequest(UserName)
{
    public override PppAuthProtocol Protocol => PppAuthProtocol.MsChapV2;
}

/// <summary>
/// MPPE start keys (RFC 3079) from the authentication, in the receiver's role: <see cref="SendKey"/> encrypts what
/// this end sends. RADIUS returns them as MS-MPPE-Send-Key / MS-MPPE-Recv-Key (RFC 2548 §2.4.2-§2.4.3) for MS-CHAPv2,
/// or MS-CHAP-MPPE-Keys (LM key + NT key, RFC 2548 §2.4.1) for MS-CHAPv1.
/// </summary>
/// <param name="SendKey">16 octets: the 128-bit start key of our send direction; its first 8 are the 40/56-bit key unless <paramref name="ShortKey"/> is given.</param>
/// <param name="ReceiveKey">16 octets: the start key of our receive direction.</param>
/// <param name="ShortKey">MS-CHAPv1 only: the 8-octet start key of 40/56-bit MPPE (the LM hash, RFC 3079 §2.1-§2.2), both directions.</param>
public sealed record MppeStartKeys(byte[] SendKey, byte[] ReceiveKey, byte[]? ShortKey = null)
{
    /// <summary>
    /// The MPPE strengths these keys may be used for (CCP's L/M/S bits, RFC 3078 §2): an AAA server's
    /// MS-MPPE-Encryption-Types (RFC 2548 §2.4.5), or fewer when a key is missing (an MS-CHAPv1 reply without an LM key
    /// has no 40/56-bit key). CCP negotiates only these; default: all.
    /// </summary>
    public Ccp.MppeSupportedBits AllowedStrengths { get; init; } = Ccp.MppePolicy.StrengthBits;

    /// <summary>
    /// The AAA server demands encryption (MS-MPPE-Encryption-Policy Encryption-Required, RFC 2548 §2.4.4): with MPPE
    /// configured for the group, a link without MPPE is terminated as if the group said <c>required</c>.
    /// </summary>
    public bool EncryptionRequired { get; init; }

    /// <summary>The start keys of both directions for <paramref name="strength"/>: 8 octets for 40/56 bits, 16 for 128.</summary>
    public (byte[] Send, byte[] Receive) ForStrength(MppeKeyStrength strength)
    {
        int length = MppeKeySchedule.SessionKeyLength(strength);
        if (length == MppeKeySchedule.LongKeyLength)
            return (SendKey[..length], ReceiveKey[..length]);
        if (ShortKey is not null)
            return (ShortKey[..length], ShortKey[..length]);
        // RFC 3079 §3.1-§3.2: the MS-CHAPv2 40/56-bit start key is the first 8 octets of GetAsymmetricStartKey.
        return (SendKey[..length], ReceiveKey[..length]);
    }

    /// <summary>Keys are secret: never printed.</summary>
    public override string ToString() => $"MppeStartKeys {{ {SendKey.Length * 8}-bit{(ShortKey is null ? "" : " + short")} }}";
}

/// <summary>The backend's verdict on a <see cref="PppAuthRequest"/>.</summary>
/// <param name="Accepted">True: the proof is valid.</param>
/// <param name="ServerName">Which backend decided ("LOCAL", a RADIUS server's name) for logs and <c>show vpdn</c>.</param>
/// <param name="Keys">MPPE start keys for MS-CHAP; null for PAP/CHAP or a backend that returned none.</param>
/// <param name="AuthenticatorResponse">MS-CHAPv2: the 20-octet authenticator response for the Success "S=" (RFC 2759 §8.7).</param>
/// <param name="FramedIpAddress">An address for the peer (RADIUS Framed-IP-Address, RFC 2865 §5.8), host order; null: from the pool.</param>
/// <param name="SessionTimeout">RADIUS Session-Timeout (RFC 2865 §5.27), or null.</param>
/// <param name="ErrorCode">On reject, the MS-CHAP error code ("E=", RFC 2759 §6).</param>
/// <param name="RetryAllowed">On reject, whether the peer may try again (MS-CHAP "R=1"; PAP: another Authenticate-Request).</param>
/// <param name="Reason">On reject, text for logs.</param>
/// <param name="Failure">On reject, why, as a value (<see cref="PppAuthFailure.None"/> for an accept).</param>
public sealed record PppAuthResult(
    bool Accepted,
    string ServerName,
    MppeStartKeys? Keys = null,
    byte[]? AuthenticatorResponse = null,
    uint? FramedIpAddress = null,
    TimeSpan? SessionTimeout = null,
    MsChapErrorCode ErrorCode = MsChapErrorCode.AuthenticationFailure,
    bool RetryAllowed = true,
    string? Reason = null,
    PppAuthFailure Failure = PppAuthFailure.None)
{
    public static PppAuthResult Accept(string serverName, MppeStartKeys? keys = null, byte[]? authenticatorResponse = null) =>
        new(true, serverName, keys, authenticatorResponse);

    public static PppAuthResult Reject(string serverName, string reason, MsChapErrorCode errorCode = MsChapErrorCode.AuthenticationFailure,
        bool retryAllowed = true, PppAuthFailure failure = PppAuthFailure.Rejected) =>
        new(false, serverName, ErrorCode: errorCode, RetryAllowed: retryAllowed, Reason: reason, Failure: failure);
}

/// <summary>
/// An authentication backend: local users now, RADIUS and TACACS+ later. Called by the PPP session's authenticator
/// outside any lock of the caller's choosing, so a network backend may take its time; the session bounds the wait
/// with its negotiation timeout and cancels <paramref name="cancellationToken"/> when the call goes away.
/// </summary>
public interface IPppAuthenticator
{
    /// <summary>Verifies the proof. Must not throw for a wrong password (that is a reject); may throw for an internal fault.</summary>
    ValueTask<PppAuthResult> AuthenticateAsync(PppAuthRequest request, CancellationToken cancellationToken);
}

/// <summary>Clear-text passwords by user name (the <c>vpdn username</c> lines).</summary>
public interface IPppCredentialStore
{
    /// <summary>The password of the user named exactly <paramref name="userName"/> (case-sensitive, as on the PIX).</summary>
    bool TryGetPassword(string userName, out string password);
}
