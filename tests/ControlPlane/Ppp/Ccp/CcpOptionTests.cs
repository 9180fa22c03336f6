using CsCheck;
using PptpGw.ControlPlane.Ppp;
using PptpGw.ControlPlane.Ppp.Ccp;
using PptpGw.Dataplane.Packets;

namespace PptpGw.Tests.ControlPlane.Ppp.Ccp;

public class CcpOptionTests
{
    private static CcpOption Next(ref ConfigurationOptionReader reader)
    {
        Assert.Equal(ConfigurationOptionError.None, reader.TryReadNext(out var raw));
        Assert.Equal(CcpOptionError.None, CcpOption.TryDecode(raw, out var option));
        return option;
    }

    // PIX guide, Windows session:
    //   ff0380fd0104000a120601000001  client Configure-Request: stateless (H) + MPPC (C)
    //   ff0380fd0101000a120601000020  PIX Configure-Request: stateless + 40-bit (L)
    //   ff0380fd0304000a120601000020  PIX Configure-Nak: stateless + 40-bit
    //   ff0380fd0106000a120601000020  client Configure-Request after the Nak
    [Theory]
    [InlineData("ff0380fd0104000a120601000001", CcpCode.ConfigureRequest, 4, MppeSupportedBits.Stateless | MppeSupportedBits.Compression)]
    [InlineData("ff0380fd0101000a120601000020", CcpCode.ConfigureRequest, 1, MppeSupportedBits.Stateless | MppeSupportedBits.Encryption40Bit)]
    [InlineData("ff0380fd0304000a120601000020", CcpCode.ConfigureNak, 4, MppeSupportedBits.Stateless | MppeSupportedBits.Encryption40Bit)]
    [InlineData("ff0380fd0106000a120601000020", CcpCode.ConfigureRequest, 6, MppeSupportedBits.Stateless | MppeSupportedBits.Encryption40Bit)]
    public void PixMppeNegotiation(string hex, CcpCode code, int identifier, MppeSupportedBits bits)
    {
        byte[] frame = Convert.FromHexString(hex);
        var packet = PppTestFrames.Parse(frame, PppProtocol.Ccp);
        Assert.Equal((byte)code, packet.Code);
        Assert.Equal(identifier, packet.Identifier);
        Assert.Equal(10, packet.Length);

        var reader = new ConfigurationOptionReader(packet.Data);
        var mppe = Next(ref reader);
        Assert.Equal(CcpOptionType.MicrosoftPointToPoint, mppe.Type);
        Assert.True(mppe.IsKnown);
        Assert.Equal(bits, mppe.SupportedBits);
        Assert.True(reader.End);

        byte[] written = PppTestFrames.BuildConfigure(PppProtocol.Ccp, (byte)code, (byte)identifier,
            (ref ConfigurationOptionWriter w) => Assert.True(w.TryWriteMppe(bits)));
        Assert.Equal(frame, written);
    }

    // First session: "ff0380fd0101000f1206010000011105000104": MPPE/MPPC option and Stac LZS
    // (history 1, check mode 4 = extended).
    [Fact]
    public void PixRequestWithMppcAndStacLzs()
    {
        byte[] frame = Convert.FromHexString("ff0380fd0101000f1206010000011105000104");
        var packet = PppTestFrames.Parse(frame, PppProtocol.Ccp);
        Assert.Equal((byte)CcpCode.ConfigureRequest, packet.Code);
        Assert.Equal(1, packet.Identifier);
        Assert.Equal(15, packet.Length);

        var reader = new ConfigurationOptionReader(packet.Data);
        var mppe = Next(ref reader);
        Assert.Equal(MppeSupportedBits.Stateless | MppeSupportedBits.Compression, mppe.SupportedBits);
        Assert.Equal(0, mppe.LzsHistoryCount);
        var lzs = Next(ref reader);
        Assert.Equal(CcpOptionType.StacElectronicsLzs, lzs.Type);
        Assert.Equal(1, lzs.LzsHistoryCount);
        Assert.Equal(4, lzs.LzsCheckMode);
        Assert.Equal(MppeSupportedBits.None, lzs.SupportedBits);
        Assert.True(reader.End);

        byte[] written = PppTestFrames.BuildConfigure(PppProtocol.Ccp, (byte)CcpCode.ConfigureRequest, 1, (ref ConfigurationOptionWriter w) =>
        {
            Assert.True(w.TryWriteMppe(MppeSupportedBits.Stateless | MppeSupportedBits.Compression));
            Assert.True(w.TryWriteStacLzs(1, 4));
        });
        Assert.Equal(frame, written);
    }

    // "ff0380fd05030004" / "ff0380fd06030004" (first session) and the Reset codes of RFC 1962 §2.1.
    [Theory]
    [InlineData("ff0380fd05030004", CcpCode.TerminateRequest)]
    [InlineData("ff0380fd06030004", CcpCode.TerminateAck)]
    [InlineData("ff0380fd0e050004", CcpCode.ResetRequest)]
    [InlineData("ff0380fd0f050004", CcpCode.ResetAck)]
    public void CodesWithoutOptions(string hex, CcpCode code)
    {
        var packet = PppTestFrames.Parse(Convert.FromHexString(hex), PppProtocol.Ccp);
        Assert.Equal(code, (CcpCode)packet.Code);
        Assert.True(packet.Data.IsEmpty);
    }

    [Fact]
    public void SupportedBitPositionsFollowRfc3078()
    {
        // Bit numbering of RFC 3078 §2: bit 0 is the most significant of the 32; H is bit 7, M S L D C bits 24, 25, 26, 27, 31.
        Assert.Equal(1u << (31 - 7), (uint)MppeSupportedBits.Stateless);
        Assert.Equal(1u << (31 - 24), (uint)MppeSupportedBits.Encryption56Bit);
        Assert.Equal(1u << (31 - 25), (uint)MppeSupportedBits.Encryption128Bit);
        Assert.Equal(1u << (31 - 26), (uint)MppeSupportedBits.Encryption40Bit);
        Assert.Equal(1u << (31 - 27), (uint)MppeSupportedBits.Obsolete);
        Assert.Equal(1u << (31 - 31), (uint)MppeSupportedBits.Compression);
    }

    [Theory]
    [InlineData("1204010000")]
    [InlineData("1205010000")]
    [InlineData("12070100000100")]
    [InlineData("11040001")]
    [InlineData("1106000104ff")]
    public void BadLengthsAreRejected(string hex)
    {
        Assert.Equal(ConfigurationOptionError.None, ConfigurationOption.TryParse(Convert.FromHexString(hex), out var raw));
        Assert.Equal(CcpOptionError.BadLength, CcpOption.TryDecode(raw, out var option));
        Assert.True(option.Option.Raw.IsEmpty);
    }

    [Fact]
    public void UnknownOptionsAreKeptForReject()
    {
        Assert.Equal(ConfigurationOptionError.None, ConfigurationOption.TryParse(Convert.FromHexString("1a040f00"), out var raw));
        Assert.Equal(CcpOptionError.None, CcpOption.TryDecode(raw, out var deflate));
        Assert.Equal(CcpOptionType.Deflate, deflate.Type);
        Assert.False(deflate.IsKnown);
        Assert.Equal(Convert.FromHexString("1a040f00"), deflate.Option.Raw.ToArray());
    }

    [Fact]
    public void RoundTripsRandomSupportedBits()
    {
        Gen.Select(Gen.UInt, Gen.UShort, Gen.Byte).Sample((bits, history, check) =>
        {
            byte[] buffer = new byte[11];
            var writer = new ConfigurationOptionWriter(buffer);
            Assert.True(writer.TryWriteMppe((MppeSupportedBits)bits));
            Assert.True(writer.TryWriteStacLzs(history, check));
            Assert.False(writer.TryWriteMppe(MppeSupportedBits.None));

            var reader = new ConfigurationOptionReader(writer.Written);
            Assert.Equal((MppeSupportedBits)bits, Next(ref reader).SupportedBits);
            var lzs = Next(ref reader);
            Assert.Equal(history, lzs.LzsHistoryCount);
            Assert.Equal(check, lzs.LzsCheckMode);
            Assert.True(reader.End);
        });
    }

    [Fact]
    public void RandomOptionsNeverThrow()
    {
        Gen.Select(Gen.OneOfConst<byte>(17, 18, 21, 26, 0), Gen.Byte.Array[0, 8]).Sample((type, data) =>
        {
            byte[] bytes = [type, (byte)(data.Length + 2), .. data];
            Assert.Equal(ConfigurationOptionError.None, ConfigurationOption.TryParse(bytes, out var raw));
            CcpOptionError error = CcpOption.TryDecode(raw, out var option);
            Assert.True(Enum.IsDefined(error));
            if (error == CcpOptionError.None && option.Type == CcpOptionType.MicrosoftPointToPoint)
                Assert.Equal(4, data.Length);
        });
    }
}
