using PptpGw.ControlPlane.Ppp.Chap;

namespace PptpGw.ControlPlane.Ppp.Auth;

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
/// <param name="IdleTimeout">RADIUS Idle-Timeout (RFC 2865 §5.28), or null: the group's <c>idle-timeout</c> applies.</param>
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
    PppAuthFailure Failure = PppAuthFailure.None,
    TimeSpan? IdleTimeout = null)
{
    public static PppAuthResult Accept(string serverName, MppeStartKeys? keys = null, byte[]? authenticatorResponse = null) =>
        new(true, serverName, keys, authenticatorResponse);

    public static PppAuthResult Reject(string serverName, string reason, MsChapErrorCode errorCode = MsChapErrorCode.AuthenticationFailure,
        bool retryAllowed = true, PppAuthFailure failure = PppAuthFailure.Rejected) =>
        new(false, serverName, ErrorCode: errorCode, RetryAllowed: retryAllowed, Reason: reason, Failure: failure);
}
