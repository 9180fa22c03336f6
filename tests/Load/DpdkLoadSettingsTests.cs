using PptpGw.ControlPlane.Pools;
using PptpGw.Load;

namespace PptpGw.Tests.Load;

/// <summary>The load tool's DPDK transport takes the run's source plan (issue 13): every PAC address on the gateway's link.</summary>
public sealed class DpdkLoadSettingsTests
{
    private static readonly DpdkLoadSettings Settings = new() { PortDevargs = "net_memif0", Address = 0 };
    private static uint A(string dotted) => Ipv4.TryParse(dotted, out uint a) ? a : throw new FormatException(dotted);

    [Fact]
    public void The_source_plan_becomes_the_ports_address_range()
    {
        DpdkLoadSettings s = Settings.ForSources(A("198.18.30.65"), 6, A("198.18.30.1"));
        Assert.Equal((A("198.18.30.65"), 6), (s.Address, s.AddressCount));
        Assert.Equal(1, Settings.AddressCount);
    }

    [Theory]
    [InlineData("198.18.30.250", 10, "198.18.30.1", "must lie on the gateway's link (198.18.30.0/24)")]  // past the /24
    [InlineData("198.18.31.2", 1, "198.18.30.1", "must lie on the gateway's link")]                    // another subnet
    [InlineData("198.18.30.1", 8, "198.18.30.5", "include the gateway's 198.18.30.5")]
    public void Addresses_off_the_link_or_over_the_gateway_are_refused_with_what_to_change(string first, int count, string gateway, string message)
    {
        var e = Assert.Throws<LoadSetupException>(() => Settings.ForSources(A(first), count, A(gateway)));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }
}
