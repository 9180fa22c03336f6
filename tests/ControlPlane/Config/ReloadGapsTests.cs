using PptpGw.ControlPlane.Config;
using PptpGw.ControlPlane.Pools;
using PptpGw.Gateway.Hosting;
using PptpGw.Tests.Gateway;

namespace PptpGw.Tests.ControlPlane.Config;

/// <summary>
/// The reload gaps of session 4, closed: accounting on the authentication group's servers keeps saying "needs restart"
/// after authentication took the new servers; a shrunk pool's stale prefixes are found for removal; a users-only change
/// on a RADIUS gateway leaves its RADIUS client alone; the new settings (idle-timeout, ppp mtu/mru, tcpmss) are listed.
/// </summary>
public sealed class ReloadGapsTests
{
    private static string Radius(string servers) => $"""
        ip address outside 198.18.0.1 255.255.255.0
        ip address inside 198.18.5.1 255.255.255.0
        ip local pool lab 198.18.1.1-198.18.1.50
        aaa-server RAD protocol radius
        {servers}
        vpdn group 1 accept dialin pptp
        vpdn group 1 ppp authentication mschapv2
        vpdn group 1 client configuration address local lab
        vpdn group 1 client authentication aaa RAD
        vpdn group 1 client accounting RAD
        vpdn username alice password a-secret
        vpdn enable outside
        """;

    private static GatewayConfig Parse(string text)
    {
        ConfigParseResult result = PixConfigParser.Parse(text, "t.cfg");
        Assert.True(result.Config is not null, string.Join("\n", result.Errors));
        return result.Config;
    }

    [Fact]
    public void Accounting_on_the_authentication_group_needs_a_restart_at_every_reload_until_one()
    {
        GatewayConfig started = Parse(Radius("aaa-server RAD (inside) host 198.18.5.10 secret-1"));
        GatewayConfig edited = Parse(Radius("aaa-server RAD (inside) host 198.18.5.11 secret-1"));

        ConfigReloadPlan first = ConfigReloadPlanner.Plan(started, edited, started);
        Assert.Equal(ReloadDisposition.Applied, first.Changes.Single(c => c.Kind == ConfigChangeKind.AuthenticationServers).Disposition);
        Assert.Equal(ReloadDisposition.NeedsRestart, first.Changes.Single(c => c.Kind == ConfigChangeKind.Accounting).Disposition);

        // The same file again: authentication is current, accounting still runs on 198.18.5.10.
        ConfigReloadPlan second = ConfigReloadPlanner.Plan(first.Effective, edited, started);
        Assert.DoesNotContain(second.Changes, c => c.Kind == ConfigChangeKind.AuthenticationServers);
        Assert.Equal(ReloadDisposition.NeedsRestart, Assert.Single(second.Changes).Disposition);
        Assert.Equal(ConfigChangeKind.Accounting, second.Changes[0].Kind);

        // Back to the started servers: nothing is owed any more.
        Assert.DoesNotContain(ConfigReloadPlanner.Plan(second.Effective, started, started).Changes, c => c.Kind == ConfigChangeKind.Accounting);
    }

    [Fact]
    public void A_shrunk_pool_leaves_the_prefixes_it_no_longer_covers_for_removal()
    {
        Ipv4Range R(string a, string b) => new(Ipv4.TryParse(a, out uint x) ? x : 0, Ipv4.TryParse(b, out uint y) ? y : 0);
        // 198.18.1.0-63 is one /26; shrunk to 0-31 the /26 goes and the /27 comes.
        Assert.Equal(["198.18.1.0/26"], InsideRoutes.Stale([R("198.18.1.0", "198.18.1.63")], [R("198.18.1.0", "198.18.1.31")]));
        Assert.Equal(["198.18.1.0/27"], InsideRoutes.Prefixes([R("198.18.1.0", "198.18.1.31")]));
        // Grown: the /27 is covered by the /26 installed first, and goes as redundant; the same ranges: nothing.
        Assert.Equal(["198.18.1.0/27"], InsideRoutes.Stale([R("198.18.1.0", "198.18.1.31")], [R("198.18.1.0", "198.18.1.63")]));
        Assert.Empty(InsideRoutes.Stale([R("198.18.1.0", "198.18.1.31")], [R("198.18.1.0", "198.18.1.31")]));
    }

    [Fact]
    public void New_settings_are_listed_as_applied_for_new_calls()
    {
        string plain = Radius("aaa-server RAD (inside) host 198.18.5.10 secret-1");
        ConfigReloadPlan plan = ConfigReloadPlanner.Plan(Parse(plain),
            Parse(plain + "\nvpdn group 1 idle-timeout 900\nvpdn group 1 ppp mtu 1400\nvpdn group 1 ppp mru 1300\nsysopt connection tcpmss 1300"));
        ConfigChange change = Assert.Single(plan.Changes);
        Assert.Equal((ConfigChangeKind.GroupSettings, ReloadDisposition.Applied), (change.Kind, change.Disposition));
        Assert.Equal("idle-timeout 0 -> 900; ppp mtu default -> 1400; ppp mru default -> 1300; sysopt connection tcpmss derived -> 1300 (new calls)", change.Detail);
        Assert.Equal(900, plan.Effective.DialinGroup!.IdleTimeoutSeconds);
        Assert.Equal(1300, plan.Effective.TcpMss);
    }

    [Fact]
    public async Task A_users_only_reload_keeps_the_radius_client()
    {
        string path = Path.Combine(TestTemp.Directory("reload-"), "r.cfg");
        string text = GatewayTestBed.Config(extra: "aaa-server RAD protocol radius\naaa-server RAD (inside) host 127.0.0.1 secret-1 port 1\n")
            .Replace("client authentication local", "client authentication aaa RAD", StringComparison.Ordinal);
        File.WriteAllText(path, text);
        await using GatewayTestBed bed = GatewayTestBed.Start(text, configPath: path);
        var before = bed.Host.Aaa.Authenticator;
        File.WriteAllText(path, text + "\nvpdn username zed password z-secret-9\n");
        ConfigReloadReport report = await bed.Host.ReloadAsync(CancellationToken.None);
        Assert.Equal(ConfigReloadOutcome.Applied, report.Outcome);
        Assert.Contains(report.Changes, c => c.Kind == ConfigChangeKind.Users);
        Assert.Same(before, bed.Host.Aaa.Authenticator);
    }
}
