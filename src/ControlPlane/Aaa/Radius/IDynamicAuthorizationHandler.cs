namespace PptpGw.ControlPlane.Aaa.Radius;

/// <summary>What the gateway does when a RADIUS server asks it to (RFC 5176).</summary>
public interface IDynamicAuthorizationHandler
{
    /// <summary>Tears down the matching session(s) (Acct-Terminate-Cause Admin-Reset); false when none matches.</summary>
    ValueTask<bool> DisconnectAsync(SessionMatch match, CancellationToken cancellationToken);

    /// <summary>Sets the matching session's Session-Timeout to <paramref name="seconds"/> from now; false when none matches.</summary>
    ValueTask<bool> ApplySessionTimeoutAsync(SessionMatch match, uint seconds, CancellationToken cancellationToken);
}
