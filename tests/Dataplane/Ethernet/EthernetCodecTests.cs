using PptpGw.Dataplane.Ethernet;

namespace PptpGw.Tests.Dataplane.Ethernet;

public class EthernetCodecTests
{
    // An ARP request as Linux sends it (captured layout: who-has 198.18.10.1 tell 198.18.10.2), padded to 60 octets.
    internal const string CapturedArpRequest =
        "ffffffffffff" + "0a1b2c3d4e5f" + "0806"
        + "0001" + "0800" + "06" + "04" + "0001"
        + "0a1b2c3d4e5f" + "c6120a02"
        + "000000000000" + "c6120a01"
        + "000000000000000000000000000000000000";

    [Fact]
    public void A_captured_arp_request_parses_to_its_fields()
    {
        byte[] frame = Convert.FromHexString(CapturedArpRequest);
        Assert.Equal(60, frame.Length);
        Assert.Equal(EthernetError.None, EthernetFrame.TryParse(frame, out EthernetFrame eth));
        Assert.True(eth.Destination.IsBroadcast);
        Assert.Equal("0a:1b:2c:3d:4e:5f", eth.Source.ToString());
        Assert.Equal(EthernetFrame.EtherTypeArp, eth.EtherType);
        Assert.Equal(ArpError.None, ArpPacket.TryParse(eth.Payload, out ArpPacket arp));
        Assert.Equal(ArpOperation.Request, arp.Operation);
        Assert.Equal(eth.Source, arp.SenderHardwareAddress);
        Assert.Equal(0xC6120A02u, arp.SenderProtocolAddress);
        Assert.Equal(MacAddress.Zero, arp.TargetHardwareAddress);
        Assert.Equal(0xC6120A01u, arp.TargetProtocolAddress);
    }

    [Fact]
    public void The_writers_produce_what_the_readers_read()
    {
        var a = new MacAddress(0x020000000001);
        var b = new MacAddress(0x020000000002);
        var frame = new byte[EthernetFrame.HeaderLength + ArpPacket.Length];
        Assert.Equal(14, EthernetFrameWriter.TryWriteHeader(frame, b, a, EthernetFrame.EtherTypeArp));
        Assert.Equal(28, ArpPacketWriter.TryWrite(frame.AsSpan(14), ArpOperation.Reply, a, 0xC6120001, b, 0xC6120002));
        Assert.Equal(EthernetError.None, EthernetFrame.TryParse(frame, out EthernetFrame eth));
        Assert.Equal(b, eth.Destination);
        Assert.Equal(a, eth.Source);
        Assert.Equal(ArpError.None, ArpPacket.TryParse(eth.Payload, out ArpPacket arp));
        Assert.Equal(ArpOperation.Reply, arp.Operation);
        Assert.Equal((a, 0xC6120001u, b, 0xC6120002u),
            (arp.SenderHardwareAddress, arp.SenderProtocolAddress, arp.TargetHardwareAddress, arp.TargetProtocolAddress));
        Assert.Equal(-1, EthernetFrameWriter.TryWriteHeader(new byte[13], a, b, 0x0800));
        Assert.Equal(-1, ArpPacketWriter.TryWrite(new byte[27], ArpOperation.Request, a, 1, b, 2));
    }

    [Theory]
    [InlineData("", EthernetError.TooShort)]
    [InlineData("ffffffffffff0a1b2c3d4e5f08", EthernetError.TooShort)]
    [InlineData("ffffffffffff0a1b2c3d4e5f002e", EthernetError.LengthField)] // IEEE 802.3 length 46: LLC, not ours
    public void Short_and_llc_frames_are_refused(string hex, EthernetError expected) =>
        Assert.Equal(expected, EthernetFrame.TryParse(Convert.FromHexString(hex), out _));

    [Fact]
    public void Arp_for_other_hardware_or_operations_is_refused()
    {
        byte[] arp = Convert.FromHexString(CapturedArpRequest)[14..];
        Assert.Equal(ArpError.TooShort, ArpPacket.TryParse(arp.AsSpan(0, 27), out _));
        byte[] tokenRing = (byte[])arp.Clone();
        tokenRing[1] = 6;
        Assert.Equal(ArpError.NotEthernetIpv4, ArpPacket.TryParse(tokenRing, out _));
        byte[] ipv6 = (byte[])arp.Clone();
        ipv6[2] = 0x86;
        ipv6[3] = 0xDD;
        Assert.Equal(ArpError.NotEthernetIpv4, ArpPacket.TryParse(ipv6, out _));
        byte[] rarp = (byte[])arp.Clone();
        rarp[7] = 3; // RFC 903 reverse request
        Assert.Equal(ArpError.UnknownOperation, ArpPacket.TryParse(rarp, out _));
    }

    [Fact]
    public void Random_bytes_never_throw()
    {
        var random = new Random(13);
        var buffer = new byte[80];
        for (int i = 0; i < 20_000; i++)
        {
            int length = random.Next(buffer.Length + 1);
            random.NextBytes(buffer.AsSpan(0, length));
            if (EthernetFrame.TryParse(buffer.AsSpan(0, length), out EthernetFrame eth) == EthernetError.None)
                _ = ArpPacket.TryParse(eth.Payload, out _);
            _ = ArpPacket.TryParse(buffer.AsSpan(0, length), out _);
        }
    }

    [Fact]
    public void Mac_addresses_parse_and_print()
    {
        Assert.True(MacAddress.TryParse("2e:bc:0f:7e:ff:b3", out MacAddress? mac));
        Assert.Equal("2e:bc:0f:7e:ff:b3", mac.Value.ToString());
        Assert.False(mac.Value.IsMulticast);
        Assert.True(new MacAddress(0x01005E000001).IsMulticast);
        Assert.False(MacAddress.TryParse("2e:bc:0f:7e:ff", out _));
        Assert.False(MacAddress.TryParse("2e:bc:0f:7e:ff:zz", out _));
        Assert.False(MacAddress.TryParse("2e.bc.0f.7e.ff.b3", out _));
    }
}
