using System.Diagnostics;
using PptpGw.ControlPlane.Ppp.Auth;

namespace PptpGw.Gateway.Metrics;

/// <summary>
/// Times every request to the authentication backend (local users, RADIUS, TACACS+) and counts it by the server that
/// answered and the result: <c>show aaa-server</c> (<see cref="AaaServerStatistics"/>, always) and, with <c>gateway
/// metrics</c>, <c>pptpgw_aaa_requests_total{server,result}</c> and <c>pptpgw_aaa_request_duration_seconds{server}</c>.
/// A decorator, so the backends stay as they are.
/// </summary>
public sealed class MeasuredAuthenticator(IPppAuthenticator inner, GatewayMetrics? metrics, AaaServerStatistics statistics) : IPppAuthenticator
{
    /// <inheritdoc/>
    public async ValueTask<PppAuthResult> AuthenticateAsync(PppAuthRequest request, CancellationToken cancellationToken)
    {
        long start = Stopwatch.GetTimestamp();
        try
        {
            PppAuthResult result = await inner.AuthenticateAsync(request, cancellationToken).ConfigureAwait(false);
            TimeSpan elapsed = Stopwatch.GetElapsedTime(start);
            string server = ServerLabel(result.ServerName);
            metrics?.AaaRequestFinished(server, result.Accepted ? "accept" : ResultName(result.Failure), elapsed);
            statistics.Record(server, result, elapsed);
            return result;
        }
        catch (OperationCanceledException)
        {
            metrics?.AaaRequestFinished("unknown", "cancelled", Stopwatch.GetElapsedTime(start));
            throw;
        }
        catch (Exception)
        {
            metrics?.AaaRequestFinished("unknown", "error", Stopwatch.GetElapsedTime(start));
            statistics.Record("unknown", null, Stopwatch.GetElapsedTime(start));
            throw;
        }
    }

    /// <summary>"reject" for a wrong proof; "timeout" when no server answered; "error" for a server's or our fault.</summary>
    private static string ResultName(PppAuthFailure failure) => failure switch
    {
        PppAuthFailure.ServerUnreachable or PppAuthFailure.NoResponse => "timeout",
        PppAuthFailure.BackendFault or PppAuthFailure.ServerRefused or PppAuthFailure.ServerNotAuthenticated => "error",
        _ => "reject",
    };

    /// <summary>"local" for the local user list (as <c>show vpdn</c> says "Authenticated by local"), the server otherwise.</summary>
    private static string ServerLabel(string server) =>
        server == LocalPppAuthenticator.LocalServerName ? "local" : server;
}
