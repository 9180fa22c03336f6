using System.Text.Json;
using PptpGw.ControlPlane.Ppp.Auth;
using PptpGw.ControlPlane.Ppp.Session;
using PptpGw.ControlPlane.Pptp;
using PptpGw.Load;
using PptpGw.Tests.Integration;

namespace PptpGw.Tests.Load;

/// <summary>The load tool (src/Load): failure keys from typed values, the descriptor budget, and a small run against the real gateway.</summary>
[Collection(IntegrationCollection.Name)]
public sealed class LoadToolTests
{
    [Fact]
    public void FailureKeysComeFromTheTypedFields()
    {
        Assert.Equal("pptp.ocrp.do-not-accept", new SetupFailure(SetupFailureKind.CallRefused, SetupPhase.Call, (int)OutgoingCallResultCode.DoNotAccept).Key);
        Assert.Equal("pptp.sccrp.general-error",
            new SetupFailure(SetupFailureKind.ControlRefused, SetupPhase.ControlConnection, (int)StartControlConnectionResultCode.GeneralError).Key);
        Assert.Equal("timeout.lcp", new SetupFailure(SetupFailureKind.Timeout, SetupPhase.Lcp, 0).Key);
        Assert.Equal("auth.server-refused", new SetupFailure(SetupFailureKind.Authentication, SetupPhase.Authentication, (int)PppAuthFailure.ServerRefused).Key);
        SetupFailure timeout = SetupFailure.FromLinkDown(new PppLinkDown(PppDownCause.NegotiationTimeout, "x") { Phase = PppPhase.Network }, null, wasUp: false);
        Assert.Equal("timeout.network", timeout.Key);
        SetupFailure dropped = SetupFailure.FromLinkDown(new PppLinkDown(PppDownCause.PeerTerminated, "x") { Phase = PppPhase.Network }, null, wasUp: true);
        Assert.Equal("ppp.peer-terminated.up", dropped.Key);
    }

    [Fact]
    public void MoreTunnelsThanDescriptorsIsRefusedWithAWayOut()
    {
        long limit = FileDescriptorBudget.CurrentLimit() ?? 20_000;
        int tunnels = (int)Math.Min(int.MaxValue - 1, limit + 1);
        string? message = FileDescriptorBudget.Check(tunnels, tunnels, 1);
        Assert.NotNull(message);
        Assert.Contains("--calls-per-tunnel", message, StringComparison.Ordinal);
        Assert.Null(FileDescriptorBudget.Check(10, 10, 1));
    }

    /// <summary>
    /// 20 sessions (MS-CHAPv2 + MPPE-128, 20 tunnels from 20 source addresses) against the published gateway in network
    /// namespaces: all come up, are held and torn down cleanly, and the JSON has the contract's fields. No timing asserted.
    /// </summary>
    [IntegrationFact]
    public async Task TwentySessionsComeUpAndTheJsonHasItsShape()
    {
        await using Lab lab = Lab.Create(Lab.Configuration("198.19.10.10-198.19.10.90", "ppp authentication mschapv2", "ppp encryption mppe 128 required"));
        // The PACs' sources: a prefix routed to the client namespace as local (AnyIP), and back to it from the gateway.
        lab.IpClient("route add local 198.18.8.0/27 dev lo");
        lab.IpGw($"route add 198.18.8.0/27 via {Lab.ClientOutside}");
        LabProcess gateway = await lab.StartGatewayAsync();
        string json = Path.Combine(Path.GetTempPath(), $"pgwload-{lab.Id}.json");
        try
        {
            LabProcess load = lab.Start("load", ["ip", "netns", "exec", lab.ClientNamespace.Name, Lab.GatewayBinary!, "load", Lab.GatewayOutside,
                "--sessions", "20", "--hold", "1", "--user", Lab.User, "--password", Lab.Password, "--sources", "198.18.8.0/27",
                "--gateway-pid", gateway.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json", json, "--no-live",
                "--concurrency", "10"]);
            Assert.True(await load.WaitForExitAsync(TimeSpan.FromSeconds(120)) == 0, load.Output);
            using JsonDocument doc = JsonDocument.Parse(await File.ReadAllTextAsync(json));
            JsonElement root = doc.RootElement;
            Assert.Equal(20, root.GetProperty("sessions_requested").GetInt32());
            Assert.Equal(20, root.GetProperty("sessions_established").GetInt64());
            Assert.Equal(20, root.GetProperty("sessions_up_at_end_of_hold").GetInt64());
            Assert.Equal(20, root.GetProperty("teardown").GetProperty("clean_tunnels").GetInt32());
            Assert.Equal(JsonValueKind.Object, root.GetProperty("failures").ValueKind);
            Assert.Empty(root.GetProperty("failures").EnumerateObject());
            Assert.Equal(JsonValueKind.Number, root.GetProperty("setup_rate_per_s").ValueKind);
            foreach (string p in new[] { "p50", "p99", "max" })
                Assert.True(root.GetProperty("setup_latency_ms").GetProperty(p).GetDouble() > 0, p);
            JsonElement gw = root.GetProperty("gateway");
            Assert.True(gw.GetProperty("rss_bytes_max").GetInt64() > 0);
            Assert.True(gw.GetProperty("fds_max").GetInt32() > 0);
            Assert.Equal(JsonValueKind.Number, gw.GetProperty("cpu_seconds").ValueKind);
            // Traffic is not generated yet: present, and null (not measured) rather than a made-up zero.
            Assert.Equal(JsonValueKind.Null, root.GetProperty("throughput_bps").GetProperty("up").ValueKind);
            Assert.Equal(JsonValueKind.Null, root.GetProperty("throughput_bps").GetProperty("down").ValueKind);
            Assert.Equal(JsonValueKind.Null, root.GetProperty("loss").ValueKind);
            Assert.Equal(JsonValueKind.Null, root.GetProperty("latency_ms").GetProperty("p50").ValueKind);
            Assert.Equal(JsonValueKind.Null, root.GetProperty("latency_ms").GetProperty("p99").ValueKind);
            // The clean hang-up left nothing behind on the gateway.
            Assert.Contains("% No active PPTP tunnels", await lab.WaitForShowVpdnAsync("% No active PPTP tunnels", TimeSpan.FromSeconds(10)),
                StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(json);
        }
    }
}
