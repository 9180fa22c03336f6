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

        // The inside exception path: the gateway's own tunnel address (its inside address, IPCP's remote address) through
        // the tunnel is answered by its kernel on the inside TAP, whose reply comes back through the pool's route and is
        // tunnelled; and the inside host reaches the same address on its LAN.
        Assert.True(lab.PingFromClient(Lab.GatewayInside, 2), "no echo reply from the gateway's tunnel address through the tunnel (inside exception path)");
        Assert.True(lab.PingFromInside(Lab.GatewayInside), "no echo reply from the gateway's inside address on the inside LAN (inside exception path)");
        Assert.Contains($"{DpdkLab.PoolPrefix} dev pptpgw-x1", lab.InGateway("ip", "-4", "route", "show"), StringComparison.Ordinal);

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
        foreach ((string device, string role) in new[] { ("net_af_packet0", "outside"), ("net_af_packet1", "inside"), ("net_tap_pptpgw0", "exception"), ("net_tap_pptpgw1", "inside exception") })
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

    /// <summary>
    /// <c>gateway dpdk workers 2</c>: sixteen MS-CHAPv2/MPPE-128 calls on one control connection are placed on both
    /// workers by the session table; worker 0 does the DPDK ports' I/O and steers each call's packets to its owner over
    /// rte_rings, and takes back what worker 1 sends (its GRE numbering and RC4 state never leave it). Every call's
    /// pings to the inside host come back; <c>show dataplane</c> shows both workers carrying traffic, the steered and
    /// handed-back counts, and no drop.
    /// </summary>
    [DpdkFact]
    public async Task Two_workers_share_the_calls_through_rings_and_every_call_pings()
    {
        Assert.True(DpdkLab.Shim is not null, "libdpdk is installed but the DPDK shim libpgwdpdk.so was not built (./build.sh build)");
        // Also a renamed inside exception TAP (gateway dpdk inside-exception NAME): the pool is routed into it by that name.
        await using DpdkLab lab = DpdkLab.Create("gateway dpdk workers 2", "gateway dpdk inside-exception pgw-inx");
        LabProcess gateway = await lab.StartGatewayAsync();
        string started = await gateway.WaitForLineAsync("dataplane dpdk: outside", Exit);
        Assert.Contains("inside exception path pgw-inx; 2 workers", started, StringComparison.Ordinal);
        Assert.Contains($"{DpdkLab.PoolPrefix} dev pgw-inx", lab.InGateway("ip", "-4", "route", "show"), StringComparison.Ordinal);

        // The gateway resolves the inside host before the calls' pings arrive together: until an ARP reply comes, its
        // neighbour cache holds only the latest packet for it (RFC 1122 §2.3.2.2), and the client pings 8 calls at once.
        // The host's own ARP request for 198.18.20.1 teaches the gateway (RFC 826 merge); the ICMP itself is dropped.
        _ = Lab.RunRaw("ip", "netns", "exec", lab.Inside.Name, "ping", "-c", "1", "-W", "1", Lab.GatewayInside);

        LabProcess dial = lab.Dial("dial", "--calls", "16", "--ping", DpdkLab.InsideHost, "--count", "2");
        int code = await dial.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.True(code == 0, $"dial exited {code}:\n{dial.Output}\n\nshow dataplane:\n{lab.Admin("show dataplane")}");
        Assert.Contains($"DIAL: ping {DpdkLab.InsideHost} through each call: calls=16/16 sent=32 received=32 loss=0%", dial.Output, StringComparison.Ordinal);

        string show = lab.Admin("show dataplane");
        output.WriteLine(show);
        Assert.Contains("Dataplane dpdk, 2 workers", show, StringComparison.Ordinal);
        // Placement hashes (peer, call id) over the workers: with 16 calls both get some (all on one: p = 2^-15).
        Assert.Matches(@"Worker 0: [^\n]+\n  packets: outside_in [1-9]\d* inside_out [1-9]\d* inside_in [1-9]\d* outside_out [1-9]", show);
        Assert.Matches(@"Worker 1: [^\n]+\n  packets: outside_in [1-9]\d* inside_out [1-9]\d* inside_in [1-9]\d* outside_out [1-9]", show);
        Assert.Matches(@"\(outside, mac [^)]+\)\n  device: [^\n]+\n  ethernet: [^\n]* steered [1-9]\d* drop_steer_ring_full 0 handed_back [1-9]\d* drop_hand_back_ring_full 0", show);
        Assert.Matches(@"\(inside, mac [^)]+\)\n  device: [^\n]+\n  ethernet: [^\n]* steered [1-9]\d* drop_steer_ring_full 0 handed_back [1-9]\d* drop_hand_back_ring_full 0", show);
        Assert.DoesNotContain("wrong_worker", show, StringComparison.Ordinal);

        gateway.Terminate();
        Assert.Equal(0, await gateway.WaitForExitAsync(Exit));
    }
    /// <summary>
    /// <c>gateway dpdk inside-exception off</c>: no inside TAP is created and no pool route installed; the tunnel still
    /// carries traffic to the inside host, while IPv4 for the gateway's own inside address (a client pinging its tunnel
    /// address) is dropped and counted as unhandled on the inside port.
    /// </summary>
    [DpdkFact]
    public async Task With_the_inside_exception_path_off_the_tunnel_works_and_the_gateways_inside_address_is_dropped_and_counted()
    {
        Assert.True(DpdkLab.Shim is not null, "libdpdk is installed but the DPDK shim libpgwdpdk.so was not built (./build.sh build)");
        await using DpdkLab lab = DpdkLab.Create("gateway dpdk inside-exception off");
        LabProcess gateway = await lab.StartGatewayAsync();
        Assert.Contains("inside exception path off;", await gateway.WaitForLineAsync("dataplane dpdk: outside", Exit), StringComparison.Ordinal);

        LabProcess dial = lab.Dial("dial", "--seconds", "60", "--tun", "pptp0", "--route", "198.18.20.0/24");
        _ = await dial.WaitForLineAsync("DIAL: link up", Up);
        Assert.True(lab.PingFromClient(DpdkLab.InsideHost, 2), "no echo reply from the inside host through the DPDK ports");
        Assert.False(lab.PingFromClient(Lab.GatewayInside), "the gateway's tunnel address answered with the inside exception path off");

        string links = lab.InGateway("ip", "-o", "link", "show");
        Assert.DoesNotContain("pptpgw-x1", links, StringComparison.Ordinal);
        Assert.Contains("pptpgw-x0", links, StringComparison.Ordinal);
        Assert.DoesNotContain(DpdkLab.PoolPrefix, lab.InGateway("ip", "-4", "route", "show"), StringComparison.Ordinal);
        string show = lab.Admin("show dataplane");
        output.WriteLine(show);
        Assert.DoesNotContain("inside exception", show, StringComparison.Ordinal);
        Assert.Matches(@"\(inside, mac [^)]+\)\n  device: [^\n]+\n  ethernet: [^\n]* drop_unhandled [1-9]", show);

        dial.Terminate();
        Assert.Equal(0, await dial.WaitForExitAsync(Exit));
        gateway.Terminate();
        Assert.Equal(0, await gateway.WaitForExitAsync(Exit));
    }
}
