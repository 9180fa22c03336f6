using CsCheck;
using PptpGw.ControlPlane.Ppp;
using PptpGw.ControlPlane.Ppp.Chap;
using PptpGw.ControlPlane.Ppp.Lcp;
using PptpGw.Dataplane.Packets;

namespace PptpGw.Tests.ControlPlane.Ppp.Lcp;

public class LcpOptionTests
{
    private static LcpOption Next(ref ConfigurationOptionReader reader)
    {
        Assert.Equal(ConfigurationOptionError.None, reader.TryReadNext(out var raw));
        Assert.Equal(LcpOptionError.None, LcpOption.TryDecode(raw, out var option));
        return option;
    }

    // PIX guide, Windows session: "PPP xmit ... data: ff03c021010100130305c2238005065a899b2307020802".
    [Fact]
    public void PixConfigureRequestOfferingMsChap()
    {
        byte[] frame = Convert.FromHexString("ff03c021010100130305c2238005065a899b2307020802");
        var packet = PppTestFrames.Parse(frame, PppProtocol.Lcp);
        Assert.Equal((byte)LcpCode.ConfigureRequest, packet.Code);
        Assert.Equal(1, packet.Identifier);
        Assert.Equal(19, packet.Length);

        var reader = new ConfigurationOptionReader(packet.Data);
        var auth = Next(ref reader);
        Assert.Equal(LcpOptionType.AuthenticationProtocol, auth.Type);
        Assert.True(auth.IsKnown);
        Assert.Equal(PppProtocol.Chap, auth.AuthenticationProtocol);
        Assert.Equal(ChapAlgorithm.MsChapV1, auth.ChapAlgorithm);
        Assert.Equal(new byte[] { 0x80 }, auth.AuthenticationData.ToArray());

        var magic = Next(ref reader);
        Assert.Equal(LcpOptionType.MagicNumber, magic.Type);
        Assert.Equal(0x5a899b23u, magic.MagicNumber);

        Assert.Equal(LcpOptionType.ProtocolFieldCompression, Next(ref reader).Type);
        Assert.Equal(LcpOptionType.AddressAndControlFieldCompression, Next(ref reader).Type);
        Assert.True(reader.End);

        byte[] written = PppTestFrames.BuildConfigure(PppProtocol.Lcp, (byte)LcpCode.ConfigureRequest, 1, (ref ConfigurationOptionWriter w) =>
        {
            Assert.True(w.TryWriteChap(ChapAlgorithm.MsChapV1));
            Assert.True(w.TryWriteMagicNumber(0x5a899b23));
            Assert.True(w.TryWriteProtocolFieldCompression());
            Assert.True(w.TryWriteAddressAndControlFieldCompression());
        });
        Assert.Equal(frame, written);
    }

    // "PPP xmit ... data: ff03c0210201000e0506447e217e07020802": the PIX acks Windows' magic, PFC, ACFC.
    [Fact]
    public void PixConfigureAck()
    {
        byte[] frame = Convert.FromHexString("ff03c0210201000e0506447e217e07020802");
        var packet = PppTestFrames.Parse(frame, PppProtocol.Lcp);
        Assert.Equal((byte)LcpCode.ConfigureAck, packet.Code);
        Assert.Equal(1, packet.Identifier);
        Assert.Equal(14, packet.Length);

        var reader = new ConfigurationOptionReader(packet.Data);
        var magic = Next(ref reader);
        Assert.Equal(LcpOptionType.MagicNumber, magic.Type);
        Assert.Equal(0x447e217eu, magic.MagicNumber);
        Assert.Equal(LcpOptionType.ProtocolFieldCompression, Next(ref reader).Type);
        Assert.Equal(LcpOptionType.AddressAndControlFieldCompression, Next(ref reader).Type);
        Assert.True(reader.End);

        byte[] written = PppTestFrames.BuildConfigure(PppProtocol.Lcp, (byte)LcpCode.ConfigureAck, 1, (ref ConfigurationOptionWriter w) =>
        {
            Assert.True(w.TryWriteMagicNumber(0x447e217e));
            Assert.True(w.TryWriteProtocolFieldCompression());
            Assert.True(w.TryWriteAddressAndControlFieldCompression());
        });
        Assert.Equal(frame, written);
    }

    // "PPP xmit ... data: ff03c0210401000d0206000a00000d0306": the PIX rejects ACCM and Callback (CBCP).
    [Fact]
    public void PixConfigureRejectOfAccmAndCallback()
    {
        byte[] frame = Convert.FromHexString("ff03c0210401000d0206000a00000d0306");
        var packet = PppTestFrames.Parse(frame, PppProtocol.Lcp);
        Assert.Equal((byte)LcpCode.ConfigureReject, packet.Code);
        Assert.Equal(1, packet.Identifier);
        Assert.Equal(13, packet.Length);

        var reader = new ConfigurationOptionReader(packet.Data);
        var accm = Next(ref reader);
        Assert.Equal(LcpOptionType.AsyncControlCharacterMap, accm.Type);
        Assert.Equal(0x000a0000u, accm.AsyncControlCharacterMap);
        var callback = Next(ref reader);
        Assert.Equal(LcpOptionType.Callback, callback.Type);
        Assert.Equal(LcpCallbackOperation.CallbackControlProtocol, callback.CallbackOperation);
        Assert.True(callback.CallbackMessage.IsEmpty);
        Assert.True(reader.End);

        byte[] written = PppTestFrames.BuildConfigure(PppProtocol.Lcp, (byte)LcpCode.ConfigureReject, 1, (ref ConfigurationOptionWriter w) =>
        {
            Assert.True(w.TryWriteAsyncControlCharacterMap(0x000a0000));
            Assert.True(w.TryWriteCallback(LcpCallbackOperation.CallbackControlProtocol, []));
        });
        Assert.Equal(frame, written);
    }

    // "PPP rcvd ... data: ff03c021010100170206000a00000506001137210702..." is cut after 18 octets; its
    // 19 octets of options are ACCM (6), Magic (6), PFC (2) and, by the Length, 5 more. The PIX reject
    // above echoes ACCM and a 3-octet Callback, which leaves ACFC (2): the tail "0802" "0d0306" is
    // reconstructed, its order assumed. Rejecting the unsupported options verbatim gives the PIX's bytes.
    [Fact]
    public void RejectingUnsupportedOptionsVerbatimReproducesThePixReject()
    {
        byte[] request = Convert.FromHexString("0206000a00000506001137210702" + "08020d0306");
        byte[] buffer = new byte[64];
        var writer = new ConfigurationOptionWriter(buffer.AsSpan(4));
        var reader = new ConfigurationOptionReader(request);
        while (!reader.End)
        {
            var option = Next(ref reader);
            if (option.Type is LcpOptionType.AsyncControlCharacterMap or LcpOptionType.Callback)
                Assert.True(writer.TryWriteRaw(option.Option));
        }
        int length = ConfigurationPacketWriter.TryWriteHeader(buffer, (byte)LcpCode.ConfigureReject, 1, writer.BytesWritten);
        Assert.Equal(PppTestFrames.Frame(PppProtocol.Lcp, buffer.AsSpan(0, length)), Convert.FromHexString("ff03c0210401000d0206000a00000d0306"));
    }

    // "PPP xmit ... data: ff03c021040000220d03061104064e131701beb613cb.. ." (cut in the guide): the PIX
    // rejects Windows' Callback, MRRU 1614 and an Endpoint Discriminator. Prefix fields only.
    [Fact]
    public void TruncatedPixRejectOfMultilinkOptionsPrefix()
    {
        byte[] prefix = Convert.FromHexString("ff03c021040000220d03061104064e131701beb613cb");
        Assert.Equal(PppFrameError.None, PppFrame.TryParse(prefix, out var ppp));
        Assert.Equal(PppPacketError.LengthExceedsData, PppControlPacket.TryParse(ppp.Information, out _));
        Assert.Equal((byte)LcpCode.ConfigureReject, ppp.Information[0]);
        Assert.Equal(0x22, ppp.Information[3]);

        var reader = new ConfigurationOptionReader(ppp.Information[4..]);
        var callback = Next(ref reader);
        Assert.Equal(LcpOptionType.Callback, callback.Type);
        Assert.Equal(LcpCallbackOperation.CallbackControlProtocol, callback.CallbackOperation);
        var mrru = Next(ref reader);
        Assert.Equal(LcpOptionType.MultilinkMrru, mrru.Type);
        Assert.Equal(1614, mrru.MultilinkMrru);
        Assert.Equal(ConfigurationOptionError.LengthExceedsData, reader.TryReadNext(out _)); // 23-octet discriminator, cut
    }

    [Theory]
    [InlineData("010405dc")]       // MRU 1500 ok
    [InlineData("0304c023")]       // PAP ok
    [InlineData("0305c22381")]     // MS-CHAPv2 ok
    [InlineData("0305c22305")]     // CHAP-MD5 ok
    [InlineData("0304c227")]       // EAP: no fixed length known, accepted
    [InlineData("0408c02500000064")] // LQR, reporting period
    [InlineData("0d03ff")]
    [InlineData("1e05010203")]     // unknown type 30: kept raw
    public void WellFormedOptionsDecode(string hex)
    {
        byte[] bytes = Convert.FromHexString(hex);
        Assert.Equal(ConfigurationOptionError.None, ConfigurationOption.TryParse(bytes, out var raw));
        Assert.Equal(LcpOptionError.None, LcpOption.TryDecode(raw, out var option));
        Assert.Equal(bytes, option.Option.Raw.ToArray());
    }

    [Fact]
    public void TypedValuesOfOtherOptions()
    {
        var mru = Decode("010405dc");
        Assert.Equal(1500, mru.MaximumReceiveUnit);
        Assert.Equal(0u, mru.MagicNumber);
        Assert.Equal(0, mru.AuthenticationProtocol);

        var chapV2 = Decode("0305c22381");
        Assert.Equal(ChapAlgorithm.MsChapV2, chapV2.ChapAlgorithm);
        var pap = Decode("0304c023");
        Assert.Equal(PppProtocol.Pap, pap.AuthenticationProtocol);
        Assert.Equal((ChapAlgorithm)0, pap.ChapAlgorithm);
        Assert.True(pap.AuthenticationData.IsEmpty);

        var lqr = Decode("0408c02500000064");
        Assert.Equal(LcpOptionType.QualityProtocol, lqr.Type);
        Assert.Equal(PppProtocol.LinkQualityReport, lqr.QualityProtocol);
        Assert.Equal(Convert.FromHexString("00000064"), lqr.QualityData.ToArray());

        var unknown = Decode("1e05010203");
        Assert.False(unknown.IsKnown);
        Assert.Equal((LcpOptionType)30, unknown.Type);
        Assert.Equal(0, unknown.MaximumReceiveUnit);
        Assert.True(unknown.CallbackMessage.IsEmpty);

        var endpoint = Decode("1303010a");
        Assert.Equal(LcpOptionType.MultilinkEndpointDiscriminator, endpoint.Type);
        Assert.False(endpoint.IsKnown);
    }

    private static LcpOption Decode(string hex)
    {
        Assert.Equal(ConfigurationOptionError.None, ConfigurationOption.TryParse(Convert.FromHexString(hex), out var raw));
        Assert.Equal(LcpOptionError.None, LcpOption.TryDecode(raw, out var option));
        return option;
    }

    [Theory]
    [InlineData("010305")]             // MRU, 1 octet
    [InlineData("010505dc00")]         // MRU, 3 octets
    [InlineData("0205000a00")]         // ACCM, 3 octets
    [InlineData("0303c2")]             // Authentication-Protocol without a whole protocol
    [InlineData("0304c223")]           // CHAP without its Algorithm (RFC 1994 §3)
    [InlineData("0306c2238000")]       // CHAP with extra octets
    [InlineData("0305c02300")]         // PAP with data (RFC 1334 §3.1: Length 4)
    [InlineData("0403c0")]             // Quality-Protocol, protocol cut
    [InlineData("05045a89")]           // Magic-Number, 2 octets
    [InlineData("05075a899b2300")]     // Magic-Number, 5 octets
    [InlineData("070300")]             // PFC with data
    [InlineData("0804ffff")]           // ACFC with data
    [InlineData("0d02")]               // Callback without Operation
    [InlineData("110306")]             // MRRU, 1 octet
    public void BadLengthsAreRejected(string hex)
    {
        Assert.Equal(ConfigurationOptionError.None, ConfigurationOption.TryParse(Convert.FromHexString(hex), out var raw));
        Assert.Equal(LcpOptionError.BadLength, LcpOption.TryDecode(raw, out var option));
        Assert.True(option.Option.Raw.IsEmpty);
    }

    [Fact]
    public void RoundTripsRandomTypedOptionLists()
    {
        // (kind, number, bytes) drives one writer each; the reader must give every value back in order.
        var spec = Gen.Select(Gen.Int[0, 9], Gen.UInt, Gen.Byte.Array[0, 8]);
        spec.Array[0, 10].Sample(specs =>
        {
            byte[] buffer = new byte[10 * 20];
            var writer = new ConfigurationOptionWriter(buffer);
            foreach ((int kind, uint number, byte[] bytes) in specs)
            {
                bool ok = kind switch
                {
                    0 => writer.TryWriteMaximumReceiveUnit((ushort)number),
                    1 => writer.TryWriteAsyncControlCharacterMap(number),
                    2 => writer.TryWritePap(),
                    3 => writer.TryWriteChap((ChapAlgorithm)(byte)number),
                    4 => writer.TryWriteMagicNumber(number),
                    5 => writer.TryWriteProtocolFieldCompression(),
                    6 => writer.TryWriteAddressAndControlFieldCompression(),
                    7 => writer.TryWriteCallback((LcpCallbackOperation)(byte)number, bytes),
                    8 => writer.TryWriteMultilinkMrru((ushort)number),
                    _ => writer.TryWriteQualityProtocol((ushort)number, bytes),
                };
                Assert.True(ok);
            }

            var reader = new ConfigurationOptionReader(writer.Written);
            foreach ((int kind, uint number, byte[] bytes) in specs)
            {
                var option = Next(ref reader);
                switch (kind)
                {
                    case 0: Assert.Equal((ushort)number, option.MaximumReceiveUnit); break;
                    case 1: Assert.Equal(number, option.AsyncControlCharacterMap); break;
                    case 2: Assert.Equal(PppProtocol.Pap, option.AuthenticationProtocol); break;
                    case 3:
                        Assert.Equal(PppProtocol.Chap, option.AuthenticationProtocol);
                        Assert.Equal((ChapAlgorithm)(byte)number, option.ChapAlgorithm);
                        break;
                    case 4: Assert.Equal(number, option.MagicNumber); break;
                    case 5: Assert.Equal(LcpOptionType.ProtocolFieldCompression, option.Type); break;
                    case 6: Assert.Equal(LcpOptionType.AddressAndControlFieldCompression, option.Type); break;
                    case 7:
                        Assert.Equal((LcpCallbackOperation)(byte)number, option.CallbackOperation);
                        Assert.Equal(bytes, option.CallbackMessage.ToArray());
                        break;
                    case 8: Assert.Equal((ushort)number, option.MultilinkMrru); break;
                    default:
                        Assert.Equal((ushort)number, option.QualityProtocol);
                        Assert.Equal(bytes, option.QualityData.ToArray());
                        break;
                }
            }
            Assert.True(reader.End);
        });
    }

    [Fact]
    public void RandomOptionsNeverThrow()
    {
        Gen.Select(Gen.Byte[0, 31], Gen.Byte.Array[0, 8]).Sample((type, data) =>
        {
            byte[] bytes = [type, (byte)(data.Length + 2), .. data];
            Assert.Equal(ConfigurationOptionError.None, ConfigurationOption.TryParse(bytes, out var raw));
            LcpOptionError error = LcpOption.TryDecode(raw, out var option);
            Assert.True(Enum.IsDefined(error));
            if (error == LcpOptionError.None)
            {
                // Every typed accessor is safe whatever the type.
                _ = option.MaximumReceiveUnit + option.AsyncControlCharacterMap + option.AuthenticationProtocol
                    + (uint)option.ChapAlgorithm + option.QualityProtocol + option.MagicNumber
                    + (uint)option.CallbackOperation + option.MultilinkMrru;
                Assert.True(option.AuthenticationData.Length + option.QualityData.Length + option.CallbackMessage.Length <= data.Length);
            }
        });
    }
}
