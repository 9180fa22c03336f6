using System.Security.Cryptography;
using System.Text.Json;
using PptpGw.Tests.Shared;
using Xunit.Abstractions;

namespace PptpGw.Tests.Integration;

/// <summary>
/// The load tool's DPDK transport (src/Load/DpdkLoad*, <c>pptpgw load --dpdk-port</c>) against the gateway on the DPDK
/// dataplane, two processes over a <c>net_memif</c> pair: the gateway's outside port is the memif server, the tool's the
/// client; each side's TCP (the control connections) goes through its own net_tap exception path into its namespace's
/// kernel. The traffic is the tool's ICMP echoes to the gateway's tunnel address, which the gateway's kernel answers
/// through the inside exception path: so this also proves that path under a stream of packets. The inside device is a
/// <c>net_null</c> (nothing behind the gateway is needed).
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class DpdkLoadToolTests(ITestOutputHelper output)
{
    /// <summary>Bounded as a whole (<see cref="PptpGw.Tests.Load.TestDeadline"/>): a stall fails this test, not the suite.</summary>
    [DpdkFact]
    public Task The_load_tool_over_memif_sets_up_mschapv2_mppe128_sessions_and_its_echoes_come_back() =>
        PptpGw.Tests.Load.TestDeadline.RunAsync(TimeSpan.FromMinutes(4), async deadline =>
    {
        Assert.True(DpdkLab.Shim is not null, "libdpdk is installed but the DPDK shim libpgwdpdk.so was not built (./build.sh build)");
        string id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
        string dir = Directory.CreateTempSubdirectory("pgw-dpdk-load-").FullName;
        string socket = Path.Combine(dir, "out.sock");
        using NetworkNamespace gw = NetworkNamespace.Create($"dp3-{id}-gw");
        using NetworkNamespace ld = NetworkNamespace.Create($"dp3-{id}-ld");
        try
        {
            string config = Path.Combine(dir, "gw.cfg");
            File.WriteAllText(config, string.Join('\n',
                "nameif ethernet0 outside security0",
                "nameif ethernet1 inside security100",
                "ip address outside 198.18.40.1 255.255.255.0",
                "ip address inside 198.18.41.1 255.255.255.0",
                "ip local pool lab 198.19.40.10-198.19.40.50",
                "vpdn group 1 accept dialin pptp",
                "vpdn group 1 ppp authentication mschapv2",
                "vpdn group 1 ppp encryption mppe 128 required",
                "vpdn group 1 client configuration address local lab",
                "vpdn group 1 client authentication local",
                $"vpdn username {Lab.User} password {Lab.Password}",
                "vpdn enable outside",
                $"gateway admin-socket {Path.Combine(dir, "admin.sock")}",
                "gateway dataplane dpdk",
                $"gateway dpdk eal --no-huge -m 512 --no-pci --no-telemetry --file-prefix pgw-it-{id}-gw",
                $"gateway dpdk port outside net_memif0,role=server,socket={socket},socket-abstract=no,mac=02:00:00:d3:01:01",
                "gateway dpdk port inside net_null0",
                ""));
            await using LabProcess gateway = LabProcess.Start("gateway", ["ip", "netns", "exec", gw.Name, Lab.GatewayBinary!, "run", "--config", config]);
            deadline.Output(() => $"--- gateway ---\n{gateway.Output}");
            deadline.CleanUp(async () =>
            {
                await gateway.DisposeAsync();
                ld.Dispose();
                gw.Dispose();
            });
            deadline.Step("gateway starting");
            await gateway.WaitForLineAsync("PPTP on ", TimeSpan.FromSeconds(30));

            // The PACs spread over 198.18.40.65-.70 (--sources 198.18.40.64/29, one address per tunnel, as with the raw
            // socket): the namespace holds the prefix as local for the TCP connections, the tool's Ethernet layer answers
            // ARP and takes GRE for each address.
            _ = Lab.Run(["ip", "netns", "exec", ld.Name, "ip", "route", "add", "local", "198.18.40.64/29", "dev", "lo"]);
            string json = Path.Combine(dir, "load.json");
            await using LabProcess load = LabProcess.Start("load", ["ip", "netns", "exec", ld.Name, Lab.GatewayBinary!, "load", "198.18.40.1",
                "--sessions", "8", "--calls-per-tunnel", "2", "--sources", "198.18.40.64/29",
                "--user", Lab.User, "--password", Lab.Password, "--hold", "2", "--traffic-pps", "50", "--traffic-size", "200",
                "--dpdk-port", $"net_memif0,role=client,socket={socket},socket-abstract=no,mac=02:00:00:d3:01:02",
                "--dpdk-eal", $"--no-huge -m 512 --no-pci --no-telemetry --file-prefix pgw-it-{id}-ld", "--no-live", "--json", json]);
            deadline.Output(() => $"--- gateway ---\n{gateway.Output}\n--- load ---\n{load.Output}");
            deadline.CleanUp(async () =>
            {
                await load.DisposeAsync();
                await gateway.DisposeAsync();
                ld.Dispose();
                gw.Dispose();
            });
            deadline.Step("load tool started");
            int code = await load.WaitForExitAsync(TimeSpan.FromSeconds(90));
            deadline.Step($"load tool exited {code}");
            output.WriteLine(load.Output);
            Assert.True(code == 0, $"pptpgw load exited {code}:\n{load.Output}");

            using JsonDocument result = JsonDocument.Parse(File.ReadAllText(json));
            JsonElement root = result.RootElement;
            Assert.Equal(8, root.GetProperty("sessions_established").GetInt32());
            Assert.Equal(4, root.GetProperty("source_addresses").GetInt32());
            Assert.Equal(4, root.GetProperty("teardown").GetProperty("clean_tunnels").GetInt32());
            JsonElement traffic = root.GetProperty("traffic");
            long sent = traffic.GetProperty("packets_sent").GetInt64();
            long received = traffic.GetProperty("packets_received").GetInt64();
            Assert.True(sent >= 400, $"only {sent} echoes sent in 2 s at 8 x 50/s");
            // Through MPPE-128 both ways and the gateway's kernel: at this rate nothing should be lost but the first
            // echoes before a session's route exists.
            Assert.True(received >= sent * 9 / 10, $"{received} of {sent} echo replies came back");
            Assert.Equal(0, traffic.GetProperty("packets_invalid").GetInt64());
            // The tool's GRE left through DPDK: its raw socket counters stayed at zero.
            Assert.Equal(0, root.GetProperty("tool_gre").GetProperty("socket_sent").GetInt64());

            // The gateway had a tunnel from each of the four PAC addresses (its Ethernet layer resolved each by ARP).
            output.WriteLine(Lab.Run([Lab.GatewayBinary!, "show", "dataplane", "--admin-socket", Path.Combine(dir, "admin.sock")]));
            foreach (string pac in new[] { "198.18.40.65", "198.18.40.66", "198.18.40.67", "198.18.40.68" })
                Assert.Contains($"remote_peer_ip is {pac} ", gateway.Output, StringComparison.Ordinal);

            deadline.Step("gateway stopping");
            gateway.Terminate();
            Assert.Equal(0, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(10)));
        }
        finally
        {
            foreach (string prefix in new[] { $"pgw-it-{id}-gw", $"pgw-it-{id}-ld" })
            {
                try
                {
                    Directory.Delete(Path.Combine("/var/run/dpdk", prefix), recursive: true);
                }
                catch (IOException)
                {
                }
                catch (UnauthorizedAccessException)
                {
                }
            }

            Directory.Delete(dir, recursive: true);
        }
    });
}
