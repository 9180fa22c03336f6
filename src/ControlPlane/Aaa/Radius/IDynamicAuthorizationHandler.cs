namespace PptpGw.ControlPlane.Aaa.Radius;

/// <summary>What the gateway does when a RADIUS server asks it to (RFC 5176).</summary>
public interface IDynamicAuthorizationHandler
{
    /// <summary>Tears down the matching session(s) (Acct-Terminate-Cause Admin-Reset); false when none matches.</summary>
    ValueTask<bool> DisconnectAsync(SessionMatch match, CancellationToken cancellationToken);

    /// <summary>Applies a CoA-Request's <paramref name="change"/> (Session-Timeout, Idle-Timeout) to the matching session(s); false when none matches.</summary>
    ValueTask<bool> ApplyAsync(SessionMatch match, AuthorizationChange change, CancellationToken cancellationToken);
}
