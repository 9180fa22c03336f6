using System.Net;
using CsCheck;
using PptpGw.ControlPlane.Pools;

namespace PptpGw.Tests.ControlPlane.Pools;

public class Ipv4Tests
{
    [Theory]
    [InlineData("0.0.0.0", 0u)]
    [InlineData("10.1.1.1", 0x0A010101u)]
    [InlineData("255.255.255.255", 0xFFFFFFFFu)]
    [InlineData("192.168.001.010", 0xC0A8010Au)]   // leading zeros are decimal, never octal
    public void ParsesDottedQuads(string text, uint expected)
    {
        Assert.True(Ipv4.TryParse(text, out uint value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("10.1")]
    [InlineData("10.1.1")]
    [InlineData("10.1.1.1.1")]
    [InlineData("256.1.1.1")]
    [InlineData("0x0A.1.1.1")]
    [InlineData("1.2.3.4 ")]
    [InlineData("1..2.3")]
    [InlineData("1.2.3.0001")]
    [InlineData("-1.2.3.4")]
    [InlineData("1.2.3.")]
    public void RefusesEverythingElse(string text)
    {
        Assert.False(Ipv4.TryParse(text, out _));
    }

    [Fact]
    public void FormatParseAndIPAddressRoundTrip()
    {
        Gen.UInt.Sample(value =>
        {
            string text = Ipv4.Format(value);
            Assert.True(Ipv4.TryParse(text, out uint back));
            Assert.Equal(value, back);
            Assert.Equal(IPAddress.Parse(text), Ipv4.ToIPAddress(value));
            Assert.Equal(value, Ipv4.FromIPAddress(Ipv4.ToIPAddress(value)));
        });
    }

    [Fact]
    public void ContiguousMasks()
    {
        for (int prefix = 0; prefix <= 32; prefix++)
            Assert.True(Ipv4.IsContiguousMask(prefix == 0 ? 0 : uint.MaxValue << (32 - prefix)));
        Assert.False(Ipv4.IsContiguousMask(0xFF00FF00));
        Assert.False(Ipv4.IsContiguousMask(0x00FFFFFF));
        Assert.False(Ipv4.IsContiguousMask(1));
    }

    [Fact]
    public void RangesPrintAsThePixWritesThem()
    {
        Assert.Equal("192.168.1.1-192.168.1.50", new Ipv4Range(0xC0A80101, 0xC0A80132).ToString());
        Assert.Equal("192.168.1.1", new Ipv4Range(0xC0A80101, 0xC0A80101).ToString());
        Assert.Equal(1L << 32, new Ipv4Range(0, uint.MaxValue).Count);
        Assert.Throws<ArgumentException>(() => new Ipv4Range(2, 1));
    }
}
