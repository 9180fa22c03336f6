using PptpGw.ControlPlane.Logging;
using PptpGw.ControlPlane.Pools;
using PptpGw.ControlPlane.Ppp.Session;
using PptpGw.ControlPlane.Pptp;
using PptpGw.Tests.ControlPlane.Pptp.Connection;
using static PptpGw.Tests.Gateway.CommandLineTests;

namespace PptpGw.Tests.Gateway;

/// <summary>The real CLI verbs against a running host's admin socket (a temporary path), in-process.</summary>
public sealed class AdminCliTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task ShowDebugAndClearOverTheAdminSocket()
    {
        string socket = Path.Combine(Path.GetTempPath(), $"pptpgw-{Guid.NewGuid():N}.sock");
        await using GatewayTestBed bed = GatewayTestBed.Start(GatewayTestBed.Config(), socket);

        (int code, string output, _) = await RunAsync("show", "vpdn", "--admin-socket", socket);
        Assert.Equal(0, code);
        Assert.Contains("% No active PPTP tunnels", output, StringComparison.Ordinal);

        // Debug classes are switched on the running gateway and show up in its log.
        foreach (string[] words in new[] { new[] { "debug", "ppp", "io" }, ["debug", "vpdn", "packet"], ["deb", "vpdn", "events"], ["debug", "ppp", "uauth"], ["debug", "ppp", "negotiation"] })
            Assert.Equal(0, (await RunAsync([.. words, "--admin-socket", socket])).Code);
        (_, output, _) = await RunAsync("show", "debug", "--admin-socket", socket);
        Assert.Contains("debug ppp io", output, StringComparison.Ordinal);
        Assert.Contains("debug vpdn packet", output, StringComparison.Ordinal);
        Assert.Equal(DebugClasses.PppIo | DebugClasses.VpdnPacket | DebugClasses.VpdnEvents | DebugClasses.PppUauth | DebugClasses.PppNegotiation,
            bed.Host.Log.Debugging);

        await using Dialled call = await bed.DialAsync(0x4000);
        PppLinkResult up = await call.Events.Up.Task.WaitAsync(Guard);
        await bed.WaitForLogAsync("PPP xmit, ifc = 1, len: ");
        await bed.WaitForLogAsync("PPP rcvd, ifc = 1, pppdev: 1, len: ");
        await bed.WaitForLogAsync("PPTP: CC I 009c00011a2b3c4d0001"); // the SCCRQ, first 22 octets
        await bed.WaitForLogAsync("PPTP: CC O OCRP");
        await bed.WaitForLogAsync("state change");
        await bed.WaitForLogAsync("uauth_mschap_send_req: pppdev=1, ulen=5, user=cisco");
        await bed.WaitForLogAsync("PPP virtual interface 1: ");

        (code, output, _) = await RunAsync("show", "vpdn", "session", "--admin-socket", socket);
        Assert.Equal(0, code);
        Assert.Contains("cisco", output, StringComparison.Ordinal);
        Assert.Contains(Ipv4.Format(up.LocalAddress), output, StringComparison.Ordinal);
        Assert.Contains("128", output, StringComparison.Ordinal);
        (_, output, _) = await RunAsync("sh", "vpdn", "tunnel", "--admin-socket", socket);
        Assert.Contains("127.0.0.1", output, StringComparison.Ordinal);

        Assert.Equal(0, (await RunAsync("undebug", "all", "--admin-socket", socket)).Code);
        Assert.Equal(DebugClasses.None, bed.Host.Log.Debugging);

        (code, output, _) = await RunAsync("clear", "vpdn", "tunnel", "id", "999", "--admin-socket", socket);
        Assert.Equal(1, code);
        Assert.Contains("No tunnel with id 999", output, StringComparison.Ordinal);

        Task<(int Code, string Out, string Err)> clearing = RunAsync("clear", "vpdn", "tunnel", "all", "--admin-socket", socket);
        StopControlConnectionRequest stop = Wire.StopRq(await GatewayTestBed.ReceiveUntilAsync<StopControlConnectionRequest>(call.Pac));
        Assert.Equal(StopControlConnectionReason.None, stop.Reason);
        await call.Pac.SendAsync(Wire.StopReply());
        Assert.Equal(0, (await clearing.WaitAsync(Guard)).Code);
        await bed.WaitForLogAsync("603105: PPTP Tunnel deleted");
        await GatewayTestBed.EventuallyAsync(() => bed.Host.Orchestrator.LiveCalls == 0, "the call to be released");
        (_, output, _) = await RunAsync("show", "vpdn", "--admin-socket", socket);
        Assert.Contains("% No active PPTP tunnels", output, StringComparison.Ordinal);
    }
}
