using System.Globalization;
using System.Net;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace PptpGw.Gateway.Metrics;

/// <summary>
/// Serves the gateway's meter in the Prometheus text format on <c>http://ADDR:PORT/metrics</c>
/// (<c>gateway metrics ADDR:PORT</c>; off unless configured), through OpenTelemetry's Prometheus HttpListener exporter.
/// </summary>
/// <remarks>
/// Why this exporter and not prometheus-net: it reads System.Diagnostics.Metrics natively (our instruments are the
/// one source, no adapter that re-registers them or polls observable instruments on a timer of its own), collects the
/// observable instruments only when a scrape asks (nothing runs between scrapes), and needs no ASP.NET Core — an
/// HttpListener is all a single-file gateway wants. It is a beta package (1.20.1-beta.1, the served version); the
/// text it writes is checked by our tests.
/// <para>HttpListener matches the request's Host header against the prefix: bound to a specific address, it answers
/// requests for <c>ADDR:PORT</c> (what Prometheus sends for a static target given by address) and 404s for a DNS name;
/// <c>gateway metrics 0.0.0.0:PORT</c> listens on every address and answers any Host.</para>
/// </remarks>
public sealed class PrometheusEndpoint : IDisposable
{
    private readonly MeterProvider _provider;

    /// <summary>Starts listening on <paramref name="endPoint"/> for the meter named <paramref name="meterName"/>.</summary>
    /// <exception cref="HttpListenerException">The address cannot be bound.</exception>
    public PrometheusEndpoint(IPEndPoint endPoint, string meterName)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        EndPoint = endPoint;
        string host = endPoint.Address.Equals(IPAddress.Any) ? "+"
            : endPoint.Address.Equals(IPAddress.IPv6Any) ? "+"
            : endPoint.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{endPoint.Address}]" : endPoint.Address.ToString();
        _provider = Sdk.CreateMeterProviderBuilder()
            .ConfigureResource(resource => resource.AddService("pptpgw", serviceVersion: GatewayMetricSources.Version))
            .AddMeter(meterName)
            .AddPrometheusHttpListener(options =>
            {
                options.Host = host;
                options.Port = endPoint.Port;
                options.ScrapeEndpointPath = "/metrics";
                // The meter's name is an implementation detail (tests give each gateway its own); one gateway, one target.
                options.ScopeInfoEnabled = false;
                options.ScrapeResponseCacheDurationMilliseconds = 0;
            })
            .Build();
    }

    /// <summary>Where it listens.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>The scrape URL.</summary>
    public Uri Url => new(string.Create(CultureInfo.InvariantCulture, $"http://{EndPoint}/metrics"));

    /// <inheritdoc/>
    public void Dispose() => _provider.Dispose();
}
