using CsCheck;
using PptpGw.ControlPlane.Ppp;
using PptpGw.ControlPlane.Ppp.Ipcp;
using PptpGw.Dataplane.Packets;

namespace PptpGw.Tests.ControlPlane.Ppp.Ipcp;

public class IpcpOptionTests
{
    private static IpcpOption Next(ref ConfigurationOptionReader reader)
    {
        Assert.Equal(ConfigurationOptionError.None, reader.TryReadNext(out var raw));
        Assert.Equal(IpcpOptionError.None, IpcpOption.TryDecode(raw, out var option));
        return option;
    }

    // PIX guide frames carrying one IP-Address option each:
    //   ff0380210101000a0306ac127c98  PIX Configure-Request with its own address 172.18.124.152
    //   ff0380210307000a0306c0a80101  PIX Configure-Nak giving the client 192.168.1.1
    //   ff0380210103000a030600000000  client Configure-Request asking for an address (first session)
    //   ff0380210303000a0306ac100101  PIX Configure-Nak giving 172.16.1.1 (first session)
    [Theory]
    [InlineData("ff0380210101000a0306ac127c98", IpcpCode.ConfigureRequest, 1, 0xac127c98u)]
    [InlineData("ff0380210307000a0306c0a80101", IpcpCode.ConfigureNak, 7, 0xc0a80101u)]
    [InlineData("ff0380210103000a030600000000", IpcpCode.ConfigureRequest, 3, 0u)]
    [InlineData("ff0380210303000a0306ac100101", IpcpCode.ConfigureNak, 3, 0xac100101u)]
    public void PixIpAddressPackets(string hex, IpcpCode code, int identifier, uint address)
    {
        byte[] frame = Convert.FromHexString(hex);
        var packet = PppTestFrames.Parse(frame, PppProtocol.Ipcp);
        Assert.Equal((byte)code, packet.Code);
        Assert.Equal(identifier, packet.Identifier);
        Assert.Equal(10, packet.Length);

        var reader = new ConfigurationOptionReader(packet.Data);
        var option = Next(ref reader);
        Assert.Equal(IpcpOptionType.IpAddress, option.Type);
        Assert.True(option.IsKnown);
        Assert.True(option.IsAddress);
        Assert.Equal(address, option.Address);
        Assert.True(reader.End);

        byte[] written = PppTestFrames.BuildConfigure(PppProtocol.Ipcp, (byte)code, (byte)identifier,
            (ref ConfigurationOptionWriter w) => Assert.True(w.TryWriteIpAddress(address)));
        Assert.Equal(frame, written);
    }

    // "ff038021010100280206002d0f010306000000008106..." (first session, cut in the guide): the client asks
    // for VJ compression (max slot 15, comp-slot 1), an address and DNS. Prefix fields only.
    [Fact]
    public void TruncatedPixRequestWithVanJacobsonPrefix()
    {
        byte[] prefix = Convert.FromHexString("ff038021010100280206002d0f010306000000008106");
        Assert.Equal(PppFrameError.None, PppFrame.TryParse(prefix, out var ppp));
        Assert.Equal(PppPacketError.LengthExceedsData, PppControlPacket.TryParse(ppp.Information, out _));

        var reader = new ConfigurationOptionReader(ppp.Information[4..]);
        var vj = Next(ref reader);
        Assert.Equal(IpcpOptionType.IpCompressionProtocol, vj.Type);
        Assert.False(vj.IsAddress);
        Assert.Equal(PppProtocol.VanJacobsonCompressedTcpIp, vj.CompressionProtocol);
        Assert.Equal(new byte[] { 0x0f, 0x01 }, vj.CompressionData.ToArray());
        Assert.Equal(0u, vj.Address);
        var address = Next(ref reader);
        Assert.Equal(IpcpOptionType.IpAddress, address.Type);
        Assert.Equal(0u, address.Address);
        Assert.Equal(ConfigurationOptionError.LengthExceedsData, reader.TryReadNext(out _)); // 81 06, cut
    }

    // "ff0380210405001c8106000000008206000000008306..." (Windows session, cut): the PIX rejects the
    // RFC 1877 server options. Prefix fields only.
    [Fact]
    public void TruncatedPixRejectOfServerAddressesPrefix()
    {
        byte[] prefix = Convert.FromHexString("ff0380210405001c8106000000008206000000008306");
        Assert.Equal(PppFrameError.None, PppFrame.TryParse(prefix, out var ppp));
        Assert.Equal((byte)IpcpCode.ConfigureReject, ppp.Information[0]);
        Assert.Equal(PppPacketError.LengthExceedsData, PppControlPacket.TryParse(ppp.Information, out _));

        var reader = new ConfigurationOptionReader(ppp.Information[4..]);
        var dns = Next(ref reader);
        Assert.Equal(IpcpOptionType.PrimaryDnsServerAddress, dns.Type);
        Assert.Equal(0u, dns.Address);
        var nbns = Next(ref reader);
        Assert.Equal(IpcpOptionType.PrimaryNbnsServerAddress, nbns.Type);
        Assert.Equal(0u, nbns.Address);
        Assert.Equal(ConfigurationOptionError.LengthExceedsData, reader.TryReadNext(out _));
    }

    [Fact]
    public void WritesVanJacobsonAndServerAddresses()
    {
        byte[] buffer = new byte[40];
        var writer = new ConfigurationOptionWriter(buffer);
        Assert.True(writer.TryWriteIpCompressionProtocol(PppProtocol.VanJacobsonCompressedTcpIp, [0x0f, 0x01]));
        Assert.True(writer.TryWriteAddress(IpcpOptionType.PrimaryDnsServerAddress, 0x0a010135));
        Assert.True(writer.TryWriteAddress(IpcpOptionType.SecondaryNbnsServerAddress, 0x0a010136));
        Assert.Equal(Convert.FromHexString("0206002d0f0181060a010135" + "84060a010136"), writer.Written.ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() =>
        {
            var w = new ConfigurationOptionWriter(new byte[8]);
            w.TryWriteAddress(IpcpOptionType.IpCompressionProtocol, 1);
        });
    }

    [Theory]
    [InlineData("0305ac127c")]
    [InlineData("0307ac127c9800")]
    [InlineData("8102")]
    [InlineData("82050a0101")]
    [InlineData("830700000000ff")]
    [InlineData("0203002d")]
    public void BadLengthsAreRejected(string hex)
    {
        Assert.Equal(ConfigurationOptionError.None, ConfigurationOption.TryParse(Convert.FromHexString(hex), out var raw));
        Assert.Equal(IpcpOptionError.BadLength, IpcpOption.TryDecode(raw, out var option));
        Assert.True(option.Option.Raw.IsEmpty);
    }

    [Fact]
    public void UnknownOptionsAreKeptForReject()
    {
        Assert.Equal(ConfigurationOptionError.None, ConfigurationOption.TryParse(Convert.FromHexString("0104aabb"), out var raw));
        Assert.Equal(IpcpOptionError.None, IpcpOption.TryDecode(raw, out var option));
        Assert.Equal(IpcpOptionType.IpAddresses, option.Type);
        Assert.False(option.IsKnown);
        Assert.Equal(0u, option.Address);
        Assert.Equal(Convert.FromHexString("0104aabb"), option.Option.Raw.ToArray());
    }

    [Fact]
    public void RoundTripsRandomAddressOptions()
    {
        var type = Gen.OneOfConst(IpcpOptionType.IpAddress, IpcpOptionType.PrimaryDnsServerAddress, IpcpOptionType.PrimaryNbnsServerAddress,
            IpcpOptionType.SecondaryDnsServerAddress, IpcpOptionType.SecondaryNbnsServerAddress);
        Gen.Select(type, Gen.UInt).Array[0, 8].Sample(options =>
        {
            byte[] buffer = new byte[48];
            var writer = new ConfigurationOptionWriter(buffer);
            foreach ((IpcpOptionType t, uint address) in options)
                Assert.True(writer.TryWriteAddress(t, address));
            var reader = new ConfigurationOptionReader(writer.Written);
            foreach ((IpcpOptionType t, uint address) in options)
            {
                var option = Next(ref reader);
                Assert.Equal(t, option.Type);
                Assert.Equal(address, option.Address);
            }
            Assert.True(reader.End);
        });
    }

    [Fact]
    public void RandomOptionsNeverThrow()
    {
        Gen.Select(Gen.OneOfConst<byte>(1, 2, 3, 4, 129, 130, 131, 132, 200), Gen.Byte.Array[0, 8]).Sample((type, data) =>
        {
            byte[] bytes = [type, (byte)(data.Length + 2), .. data];
            Assert.Equal(ConfigurationOptionError.None, ConfigurationOption.TryParse(bytes, out var raw));
            IpcpOptionError error = IpcpOption.TryDecode(raw, out var option);
            Assert.True(Enum.IsDefined(error));
            if (error == IpcpOptionError.None && option.IsAddress)
                Assert.Equal(4, data.Length);
            if (error == IpcpOptionError.None && option.Type == IpcpOptionType.IpCompressionProtocol)
                Assert.Equal(data.Length - 2, option.CompressionData.Length);
            if (error == IpcpOptionError.BadLength)
                Assert.True(option.Option.Raw.IsEmpty);
        });
    }
}
