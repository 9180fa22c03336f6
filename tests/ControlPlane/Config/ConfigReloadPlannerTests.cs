using PptpGw.ControlPlane.Config;

namespace PptpGw.Tests.ControlPlane.Config;

/// <summary><see cref="ConfigReloadPlanner"/>: every difference sorted into applied live or needs a restart, and the effective configuration.</summary>
public sealed class ConfigReloadPlannerTests
{
    private static string Base(string pool = "198.18.1.1-198.18.1.50", string extra = "") => $"""
        ip address outside 198.18.0.1 255.255.255.0
        ip address inside 198.18.5.1 255.255.255.0
        ip local pool lab {pool}
        vpdn group 1 accept dialin pptp
        vpdn group 1 ppp authentication mschapv2
        vpdn group 1 client configuration address local lab
        vpdn group 1 client authentication local
        vpdn username alice password a-secret
        vpdn username bob password b-secret
        vpdn enable outside
        {extra}
        """;

    private static GatewayConfig Parse(string text)
    {
        ConfigParseResult result = PixConfigParser.Parse(text, "t.cfg");
        Assert.True(result.Config is not null, string.Join("\n", result.Errors));
        return result.Config;
    }

    [Fact]
    public void The_same_file_has_no_changes()
    {
        ConfigReloadPlan plan = ConfigReloadPlanner.Plan(Parse(Base()), Parse(Base()));
        Assert.Empty(plan.Changes);
    }

    [Fact]
    public void Users_added_removed_and_changed_are_applied()
    {
        string next = Base().Replace("vpdn username bob password b-secret", "vpdn username carol password c-secret", StringComparison.Ordinal)
            .Replace("alice password a-secret", "alice password a-new", StringComparison.Ordinal);
        ConfigReloadPlan plan = ConfigReloadPlanner.Plan(Parse(Base()), Parse(next));
        ConfigChange change = Assert.Single(plan.Changes);
        Assert.Equal(ConfigChangeKind.Users, change.Kind);
        Assert.Equal(ReloadDisposition.Applied, change.Disposition);
        Assert.Equal("added carol; removed bob; password changed for alice", change.Detail);
        Assert.Equal(["alice", "carol"], plan.Effective.Users.Select(u => u.Name).Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public void Restart_only_changes_are_reported_and_the_running_values_kept()
    {
        GatewayConfig running = Parse(Base());
        string next = Base(extra: "gateway dataplane memory\ngateway admin-socket /tmp/other.sock\ngateway metrics 127.0.0.1:9477\ngateway max-sessions 7")
            .Replace("198.18.0.1", "198.18.0.9", StringComparison.Ordinal);
        ConfigReloadPlan plan = ConfigReloadPlanner.Plan(running, Parse(next));

        Assert.Equal(ReloadDisposition.Applied, plan.Changes.Single(c => c.Kind == ConfigChangeKind.Limits).Disposition);
        foreach (ConfigChangeKind kind in new[] { ConfigChangeKind.Dataplane, ConfigChangeKind.AdminSocket, ConfigChangeKind.Metrics, ConfigChangeKind.Interfaces })
            Assert.Equal(ReloadDisposition.NeedsRestart, plan.Changes.Single(c => c.Kind == kind).Disposition);
        Assert.Equal(DataplaneBackend.Kernel, plan.Effective.Gateway.Dataplane);
        Assert.Equal(running.Gateway.AdminSocketPath, plan.Effective.Gateway.AdminSocketPath);
        Assert.Null(plan.Effective.Gateway.MetricsEndPoint);
        Assert.Equal("198.18.0.1", plan.Effective.FindInterface("outside")!.Address!.ToString());
        Assert.Equal(7, plan.Effective.Gateway.MaxSessions);
    }

    [Fact]
    public void New_ranges_of_the_same_pool_are_a_live_change_and_another_pool_a_restart()
    {
        GatewayConfig running = Parse(Base());
        ConfigReloadPlan grow = ConfigReloadPlanner.Plan(running, Parse(Base(pool: "198.18.1.1-198.18.1.90")));
        ConfigChange pool = Assert.Single(grow.Changes);
        Assert.Equal((ConfigChangeKind.Pool, ReloadDisposition.Applied), (pool.Kind, pool.Disposition));
        Assert.Equal(90, grow.Effective.FindPool("lab")!.Capacity);

        string other = Base().Replace("address local lab", "address local other", StringComparison.Ordinal) + "\nip local pool other 198.18.7.1-198.18.7.9\n";
        ConfigReloadPlan moved = ConfigReloadPlanner.Plan(running, Parse(other));
        ConfigChange restart = Assert.Single(moved.Changes);
        Assert.Equal((ConfigChangeKind.Pool, ReloadDisposition.NeedsRestart), (restart.Kind, restart.Disposition));
        Assert.Equal("lab", moved.Effective.DialinGroup!.AddressPool);
        Assert.Equal(50, moved.Effective.FindPool("lab")!.Capacity);
    }

    [Fact]
    public void Logging_group_settings_and_authentication_servers_are_live()
    {
        GatewayConfig running = Parse(Base());
        string next = Base(extra: """
            logging on
            logging trap warnings
            logging message 109011 level informational
            vpdn group 1 client configuration dns 198.18.5.53
            aaa-server RAD protocol radius
            aaa-server RAD (inside) host 198.18.5.2 secret timeout 3
            """).Replace("client authentication local", "client authentication aaa RAD", StringComparison.Ordinal);
        ConfigReloadPlan plan = ConfigReloadPlanner.Plan(running, Parse(next));
        Assert.Equal(
            [ConfigChangeKind.AuthenticationServers, ConfigChangeKind.GroupSettings, ConfigChangeKind.Logging],
            plan.Changes.Select(c => c.Kind).ToArray());
        Assert.All(plan.Changes, c => Assert.Equal(ReloadDisposition.Applied, c.Disposition));
        Assert.Contains("local -> aaa RAD (Radius: 198.18.5.2:1645)", plan.Changes[0].Detail, StringComparison.Ordinal);
        Assert.Equal(ClientAuthenticationSource.Aaa, plan.Effective.DialinGroup!.AuthenticationSource);

        // Back to local: the kept effective configuration of a refused change holds the running authentication.
        GatewayConfig kept = ConfigReloadPlanner.KeepAuthentication(plan.Effective, running);
        Assert.Equal(ClientAuthenticationSource.Local, kept.DialinGroup!.AuthenticationSource);
    }

    [Fact]
    public void The_report_renders_each_change_with_its_disposition()
    {
        var report = new ConfigReloadReport(ConfigReloadOutcome.Applied, "f.cfg",
            [new ConfigChange(ConfigChangeKind.Users, ReloadDisposition.Applied, "added carol"),
             new ConfigChange(ConfigChangeKind.Dataplane, ReloadDisposition.NeedsRestart, "kernel -> memory: restart to apply")], []);
        Assert.Equal("""
            reload f.cfg: 1 applied, 1 needs a restart, 0 refused; sessions kept
              applied       users: added carol
              needs restart dataplane: kernel -> memory: restart to apply

            """.Replace("\r", "", StringComparison.Ordinal), report.Render());
        var invalid = new ConfigReloadReport(ConfigReloadOutcome.Invalid, "f.cfg", [],
            [new ConfigDiagnostic(ConfigSeverity.Error, "f.cfg", 12, "bad line")]);
        Assert.Equal("% reload f.cfg: 1 error: nothing changed, the running configuration is kept\nf.cfg:12: error: bad line\n", invalid.Render());
    }
}
