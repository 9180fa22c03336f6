using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace PptpGw.Tests.Integration;

/// <summary>
/// RFC 1191 through the shipped gateway (kernel dataplane, MPPE-128, <c>vpdn group 1 ppp mtu 1300</c>) and a real
/// <c>pptpgw dial</c>: a 1378-octet ping (below the TUN device's MTU of 1400, which the host's kernel enforces itself) with Don't Fragment from the gateway's host to the client's tunnel address is
/// answered with ICMP "fragmentation needed", MTU 1296 (1300 less MPPE's 4 octets); the host's kernel takes the answer
/// (it arrives through the TUN device from the client's address), caches the path MTU, and the same ping without DF
/// then crosses the tunnel in the host's fragments; before that, without DF, it crossed in the gateway's own fragments
/// (RFC 791). The drop shows in <c>show dataplane</c>.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed partial class TunnelMtuIntegrationTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Up = TimeSpan.FromSeconds(15);

    [GeneratedRegex(@"local=(\d+\.\d+\.\d+\.\d+)")]
    private static partial Regex LocalAddress();

    [IntegrationFact]
    public async Task A_df_datagram_over_the_tunnel_mtu_gets_icmp_fragmentation_needed_and_path_mtu_discovery_adapts()
    {
        await using Lab lab = Lab.Create(Lab.Configuration("198.19.14.40-198.19.14.49", "ppp authentication mschapv2", "ppp encryption mppe 128 required")
            + "vpdn group 1 ppp mtu 1300\n");
        LabProcess gateway = await lab.StartGatewayAsync();
        LabProcess dial = lab.Dial("dial", "--auth", "mschapv2", "--mppe", "128", "--seconds", "60", "--tun", "pptp0");
        string client = LocalAddress().Match(await dial.WaitForLineAsync("DIAL: link up", Up)).Groups[1].Value;

        // Small pings cross, and a 1378-octet one without DF: the gateway fragments it (RFC 791) and the client's kernel
        // reassembles and answers.
        Assert.Equal(0, Ping(lab, client, 56, "do").Code);
        Assert.Equal(0, Ping(lab, client, 1350, "dont").Code);
        // Then 1350 octets of data (a 1378-octet datagram) with DF: the gateway answers for the tunnel.
        Assert.DoesNotContain("mtu 1296", lab.IpGw($"route get {client}"), StringComparison.Ordinal); // nothing learnt yet

        (int code, string text) = Ping(lab, client, 1350, "do");
        output.WriteLine(text);
        Assert.NotEqual(0, code);
        Assert.Contains($"From {client} icmp_seq=1 Frag needed and DF set (mtu = 1296)", text, StringComparison.Ordinal);
        string route = lab.IpGw($"route get {client}");
        output.WriteLine(route);
        Assert.Contains("mtu 1296", route, StringComparison.Ordinal); // the host's kernel learnt the path MTU

        // 1268 octets of data make a 1296-octet datagram: the largest that fits, with DF.
        Assert.Equal(0, Ping(lab, client, 1268, "do").Code);
        // Without DF the host's kernel now fragments to the learnt MTU, and the client reassembles and answers.
        Assert.Equal(0, Ping(lab, client, 1350, "dont").Code);

        string dataplane = lab.Admin("show dataplane");
        Assert.Matches(@"\n    tunnel_mtu_exceeded +1\n", dataplane);
        // The loop statistics and ring occupancy of show dataplane (text and JSON).
        // The rings' capacities are the host's settings (the gateway's control ring is larger than the default: issue 11).
        Assert.Matches(@"\n  loop: [1-9][0-9]* turns, [1-9][0-9]* with work; command ring [0-9]+/[1-9][0-9]*, control ring [0-9]+/[1-9][0-9]*\n", dataplane);
        using (System.Text.Json.JsonDocument json = System.Text.Json.JsonDocument.Parse(lab.Admin("show dataplane --json")))
        {
            System.Text.Json.JsonElement worker = Assert.Single(json.RootElement.GetProperty("workers").EnumerateArray());
            Assert.Equal(1, worker.GetProperty("drops").GetProperty("tunnel_mtu_exceeded").GetInt64());
            Assert.True(worker.GetProperty("loop").GetProperty("busy_turns").GetInt64() > 0);
            Assert.Equal(4096, worker.GetProperty("rings").GetProperty("command").GetProperty("capacity").GetInt32());
            Assert.Equal(16_384, worker.GetProperty("rings").GetProperty("control").GetProperty("capacity").GetInt32());
        }
        Assert.False(dial.HasExited, dial.Output);
        dial.Terminate();
        Assert.Equal(0, await dial.WaitForExitAsync(TimeSpan.FromSeconds(10)));
        output.WriteLine(gateway.Output);
    }

    private static (int Code, string Text) Ping(Lab lab, string address, int size, string pmtuDiscovery)
    {
        (int code, string stdout, string stderr) = Lab.RunRaw("ip", "netns", "exec", lab.GatewayNamespace.Name, "ping", "-c", "1", "-W", "3",
            "-M", pmtuDiscovery, "-s", size.ToString(System.Globalization.CultureInfo.InvariantCulture), address);
        return (code, stdout + stderr);
    }
}
