using PptpGw.ControlPlane.Ppp;
using PptpGw.ControlPlane.Ppp.Auth;
using PptpGw.Gateway.Metrics;

namespace PptpGw.Gateway.Orchestration;

/// <summary>The orchestrator's side of the metrics (<see cref="GatewayMetrics"/>): setups by result and the sessions by state.</summary>
public sealed partial class CallOrchestrator
{
    /// <summary>Where setups are counted; null: no metrics configured.</summary>
    internal GatewayMetrics? Metrics { get; set; }

    /// <summary>The live calls by state, for <c>pptpgw_sessions{state}</c> (a walk over the calls, on scrape only).</summary>
    internal SessionStateCounts CountSessionStates()
    {
        long negotiating = 0, authenticating = 0, established = 0, closing = 0;
        foreach (GatewayCall call in _calls.Values)
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

    /// <summary>The call's authenticator, timed and counted per request when metrics are on.</summary>
    private IPppAuthenticator Measured(IPppAuthenticator authenticator) =>
        Metrics is { } metrics ? new MeasuredAuthenticator(authenticator, metrics) : authenticator;

    private void CountSetupRefused() => Metrics?.SetupFinished(SetupResult.Refused, null, null);

    private void CountSetupEstablished(GatewayCall call, PppAuthProtocol? authentication) => CountSetup(call, SetupResult.Established, authentication);

    private void CountSetupAuthenticationFailed(GatewayCall call, PppAuthProtocol authentication) =>
        CountSetup(call, SetupResult.AuthenticationFailed, authentication);

    private void CountSetupEnded(GatewayCall call) => CountSetup(call, SetupResult.Failed, null);

    /// <summary>Counts the call's setup once: the first outcome (link up, final authentication failure, or its end) wins.</summary>
    private void CountSetup(GatewayCall call, SetupResult result, PppAuthProtocol? authentication)
    {
        if (Metrics is { } metrics && call.TryMarkSetupCounted())
            metrics.SetupFinished(result, authentication, _time.GetElapsedTime(call.CreatedTimestamp));
    }
}
