using System.Net;
using PptpGw.ControlPlane.Ppp.Session;
using PptpGw.Dataplane.Workers;
using PptpGw.Gateway.Metrics;

namespace PptpGw.Tests.Gateway.Metrics;

/// <summary>
/// <c>gateway metrics ADDR:PORT</c>: the instruments, scraped over HTTP in the Prometheus text format while a session
/// comes up and goes away (in-process gateway, loopback dataplane). The kernel-dataplane counters under bogus GRE are
/// in the integration test <c>Metrics_follow_a_session_and_count_bogus_gre</c>.
/// </summary>
public sealed class MetricsTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_sessions_lifecycle_shows_in_the_scrape()
    {
        IPEndPoint endPoint = PrometheusScrape.FreeLoopbackEndPoint();
        await using GatewayTestBed bed = GatewayTestBed.Start(GatewayTestBed.Config(), metrics: endPoint);
        Assert.Equal(new Uri($"http://{endPoint}/metrics"), bed.Host.MetricsUrl);

        PrometheusScrape before = await PrometheusScrape.GetAsync(endPoint);
        Assert.Equal(0, before.Sum("pptpgw_tunnels"));
        Assert.Equal(0, before.Sum("pptpgw_sessions"));
        Assert.Equal(50, before.Sum("pptpgw_pool_addresses", "pool=pptp-pool", "state=free"));
        Assert.Equal(0, before.Sum("pptpgw_pool_addresses", "pool=pptp-pool", "state=used"));
        foreach (string state in new[] { "negotiating", "authenticating", "established", "closing" })
            Assert.Single(before.Matching("pptpgw_sessions", "state=" + state));

        await using (Dialled call = await bed.DialAsync(0x4100))
        {
            await call.Events.Up.Task.WaitAsync(Guard);
            await GatewayTestBed.EventuallyAsync(() => bed.Host.Orchestrator.CountSessionStates().Established == 1, "the link up");
            PrometheusScrape up = await PrometheusScrape.GetAsync(endPoint);
            Assert.Equal(1, up.Sum("pptpgw_tunnels"));
            Assert.Equal(1, up.Sum("pptpgw_sessions", "state=established"));
            Assert.Equal(1, up.Sum("pptpgw_sessions"));
            Assert.Equal(1, up.Sum("pptpgw_pool_addresses", "state=used"));
            Assert.Equal(49, up.Sum("pptpgw_pool_addresses", "state=free"));
            Assert.Equal(1, up.Sum("pptpgw_setups_total", "result=established", "auth=mschapv2"));
            Assert.Equal(1, up.Sum("pptpgw_setup_duration_seconds_count", "auth=mschapv2"));
            Assert.True(up.Sum("pptpgw_setup_duration_seconds_sum") > 0);
            Assert.Contains(up.Matching("pptpgw_setup_duration_seconds_bucket"), s => s.Labels["le"] == "+Inf" && s.Value == 1);
            Assert.True(1 == up.Sum("pptpgw_aaa_requests_total", "server=local", "result=accept"), up.Text);
            Assert.Equal(1, up.Sum("pptpgw_aaa_request_duration_seconds_count", "server=local"));
        }

        await GatewayTestBed.EventuallyAsync(() => bed.Host.Orchestrator.LiveCalls == 0, "the call to be released");
        PrometheusScrape after = await PrometheusScrape.GetAsync(endPoint);
        Assert.Equal(0, after.Sum("pptpgw_sessions"));
        Assert.Equal(0, after.Sum("pptpgw_pool_addresses", "state=used"));
        Assert.Equal(1, after.Sum("pptpgw_setups_total")); // counted once, not again at the end
    }

    [Fact]
    public async Task A_wrong_password_counts_an_authentication_failure_and_a_reject()
    {
        IPEndPoint endPoint = PrometheusScrape.FreeLoopbackEndPoint();
        await using GatewayTestBed bed = GatewayTestBed.Start(GatewayTestBed.Config(), metrics: endPoint);
        await using (Dialled call = await bed.DialAsync(0x4200, password: "wrong"))
            await call.Events.Down.Task.WaitAsync(Guard);
        await GatewayTestBed.EventuallyAsync(() => bed.Host.Orchestrator.LiveCalls == 0, "the call to be released");
        PrometheusScrape scrape = await PrometheusScrape.GetAsync(endPoint);
        Assert.Equal(1, scrape.Sum("pptpgw_setups_total", "result=auth_failed"));
        Assert.Equal(0, scrape.Sum("pptpgw_setups_total", "result=established"));
        Assert.True(scrape.Sum("pptpgw_aaa_requests_total", "server=local", "result=reject") >= 1);
    }

    [Fact]
    public async Task Without_the_line_there_is_no_listener()
    {
        await using GatewayTestBed bed = GatewayTestBed.Start(GatewayTestBed.Config());
        Assert.Null(bed.Host.MetricsUrl);
        Assert.Null(bed.Host.Metrics);
    }

    [Fact]
    public void Every_drop_reason_has_a_snake_case_label()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int r = 1; r < DataplaneCounters.ReasonCount; r++)
        {
            string name = GatewayMetrics.DropReasonName((DataplaneDropReason)r);
            Assert.Matches("^[a-z][a-z0-9_]*[a-z0-9]$", name);
            Assert.True(names.Add(name), name);
        }
        Assert.Equal("gre_beyond_window", GatewayMetrics.DropReasonName(DataplaneDropReason.GreBeyondWindow));
        Assert.Equal("outside_ipv4_invalid", GatewayMetrics.DropReasonName(DataplaneDropReason.OutsideIpv4Invalid));
    }
}
