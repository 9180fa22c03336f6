using Xunit.Abstractions;

namespace PptpGw.Tests.Integration;

/// <summary>
/// Issue 9 item 7, against <c>pptpgw run</c> in a network namespace: SIGHUP (logrotate, <c>systemctl reload</c>) leaves
/// the gateway and its sessions up, and a second instance on the same admin socket or the same pool refuses to start
/// without disturbing the first (its TUN routes, its admin socket, its sessions).
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class HostingIntegrationTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Up = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan Exit = TimeSpan.FromSeconds(10);
    private const string Pool = "198.19.10.10-198.19.10.20";

    [IntegrationFact]
    public async Task Sighup_leaves_the_gateway_and_its_sessions_up()
    {
        await using Lab lab = Lab.Create(Lab.Configuration(Pool, "ppp authentication mschapv2", "ppp encryption mppe 128 required"));
        LabProcess gateway = await lab.StartGatewayAsync();
        LabProcess first = lab.Dial("dial-1", "--auth", "mschapv2", "--mppe", "128", "--seconds", "120");
        await first.WaitForLineAsync("DIAL: link up", Up);
        Assert.True(lab.PingFromClient(Lab.GatewayInside), "no ping before SIGHUP");

        gateway.Hangup();
        await gateway.WaitForLineAsync("SIGHUP received", Exit);
        gateway.Hangup(); // a second one (logrotate daily, then a reload) changes nothing either
        await WaitForCountAsync(gateway, "SIGHUP received", 2);

        Assert.False(gateway.HasExited, "SIGHUP ended the gateway:\n" + gateway.Output);
        Assert.False(first.HasExited, "the session ended with SIGHUP:\n" + first.Output);
        Assert.True(lab.PingFromClient(Lab.GatewayInside), "no ping through the session after SIGHUP");
        string vpdn = lab.Admin("show vpdn");
        Assert.Contains("Total tunnels=1 sessions=1", vpdn, StringComparison.Ordinal);
        Assert.Contains($"Session username is {Lab.User}, state is estabd", vpdn, StringComparison.Ordinal);

        // A new dial after SIGHUP comes up and carries traffic too.
        LabProcess second = lab.Dial("dial-2", "--auth", "mschapv2", "--mppe", "128", "--seconds", "120", "--tun", "pptp1");
        await second.WaitForLineAsync("DIAL: link up", Up);
        Assert.Contains("Total tunnels=2 sessions=2", await lab.WaitForShowVpdnAsync("Total tunnels=2 sessions=2", Exit), StringComparison.Ordinal);
        Assert.Equal(0, gateway.Count("603105")); // no tunnel was deleted by the signals

        second.Terminate();
        first.Terminate();
        Assert.Equal(0, await second.WaitForExitAsync(Exit));
        Assert.Equal(0, await first.WaitForExitAsync(Exit));
        gateway.Terminate();
        Assert.Equal(0, await gateway.WaitForExitAsync(Exit));
        Assert.False(File.Exists(lab.AdminSocket), "the admin socket stayed behind after SIGTERM");
        output.WriteLine(gateway.Output);
    }

    [IntegrationFact]
    public async Task A_second_instance_refuses_to_start_and_leaves_the_first_serving()
    {
        await using Lab lab = Lab.Create(Lab.Configuration(Pool, "ppp authentication mschapv2", "ppp encryption mppe 128 required"));
        LabProcess gateway = await lab.StartGatewayAsync();
        LabProcess dial = lab.Dial("dial-1", "--auth", "mschapv2", "--mppe", "128", "--seconds", "120");
        await dial.WaitForLineAsync("DIAL: link up", Up);
        string routesBefore = lab.IpGw("route show");
        Assert.Contains("dev pptpgw0", routesBefore, StringComparison.Ordinal);

        // The same configuration: the same admin socket (its lock), pool, TUN template and listen address.
        LabProcess same = lab.Start("gateway-2", ["ip", "netns", "exec", lab.GatewayNamespace.Name, Lab.GatewayBinary!, "run", "--config", lab.ConfigPath]);
        Assert.Equal(1, await same.WaitForExitAsync(Up));
        Assert.Contains($"pptpgw: another pptpgw (pid {gateway.Pid}) is running with the admin socket {lab.AdminSocket}", same.Output, StringComparison.Ordinal);

        // Its own admin socket and port, but the same pool: the first one's routes into pptpgw0 give it away.
        string otherSocket = lab.AdminSocket + ".second";
        LabProcess samePool = lab.Start("gateway-3", ["ip", "netns", "exec", lab.GatewayNamespace.Name, Lab.GatewayBinary!, "run", "--config", lab.ConfigPath,
            "--admin-socket", otherSocket, "--listen", $"{Lab.GatewayOutside}:1724"]);
        Assert.Equal(1, await samePool.WaitForExitAsync(Up));
        Assert.Contains("pptpgw: pool lab is already routed into another TUN device (198.19.10.", samePool.Output, StringComparison.Ordinal);
        Assert.Contains("dev pptpgw0", samePool.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(otherSocket), "the refused instance created its admin socket");

        // The first is untouched: routes, TUN, admin socket, the live session, and it takes new calls.
        Assert.Equal(routesBefore, lab.IpGw("route show"));
        Assert.DoesNotContain("pptpgw1", lab.IpGw("link show"), StringComparison.Ordinal);
        Assert.True(File.Exists(lab.AdminSocket), "the first instance's admin socket file is gone");
        Assert.Contains($"Session username is {Lab.User}, state is estabd", lab.Admin("show vpdn"), StringComparison.Ordinal);
        Assert.True(lab.PingFromClient(Lab.GatewayInside), "the first instance's session no longer carries traffic");
        Assert.False(gateway.HasExited);
        Assert.False(dial.HasExited, dial.Output);
        LabProcess next = lab.Dial("dial-2", "--auth", "mschapv2", "--mppe", "128", "--seconds", "120", "--tun", "pptp1");
        await next.WaitForLineAsync("DIAL: link up", Up);
        Assert.Contains("Total tunnels=2 sessions=2", await lab.WaitForShowVpdnAsync("Total tunnels=2 sessions=2", Exit), StringComparison.Ordinal);

        next.Terminate();
        dial.Terminate();
        Assert.Equal(0, await next.WaitForExitAsync(Exit));
        Assert.Equal(0, await dial.WaitForExitAsync(Exit));
        gateway.Terminate();
        Assert.Equal(0, await gateway.WaitForExitAsync(Exit));

        // Once the first has stopped, the same configuration starts (the lock went with it; the lock file may stay).
        LabProcess successor = await lab.StartGatewayAsync();
        Assert.Contains("PPTP on", successor.Output, StringComparison.Ordinal);
        successor.Terminate();
        Assert.Equal(0, await successor.WaitForExitAsync(Exit));
        output.WriteLine(same.Output + "\n" + samePool.Output);
    }

    private static async Task WaitForCountAsync(LabProcess process, string pattern, int count)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (process.Count(pattern) < count && clock.Elapsed < Exit)
            await Task.Delay(50);
        Assert.Equal(count, process.Count(pattern));
    }
}
