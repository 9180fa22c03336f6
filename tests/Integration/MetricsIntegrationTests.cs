using System.Net;
using System.Net.Sockets;
using PptpGw.Client;
using PptpGw.Dataplane.Packets;
using PptpGw.Tests.Gateway.Metrics;

namespace PptpGw.Tests.Integration;

/// <summary>
/// <c>gateway metrics ADDR:PORT</c> on the shipped gateway (kernel dataplane in its namespace), scraped over HTTP from
/// the client's namespace: a dialled session shows in <c>pptpgw_sessions</c> and <c>pptpgw_setups_total</c>, and
/// bogus GRE (a Call ID nobody holds) moves <c>pptpgw_dataplane_drops_total{reason="unknown_session"}</c>, global and
/// per worker.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class MetricsIntegrationTests
{
    private const int MetricsPort = 9477;
    private static readonly TimeSpan Up = TimeSpan.FromSeconds(15);

    [IntegrationFact]
    public async Task Metrics_follow_a_session_and_count_bogus_gre()
    {
        await using Lab lab = Lab.Create(Lab.Configuration("198.19.11.10-198.19.11.20", "ppp authentication mschapv2", "ppp encryption mppe auto")
            + $"gateway metrics {Lab.GatewayOutside}:{MetricsPort}\n");
        LabProcess gateway = await lab.StartGatewayAsync();
        Assert.Contains($"metrics http://{Lab.GatewayOutside}:{MetricsPort}/metrics", gateway.Output, StringComparison.Ordinal);

        PrometheusScrape before = Scrape(lab);
        Assert.Equal(0, before.Sum("pptpgw_sessions"));
        Assert.Equal(0, before.Sum("pptpgw_dataplane_drops_total", "reason=unknown_session"));
        Assert.Equal(11, before.Sum("pptpgw_pool_addresses", "pool=lab", "state=free"));

        await using (LabProcess dial = lab.Dial("dial", "--auth", "mschapv2", "--mppe", "128", "--seconds", "60"))
        {
            await dial.WaitForLineAsync("DIAL: link up", Up);
            Assert.True(lab.PingFromClient(Lab.GatewayInside), "no ping through the tunnel");
            PrometheusScrape up = Scrape(lab);
            Assert.Equal(1, up.Sum("pptpgw_tunnels"));
            Assert.Equal(1, up.Sum("pptpgw_sessions", "state=established"));
            Assert.Equal(1, up.Sum("pptpgw_setups_total", "result=established", "auth=mschapv2"));
            Assert.Equal(1, up.Sum("pptpgw_setup_duration_seconds_count"));
            Assert.Equal(1, up.Sum("pptpgw_aaa_requests_total", "server=local", "result=accept"));
            Assert.Equal(1, up.Sum("pptpgw_pool_addresses", "pool=lab", "state=used"));
            Assert.True(up.Sum("pptpgw_dataplane_packets_total", "worker=0", "direction=outside_in") >= 2, up.Text);
            Assert.True(up.Sum("pptpgw_mppe_rekeys_total") >= 1, "stateless MPPE changes its key per packet: " + up.Text);

            // Bogus GRE: well-formed enhanced GRE (RFC 2637 §4.1) to a Call ID the gateway never gave out.
            const int Bogus = 500;
            using (RawGreTransport gre = lab.ClientNamespace.Run(() => new RawGreTransport(IPAddress.Parse(Lab.ClientOutside), IPAddress.Parse(Lab.GatewayOutside))))
            {
                byte[] packet = new byte[64];
                byte[] payload = [0xFF, 0x03, 0x00, 0x21, 0x45, 0x00];
                for (uint i = 0; i < Bogus; i++)
                {
                    int header = EnhancedGreWriter.TryWriteDataHeader(packet, 0, 0xBEEF, payload.Length, i, false, 0);
                    payload.CopyTo(packet.AsSpan(header));
                    gre.Send(packet.AsSpan(0, header + payload.Length));
                }
            }
            PrometheusScrape flooded = await EventuallyAsync(lab, s => s.Sum("pptpgw_dataplane_drops_total", "reason=unknown_session") >= Bogus);
            Assert.Equal(Bogus, flooded.Sum("pptpgw_dataplane_drops_total", "reason=unknown_session"));
            Assert.Equal(Bogus, flooded.Sum("pptpgw_dataplane_worker_drops_total", "worker=0", "reason=unknown_session"));
            // Every reason is exported, zero included, so a dashboard needs no "absent" logic.
            Assert.Equal(PptpGw.Dataplane.Workers.DataplaneCounters.ReasonCount - 1, flooded.Matching("pptpgw_dataplane_drops_total").Count());
            Assert.Equal(1, flooded.Sum("pptpgw_sessions", "state=established")); // the session is untouched by the flood
            // The same counters on the admin socket: show dataplane (text and JSON) through the CLI.
            string dataplane = lab.Admin("show dataplane");
            Assert.Matches($@"\n    unknown_session +{Bogus}\n", dataplane);
            Assert.Contains("Worker 0: outside raw GRE socket 198.18.10.1, inside TUN pptpgw0", dataplane, StringComparison.Ordinal);
            using (System.Text.Json.JsonDocument json = System.Text.Json.JsonDocument.Parse(lab.Admin("show dataplane --json")))
            {
                System.Text.Json.JsonElement worker = Assert.Single(json.RootElement.GetProperty("workers").EnumerateArray());
                Assert.Equal(Bogus, worker.GetProperty("drops").GetProperty("unknown_session").GetInt64());
                Assert.Equal("kernel", json.RootElement.GetProperty("backend").GetString());
            }
            dial.Terminate();
            Assert.Equal(0, await dial.WaitForExitAsync(TimeSpan.FromSeconds(10)));
        }
        PrometheusScrape after = await EventuallyAsync(lab, s => s.Sum("pptpgw_sessions") == 0 && s.Sum("pptpgw_tunnels") == 0);
        Assert.Equal(0, after.Sum("pptpgw_pool_addresses", "pool=lab", "state=used"));
        Assert.Equal(1, after.Sum("pptpgw_setups_total"));
    }

    private static PrometheusScrape Scrape(Lab lab) =>
        PrometheusScrape.Get(() => lab.ClientNamespace.Run(() =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Connect(IPAddress.Parse(Lab.GatewayOutside), MetricsPort);
            return socket;
        }));

    private static async Task<PrometheusScrape> EventuallyAsync(Lab lab, Func<PrometheusScrape, bool> condition)
    {
        DateTime end = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        PrometheusScrape scrape;
        while (!condition(scrape = Scrape(lab)) && DateTime.UtcNow < end)
            await Task.Delay(100);
        Assert.True(condition(scrape), scrape.Text);
        return scrape;
    }
}
