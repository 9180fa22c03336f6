using System.Net;
using PptpGw.ControlPlane.Config;

namespace PptpGw.Tests.ControlPlane.Config;

public class DpdkConfigTests
{
    private const string Base = """
        ip address outside 198.18.10.1 255.255.255.0
        ip address inside 198.18.20.1 255.255.255.0
        ip local pool p 198.19.10.10-198.19.10.50
        vpdn group 1 accept dialin pptp
        vpdn group 1 ppp authentication mschapv2
        vpdn group 1 client configuration address local p
        vpdn enable outside

        """;

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
}
