using PptpGw.ControlPlane.Ppp;
using PptpGw.ControlPlane.Ppp.Auth;
using PptpGw.Gateway.Metrics;

namespace PptpGw.Gateway.Orchestration;

/// <summary>
/// The call plane's hooks into <see cref="GatewayMetrics"/> (<c>gateway metrics</c>): each call's setup counted once by
/// its first outcome, its authenticator timed per request (<see cref="AaaServers"/> always). The counters are a no-op when metrics are off; a few calls per call setup,
/// never per packet.
/// </summary>
internal sealed class CallSetupMetrics(GatewayMetrics? metrics, TimeProvider time)
{
    /// <summary>Per-server request counts and round trips (<c>show aaa-server</c>), kept with or without metrics.</summary>
    public AaaServerStatistics AaaServers { get; } = new();

    /// <summary>The call's authenticator, timed and counted per request (a few updates per call, never per packet).</summary>
    public IPppAuthenticator Measured(IPppAuthenticator authenticator) => new MeasuredAuthenticator(authenticator, metrics, AaaServers);

    /// <summary>An Outgoing-Call-Request refused (limits, pool, stopping, dataplane): no call exists to mark.</summary>
    public void Refused() => metrics?.SetupFinished(SetupResult.Refused, null, null);

    /// <summary>The PPP link came up.</summary>
    public void Established(GatewayCall call, PppAuthProtocol? authentication) => Count(call, SetupResult.Established, authentication);

    /// <summary>
    /// An authentication attempt failed: counted at once when no retry is left, else remembered, so a client that hangs
    /// up after a reject (instead of retrying) counts as auth_failed, not failed.
    /// </summary>
    public void AuthenticationFailed(GatewayCall call, PppAuthProtocol authentication, bool final)
    {
        call.FailedAuthentication = authentication;
        if (final)
            Count(call, SetupResult.AuthenticationFailed, authentication);
    }

    /// <summary>The call is released: counts a setup that never reached an outcome (no-op otherwise).</summary>
    public void Released(GatewayCall call)
    {
        if (call.FailedAuthentication is { } authentication)
            Count(call, SetupResult.AuthenticationFailed, authentication);
        else
            Count(call, SetupResult.Failed, null);
    }

    private void Count(GatewayCall call, SetupResult result, PppAuthProtocol? authentication)
    {
        if (metrics is { } m && call.TryMarkSetupCounted())
            m.SetupFinished(result, authentication, time.GetElapsedTime(call.CreatedTimestamp));
    }

    /// <summary>Sessions by state: closing (PPTP cleared), established (link up), authenticating (a name seen), negotiating.</summary>
    public static SessionStateCounts CountStates(IEnumerable<GatewayCall> calls)
    {
        long negotiating = 0, authenticating = 0, established = 0, closing = 0;
        foreach (GatewayCall call in calls)
        {
            if (call.IsCleared)
                closing++;
            else if (call.IsLinkUp)
                established++;
            else if (call.UserName is not null)
                authenticating++;
            else
                negotiating++;
        }
        return new SessionStateCounts(negotiating, authenticating, established, closing);
    }
}
