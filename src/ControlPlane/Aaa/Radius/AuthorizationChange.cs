namespace PptpGw.ControlPlane.Aaa.Radius;

/// <summary>
/// What a CoA-Request changes on the sessions it names (RFC 5176 §3.1): the attributes this NAS can apply to a live
/// session. At least one is set.
/// </summary>
/// <param name="SessionTimeout">Session-Timeout (RFC 2865 §5.27): seconds from now until the session ends; null: unchanged.</param>
/// <param name="IdleTimeout">Idle-Timeout (RFC 2865 §5.28): seconds of no data from the client before the session ends, 0 for
/// no limit; null: unchanged.</param>
public sealed record AuthorizationChange(uint? SessionTimeout, uint? IdleTimeout);
