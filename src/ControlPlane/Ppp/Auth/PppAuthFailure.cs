namespace PptpGw.ControlPlane.Ppp.Auth;

/// <summary>
/// Why an authentication attempt failed, as a value the gateway decides on (PIX 403110, the client's exit status);
/// <see cref="PppAuthOutcome.Reason"/> is the text for logs only.
/// </summary>
public enum PppAuthFailure
{
    /// <summary>No failure (the attempt succeeded).</summary>
    None = 0,
    /// <summary>The backend refused the proof (unknown user, wrong password, RADIUS Access-Reject, TACACS+ FAIL).</summary>
    Rejected,
    /// <summary>An MS-CHAP accept without MS-MPPE keys while MPPE is configured (RFC 2548 §2.4.2-§2.4.3; PIX 403110).</summary>
    MissingMppeKeys,
    /// <summary>An MS-CHAPv2 accept without the authenticator response the Success message needs (RFC 2759 §5).</summary>
    MissingAuthenticatorResponse,
    /// <summary>No AAA server answered.</summary>
    ServerUnreachable,
    /// <summary>The backend threw or failed internally.</summary>
    BackendFault,
    /// <summary>The peer's Response or Authenticate-Request could not be verified (bad length, malformed value).</summary>
    MalformedProof,
    /// <summary>The peer never answered our CHAP Challenge (RFC 1994 §4.1).</summary>
    NoResponse,
    /// <summary>Client role: the server sent Failure (MS-CHAP "E=" in <see cref="PppAuthOutcome.PeerErrorCode"/>, RFC 2759 §6).</summary>
    ServerRefused,
    /// <summary>Client role: the server's MS-CHAPv2 Success did not prove it knows the password (RFC 2759 §8.7).</summary>
    ServerNotAuthenticated,
}
