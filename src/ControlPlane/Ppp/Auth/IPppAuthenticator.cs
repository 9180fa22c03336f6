namespace PptpGw.ControlPlane.Ppp.Auth;

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
