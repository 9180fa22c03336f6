using System.Diagnostics;
using Xunit.Abstractions;

namespace PptpGw.Tests.Integration;

/// <summary>
/// The gateway as shipped on the DPDK dataplane (<c>gateway dataplane dpdk</c>): Debian's DPDK 22.11 with
/// <c>--no-huge -m 512 --no-pci</c>, the outside and inside ports <c>net_af_packet</c> on veths (<see cref="DpdkLab"/>),
/// the exception path a <c>net_tap</c> into the gateway's kernel, our client (<c>pptpgw dial</c>) in its own namespace.
/// Runs in CI: <c>./build.sh test</c> installs DPDK and builds the shim (native/) as root.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class DpdkIntegrationTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Up = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan Exit = TimeSpan.FromSeconds(10);

    /// <summary>
    /// One real dial end to end through the DPDK ports: TCP 1723 reaches the control plane through the exception path
    /// (the kernel's socket on the TAP), MS-CHAPv2 authenticates, MPPE-128 comes up, and pings to the inside host cross
    /// GRE + MPPE on the outside port and plain IPv4 on the inside port; a ping to the gateway's outside address (outside
    /// the tunnel) is answered by its kernel through the exception path. ARP both
    /// ways: the client and the inside host learnt the DPDK ports' own MACs (the dataplane answered for 198.18.10.1 and
    /// 198.18.20.1), and the gateway resolved the inside host (the echo replies came back). <c>show dataplane</c> shows
    /// each DPDK device's counters; SIGTERM ends the gateway cleanly (exit 0 after rte_eal_cleanup).
    /// </summary>
    [DpdkFact]
    public async Task A_dial_gets_mschapv2_and_mppe128_up_and_pings_through_the_dpdk_ports()
    {
        Assert.True(DpdkLab.Shim is not null,
            "libdpdk is installed but the DPDK shim libpgwdpdk.so is not next to the gateway binary: ./build.sh build runs native/build.sh and copies it");
        var clock = Stopwatch.StartNew();
        await using DpdkLab lab = DpdkLab.Create();
        LabProcess gateway = await lab.StartGatewayAsync();
        string dataplane = await gateway.WaitForLineAsync("dataplane dpdk: outside", Exit);
        (string outsideMac, string insideMac) = DpdkLab.PortMacs(dataplane);
        output.WriteLine($"gateway up after {clock.ElapsedMilliseconds} ms: {dataplane}");

        LabProcess dial = lab.Dial("dial", "--seconds", "60", "--tun", "pptp0", "--route", "198.18.20.0/24");
        string link = await dial.WaitForLineAsync("DIAL: link up", Up);
        Assert.Contains("auth=MsChapV2", link, StringComparison.Ordinal);
        Assert.Contains("mppe=128 stateless", link, StringComparison.Ordinal);
        Assert.Contains($"remote={Lab.GatewayInside}", link, StringComparison.Ordinal);

        Assert.True(lab.PingFromClient(DpdkLab.InsideHost, 3), "no echo reply from the inside host through the DPDK ports");
        // ICMP to the gateway's outside address, outside the tunnel: the exception path to the kernel (its TAP has 198.18.10.1).
        Assert.True(lab.PingFromClient(Lab.GatewayOutside), "no echo reply from the gateway's outside address (exception path)");

        // ARP both ways (RFC 826): the peers hold the DPDK ports' MACs for the gateway's addresses.
        Assert.Contains($"lladdr {outsideMac}", lab.Client.Ip($"neigh show {Lab.GatewayOutside} dev eth0"), StringComparison.Ordinal);
        Assert.Contains($"lladdr {insideMac}", lab.Inside.Ip($"neigh show {Lab.GatewayInside} dev eth0"), StringComparison.Ordinal);

        string vpdn = lab.Admin("show vpdn");
        Assert.Contains("Total tunnels=1 sessions=1", vpdn, StringComparison.Ordinal);
        Assert.Contains("MPPE 128 bits stateless", vpdn, StringComparison.Ordinal);
        Assert.Contains("Authenticated by local", vpdn, StringComparison.Ordinal);

        string show = lab.Admin("show dataplane");
        output.WriteLine(show);
        Assert.Contains("Dataplane dpdk", show, StringComparison.Ordinal);
        // Each device's rte_eth_stats moved both ways; the outside port answered the client's ARP, the inside port asked for the host.
        foreach ((string device, string role) in new[] { ("net_af_packet0", "outside"), ("net_af_packet1", "inside"), ("net_tap_pptpgw0", "exception") })
            Assert.Matches($@"Port {device} \({role}, mac [0-9a-f:]{{17}}\)\n  device: rx_packets [1-9]\d* rx_bytes \d+ tx_packets [1-9]\d* tx_bytes \d+ imissed \d+", show);
        Assert.Matches(@"\(outside, mac [^)]+\)\n  device: [^\n]+\n  ethernet: [^\n]* arp_answered [1-9]", show);
        Assert.Matches(@"\(inside, mac [^)]+\)\n  device: [^\n]+\n  ethernet: [^\n]* arp_requests [1-9]", show);

        dial.Terminate();
        Assert.Equal(0, await dial.WaitForExitAsync(Exit));
        Assert.Contains("DIAL: down reason=user request", dial.Output, StringComparison.Ordinal);
        await gateway.WaitForLineAsync("PPTP Tunnel deleted, tunnel_id = 1,", Exit);

        gateway.Terminate();
        Assert.Equal(0, await gateway.WaitForExitAsync(Exit));
        Assert.Contains("pptpgw stopped", gateway.Output, StringComparison.Ordinal);
        output.WriteLine($"done in {clock.ElapsedMilliseconds} ms");
    }
}
