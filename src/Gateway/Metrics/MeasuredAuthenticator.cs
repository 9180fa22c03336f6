using System.Diagnostics;
using PptpGw.ControlPlane.Ppp.Auth;

namespace PptpGw.Gateway.Metrics;

/// <summary>
/// Times every request to the authentication backend (local users, RADIUS, TACACS+) and counts it by the server that
/// answered and the result: <c>pptpgw_aaa_requests_total{server,result}</c> and
/// <c>pptpgw_aaa_request_duration_seconds{server}</c>. A decorator, so the backends stay as they are.
/// </summary>
public sealed class MeasuredAuthenticator(IPppAuthenticator inner, GatewayMetrics metrics) : IPppAuthenticator
{
    /// <inheritdoc/>
    public async ValueTask<PppAuthResult> AuthenticateAsync(PppAuthRequest request, CancellationToken cancellationToken)
    {
        long start = Stopwatch.GetTimestamp();
        try
        {
            PppAuthResult result = await inner.AuthenticateAsync(request, cancellationToken).ConfigureAwait(false);
            metrics.AaaRequestFinished(ServerLabel(result.ServerName), result.Accepted ? "accept" : "reject", Stopwatch.GetElapsedTime(start));
            return result;
        }
        catch (OperationCanceledException)
        {
            metrics.AaaRequestFinished("unknown", "cancelled", Stopwatch.GetElapsedTime(start));
            throw;
        }
        catch (Exception)
        {
            metrics.AaaRequestFinished("unknown", "error", Stopwatch.GetElapsedTime(start));
            throw;
        }
    }

    /// <summary>"local" for the local user list (as <c>show vpdn</c> says "Authenticated by local"), the server otherwise.</summary>
    private static string ServerLabel(string server) =>
        server == LocalPppAuthenticator.LocalServerName ? "local" : server;
}
