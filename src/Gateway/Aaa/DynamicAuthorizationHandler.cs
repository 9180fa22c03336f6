using System.Globalization;
using PptpGw.ControlPlane.Aaa.Radius;
using PptpGw.ControlPlane.Logging;

namespace PptpGw.Gateway.Aaa;

/// <summary>
/// Acts on RFC 5176 requests: finds the sessions a Disconnect-Request or CoA-Request identifies (RFC 5176 §3:
/// Acct-Session-Id, User-Name, Framed-IP-Address, NAS-Port, Calling-Station-Id — every attribute given must match) among
/// the calls whose link is up, and disconnects them or gives them a new Session-Timeout or Idle-Timeout.
/// </summary>
public sealed class DynamicAuthorizationHandler(IAaaSessionDirectory sessions, GatewayLog? log = null) : IDynamicAuthorizationHandler
{
    /// <inheritdoc/>
    public ValueTask<bool> DisconnectAsync(SessionMatch match, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(match);
        bool any = false;
        foreach (AaaCall call in Find(match))
        {
            any = true;
            log?.Write(PixSeverity.Informational, string.Create(CultureInfo.InvariantCulture,
                $"RADIUS Disconnect-Request: disconnecting user '{call.UserName}' (call {call.CallId}, session {call.AcctSessionId})"));
            call.Disconnect("RADIUS Disconnect-Request");
        }
        return ValueTask.FromResult(any);
    }

    /// <inheritdoc/>
    public ValueTask<bool> ApplyAsync(SessionMatch match, AuthorizationChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(match);
        ArgumentNullException.ThrowIfNull(change);
        bool any = false;
        foreach (AaaCall call in Find(match))
        {
            // Both or neither: a session that ended between Find and here takes neither (and is not counted as found).
            if (change.SessionTimeout is { } seconds && !call.ApplySessionTimeout(seconds))
                continue;
            if (change.IdleTimeout is { } idle && !call.ApplyIdleTimeout(idle))
                continue;
            any = true;
            string what = string.Join(", ", new[]
            {
                change.SessionTimeout is { } s ? $"Session-Timeout now {s} s" : null,
                change.IdleTimeout is { } i ? (i == 0 ? "Idle-Timeout off" : $"Idle-Timeout now {i} s") : null,
            }.OfType<string>());
            log?.Write(PixSeverity.Informational, string.Create(CultureInfo.InvariantCulture,
                $"RADIUS CoA-Request: user '{call.UserName}' (call {call.CallId}) {what}"));
        }
        return ValueTask.FromResult(any);
    }

    /// <summary>The up sessions <paramref name="match"/> names; none when it names nothing (RFC 5176 §3: at least one attribute).</summary>
    public IEnumerable<AaaCall> Find(SessionMatch match)
    {
        ArgumentNullException.ThrowIfNull(match);
        if (match is { AcctSessionId: null, UserName: null, FramedIpAddress: null, NasPort: null, CallingStationId: null })
            return [];
        return sessions.AaaCalls.Where(c => c.UserName is not null && Matches(c, match)).ToList();
    }

    private static bool Matches(AaaCall call, SessionMatch match) =>
        (match.AcctSessionId is null || match.AcctSessionId == call.AcctSessionId)
        && (match.UserName is null || match.UserName == call.UserName)
        && (match.FramedIpAddress is null || match.FramedIpAddress.Equals(call.FramedIpAddress))
        && (match.NasPort is null || match.NasPort == call.CallId)
        && (match.CallingStationId is null || match.CallingStationId == call.PeerAddress.ToString());
}
