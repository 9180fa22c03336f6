using PptpGw.ControlPlane.Admin;
using PptpGw.ControlPlane.Logging;

namespace PptpGw.Tests.ControlPlane.Admin;

public class AdminDispatcherTests
{
    private static (AdminDispatcher Dispatcher, FakeAdminHandler Handler, GatewayLog Log) Create()
    {
        var handler = new FakeAdminHandler(VpdnSamples.Tunnel);
        var log = new GatewayLog();
        return (new AdminDispatcher(handler, log), handler, log);
    }

    private static async Task<string> T(AdminDispatcher d, string line) => (await d.ExecuteAsync(line)).Text;

    [Fact]
    public async Task ShowVpdnRendersTheHandlersSnapshot()
    {
        var (d, _, _) = Create();
        Assert.Equal(VpdnRenderer.Render(VpdnSamples.Snapshot, VpdnView.All), await T(d, "sh vpdn"));
        Assert.Equal(VpdnRenderer.Render(VpdnSamples.Snapshot, VpdnView.Session), await T(d, "show vpdn session"));
    }

    [Fact]
    public async Task ClearRemovesTunnelsAndReportsUnknownIds()
    {
        var (d, h, _) = Create();
        Assert.Equal("% No tunnel with id 99\n", await T(d, "clear vpdn tunnel id 99"));
        Assert.Equal(AdminStatus.NotFound, (await d.ExecuteAsync("clear vpdn tunnel id 98")).Status);
        AdminReply cleared = await d.ExecuteAsync("clear vpdn tunnel id 13");
        Assert.Equal(AdminStatus.Ok, cleared.Status);
        Assert.Equal($"Tunnel 13 ({VpdnSamples.Tunnel.RemoteEndPoint.Address}) cleared, {VpdnSamples.Tunnel.Sessions.Count} session{(VpdnSamples.Tunnel.Sessions.Count == 1 ? "" : "s")}\n",
            cleared.Text);
        Assert.Equal("% No active PPTP tunnels\n", await T(d, "show vpdn"));
        Assert.Equal("% No active PPTP tunnels\n", await T(d, "clear vpdn tun all"));
        Assert.Equal(["clear 99", "clear 98", "clear 13", "snapshot", "clear all"], h.Calls);
    }

    [Fact]
    public async Task DebugCommandsToggleTheLog()
    {
        var (d, _, log) = Create();
        Assert.Equal(string.Empty, await T(d, "debug vpdn events"));
        Assert.Equal(string.Empty, await T(d, "debug ppp io"));
        Assert.Equal(DebugClasses.VpdnEvents | DebugClasses.PppIo, log.Debugging);
        Assert.Equal("debug vpdn events\ndebug ppp io\n", await T(d, "show debug"));
        _ = await T(d, "no debug vpdn events");
        Assert.Equal(DebugClasses.PppIo, log.Debugging);
        _ = await T(d, "debug ppp uauth");
        _ = await T(d, "undebug all");
        Assert.Equal(DebugClasses.None, log.Debugging);
        Assert.Equal(string.Empty, await T(d, "show debug"));
    }

    [Fact]
    public async Task OtherAnswers()
    {
        var (d, h, _) = Create();
        Assert.Equal("pptpgw test version\n", await T(d, "show version"));
        Assert.Equal(AdminCommandParser.HelpText + OperatorCommandParser.HelpText, await T(d, "?"));
        Assert.Equal("garbage\n^\n% Invalid input detected at '^' marker.\n", await T(d, "garbage"));
        h.ThrowOnSnapshot = true;
        Assert.Equal(new AdminReply(AdminStatus.Error, "% Error: table busy\n"), await d.ExecuteAsync("show vpdn"));
        Assert.Equal(AdminStatus.InvalidInput, (await d.ExecuteAsync("garbage")).Status);
    }
}
