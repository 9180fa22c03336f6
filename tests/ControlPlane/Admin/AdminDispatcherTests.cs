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

    [Fact]
    public void ShowVpdnRendersTheHandlersSnapshot()
    {
        var (d, _, _) = Create();
        Assert.Equal(VpdnRenderer.Render(VpdnSamples.Snapshot, VpdnView.All), d.Execute("sh vpdn"));
        Assert.Equal(VpdnRenderer.Render(VpdnSamples.Snapshot, VpdnView.Session), d.Execute("show vpdn session"));
    }

    [Fact]
    public void ClearRemovesTunnelsAndReportsUnknownIds()
    {
        var (d, h, _) = Create();
        Assert.Equal("% No tunnel with id 99\n", d.Execute("clear vpdn tunnel id 99"));
        Assert.Equal(string.Empty, d.Execute("clear vpdn tunnel id 13"));
        Assert.Equal("% No active PPTP tunnels\n", d.Execute("show vpdn"));
        Assert.Equal(string.Empty, d.Execute("clear vpdn tun all"));
        Assert.Equal(["clear 99", "clear 13", "snapshot", "clear all"], h.Calls);
    }

    [Fact]
    public void DebugCommandsToggleTheLog()
    {
        var (d, _, log) = Create();
        Assert.Equal(string.Empty, d.Execute("debug vpdn events"));
        Assert.Equal(string.Empty, d.Execute("debug ppp io"));
        Assert.Equal(DebugClasses.VpdnEvents | DebugClasses.PppIo, log.Debugging);
        Assert.Equal("debug vpdn events\ndebug ppp io\n", d.Execute("show debug"));
        d.Execute("no debug vpdn events");
        Assert.Equal(DebugClasses.PppIo, log.Debugging);
        d.Execute("debug ppp uauth");
        d.Execute("undebug all");
        Assert.Equal(DebugClasses.None, log.Debugging);
        Assert.Equal(string.Empty, d.Execute("show debug"));
    }

    [Fact]
    public void OtherAnswers()
    {
        var (d, h, _) = Create();
        Assert.Equal("pptpgw test version\n", d.Execute("show version"));
        Assert.Equal(AdminCommandParser.HelpText, d.Execute("?"));
        Assert.Equal("garbage\n^\n% Invalid input detected at '^' marker.\n", d.Execute("garbage"));
        h.ThrowOnSnapshot = true;
        Assert.Equal("% Error: table busy\n", d.Execute("show vpdn"));
    }
}
