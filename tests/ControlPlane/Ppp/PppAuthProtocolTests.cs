using CsCheck;
using PptpGw.ControlPlane.Ppp;
using PptpGw.ControlPlane.Ppp.Chap;

namespace PptpGw.Tests.ControlPlane.Ppp;

public class PppAuthProtocolTests
{
    [Fact]
    public void ThePixAsksForMsChapV1InItsLcpConfigureRequest()
    {
        // "PPP xmit ... data: ff03c021010100130305c22380050609894ab407020802": LCP Configure-Request whose first
        // option is Authentication-Protocol (type 3, length 5) = C223 80.
        byte[] frame = Convert.FromHexString("ff03c021010100130305c22380050609894ab407020802");
        Assert.Equal(3, frame[8]);
        int optionLength = frame[9];
        byte[] data = frame[10..(8 + optionLength)];

        Assert.Equal(PppAuthProtocolOptionError.None, PppAuthProtocolOption.TryParse(data, out PppAuthProtocol protocol));
        Assert.Equal(PppAuthProtocol.MsChapV1, protocol);

        Span<byte> written = stackalloc byte[PppAuthProtocolOption.MaxDataLength];
        Assert.True(PppAuthProtocolOption.TryWrite(PppAuthProtocol.MsChapV1, written, out int length));
        Assert.Equal(data, written[..length].ToArray());
    }

    [Theory]
    [InlineData(PppAuthProtocol.Pap, "c023")]
    [InlineData(PppAuthProtocol.Chap, "c22305")]
    [InlineData(PppAuthProtocol.MsChapV1, "c22380")]
    [InlineData(PppAuthProtocol.MsChapV2, "c22381")]
    public void MapsEachProtocolToItsOptionDataAndBack(PppAuthProtocol protocol, string hex)
    {
        byte[] data = Convert.FromHexString(hex);
        Span<byte> buffer = stackalloc byte[8];
        Assert.True(PppAuthProtocolOption.TryWrite(protocol, buffer, out int written));
        Assert.Equal(data, buffer[..written].ToArray());
        Assert.Equal(PppAuthProtocolOptionError.None, PppAuthProtocolOption.TryParse(data, out PppAuthProtocol parsed));
        Assert.Equal(protocol, parsed);
        Assert.Equal(protocol == PppAuthProtocol.Pap ? null : (ChapAlgorithm)data[2], protocol.GetChapAlgorithm());
    }

    [Theory]
    [InlineData("", PppAuthProtocolOptionError.TooShort)]
    [InlineData("c2", PppAuthProtocolOptionError.TooShort)]
    [InlineData("c227", PppAuthProtocolOptionError.UnknownProtocol)] // EAP
    [InlineData("c22305ff", PppAuthProtocolOptionError.UnexpectedData)]
    [InlineData("c02300", PppAuthProtocolOptionError.UnexpectedData)]
    [InlineData("c223", PppAuthProtocolOptionError.MissingChapAlgorithm)]
    [InlineData("c22306", PppAuthProtocolOptionError.UnknownChapAlgorithm)]
    [InlineData("c22382", PppAuthProtocolOptionError.UnknownChapAlgorithm)]
    public void MalformedOptionDataGivesThePreciseError(string hex, PppAuthProtocolOptionError expected)
    {
        Assert.Equal(expected, PppAuthProtocolOption.TryParse(Convert.FromHexString(hex), out _));
    }

    [Fact]
    public void WriteReportsASmallDestinationAndRejectsUndefinedValues()
    {
        Assert.False(PppAuthProtocolOption.TryWrite(PppAuthProtocol.MsChapV2, new byte[2], out int written));
        Assert.Equal(0, written);
        Assert.False(PppAuthProtocolOption.TryWrite(PppAuthProtocol.Pap, new byte[1], out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => PppAuthProtocolOption.TryWrite((PppAuthProtocol)0, new byte[3], out _));
    }

    [Fact]
    public void PreferenceIsMsChapV2ThenV1ThenChapThenPap()
    {
        Assert.Equal([PppAuthProtocol.MsChapV2, PppAuthProtocol.MsChapV1, PppAuthProtocol.Chap, PppAuthProtocol.Pap],
            PppAuthProtocolOption.PreferenceOrder.ToArray());

        PppAuthProtocols all = PppAuthProtocols.Pap | PppAuthProtocols.Chap | PppAuthProtocols.MsChapV1 | PppAuthProtocols.MsChapV2;
        Assert.True(PppAuthProtocolOption.TrySelectPreferred(all, out PppAuthProtocol first));
        Assert.Equal(PppAuthProtocol.MsChapV2, first);

        // Walking the refusals visits every configured protocol once, in preference order.
        List<PppAuthProtocol> offered = [first];
        while (PppAuthProtocolOption.TrySelectNext(all, offered[^1], out PppAuthProtocol next))
            offered.Add(next);
        Assert.Equal(PppAuthProtocolOption.PreferenceOrder.ToArray(), offered);

        Assert.False(PppAuthProtocolOption.TrySelectPreferred(PppAuthProtocols.None, out _));
    }

    [Fact]
    public void SelectionStaysInsideTheConfiguredSetInPreferenceOrder()
    {
        Gen.Byte[0, 15].Select(b => (PppAuthProtocols)(b << 1)).Sample(configured =>
        {
            PppAuthProtocol[] expected = PppAuthProtocolOption.PreferenceOrder.ToArray().Where(p => configured.Contains(p)).ToArray();
            List<PppAuthProtocol> offered = [];
            if (PppAuthProtocolOption.TrySelectPreferred(configured, out PppAuthProtocol protocol))
            {
                offered.Add(protocol);
                while (PppAuthProtocolOption.TrySelectNext(configured, offered[^1], out protocol))
                    offered.Add(protocol);
            }
            Assert.Equal(expected, offered);
        });
    }

    [Fact]
    public void RandomOptionDataNeverThrowsAndRoundTripsWhenAccepted()
    {
        Gen.Byte.Array[0, 5].Sample(data =>
        {
            PppAuthProtocolOptionError error = PppAuthProtocolOption.TryParse(data, out PppAuthProtocol protocol);
            Assert.True(Enum.IsDefined(error));
            if (error != PppAuthProtocolOptionError.None)
                return;
            byte[] buffer = new byte[PppAuthProtocolOption.MaxDataLength];
            Assert.True(PppAuthProtocolOption.TryWrite(protocol, buffer, out int written));
            Assert.Equal(data, buffer[..written]);
        }, iter: 20_000);
    }
}
