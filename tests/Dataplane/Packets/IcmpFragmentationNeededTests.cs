using System.Buffers.Binary;
using PptpGw.Dataplane.Packets;

namespace PptpGw.Tests.Dataplane.Packets;

/// <summary>
/// ICMP "fragmentation needed and DF set" (RFC 792 type 3 code 4, RFC 1191 §4 Next-Hop MTU), rewritten in place from the
/// datagram it answers: headers, quoted part and checksums (checked with an independent RFC 1071 sum), and the datagrams
/// RFC 1812 §4.3.2.7 forbids answering.
/// </summary>
public sealed class IcmpFragmentationNeededTests
{
    private const uint Sender = 0xC6120005;  // 198.18.0.5, the inside host
    private const uint Client = 0xC6130107;  // 198.19.1.7, the client's tunnel address

    internal static byte[] Datagram(int length, bool dontFragment = true, byte protocol = Ipv4Header.ProtocolUdp, uint source = Sender,
        ushort fragment = 0, int ihl = 20)
    {
        var p = new byte[length];
        new Random(length).NextBytes(p);
        Assert.Equal(20, Ipv4HeaderWriter.TryWriteHeader(p, source, Client, protocol, length - 20, 0x1234, 61, dontFragment));
        if (ihl > 20 || fragment != 0)
        {
            p[0] = (byte)(0x40 | (ihl / 4));
            BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(6), (ushort)((dontFragment ? 0x4000 : 0) | fragment));
            BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(10), 0);
            BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(10), InternetChecksum.Compute(p.AsSpan(0, ihl)));
        }
        return p;
    }

    /// <summary>RFC 1071 by the book: the one's complement sum of 16-bit words, which is 0xFFFF over a valid checksummed span.</summary>
    internal static bool ChecksumValid(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        for (int i = 0; i + 1 < data.Length; i += 2)
            sum += (uint)((data[i] << 8) | data[i + 1]);
        if (data.Length % 2 == 1)
            sum += (uint)(data[^1] << 8);
        while (sum >> 16 != 0)
            sum = (sum & 0xFFFF) + (sum >> 16);
        return sum == 0xFFFF;
    }

    [Theory]
    [InlineData(20)]
    [InlineData(32)]
    [InlineData(60)]
    public void A_df_datagram_becomes_the_icmp_error_that_quotes_its_header_and_8_octets(int ihl)
    {
        byte[] original = Datagram(1400, ihl: ihl);
        byte[] p = (byte[])original.Clone();
        int length = IcmpFragmentationNeeded.TryRewrite(p, 1296, Client, 7);

        Assert.Equal(20 + 8 + ihl + 8, length);
        Assert.Equal(Ipv4Error.None, Ipv4Header.TryParse(p.AsSpan(0, length), out Ipv4Header ip));
        Assert.Equal(length, ip.TotalLength);
        Assert.Equal(Ipv4Header.ProtocolIcmp, ip.Protocol);
        Assert.Equal(Client, ip.SourceAddress);
        Assert.Equal(Sender, ip.DestinationAddress);
        Assert.Equal(IcmpFragmentationNeeded.TimeToLive, ip.TimeToLive);
        Assert.Equal(7, ip.Identification);
        Assert.True(ChecksumValid(p.AsSpan(0, 20)));
        ReadOnlySpan<byte> icmp = p.AsSpan(20, length - 20);
        Assert.Equal(3, icmp[0]);
        Assert.Equal(4, icmp[1]);
        Assert.Equal(0, BinaryPrimitives.ReadUInt16BigEndian(icmp[4..])); // unused (RFC 1191 §4)
        Assert.Equal(1296, BinaryPrimitives.ReadUInt16BigEndian(icmp[6..]));
        Assert.True(ChecksumValid(icmp));
        Assert.Equal(original.AsSpan(0, ihl + 8).ToArray(), icmp[8..].ToArray()); // header and first 64 bits, unchanged
    }

    [Fact]
    public void Not_answered_what_RFC_1812_forbids_or_what_is_too_short()
    {
        byte[] icmpError = Datagram(1400, protocol: Ipv4Header.ProtocolIcmp);
        icmpError[20] = 11; // Time Exceeded
        byte[] echo = Datagram(1400, protocol: Ipv4Header.ProtocolIcmp);
        echo[20] = 8;
        foreach (byte[] p in new[]
        {
            icmpError,
            Datagram(1400, fragment: 185),              // a later fragment
            Datagram(1400, source: 0x7F000001),        // loopback source
            Datagram(1400, source: 0xE0000001),        // multicast source
            Datagram(1400, source: 0),                 // unspecified
            Datagram(1400, source: 0xFFFFFFFF),        // limited broadcast
            Datagram(1400)[..30],                      // shorter than what is quoted
        })
        {
            byte[] before = (byte[])p.Clone();
            Assert.Equal(0, IcmpFragmentationNeeded.TryRewrite(p, 1296, Client, 1));
            Assert.Equal(before, p); // untouched
        }
        Assert.NotEqual(0, IcmpFragmentationNeeded.TryRewrite(echo, 1296, Client, 1)); // an echo request is answered
        Assert.Equal(0, IcmpFragmentationNeeded.TryRewrite(Datagram(1400), 1296, 0, 1)); // no source to send from
    }

    [Fact]
    public void Dont_fragment_reads_the_flag()
    {
        Assert.True(IcmpFragmentationNeeded.DontFragment(Datagram(100)));
        Assert.False(IcmpFragmentationNeeded.DontFragment(Datagram(100, dontFragment: false)));
    }
}
