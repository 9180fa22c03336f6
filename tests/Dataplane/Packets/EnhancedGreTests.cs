using CsCheck;
using PptpGw.Dataplane.Packets;

namespace PptpGw.Tests.Dataplane.Packets;

public class EnhancedGreTests
{
    // PIX reference guide, Windows session: "Sending xGRE pak to 10.44.17.104, Len 22, seq 5, ack 5"
    // (CHAP Success with ACFC; call id 0x4000 is the client's call id from its OCRQ).
    [Fact]
    public void ParsesPixChapSuccessPacket()
    {
        byte[] packet = Convert.FromHexString("3081880b000640000000000500000005c22303010004");

        Assert.Equal(EnhancedGreError.None, EnhancedGrePacket.TryParse(packet, out var gre));
        Assert.True(gre.SequenceNumberPresent);
        Assert.True(gre.AcknowledgmentNumberPresent);
        Assert.Equal(6, gre.PayloadLength);
        Assert.Equal(0x4000, gre.CallId);
        Assert.Equal(5u, gre.SequenceNumber);
        Assert.Equal(5u, gre.AcknowledgmentNumber);
        Assert.Equal(16, gre.HeaderLength);
        Assert.Equal(Convert.FromHexString("c22303010004"), gre.Payload.ToArray());
    }

    // PIX reference guide, first session: "Sending xGRE pak to 99.99.99.5, Len 22, seq 11, ack 10" (CCP Terminate-Ack, call id 0).
    [Fact]
    public void ParsesPixCcpTerminateAckPacket()
    {
        byte[] packet = Convert.FromHexString("3081880b000600000000000b0000000a80fd06030004");

        Assert.Equal(EnhancedGreError.None, EnhancedGrePacket.TryParse(packet, out var gre));
        Assert.True(gre.SequenceNumberPresent);
        Assert.True(gre.AcknowledgmentNumberPresent);
        Assert.Equal(6, gre.PayloadLength);
        Assert.Equal(0, gre.CallId);
        Assert.Equal(11u, gre.SequenceNumber);
        Assert.Equal(10u, gre.AcknowledgmentNumber);
        Assert.Equal(16, gre.HeaderLength);
        Assert.Equal(Convert.FromHexString("80fd06030004"), gre.Payload.ToArray());
    }

    [Theory]
    [InlineData("3081880b000640000000000500000005c22303010004", 0x4000, 5u, 5u)]
    [InlineData("3081880b000600000000000b0000000a80fd06030004", 0x0000, 11u, 10u)]
    public void WriterReproducesPixPackets(string hex, int callId, uint seq, uint ack)
    {
        byte[] expected = Convert.FromHexString(hex);
        byte[] buffer = new byte[expected.Length];
        expected.AsSpan(16).CopyTo(buffer.AsSpan(16));

        int headerLength = EnhancedGreWriter.TryWriteDataHeader(buffer, 0, (ushort)callId, expected.Length - 16, seq, true, ack);

        Assert.Equal(16, headerLength);
        Assert.Equal(expected, buffer);
    }

    // The guide truncates most "Sending xGRE pak" dumps ("..."), but prints the PPP frame each one carries
    // ("PPP xmit ... data:") and the GRE length. Re-frame that PPP packet the way the PIX does after LCP
    // agreed ACFC and PFC, prepend the GRE header, and compare with the printed prefix and length.
    [Theory]
    [InlineData("ff03c021010100130305c2238005065a899b2307020802", 0x4000, 1u, 0u, 39, "3081880b001740000000000100000000ff03c0210101")]
    [InlineData("ff03c0210201000e0506447e217e07020802", 0x4000, 3u, 2u, 34, "3081880b001240000000000300000002ff03c0210201")]
    [InlineData("ff03c2230101000d08f3686cc47e37ce67", 0x4000, 4u, 2u, 31, "3081880b000f40000000000400000002c2230101000d")]
    [InlineData("ff0380fd0101000a120601000020", 0x4000, 7u, 7u, 28, "3081880b000c4000000000070000000780fd0101000a")]
    [InlineData("ff0380fd0304000a120601000020", 0x4000, 8u, 7u, 28, "3081880b000c4000000000080000000780fd0304000a")]
    [InlineData("ff0380210101000a0306ac127c98", 0x4000, 9u, 8u, 28, "3081880b000c4000000000090000000880210101000a")]
    [InlineData("ff0380210307000a0306c0a80101", 0x4000, 12u, 12u, 28, "3081880b000c40000000000c0000000c80210307000a")]
    [InlineData("ff0380fd01010004", 0x0000, 8u, 6u, 22, "3081880b00060000000000080000000680fd01010004")]
    public void TruncatedPixDumpsMatchPrefixAfterReframing(string pppHex, int callId, uint seq, uint ack, int greLength, string grePrefixHex)
    {
        Assert.Equal(PppFrameError.None, PppFrame.TryParse(Convert.FromHexString(pppHex), out var logged));
        byte[] buffer = new byte[64];
        int informationOffset = EnhancedGrePacket.MaxHeaderLength + PppFrame.MaxHeaderLength;
        logged.Information.CopyTo(buffer.AsSpan(informationOffset));

        int pppStart = PppFrameWriter.TryPrependHeader(buffer, informationOffset, logged.Protocol, true, true);
        int pppLength = informationOffset - pppStart + logged.Information.Length;
        int greStart = pppStart - EnhancedGreWriter.GetHeaderLength(true, true);
        Assert.Equal(16, EnhancedGreWriter.TryWriteDataHeader(buffer, greStart, (ushort)callId, pppLength, seq, true, ack));
        byte[] packet = buffer.AsSpan(greStart, 16 + pppLength).ToArray();

        Assert.Equal(greLength, packet.Length);
        byte[] prefix = Convert.FromHexString(grePrefixHex);
        Assert.Equal(prefix, packet[..prefix.Length]);
        Assert.Equal(EnhancedGreError.None, EnhancedGrePacket.TryParse(packet, out var gre));
        Assert.Equal(seq, gre.SequenceNumber);
        Assert.Equal(ack, gre.AcknowledgmentNumber);
        Assert.Equal(callId, gre.CallId);
    }

    // Truncated capture as printed ("...") : the header fields are all there, the payload is not.
    [Fact]
    public void TruncatedPixDumpPrefixReportsPayloadBeyondPacket()
    {
        byte[] prefix = Convert.FromHexString("3081880b002640000000000200000000ff03c0210400");
        Assert.Equal(EnhancedGreError.PayloadLengthExceedsPacket, EnhancedGrePacket.TryParse(prefix, out _));
    }

    [Fact]
    public void AcknowledgmentOnlyPacketHasNoSequenceNumberAndNoPayload()
    {
        byte[] buffer = new byte[12];
        Assert.Equal(12, EnhancedGreWriter.TryWriteAcknowledgment(buffer, 0x4000, 7));
        Assert.Equal(Convert.FromHexString("2081880b0000400000000007"), buffer);

        Assert.Equal(EnhancedGreError.None, EnhancedGrePacket.TryParse(buffer, out var gre));
        Assert.False(gre.SequenceNumberPresent);
        Assert.True(gre.AcknowledgmentNumberPresent);
        Assert.Equal(0, gre.PayloadLength);
        Assert.Equal(0x4000, gre.CallId);
        Assert.Equal(0u, gre.SequenceNumber);
        Assert.Equal(7u, gre.AcknowledgmentNumber);
        Assert.Equal(12, gre.HeaderLength);
        Assert.True(gre.Payload.IsEmpty);
    }

    [Fact]
    public void DataPacketWithoutAcknowledgmentIsTwelveOctetsOfHeader()
    {
        byte[] buffer = new byte[14];
        buffer[12] = 0xAB;
        buffer[13] = 0xCD;
        Assert.Equal(12, EnhancedGreWriter.TryWriteDataHeader(buffer, 0, 0x1234, 2, 0xDEADBEEF, false, 99));
        Assert.Equal(Convert.FromHexString("3001880b00021234deadbeefabcd"), buffer);
    }

    [Fact]
    public void WritersRefuseBuffersThatAreTooSmall()
    {
        Assert.Equal(-1, EnhancedGreWriter.TryWriteDataHeader(new byte[16 + 9], 0, 1, 10, 1, true, 1));
        Assert.Equal(-1, EnhancedGreWriter.TryWriteDataHeader(new byte[100], 80, 1, 10, 1, false, 0));
        Assert.Equal(-1, EnhancedGreWriter.TryWriteDataHeader(new byte[100], 0, 1, 70_000, 1, false, 0));
        Assert.Equal(-1, EnhancedGreWriter.TryWriteAcknowledgment(new byte[11], 1, 1));
    }

    [Theory]
    [InlineData("", EnhancedGreError.TooShort)]
    [InlineData("3081880b00064000", EnhancedGreError.TooShort)]                       // S and A announced, absent
    [InlineData("3081880b0006400000000005000000", EnhancedGreError.TooShort)]         // ack cut short
    [InlineData("3080880b0000400000000005", EnhancedGreError.BadVersion)]             // Ver 0 (RFC 2784 GRE)
    [InlineData("3082880b0000400000000005", EnhancedGreError.BadVersion)]
    [InlineData("30810800000040000000000500000005", EnhancedGreError.BadProtocolType)] // IPv4 in GRE
    [InlineData("1081880b000040000000000500000005", EnhancedGreError.KeyBitMissing)]
    [InlineData("b081880b000040000000000500000005", EnhancedGreError.ChecksumPresent)]
    [InlineData("7081880b000040000000000500000005", EnhancedGreError.RoutingPresent)]
    [InlineData("3881880b000040000000000500000005", EnhancedGreError.StrictSourceRoutePresent)]
    [InlineData("3381880b000040000000000500000005", EnhancedGreError.RecursionControlNotZero)]
    [InlineData("3089880b000040000000000500000005", EnhancedGreError.ReservedFlagsNotZero)]
    [InlineData("3081880b000740000000000500000005c22303010004", EnhancedGreError.PayloadLengthExceedsPacket)]
    [InlineData("2081880b0002400000000005abcd", EnhancedGreError.PayloadWithoutSequenceNumber)]
    public void MalformedPacketsGiveThePreciseError(string hex, EnhancedGreError expected)
    {
        Assert.Equal(expected, EnhancedGrePacket.TryParse(Convert.FromHexString(hex), out var gre));
        Assert.Equal(0, gre.HeaderLength);
        Assert.True(gre.Payload.IsEmpty);
    }

    [Fact]
    public void TrailingOctetsBeyondPayloadLengthAreNotPartOfThePayload()
    {
        byte[] packet = Convert.FromHexString("3001880b0002000100000001abcdeeff");
        Assert.Equal(EnhancedGreError.None, EnhancedGrePacket.TryParse(packet, out var gre));
        Assert.Equal(Convert.FromHexString("abcd"), gre.Payload.ToArray());
    }

    [Fact]
    public void RoundTripsRandomDataPackets()
    {
        Gen.Select(Gen.UShort, Gen.UInt, Gen.Bool, Gen.UInt, Gen.Byte.Array[0, 200], Gen.Int[0, 8])
            .Sample((callId, seq, ackPresent, ack, payload, offset) =>
            {
                int headerLength = EnhancedGreWriter.GetHeaderLength(true, ackPresent);
                byte[] buffer = new byte[offset + headerLength + payload.Length];
                payload.CopyTo(buffer, offset + headerLength);

                Assert.Equal(headerLength, EnhancedGreWriter.TryWriteDataHeader(buffer, offset, callId, payload.Length, seq, ackPresent, ack));

                Assert.Equal(EnhancedGreError.None, EnhancedGrePacket.TryParse(buffer.AsSpan(offset), out var gre));
                Assert.True(gre.SequenceNumberPresent);
                Assert.Equal(ackPresent, gre.AcknowledgmentNumberPresent);
                Assert.Equal(callId, gre.CallId);
                Assert.Equal(payload.Length, gre.PayloadLength);
                Assert.Equal(seq, gre.SequenceNumber);
                Assert.Equal(ackPresent ? ack : 0u, gre.AcknowledgmentNumber);
                Assert.Equal(headerLength, gre.HeaderLength);
                Assert.Equal(payload, gre.Payload.ToArray());
            });
    }

    [Fact]
    public void RoundTripsRandomAcknowledgments()
    {
        Gen.Select(Gen.UShort, Gen.UInt).Sample((callId, ack) =>
        {
            byte[] buffer = new byte[12];
            Assert.Equal(12, EnhancedGreWriter.TryWriteAcknowledgment(buffer, callId, ack));
            Assert.Equal(EnhancedGreError.None, EnhancedGrePacket.TryParse(buffer, out var gre));
            Assert.Equal(callId, gre.CallId);
            Assert.Equal(ack, gre.AcknowledgmentNumber);
            Assert.False(gre.SequenceNumberPresent);
            Assert.Equal(0, gre.PayloadLength);
        });
    }

    [Fact]
    public void RandomBytesNeverThrowAndStayInBounds()
    {
        // Bias the first octets towards the valid pattern so the deeper checks are reached too.
        var prefix = Gen.OneOfConst(new byte[] { 0x30, 0x81, 0x88, 0x0B }, new byte[] { 0x20, 0x81, 0x88, 0x0B },
            new byte[] { 0x30, 0x01, 0x88, 0x0B }, Array.Empty<byte>());
        Gen.Select(prefix, Gen.Byte.Array[0, 40]).Sample((head, tail) =>
        {
            byte[] input = [.. head, .. tail];
            EnhancedGreError error = EnhancedGrePacket.TryParse(input, out var gre);
            Assert.True(Enum.IsDefined(error));
            if (error == EnhancedGreError.None)
                Assert.True(gre.HeaderLength + gre.Payload.Length <= input.Length);
        });
    }
}
