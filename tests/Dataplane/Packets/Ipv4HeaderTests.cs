using System.Buffers.Binary;
using CsCheck;
using PptpGw.Dataplane.Packets;

namespace PptpGw.Tests.Dataplane.Packets;

public class Ipv4HeaderTests
{
    // "PPP IP Pkt:" lines of the PIX reference guide. The dumps are truncated after 22 octets ("..."), so
    // only the 20-octet headers are complete; the payloads are not in the guide.
    [Theory]
    [InlineData("4500001cc80000008001e5ccac100101e0000002", 28, 0xc800, 128, 1, 0xe5cc, 0xac100101u, 0xe0000002u)]
    [InlineData("45000060ca0000008011176bac100101ac10ffff", 96, 0xca00, 128, 17, 0x176b, 0xac100101u, 0xac10ffffu)]
    [InlineData("4500006002bb000080117629c0a80101ffffffff", 96, 0x02bb, 128, 17, 0x7629, 0xc0a80101u, 0xffffffffu)]
    [InlineData("4500014802cf00008011752dc0a80101ffffffff", 328, 0x02cf, 128, 17, 0x752d, 0xc0a80101u, 0xffffffffu)]
    [InlineData("450000d602dd000080117591c0a80101ffffffff", 214, 0x02dd, 128, 17, 0x7591, 0xc0a80101u, 0xffffffffu)]
    public void PixCapturedHeaders(string hex, int totalLength, int identification, int ttl, int protocol, int checksum, uint source, uint destination)
    {
        byte[] header = Convert.FromHexString(hex);
        Assert.Equal(0, InternetChecksum.Compute(header));

        // The capture is truncated: the header alone announces more octets than it brings.
        Assert.Equal(Ipv4Error.TotalLengthExceedsData, Ipv4Header.TryParse(header, out _));

        // Zero-filled stand-in for the payload the guide does not print.
        byte[] datagram = new byte[totalLength];
        header.CopyTo(datagram, 0);
        Assert.Equal(Ipv4Error.None, Ipv4Header.TryParse(datagram, out var ip));
        Assert.Equal(20, ip.HeaderLength);
        Assert.Equal(0, ip.TypeOfService);
        Assert.Equal(totalLength, ip.TotalLength);
        Assert.Equal(identification, ip.Identification);
        Assert.False(ip.DontFragment);
        Assert.False(ip.MoreFragments);
        Assert.Equal(0, ip.FragmentOffset);
        Assert.False(ip.IsFragment);
        Assert.Equal(ttl, ip.TimeToLive);
        Assert.Equal(protocol, ip.Protocol);
        Assert.Equal(checksum, ip.HeaderChecksum);
        Assert.Equal(source, ip.SourceAddress);
        Assert.Equal(destination, ip.DestinationAddress);
        Assert.True(ip.Options.IsEmpty);
        Assert.Equal(totalLength - 20, ip.Payload.Length);

        byte[] written = new byte[20];
        Assert.Equal(20, Ipv4HeaderWriter.TryWriteHeader(written, source, destination, (byte)protocol, totalLength - 20,
            (ushort)identification, (byte)ttl));
        Assert.Equal(header, written);
    }

    [Fact]
    public void ReadsOptionsFragmentFlagsAndIgnoresLinkPadding()
    {
        // IHL 6 (4 octets of options: Router Alert, RFC 2113), DF clear, MF set, offset 0x0123, 2 payload
        // octets, then 2 octets of padding beyond Total Length.
        byte[] datagram = Convert.FromHexString("4607001a1234212340060000c0a80001c0a8000294040000abcd5555");
        BinaryPrimitives.WriteUInt16BigEndian(datagram.AsSpan(10), InternetChecksum.Compute(datagram.AsSpan(0, 24)));

        Assert.Equal(Ipv4Error.None, Ipv4Header.TryParse(datagram, out var ip));
        Assert.Equal(24, ip.HeaderLength);
        Assert.Equal(0x07, ip.TypeOfService);
        Assert.Equal(26, ip.TotalLength);
        Assert.Equal(0x1234, ip.Identification);
        Assert.False(ip.DontFragment);
        Assert.True(ip.MoreFragments);
        Assert.Equal(0x0123, ip.FragmentOffset);
        Assert.True(ip.IsFragment);
        Assert.Equal(0x40, ip.TimeToLive);
        Assert.Equal(Ipv4Header.ProtocolTcp, ip.Protocol);
        Assert.Equal(0xc0a80001u, ip.SourceAddress);
        Assert.Equal(0xc0a80002u, ip.DestinationAddress);
        Assert.Equal(Convert.FromHexString("94040000"), ip.Options.ToArray());
        Assert.Equal(Convert.FromHexString("abcd"), ip.Payload.ToArray());
    }

    [Fact]
    public void DontFragmentIsWrittenAndRead()
    {
        byte[] buffer = new byte[20];
        Assert.Equal(20, Ipv4HeaderWriter.TryWriteHeader(buffer, 0xC6120001, 0xC6120002, Ipv4Header.ProtocolGre, 0, 7, 64, dontFragment: true, typeOfService: 0xB8));
        Assert.Equal(Convert.FromHexString("45b8001400074000402f0000c6120001c6120002").AsSpan(0, 10).ToArray(), buffer[..10]);
        Assert.Equal(Ipv4Error.None, Ipv4Header.TryParse(buffer, out var ip));
        Assert.True(ip.DontFragment);
        Assert.False(ip.IsFragment);
        Assert.Equal(0xB8, ip.TypeOfService);
        Assert.Equal(Ipv4Header.ProtocolGre, ip.Protocol);
    }

    [Theory]
    [InlineData("4500001cc80000008001e5ccac100101e00000", Ipv4Error.TooShort)]
    [InlineData("6500001cc80000008001e5ccac100101e0000002", Ipv4Error.BadVersion)]
    [InlineData("4400001cc80000008001e5ccac100101e0000002", Ipv4Error.HeaderLengthTooSmall)]
    [InlineData("4f00001cc80000008001e5ccac100101e0000002", Ipv4Error.HeaderLengthExceedsData)]
    [InlineData("45000013c80000008001e5ccac100101e0000002", Ipv4Error.TotalLengthTooSmall)]
    [InlineData("4500001cc80000008001e5ccac100101e0000002", Ipv4Error.TotalLengthExceedsData)]
    [InlineData("45000014c80000008001e5ccac100101e0000002", Ipv4Error.BadHeaderChecksum)] // total length changed, checksum not
    public void MalformedHeadersGiveThePreciseError(string hex, Ipv4Error expected)
    {
        Assert.Equal(expected, Ipv4Header.TryParse(Convert.FromHexString(hex), out var ip));
        Assert.Equal(0, ip.HeaderLength);
    }

    [Fact]
    public void ChecksumVerificationCanBeSkipped()
    {
        byte[] header = Convert.FromHexString("45000014c80000008001e5ccac100101e0000002");
        Assert.Equal(Ipv4Error.None, Ipv4Header.TryParse(header, out var ip, verifyChecksum: false));
        Assert.Equal(20, ip.TotalLength);
    }

    [Fact]
    public void WriterRefusesShortBuffersAndOversizedDatagrams()
    {
        Assert.Equal(-1, Ipv4HeaderWriter.TryWriteHeader(new byte[19], 1, 2, 47, 0, 0, 64));
        Assert.Equal(-1, Ipv4HeaderWriter.TryWriteHeader(new byte[20], 1, 2, 47, 65_516, 0, 64));
        Assert.Equal(20, Ipv4HeaderWriter.TryWriteHeader(new byte[20], 1, 2, 47, 65_515, 0, 64));
    }

    [Fact]
    public void RoundTripsRandomHeaders()
    {
        Gen.Select(Gen.UInt, Gen.UInt, Gen.Byte, Gen.Byte.Array[0, 64], Gen.UShort, Gen.Byte, Gen.Bool, Gen.Byte)
            .Sample((source, destination, protocol, payload, identification, ttl, dontFragment, tos) =>
            {
                byte[] datagram = new byte[20 + payload.Length];
                payload.CopyTo(datagram, 20);
                Assert.Equal(20, Ipv4HeaderWriter.TryWriteHeader(datagram, source, destination, protocol, payload.Length, identification, ttl, dontFragment, tos));

                Assert.Equal(Ipv4Error.None, Ipv4Header.TryParse(datagram, out var ip));
                Assert.Equal(source, ip.SourceAddress);
                Assert.Equal(destination, ip.DestinationAddress);
                Assert.Equal(protocol, ip.Protocol);
                Assert.Equal(identification, ip.Identification);
                Assert.Equal(ttl, ip.TimeToLive);
                Assert.Equal(dontFragment, ip.DontFragment);
                Assert.Equal(tos, ip.TypeOfService);
                Assert.Equal(datagram.Length, ip.TotalLength);
                Assert.Equal(payload, ip.Payload.ToArray());
            });
    }

    [Fact]
    public void AnySingleBitFlipInAHeaderIsDetected()
    {
        Gen.Select(Gen.UInt, Gen.UInt, Gen.UShort, Gen.Int[0, 159]).Sample((source, destination, identification, bit) =>
        {
            byte[] header = new byte[20];
            Ipv4HeaderWriter.TryWriteHeader(header, source, destination, 47, 0, identification, 64);
            header[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.NotEqual(Ipv4Error.None, Ipv4Header.TryParse(header, out _));
        });
    }

    [Fact]
    public void RandomBytesNeverThrow()
    {
        Gen.Select(Gen.OneOfConst((byte)0x45, (byte)0x46, (byte)0x4F, (byte)0x60), Gen.Byte.Array[0, 80]).Sample((first, rest) =>
        {
            byte[] input = [first, .. rest];
            Ipv4Error error = Ipv4Header.TryParse(input, out var ip);
            Assert.True(Enum.IsDefined(error));
            if (error == Ipv4Error.None)
                Assert.True(ip.TotalLength <= input.Length);
        });
    }
}

public class InternetChecksumTests
{
    // RFC 1071 §3 numerical example: the words 0001 f203 f4f5 f6f7 sum to ddf2, checksum ~ddf2 = 220d.
    [Fact]
    public void Rfc1071Example()
    {
        Assert.Equal(0x220d, InternetChecksum.Compute(Convert.FromHexString("0001f203f4f5f6f7")));
    }

    [Fact]
    public void OddLengthPadsWithZero()
    {
        Assert.Equal(InternetChecksum.Compute(Convert.FromHexString("0001f203f4f5f6f700")),
            InternetChecksum.Compute(Convert.FromHexString("0001f203f4f5f6f7")));
        Assert.Equal(0xFFFF - 0xAB00, InternetChecksum.Compute([0xAB]));
        Assert.Equal(0xFFFF, InternetChecksum.Compute([]));
    }

    private static ushort Reference(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        for (int i = 0; i < data.Length; i += 2)
        {
            sum += (uint)(data[i] << 8 | (i + 1 < data.Length ? data[i + 1] : 0));
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        return (ushort)~sum;
    }

    [Fact]
    public void MatchesTheStraightforwardRfc1071LoopOnRandomData()
    {
        // Lengths past 64 take the vectorised path.
        Gen.Byte.Array[0, 1500].Sample(data => Assert.Equal(Reference(data), InternetChecksum.Compute(data)));
    }

    [Fact]
    public void SumsChainAcrossEvenLengthPieces()
    {
        Gen.Select(Gen.Byte.Array[0, 300], Gen.Int[0, 150]).Sample((data, half) =>
        {
            int split = Math.Min(half * 2, data.Length & ~1);
            ulong accumulator = InternetChecksum.Sum(data.AsSpan(0, split), 0);
            accumulator = InternetChecksum.Sum(data.AsSpan(split), accumulator);
            Assert.Equal(InternetChecksum.Compute(data), InternetChecksum.Finish(accumulator));
        });
    }
}
