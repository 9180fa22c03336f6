namespace PptpGw.ControlPlane.Admin;

/// <summary>What a <c>clear vpdn username|session</c> ended.</summary>
/// <param name="Sessions">The sessions found, as they were just before the clear.</param>
/// <param name="Closed">Per session: gone when the answer was written (false: still closing after the bounded wait).</param>
/// <param name="Soft">LCP Terminate-Request first (RFC 1661 §5.5), then the PPTP call; false: the call at once.</param>
public sealed record SessionClearResult(IReadOnlyList<SessionSnapshot> Sessions, IReadOnlyList<bool> Closed, bool Soft);
