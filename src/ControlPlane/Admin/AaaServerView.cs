namespace PptpGw.ControlPlane.Admin;

/// <summary>One authentication backend as <c>show aaa-server</c> shows it (accel-ppp's <c>show stat</c> per server).</summary>
/// <param name="Server">"local", "RADIUS 198.18.1.5:1812", "TACACS+ ...".</param>
/// <param name="State">"up" (last request answered), "dead" (last request unanswered or failed), "unused".</param>
/// <param name="Requests">Requests sent.</param>
/// <param name="Accepts">Answered with an accept.</param>
/// <param name="Rejects">Answered with a reject.</param>
/// <param name="Timeouts">No answer (server unreachable, no response).</param>
/// <param name="Errors">Other failures (refused, not authenticated, a fault of ours).</param>
/// <param name="P50Milliseconds">Median round trip of the recent requests (the last 1,024), or null without any.</param>
/// <param name="P90Milliseconds">90th percentile.</param>
/// <param name="P99Milliseconds">99th percentile.</param>
public sealed record AaaServerView(
    string Server,
    string State,
    long Requests,
    long Accepts,
    long Rejects,
    long Timeouts,
    long Errors,
    double? P50Milliseconds,
    double? P90Milliseconds,
    double? P99Milliseconds);
