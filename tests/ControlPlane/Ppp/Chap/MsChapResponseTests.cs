using CsCheck;
using PptpGw.ControlPlane.Ppp.Chap;

namespace PptpGw.Tests.ControlPlane.Ppp.Chap;

public class MsChapResponseTests
{
    // RFC 2759 §9.2 sample data (UserName "User", password "clientPass").
    private static readonly byte[] Rfc2759PeerChallenge = Convert.FromHexString("21402324255E262A28295F2B3A337C7E");
    private static readonly byte[] Rfc2759NtResponse = Convert.FromHexString("82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF");

    [Fact]
    public void Rfc2759SampleResponseRoundTripsThroughACompleteChapResponse()
    {
        byte[] value = new byte[MsChapLengths.ResponseValue];
        Assert.True(MsChapV2Response.TryWrite(value, Rfc2759PeerChallenge, Rfc2759NtResponse));
        // Layout of RFC 2759 §4: Peer-Challenge, 8 zero octets, NT-Response, zero Flags.
        Assert.Equal([.. Rfc2759PeerChallenge, .. new byte[8], .. Rfc2759NtResponse, 0], value);

        byte[] packet = new byte[ChapPacket.GetChallengeOrResponseLength(value.Length, 4)];
        Assert.True(ChapPacket.TryWriteResponse(packet, 0x2A, value, "User"u8, out _));

        Assert.Equal(ChapError.None, ChapPacket.TryParse(packet, out ChapPacket chap));
        Assert.Equal(ChapCode.Response, chap.Code);
        Assert.True(chap.Name.SequenceEqual("User"u8));
        Assert.Equal(MsChapResponseError.None, MsChapV2Response.TryParse(chap.Value, out MsChapV2Response response));
        Assert.True(response.PeerChallenge.SequenceEqual(Rfc2759PeerChallenge));
        Assert.True(response.NtResponse.SequenceEqual(Rfc2759NtResponse));
        Assert.True(response.Reserved.SequenceEqual(new byte[8]));
        Assert.Equal(0, response.Flags);
    }

    [Fact]
    public void V2ResponseRoundTrips()
    {
        Gen.Select(Gen.Byte.Array[16], Gen.Byte.Array[24]).Sample((peerChallenge, ntResponse) =>
        {
            byte[] value = new byte[MsChapLengths.ResponseValue];
            Assert.True(MsChapV2Response.TryWrite(value, peerChallenge, ntResponse));
            Assert.Equal(MsChapResponseError.None, MsChapV2Response.TryParse(value, out MsChapV2Response response));
            Assert.True(response.PeerChallenge.SequenceEqual(peerChallenge));
            Assert.True(response.NtResponse.SequenceEqual(ntResponse));
            Assert.True(response.Reserved.SequenceEqual(new byte[8]));
            Assert.Equal(0, response.Flags);
        });
    }

    [Fact]
    public void V1ResponseRoundTrips()
    {
        Gen.Select(Gen.Byte.Array[24], Gen.Byte.Array[24], Gen.Bool).Sample((lm, nt, useNt) =>
        {
            byte[] value = new byte[MsChapLengths.ResponseValue];
            Assert.True(MsChapV1Response.TryWrite(value, lm, nt, useNt));
            Assert.Equal(MsChapResponseError.None, MsChapV1Response.TryParse(value, out MsChapV1Response response));
            Assert.True(response.LmResponse.SequenceEqual(lm));
            Assert.True(response.NtResponse.SequenceEqual(nt));
            Assert.Equal(useNt, response.UseNtResponse);
            Assert.Equal(useNt ? 1 : 0, response.Flags);
        });
    }

    [Fact]
    public void NonZeroReservedAndFlagsAreReportedNotRefused()
    {
        byte[] value = new byte[MsChapLengths.ResponseValue];
        value[16] = 0xAA;
        value[48] = 0x01;
        Assert.Equal(MsChapResponseError.None, MsChapV2Response.TryParse(value, out MsChapV2Response response));
        Assert.Equal(0xAA, response.Reserved[0]);
        Assert.Equal(1, response.Flags);
    }

    [Fact]
    public void WrongValueSizesAreRejected()
    {
        Gen.Byte.Array[0, 100].Where(v => v.Length != MsChapLengths.ResponseValue).Sample(value =>
        {
            Assert.Equal(MsChapResponseError.BadValueSize, MsChapV1Response.TryParse(value, out _));
            Assert.Equal(MsChapResponseError.BadValueSize, MsChapV2Response.TryParse(value, out _));
        });
    }

    [Fact]
    public void WritersReportASmallDestinationAndRejectWrongFieldSizes()
    {
        byte[] small = new byte[48];
        Assert.False(MsChapV2Response.TryWrite(small, new byte[16], new byte[24]));
        Assert.False(MsChapV1Response.TryWrite(small, new byte[24], new byte[24], true));
        byte[] value = new byte[49];
        Assert.Throws<ArgumentException>(() => MsChapV2Response.TryWrite(value, new byte[8], new byte[24]));
        Assert.Throws<ArgumentException>(() => MsChapV2Response.TryWrite(value, new byte[16], new byte[16]));
        Assert.Throws<ArgumentException>(() => MsChapV1Response.TryWrite(value, new byte[16], new byte[24], true));
        Assert.Throws<ArgumentException>(() => MsChapV1Response.TryWrite(value, new byte[24], new byte[25], true));
    }
}
