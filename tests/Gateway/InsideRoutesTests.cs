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
}
