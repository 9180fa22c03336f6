using System.Net;
using CsCheck;
using PptpGw.ControlPlane.Pools;
using PptpGw.Gateway.Hosting;

namespace PptpGw.Tests.Gateway;

/// <summary>The pool ranges as CIDR prefixes for the inside routes.</summary>
public sealed class InsideRoutesTests
{
    private static uint Ip(string text) => Ipv4.FromIPAddress(IPAddress.Parse(text));

    [Theory]
    [InlineData("192.168.1.1", "192.168.1.50", new[] { "192.168.1.1/32", "192.168.1.2/31", "192.168.1.4/30", "192.168.1.8/29", "192.168.1.16/28", "192.168.1.32/28", "192.168.1.48/31", "192.168.1.50/32" })]
    [InlineData("198.18.0.0", "198.18.255.255", new[] { "198.18.0.0/16" })]
    [InlineData("10.0.0.7", "10.0.0.7", new[] { "10.0.0.7/32" })]
    [InlineData("0.0.0.0", "255.255.255.255", new[] { "0.0.0.0/0" })]
    public void PrefixesCoverTheRangeExactly(string first, string last, string[] expected) =>
        Assert.Equal(expected, InsideRoutes.Prefixes([new Ipv4Range(Ip(first), Ip(last))]));

    [Fact]
    public void PrefixesNeverCoverAnAddressOutsideTheRangeNorMissOne()
    {
        Gen.Select(Gen.UInt, Gen.UInt[0, 5000]).Sample((start, length) =>
        {
            uint first = start;
            uint last = (uint)Math.Min(uint.MaxValue, (ulong)start + length);
            long covered = 0;
            uint expectedNext = first;
            foreach (string prefix in InsideRoutes.Prefixes([new Ipv4Range(first, last)]))
            {
                string[] parts = prefix.Split('/');
                uint network = Ip(parts[0]);
                int bits = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
                long size = 1L << (32 - bits);
                Assert.Equal(expectedNext, network); // contiguous, in order
                Assert.Equal(0, network & (size - 1)); // aligned: a valid prefix
                covered += size;
                expectedNext = (uint)(network + size);
            }
            Assert.Equal((long)last - first + 1, covered);
        });
    }

    /// <summary>Issue 9 item 7: another gateway's pool routes are found in <c>ip -o -4 route show</c> output.</summary>
    [Fact]
    public void TunRoutesOverlappingFindsAnotherGatewaysPoolRoutesOnly()
    {
        const string routes = """
            default via 198.18.10.254 dev outside
            198.18.10.0/24 dev outside proto kernel scope link src 198.18.10.1
            198.19.10.10/31 dev pptpgw0 scope link
            198.19.10.16/30 dev pptpgw0 scope link
            198.19.10.99 dev pptpgw0 scope link
            198.19.11.0/24 dev dummy0 scope link
            blackhole 198.19.12.0/24
            unreachable 198.19.10.0/24
            """;
        Ipv4Range[] pool = [new Ipv4Range(Ip("198.19.10.12"), Ip("198.19.10.20")), new Ipv4Range(Ip("198.19.11.5"), Ip("198.19.11.6"))];
        // The default route and the outside LAN do not overlap; dummy0 overlaps but is not a TUN device; typed routes have no device.
        Assert.Equal(["198.19.10.16/30 dev pptpgw0"], InsideRoutes.TunRoutesOverlapping(routes, pool, dev => dev.StartsWith("pptpgw", StringComparison.Ordinal)));
        Assert.Equal(["198.19.10.16/30 dev pptpgw0", "198.19.11.0/24 dev dummy0"], InsideRoutes.TunRoutesOverlapping(routes, pool, _ => true));
        Assert.Empty(InsideRoutes.TunRoutesOverlapping(routes, [new Ipv4Range(Ip("198.19.10.0"), Ip("198.19.10.9"))], _ => true));
        Assert.Equal(["198.19.10.99 dev pptpgw0"], InsideRoutes.TunRoutesOverlapping(routes, [new Ipv4Range(Ip("198.19.10.99"), Ip("198.19.10.99"))], _ => true));
        Assert.Empty(InsideRoutes.TunRoutesOverlapping("", pool, _ => true));
    }
}
