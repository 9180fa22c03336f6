using CsCheck;
using PptpGw.Dataplane.Mppe;

namespace PptpGw.Tests.Dataplane.Mppe;

public class MppeHeaderTests
{
    // "PPP Encr/Comp Pkt: 9000bccf...", "9001f834...", "9011c23a..." in the PIX reference guide (the packets
    // are truncated there; only the header octets are used): stateless MPPE, so A (flushed) and D
    // (encrypted) are set on every packet and the coherency count steps by one.
    [Theory]
    [InlineData("9000bccf59b71755d9af7330dae3bbc94d28", 0)]
    [InlineData("9001f8348351ef9024639ed113b43adfeb44", 1)]
    [InlineData("900a86307ed9537df5389ea09223d62c20fd", 10)]
    [InlineData("9011c23a03921c1e10ccc38847cb8056fa93", 17)]
    public void ReadsPixStatelessHeaders(string hex, int coherencyCount)
    {
        Assert.Equal(MppeHeaderError.None, MppeHeader.TryRead(Convert.FromHexString(hex), out var header));
        Assert.Equal(MppeHeaderFlags.Flushed | MppeHeaderFlags.Encrypted, header.Flags);
        Assert.True(header.IsFlushed);
        Assert.True(header.IsEncrypted);
        Assert.False(header.IsCompressed);
        Assert.Equal(coherencyCount, header.CoherencyCount);
    }

    [Fact]
    public void BitPositionsFollowRfc3078AndRfc2118()
    {
        Assert.Equal(0x80, (int)MppeHeaderFlags.Flushed);
        Assert.Equal(0x40, (int)MppeHeaderFlags.PacketAtFront);
        Assert.Equal(0x20, (int)MppeHeaderFlags.Compressed);
        Assert.Equal(0x10, (int)MppeHeaderFlags.Encrypted);

        byte[] buffer = new byte[2];
        Assert.True(new MppeHeader(MppeHeaderFlags.Encrypted, 0xABC).TryWrite(buffer));
        Assert.Equal(new byte[] { 0x1A, 0xBC }, buffer);
    }

    [Fact]
    public void ConstructorKeepsOnlyFlagBitsAndTwelveCountBits()
    {
        var header = new MppeHeader((MppeHeaderFlags)0xFF, 0xFFFF);
        Assert.Equal((MppeHeaderFlags)0xF0, header.Flags);
        Assert.Equal(0x0FFF, header.CoherencyCount);
    }

    [Fact]
    public void ShortInputAndShortBuffer()
    {
        Assert.Equal(MppeHeaderError.TooShort, MppeHeader.TryRead([0x90], out var header));
        Assert.Equal(default, header);
        Assert.False(new MppeHeader(MppeHeaderFlags.Encrypted, 1).TryWrite(new byte[1]));
    }

    [Fact]
    public void RoundTripsRandomHeaders()
    {
        Gen.Select(Gen.Byte[0, 15], Gen.UShort[0, 4095]).Sample((flags, count) =>
        {
            var header = new MppeHeader((MppeHeaderFlags)(flags << 4), count);
            byte[] buffer = new byte[2];
            Assert.True(header.TryWrite(buffer));
            Assert.Equal(MppeHeaderError.None, MppeHeader.TryRead(buffer, out var read));
            Assert.Equal(header, read);
            Assert.Equal(flags << 4, (int)read.Flags);
            Assert.Equal(count, read.CoherencyCount);
        });
    }

    [Fact]
    public void RandomBytesNeverThrow()
    {
        Gen.Byte.Array[0, 3].Sample(input =>
        {
            MppeHeaderError error = MppeHeader.TryRead(input, out var header);
            Assert.Equal(input.Length < 2 ? MppeHeaderError.TooShort : MppeHeaderError.None, error);
            if (error == MppeHeaderError.None)
                Assert.Equal((input[0] << 8 | input[1]) & 0x0FFF, header.CoherencyCount);
        });
    }
}
