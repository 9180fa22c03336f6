using System.Net;
using PptpGw.ControlPlane.Config;

namespace PptpGw.Tests.ControlPlane.Config;

public class DpdkConfigTests
{
    private const string Base = MinimalPptpConfig.Text;

    [Fact]
    public void The_gateway_dpdk_lines_fill_the_dpdk_settings()
    {
        var result = PixConfigParser.Parse(Base + """
            gateway dataplane dpdk
            gateway dpdk eal --no-huge -m 512
            gateway dpdk eal --no-pci --file-prefix x1
            gateway dpdk port outside net_af_packet0,iface=outside
            gateway dpdk port inside net_af_packet1,iface=inside
            gateway dpdk exception net_tap9,iface=k9
            gateway dpdk next-hop inside 198.18.20.254
            gateway dpdk workers 2
            """, "dpdk.cfg");
        Assert.Empty(result.Errors.Select(d => d.ToString()));
        GatewayOptions g = result.Config!.Gateway;
        Assert.Equal(DataplaneBackend.Dpdk, g.Dataplane);
        Assert.Equal("--no-huge -m 512 --no-pci --file-prefix x1", string.Join(' ', g.Dpdk.EalArguments));
        Assert.Equal("net_af_packet0,iface=outside", g.Dpdk.OutsideDevargs);
        Assert.Equal("net_af_packet1,iface=inside", g.Dpdk.InsideDevargs);
        Assert.Equal("net_tap9,iface=k9", g.Dpdk.ExceptionDevargs);
        Assert.Equal(IPAddress.Parse("198.18.20.254"), g.Dpdk.InsideNextHop);
        Assert.Null(g.Dpdk.OutsideNextHop);
        Assert.Equal(2, g.Dpdk.Workers);
        Assert.Equal(1, DpdkConfig.Default.Workers);
    }

    [Fact]
    public void Dpdk_without_its_ports_or_with_bad_lines_is_reported_with_line_numbers()
    {
        var result = PixConfigParser.Parse(Base + """
            gateway dataplane dpdk
            gateway dpdk port sideways net_ring0
            gateway dpdk next-hop inside 198.18.20
            gateway dpdk
            gateway dpdk workers 0
            """, "dpdk.cfg");
        Assert.Null(result.Config);
        string[] errors = [.. result.Errors.Select(d => d.ToString())];
        Assert.Contains(errors, e => e.Contains(":9:", StringComparison.Ordinal) && e.Contains("gateway dpdk: expected", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains(":10:", StringComparison.Ordinal) && e.Contains("not an IPv4 address", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains(":11:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains(":12:", StringComparison.Ordinal) && e.Contains("not a worker count (1-64)", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains(":8:", StringComparison.Ordinal) && e.Contains("port outside", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains(":8:", StringComparison.Ordinal) && e.Contains("port inside", StringComparison.Ordinal));
    }

    [Fact]
    public void Dpdk_lines_are_ignored_by_the_other_backends()
    {
        var result = PixConfigParser.Parse(Base + "gateway dpdk port outside net_ring0\n", "k.cfg");
        Assert.Empty(result.Errors);
        Assert.Equal(DataplaneBackend.Kernel, result.Config!.Gateway.Dataplane);
    }
    private const string DpdkLines = """
        gateway dataplane dpdk
        gateway dpdk port outside net_af_packet0,iface=outside
        gateway dpdk port inside net_af_packet1,iface=inside

        """;

    [Fact]
    public void The_inside_exception_tap_is_on_by_default_and_can_be_renamed_or_turned_off()
    {
        var byDefault = PixConfigParser.Parse(Base + DpdkLines, "dpdk.cfg");
        Assert.Empty(byDefault.Errors.Select(d => d.ToString()));
        Assert.Equal("pptpgw-x1", byDefault.Config!.Gateway.Dpdk.InsideExceptionInterface);
        Assert.Equal(DpdkConfig.DefaultInsideExceptionInterface, DpdkConfig.Default.InsideExceptionInterface);

        var renamed = PixConfigParser.Parse(Base + DpdkLines + "gateway dpdk inside-exception pgw-in.7\n", "dpdk.cfg");
        Assert.Empty(renamed.Errors.Select(d => d.ToString()));
        Assert.Equal("pgw-in.7", renamed.Config!.Gateway.Dpdk.InsideExceptionInterface);

        var off = PixConfigParser.Parse(Base + DpdkLines + "gateway dpdk inside-exception OFF\n", "dpdk.cfg");
        Assert.Empty(off.Errors.Select(d => d.ToString()));
        Assert.Null(off.Config!.Gateway.Dpdk.InsideExceptionInterface);
    }

    [Theory]
    [InlineData("gateway dpdk inside-exception a-name-of-16-chr", "1 to 15 characters")]
    [InlineData("gateway dpdk inside-exception ..", "reserved")]
    [InlineData("gateway dpdk inside-exception x/y", "'/' is not allowed")]
    [InlineData("gateway dpdk inside-exception x:1", "':' is not allowed")]
    [InlineData("gateway dpdk inside-exception x,mac=1", "',' is not allowed")]
    [InlineData("gateway dpdk inside-exception tap\u00e9", "is not allowed")]
    [InlineData("gateway dpdk inside-exception", "gateway dpdk: expected")]
    [InlineData("gateway dpdk inside-exception a b", "gateway dpdk: expected")]
    public void A_bad_inside_exception_line_is_reported_with_its_line_number(string line, string message)
    {
        var result = PixConfigParser.Parse(Base + DpdkLines + line + "\n", "dpdk.cfg");
        Assert.Null(result.Config);
        string[] errors = [.. result.Errors.Select(d => d.ToString())];
        Assert.Contains(errors, e => e.Contains(":11:", StringComparison.Ordinal) && e.Contains(message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("gateway dpdk inside-exception pptpgw-x0")]
    [InlineData("gateway dpdk exception net_tap9,iface=k9\ngateway dpdk inside-exception k9")]
    public void The_inside_exception_tap_may_not_take_the_outside_exception_paths_name(string lines)
    {
        var result = PixConfigParser.Parse(Base + DpdkLines + lines + "\n", "dpdk.cfg");
        Assert.Null(result.Config);
        int line = lines.Contains('\n', StringComparison.Ordinal) ? 12 : 11;
        Assert.Contains(result.Errors.Select(d => d.ToString()),
            e => e.Contains($":{line}:", StringComparison.Ordinal) && e.Contains("outside exception path's interface has that name", StringComparison.Ordinal));
    }

    [Fact]
    public void A_reload_that_changes_the_inside_exception_tap_or_the_dpdk_workers_needs_a_restart()
    {
        GatewayConfig running = PixConfigParser.Parse(Base + DpdkLines, "dpdk.cfg").Config!;
        foreach (string line in new[] { "gateway dpdk inside-exception off", "gateway dpdk inside-exception pgw-in", "gateway dpdk workers 2" })
        {
            GatewayConfig candidate = PixConfigParser.Parse(Base + DpdkLines + line + "\n", "dpdk.cfg").Config!;
            ConfigReloadPlan plan = ConfigReloadPlanner.Plan(running, candidate);
            ConfigChange change = plan.Changes.Single(c => c.Kind == ConfigChangeKind.Dataplane);
            Assert.Equal(ReloadDisposition.NeedsRestart, change.Disposition);
            Assert.Contains("gateway dpdk lines", change.ToString(), StringComparison.Ordinal);
            Assert.Equal("pptpgw-x1", plan.Effective.Gateway.Dpdk.InsideExceptionInterface);
            Assert.Equal(1, plan.Effective.Gateway.Dpdk.Workers);
        }

        Assert.DoesNotContain(ConfigReloadPlanner.Plan(running, PixConfigParser.Parse(Base + DpdkLines, "dpdk.cfg").Config!).Changes,
            c => c.Kind == ConfigChangeKind.Dataplane);
    }
}
