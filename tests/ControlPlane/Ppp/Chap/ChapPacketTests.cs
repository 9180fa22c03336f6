using System.Buffers.Binary;
using CsCheck;
using PptpGw.ControlPlane.Ppp;
using PptpGw.ControlPlane.Ppp.Chap;

namespace PptpGw.Tests.ControlPlane.Ppp.Chap;

public class ChapPacketTests
{
    // PPP frames from the PIX reference guide (reference/000_78fc8e2d733fd35b.txt, "debug ppp io"):
    // FF 03 address/control, then the protocol C2 23, then the CHAP packet.
    private static byte[] ChapPartOf(string pppFrame)
    {
        byte[] frame = Convert.FromHexString(pppFrame);
        Assert.Equal([0xFF, 0x03, 0xC2, 0x23], frame[..4]);
        return frame[4..];
    }

    [Theory]
    [InlineData("ff03c2230101000d08d36602863630eca8", "d36602863630eca8")]
    [InlineData("ff03c2230101000d08f3686cc47e37ce67", "f3686cc47e37ce67")]
    public void PixChallengesAreMsChapV1ChallengesWithoutAName(string frame, string challengeHex)
    {
        byte[] chap = ChapPartOf(frame);

        Assert.Equal(ChapError.None, ChapPacket.TryParse(chap, out ChapPacket packet));
        Assert.Equal(ChapCode.Challenge, packet.Code);
        Assert.Equal(1, packet.Identifier);
        Assert.Equal(MsChapLengths.V1Challenge, packet.Value.Length);
        Assert.Equal(Convert.FromHexString(challengeHex), packet.Value.ToArray());
        Assert.True(packet.Name.IsEmpty);

        // ... and the writer reproduces the PIX's bytes.
        Span<byte> buffer = stackalloc byte[32];
        Assert.True(ChapPacket.TryWriteChallenge(buffer, 1, Convert.FromHexString(challengeHex), default, out int written));
        Assert.Equal(chap, buffer[..written].ToArray());
    }

    [Fact]
    public void PixSuccessInsideGreIsAnEmptySuccess()
    {
        // "Sending xGRE pak ... data: 3081880b000640000000000500000005c22303010004": enhanced GRE (RFC 2637 §4.1)
        // with K, S and A set, so a 16-octet header (flags/version, protocol 880B, payload length, call id,
        // sequence, acknowledgment), then PPP with address/control compressed away (ACFC), protocol C223.
        byte[] gre = Convert.FromHexString("3081880b000640000000000500000005c22303010004");
        Assert.Equal(0x880B, BinaryPrimitives.ReadUInt16BigEndian(gre.AsSpan(2)));
        int payloadLength = BinaryPrimitives.ReadUInt16BigEndian(gre.AsSpan(4));
        byte[] ppp = gre.AsSpan(16, payloadLength).ToArray();
        Assert.Equal(PppAuthProtocolOption.ChapProtocol, BinaryPrimitives.ReadUInt16BigEndian(ppp));

        Assert.Equal(ChapError.None, ChapPacket.TryParse(ppp.AsSpan(2), out ChapPacket packet));
        Assert.Equal(ChapCode.Success, packet.Code);
        Assert.Equal(1, packet.Identifier);
        Assert.True(packet.Message.IsEmpty);
    }

    [Fact]
    public void WriterReproducesThePixSuccessFrame()
    {
        byte[] chap = ChapPartOf("ff03c22303010004");
        Span<byte> buffer = stackalloc byte[8];
        Assert.True(ChapPacket.TryWriteSuccess(buffer, 1, default, out int written));
        Assert.Equal(chap, buffer[..written].ToArray());
    }

    // The guide prints only the first 22 octets of the 62-octet MS-CHAPv1 Responses ("...", truncated).
    // User "john" (uauth_mschap_send_req: ulen=4, user=john) explains Length 58 = 4 + 1 + 49 + 4.
    [Theory]
    [InlineData("ff03c2230201003a31d4d0a397a064668bb00d954a85")] // Windows 9x: LM-Response present
    [InlineData("ff03c2230201003a3100000000000000000000000000")] // Windows NT: LM-Response zero
    public void TruncatedPixResponsesShowAnMsChapResponseHeader(string truncatedFrame)
    {
        byte[] chap = ChapPartOf(truncatedFrame);

        Assert.Equal(ChapError.LengthExceedsData, ChapPacket.TryParse(chap, out _));
        Assert.Equal((byte)ChapCode.Response, chap[0]);
        Assert.Equal(1, chap[1]);
        int length = BinaryPrimitives.ReadUInt16BigEndian(chap.AsSpan(2));
        Assert.Equal(MsChapLengths.ResponseValue, chap[4]);
        Assert.Equal(PppControlPacket.HeaderLength + 1 + MsChapLengths.ResponseValue + "john".Length, length);

        // A Response written with the octets we can see (LM-Response prefix) starts with the same bytes.
        byte[] lm = new byte[24];
        chap.AsSpan(5).CopyTo(lm);
        byte[] value = new byte[MsChapLengths.ResponseValue];
        Assert.True(MsChapV1Response.TryWrite(value, lm, new byte[24], useNtResponse: true));
        byte[] buffer = new byte[length];
        Assert.True(ChapPacket.TryWriteResponse(buffer, 1, value, "john"u8, out int written));
        Assert.Equal(length, written);
        Assert.Equal(chap, buffer[..chap.Length]);
    }

    public static TheoryData<string, ChapError> Malformed => new()
    {
        { "", ChapError.TooShort },
        { "0101", ChapError.TooShort },
        { "01010002", ChapError.LengthTooSmall },
        { "0101000d08d366", ChapError.LengthExceedsData },
        { "00010004", ChapError.UnknownCode },
        { "05010004", ChapError.UnknownCode },
        { "07010004", ChapError.UnknownCode },
        { "01010004", ChapError.MissingValueSize },
        { "02010004", ChapError.MissingValueSize },
        { "0101000500", ChapError.EmptyValue },
        { "010100060801", ChapError.ValueExceedsPacket },
        // Length 5 hides the value octets that follow: the Value overruns the packet.
        { "02010005010101", ChapError.ValueExceedsPacket },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void MalformedPacketsGiveThePreciseError(string hex, ChapError expected)
    {
        Assert.Equal(expected, ChapPacket.TryParse(Convert.FromHexString(hex), out _));
    }

    [Fact]
    public void ChallengeAndResponseRoundTrip()
    {
        Gen.Select(Gen.Bool, Gen.Byte, Gen.Byte.Array[1, ChapPacket.MaxValueLength], Gen.Byte.Array[0, 300])
            .Sample((challenge, id, value, name) =>
            {
                byte[] buffer = new byte[ChapPacket.GetChallengeOrResponseLength(value.Length, name.Length)];
                bool ok = challenge
                    ? ChapPacket.TryWriteChallenge(buffer, id, value, name, out int written)
                    : ChapPacket.TryWriteResponse(buffer, id, value, name, out written);
                Assert.True(ok);
                Assert.Equal(buffer.Length, written);

                Assert.Equal(ChapError.None, ChapPacket.TryParse(buffer, out ChapPacket packet));
                Assert.Equal(challenge ? ChapCode.Challenge : ChapCode.Response, packet.Code);
                Assert.Equal(id, packet.Identifier);
                Assert.True(packet.Value.SequenceEqual(value));
                Assert.True(packet.Name.SequenceEqual(name));
            });
    }

    [Fact]
    public void SuccessAndFailureRoundTrip()
    {
        Gen.Select(Gen.Bool, Gen.Byte, Gen.Byte.Array[0, 300]).Sample((success, id, message) =>
        {
            ChapCode code = success ? ChapCode.Success : ChapCode.Failure;
            byte[] buffer = new byte[ChapPacket.GetResultLength(message.Length)];
            Assert.True(ChapPacket.TryWriteResult(buffer, code, id, message, out int written));
            Assert.Equal(buffer.Length, written);

            Assert.Equal(ChapError.None, ChapPacket.TryParse(buffer, out ChapPacket packet));
            Assert.Equal(code, packet.Code);
            Assert.Equal(id, packet.Identifier);
            Assert.True(packet.Message.SequenceEqual(message));
        });
    }

    [Fact]
    public void PaddingBeyondLengthIsIgnored()
    {
        byte[] padded = [.. Convert.FromHexString("0401000a") , .. "E=691 "u8, 0, 0, 0];
        Assert.Equal(ChapError.None, ChapPacket.TryParse(padded, out ChapPacket packet));
        Assert.True(packet.Message.SequenceEqual("E=691 "u8));
    }

    [Fact]
    public void WritersReportASmallDestinationAndRejectProgrammerErrors()
    {
        byte[] small = new byte[12];
        Assert.False(ChapPacket.TryWriteChallenge(small, 1, new byte[8], default, out int written));
        Assert.Equal(0, written);
        Assert.True(ChapPacket.TryWriteChallenge(new byte[13], 1, new byte[8], default, out written));
        Assert.Equal(13, written);
        Assert.False(ChapPacket.TryWriteFailure(small, 1, new byte[9], out _));
        Assert.False(ChapPacket.TryWriteFailure(new byte[70_000], 1, new byte[ushort.MaxValue], out _));

        Assert.Throws<ArgumentOutOfRangeException>(() => ChapPacket.TryWriteResponse(small, 1, default, default, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => ChapPacket.TryWriteResponse(new byte[300], 1, new byte[256], default, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => ChapPacket.TryWriteResult(small, ChapCode.Challenge, 1, default, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => ChapPacket.TryWriteChallengeOrResponse(small, ChapCode.Success, 1, new byte[1], default, out _));
    }

    [Fact]
    public void EveryTruncationIsRejected()
    {
        Gen.Select(Gen.Byte.Array[1, 40], Gen.Byte.Array[0, 20]).Sample((value, name) =>
        {
            byte[] buffer = new byte[ChapPacket.GetChallengeOrResponseLength(value.Length, name.Length)];
            ChapPacket.TryWriteResponse(buffer, 1, value, name, out _);
            for (int cut = 0; cut < buffer.Length; cut++)
                Assert.NotEqual(ChapError.None, ChapPacket.TryParse(buffer.AsSpan(0, cut), out _));
        }, iter: 50);
    }

    [Fact]
    public void RandomBytesNeverThrowAndWhatParsesRewritesIdentically()
    {
        Gen.Byte.Array[0, 80].Sample(input =>
        {
            ChapError error = ChapPacket.TryParse(input, out ChapPacket packet);
            Assert.True(Enum.IsDefined(error));
            if (error != ChapError.None)
                return;
            // CHAP has no field that a rewrite could normalise: the packet up to Length comes back unchanged.
            int length = BinaryPrimitives.ReadUInt16BigEndian(input.AsSpan(2));
            byte[] buffer = new byte[length];
            bool ok = packet.Code is ChapCode.Challenge or ChapCode.Response
                ? ChapPacket.TryWriteChallengeOrResponse(buffer, packet.Code, packet.Identifier, packet.Value, packet.Name, out int written)
                : ChapPacket.TryWriteResult(buffer, packet.Code, packet.Identifier, packet.Message, out written);
            Assert.True(ok);
            Assert.Equal(input[..length], buffer[..written]);
        }, iter: 20_000);
    }
}
