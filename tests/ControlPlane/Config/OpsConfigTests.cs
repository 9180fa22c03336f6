using System.Net;
using PptpGw.ControlPlane.Config;

namespace PptpGw.Tests.ControlPlane.Config;

/// <summary>The operations lines: <c>gateway metrics</c>, <c>logging ...</c>.</summary>
public sealed class OpsConfigTests
{
    private static ConfigParseResult Parse(string text) => PixConfigParser.Parse(text, "ops.cfg");

    [Fact]
    public void Gateway_metrics_takes_an_address_and_port_or_off()
    {
        Assert.Null(Parse("").Config!.Gateway.MetricsEndPoint);
        Assert.Equal(IPEndPoint.Parse("127.0.0.1:9477"), Parse("gateway metrics 127.0.0.1:9477").Config!.Gateway.MetricsEndPoint);
        Assert.Equal(IPEndPoint.Parse("[::1]:9477"), Parse("gateway metrics [::1]:9477").Config!.Gateway.MetricsEndPoint);
        Assert.Null(Parse("gateway metrics 127.0.0.1:9477\ngateway metrics off").Config!.Gateway.MetricsEndPoint);
        foreach (string bad in new[] { "127.0.0.1", "127.0.0.1:0", "host:9477", "127.0.0.1:99999" })
        {
            ConfigParseResult result = Parse("gateway metrics " + bad);
            Assert.Null(result.Config);
            Assert.StartsWith("ops.cfg:1: error: gateway metrics: ", Assert.Single(result.Errors).ToString(), StringComparison.Ordinal);
        }
    }
}
