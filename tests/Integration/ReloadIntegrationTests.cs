using Xunit.Abstractions;

namespace PptpGw.Tests.Integration;

/// <summary>
/// Issue 14's reload and <c>shutdown soft</c> against <c>pptpgw run</c> in a network namespace with real <c>pptpgw
/// dial</c> clients (kernel dataplane, MS-CHAPv2, MPPE 128): SIGHUP with a new user, a removed user and a grown pool
/// lets the new user dial into the new addresses and refuses the removed one, while the session that was up passes
/// traffic throughout; <c>pptpgw reload</c> on a broken file exits 1 with the line and changes nothing; <c>pptpgw
/// shutdown soft</c> closes the door and the gateway exits 0 once the last client hung up.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class ReloadIntegrationTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Up = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan Exit = TimeSpan.FromSeconds(10);
    private static readonly string[] Group = ["ppp authentication mschapv2", "ppp encryption mppe 128 required"];
    private const string Carol = "carol", CarolPassword = "Carol-pass-1", Bob = "bob", BobPassword = "Bob-pass-2";

    // The lines Lab.Create adds (one worker: see there), so that a rewritten file changes only what the test changes.
    private static string LabLines(Lab lab) => $"gateway admin-socket {lab.AdminSocket}\ngateway dataplane kernel\ngateway dataplane workers 1\n";

    [IntegrationFact]
    public async Task Sighup_applies_users_and_pool_growth_while_the_live_session_passes_traffic()
    {
        await using Lab lab = Lab.Create(Lab.Configuration("198.19.12.10", Group) + $"vpdn username {Carol} password {CarolPassword}\n");
        LabProcess gateway = await lab.StartGatewayAsync();
        LabProcess alice = lab.Dial("alice", "--auth", "mschapv2", "--mppe", "128", "--seconds", "120", "--tun", "pptp0");
        Assert.Contains("local=198.19.12.10", await alice.WaitForLineAsync("DIAL: link up", Up), StringComparison.Ordinal);
        Assert.True(lab.PingFromClient(Lab.GatewayInside), "no ping before the reload");

        // The new file: carol removed, bob added, the pool grown by one address.
        File.WriteAllText(lab.ConfigPath, Lab.Configuration("198.19.12.10-198.19.12.11", Group) + $"vpdn username {Bob} password {BobPassword}\n" + LabLines(lab));
        gateway.Hangup();
        await gateway.WaitForLineAsync("SIGHUP received: reloading", Exit);
        await gateway.WaitForLineAsync("applied       users: added bob; removed carol", Exit);
        await gateway.WaitForLineAsync("applied       pool: lab: 198.19.12.10 (1) -> 198.19.12.10-198.19.12.11 (2)", Exit);
        Assert.True(lab.PingFromClient(Lab.GatewayInside), "the live session passes no traffic after the reload");

        // bob, new: dials, gets the new address and passes traffic through it (its prefix routed into the TUN at reload).
        LabProcess bob = lab.DialAs("bob", Bob, BobPassword, "--auth", "mschapv2", "--mppe", "128", "--ping", Lab.GatewayInside, "--count", "1", "--tun", "pptp1");
        Assert.Equal(0, await bob.WaitForExitAsync(Up));
        Assert.Contains("local=198.19.12.11", bob.Output, StringComparison.Ordinal);
        // carol, removed: refused (exit 5, authentication failed).
        LabProcess carol = lab.DialAs("carol", Carol, CarolPassword, "--auth", "mschapv2", "--mppe", "128", "--tun", "pptp1");
        Assert.Equal(5, await carol.WaitForExitAsync(Up));
        await gateway.WaitForLineAsync($"user: {Carol} aaa authentication failed", Exit);

        Assert.False(alice.HasExited, "the session ended with the reload:\n" + alice.Output);
        Assert.True(lab.PingFromClient(Lab.GatewayInside), "no ping through the first session at the end");
        Assert.Equal(0, gateway.Count("603105.*tunnel_id = 1,"));
        alice.Terminate();
        Assert.Equal(0, await alice.WaitForExitAsync(Exit));
        output.WriteLine(gateway.Output);
    }

    [IntegrationFact]
    public async Task Reload_of_a_broken_file_changes_nothing_and_shutdown_soft_waits_for_the_last_session()
    {
        await using Lab lab = Lab.Create(Lab.Configuration("198.19.12.20-198.19.12.29", Group));
        LabProcess gateway = await lab.StartGatewayAsync();
        LabProcess alice = lab.Dial("alice", "--auth", "mschapv2", "--mppe", "128", "--seconds", "120", "--tun", "pptp0");
        await alice.WaitForLineAsync("DIAL: link up", Up);

        string broken = Lab.Configuration("198.19.12.20-198.19.12.29", Group) + LabLines(lab) + "ip local pool lab 198.19.12.99-198.19.12.90\n";
        File.WriteAllText(lab.ConfigPath, broken);
        int line = broken.Split('\n').Length - 1;
        (int code, string stdout, _) = Lab.RunRaw(Lab.GatewayBinary!, "reload", "--admin-socket", lab.AdminSocket);
        Assert.Equal(1, code);
        Assert.Contains($"{lab.ConfigPath}:{line}: error:", stdout, StringComparison.Ordinal);
        Assert.Contains("nothing changed", stdout, StringComparison.Ordinal);
        // The same file, fixed, with a restart-only change: listed as such, exit 0.
        File.WriteAllText(lab.ConfigPath, Lab.Configuration("198.19.12.20-198.19.12.29", Group) + $"gateway admin-socket {lab.AdminSocket}\ngateway dataplane memory\n");
        (code, stdout, _) = Lab.RunRaw(Lab.GatewayBinary!, "reload", "--admin-socket", lab.AdminSocket);
        Assert.Equal(0, code);
        Assert.Contains("needs restart dataplane: kernel -> memory: restart to apply", stdout, StringComparison.Ordinal);
        Assert.True(lab.PingFromClient(Lab.GatewayInside), "no ping after the reloads");

        Assert.Contains("shutdown soft: no new tunnels or calls; 1 session left", lab.Admin("shutdown soft"), StringComparison.Ordinal);
        Assert.Contains("gateway state: draining (1 session left)", lab.Admin("show version"), StringComparison.Ordinal);
        LabProcess late = lab.Dial("late", "--auth", "mschapv2", "--mppe", "128", "--tun", "pptp1");
        Assert.NotEqual(0, await late.WaitForExitAsync(Up));
        Assert.True(lab.PingFromClient(Lab.GatewayInside), "the draining gateway stopped carrying the live session");
        Assert.False(gateway.HasExited);

        alice.Terminate();
        Assert.Equal(0, await alice.WaitForExitAsync(Exit));
        Assert.Equal(0, await gateway.WaitForExitAsync(Exit));
        Assert.Contains("shutdown soft: the last session ended; stopping", gateway.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(lab.AdminSocket), "the admin socket stayed behind");
        output.WriteLine(gateway.Output);
    }
}
