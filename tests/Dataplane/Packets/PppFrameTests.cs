using CsCheck;
using PptpGw.Dataplane.Packets;

namespace PptpGw.Tests.Dataplane.Packets;

public class PppFrameTests
{
    // Frames from the PIX reference guide ("PPP rcvd/xmit ... data:"); the GRE payloads after ACFC.
    [Theory]
    [InlineData("ff03c021010100130305c2238005065a899b2307020802", true, 0xC021, false, 4)]
    [InlineData("ff0380fd0104000a120601000001", true, 0x80FD, false, 4)]
    [InlineData("ff0380210101000a0306ac127c98", true, 0x8021, false, 4)]
    [InlineData("c22303010004", false, 0xC223, false, 2)]
    [InlineData("80fd06030004", false, 0x80FD, false, 2)]
    public void ParsesPixFrames(string hex, bool addressControl, int protocol, bool compressed, int headerLength)
    {
        byte[] frame = Convert.FromHexString(hex);
        Assert.Equal(PppFrameError.None, PppFrame.TryParse(frame, out var ppp));
        Assert.Equal(addressControl, ppp.AddressControlPresent);
        Assert.Equal(protocol, ppp.Protocol);
        Assert.Equal(compressed, ppp.ProtocolCompressed);
        Assert.Equal(headerLength, ppp.HeaderLength);
        Assert.Equal(frame[headerLength..], ppp.Information.ToArray());
    }

    // "PPP rcvd ... data: ff0300fd9000bccf59b7..." (truncated in the guide): MPPE packet, protocol 0x00FD
    // sent uncompressed, information starts with the MPPE header 9000. Prefix fields only.
    [Fact]
    public void ParsesTruncatedPixMppeFramePrefix()
    {
        byte[] prefix = Convert.FromHexString("ff0300fd9000bccf59b71755d9af7330dae3bbc94d28");
        Assert.Equal(PppFrameError.None, PppFrame.TryParse(prefix, out var ppp));
        Assert.True(ppp.AddressControlPresent);
        Assert.Equal(PppProtocol.CompressedDatagram, ppp.Protocol);
        Assert.False(ppp.ProtocolCompressed);
        Assert.Equal(0x90, ppp.Information[0]);
        Assert.Equal(0x00, ppp.Information[1]);
    }

    // "PPP rcvd ... data: ff0300214500001cc800..." (truncated): IPv4 in PPP.
    [Fact]
    public void ParsesTruncatedPixIpv4FramePrefix()
    {
        byte[] prefix = Convert.FromHexString("ff0300214500001cc80000008001e5ccac100101e000");
        Assert.Equal(PppFrameError.None, PppFrame.TryParse(prefix, out var ppp));
        Assert.Equal(PppProtocol.Ipv4, ppp.Protocol);
        Assert.False(ppp.ProtocolCompressed);
        Assert.Equal(0x45, ppp.Information[0]);
    }

    [Fact]
    public void CompressedProtocolAndNoAddressControl()
    {
        Assert.Equal(PppFrameError.None, PppFrame.TryParse(Convert.FromHexString("2145"), out var ppp));
        Assert.False(ppp.AddressControlPresent);
        Assert.True(ppp.ProtocolCompressed);
        Assert.Equal(PppProtocol.Ipv4, ppp.Protocol);
        Assert.Equal(1, ppp.HeaderLength);
        Assert.Equal(new byte[] { 0x45 }, ppp.Information.ToArray());

        Assert.Equal(PppFrameError.None, PppFrame.TryParse(Convert.FromHexString("ff03fd90"), out ppp));
        Assert.True(ppp.AddressControlPresent);
        Assert.True(ppp.ProtocolCompressed);
        Assert.Equal(PppProtocol.CompressedDatagram, ppp.Protocol);
        Assert.Equal(3, ppp.HeaderLength);
    }

    [Theory]
    [InlineData(0x0021, false, false, "ff030021")]
    [InlineData(0x0021, true, false, "0021")]
    [InlineData(0x0021, false, true, "ff0321")]
    [InlineData(0x0021, true, true, "21")]
    [InlineData(0x00FD, true, true, "fd")]
    [InlineData(0x8021, true, true, "8021")]
    [InlineData(0xC223, true, true, "c223")]
    [InlineData(0xC021, true, true, "ff03c021")] // RFC 1661 §6.5/§6.6: never compressed for LCP
    [InlineData(0x00FF, true, true, "00ff")]     // a lone FF would read as the Address
    public void WriterHonoursAcfcAndPfc(int protocol, bool acfc, bool pfc, string expectedHex)
    {
        byte[] expected = Convert.FromHexString(expectedHex);
        Assert.Equal(expected.Length, PppFrameWriter.GetHeaderLength((ushort)protocol, acfc, pfc));

        byte[] buffer = new byte[10];
        buffer[8] = 0xAA;
        buffer[9] = 0xBB;
        int start = PppFrameWriter.TryPrependHeader(buffer, 8, (ushort)protocol, acfc, pfc);
        Assert.Equal(8 - expected.Length, start);
        Assert.Equal([.. expected, 0xAA, 0xBB], buffer[start..]);

        byte[] direct = new byte[4];
        Assert.Equal(expected.Length, PppFrameWriter.TryWriteHeader(direct, (ushort)protocol, acfc, pfc));
        Assert.Equal(expected, direct[..expected.Length]);
    }

    [Fact]
    public void WriterReportsMissingHeadroom()
    {
        Assert.Equal(-1, PppFrameWriter.TryPrependHeader(new byte[10], 3, PppProtocol.Ipcp, false, false));
        Assert.Equal(-1, PppFrameWriter.TryWriteHeader(new byte[1], PppProtocol.Ipcp, true, true));
    }

    [Theory]
    [InlineData("", PppFrameError.Empty)]
    [InlineData("ff", PppFrameError.TooShort)]
    [InlineData("ff03", PppFrameError.TooShort)]
    [InlineData("ff0380", PppFrameError.TooShort)]
    [InlineData("80", PppFrameError.TooShort)]
    [InlineData("ff13c021", PppFrameError.BadControl)]
    [InlineData("ff038022", PppFrameError.BadProtocol)]
    [InlineData("0000", PppFrameError.BadProtocol)]
    public void MalformedFramesGiveThePreciseError(string hex, PppFrameError expected)
    {
        Assert.Equal(expected, PppFrame.TryParse(Convert.FromHexString(hex), out var ppp));
        Assert.Equal(0, ppp.HeaderLength);
    }

    [Fact]
    public void ProtocolValidityFollowsRfc1661()
    {
        Assert.True(PppProtocol.IsValid(PppProtocol.Lcp));
        Assert.True(PppProtocol.IsValid(PppProtocol.CompressedDatagram));
        Assert.False(PppProtocol.IsValid(0x8022));
        Assert.False(PppProtocol.IsValid(0x0121));
        Assert.True(PppProtocol.IsNetworkLayer(PppProtocol.Ipv4));
        Assert.False(PppProtocol.IsNetworkLayer(PppProtocol.Ipcp));
    }

    [Fact]
    public void RoundTripsRandomFrames()
    {
        var validProtocol = Gen.UShort.Select(p => (ushort)((p & 0xFEFF) | 0x0001));
        Gen.Select(validProtocol, Gen.Bool, Gen.Bool, Gen.Byte.Array[0, 40]).Sample((protocol, acfc, pfc, information) =>
        {
            byte[] buffer = new byte[PppFrame.MaxHeaderLength + information.Length];
            information.CopyTo(buffer, PppFrame.MaxHeaderLength);
            int start = PppFrameWriter.TryPrependHeader(buffer, PppFrame.MaxHeaderLength, protocol, acfc, pfc);
            Assert.True(start >= 0);

            Assert.Equal(PppFrameError.None, PppFrame.TryParse(buffer.AsSpan(start), out var ppp));
            bool lcp = protocol == PppProtocol.Lcp;
            Assert.Equal(protocol, ppp.Protocol);
            Assert.Equal(!acfc || lcp, ppp.AddressControlPresent);
            Assert.Equal(pfc && protocol < 0xFF && !lcp, ppp.ProtocolCompressed);
            Assert.Equal(PppFrame.MaxHeaderLength - start, ppp.HeaderLength);
            Assert.Equal(information, ppp.Information.ToArray());
        });
    }

    [Fact]
    public void RandomBytesNeverThrow()
    {
        Gen.Select(Gen.OneOfConst(new byte[] { 0xFF, 0x03 }, new byte[] { 0xFF }, Array.Empty<byte>()), Gen.Byte.Array[0, 6]).Sample((head, tail) =>
        {
            byte[] input = [.. head, .. tail];
            PppFrameError error = PppFrame.TryParse(input, out var ppp);
            Assert.True(Enum.IsDefined(error));
            if (error == PppFrameError.None)
                Assert.Equal(input.Length, ppp.HeaderLength + ppp.Information.Length);
        });
    }
}
