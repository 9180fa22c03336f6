using System.Buffers.Binary;
using CsCheck;
using PptpGw.ControlPlane.Pptp;
using static PptpGw.Tests.ControlPlane.Pptp.PptpTestMessages;

namespace PptpGw.Tests.ControlPlane.Pptp;

/// <summary>Each check of the header and message parsers, for every message type, and fuzzing: the parsers never throw.</summary>
public class PptpMalformedInputTests
{
    public static TheoryData<PptpControlMessageType> Types => AllTypesData();

    [Theory, MemberData(nameof(Types))]
    public void ZeroBodyMessageParses(PptpControlMessageType type)
    {
        byte[] message = ZeroBody(type);
        Outcome outcome = ParseAs(type, message, PptpReservedFieldPolicy.Reject);
        Assert.Equal(PptpParseError.None, outcome.Error);
        Assert.Equal(message, outcome.Rewritten);
    }

    [Theory, MemberData(nameof(Types))]
    public void TruncatedMessageIsTooShortOrExceedsData(PptpControlMessageType type)
    {
        byte[] message = ZeroBody(type);
        for (int n = 0; n < message.Length; n++)
        {
            PptpParseError expected = n < PptpControlMessage.HeaderLength ? PptpParseError.TooShort : PptpParseError.LengthExceedsData;
            Assert.Equal(expected, ParseAs(type, message.AsSpan(0, n)).Error);
            // The header parser needs only the 12 header octets.
            Assert.Equal(n < 12 ? PptpParseError.TooShort : PptpParseError.None, PptpControlHeader.TryParse(message.AsSpan(0, n), out _));
        }
    }

    [Theory, MemberData(nameof(Types))]
    public void LengthFieldMustBeTheFixedSize(PptpControlMessageType type)
    {
        int fixedLength = PptpControlMessage.FixedLength(type);
        byte[] buffer = new byte[PptpControlMessage.MaximumLength + 8];
        ZeroBody(type).CopyTo(buffer, 0);

        for (int length = 0; length <= ushort.MaxValue; length += length < 300 ? 1 : 997)
        {
            BinaryPrimitives.WriteUInt16BigEndian(buffer, (ushort)length);
            PptpParseError expected =
                length < PptpControlMessage.HeaderLength ? PptpParseError.LengthBelowHeader
                : length < fixedLength ? PptpParseError.LengthBelowMessageSize
                : length > fixedLength ? PptpParseError.LengthAboveMessageSize
                : PptpParseError.None;
            Assert.Equal(expected, ParseAs(type, buffer).Error);
            Assert.Equal(expected, PptpControlHeader.TryParse(buffer, out PptpControlHeader header));
            Assert.Equal(length, header.Length); // decoded for logging even when rejected
        }
    }

    [Theory, MemberData(nameof(Types))]
    public void BadMagicCookieIsRejected(PptpControlMessageType type)
    {
        foreach (uint cookie in new uint[] { 0, 0x4D3C2B1A, 0x1A2B3C4C, 0xFFFFFFFF })
        {
            byte[] message = ZeroBody(type);
            BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(4), cookie);
            Assert.Equal(PptpParseError.BadMagicCookie, ParseAs(type, message).Error);
            Assert.Equal(PptpParseError.BadMagicCookie, PptpControlHeader.TryParse(message, out PptpControlHeader header));
            Assert.Equal(cookie, header.MagicCookie);
        }
    }

    [Theory, MemberData(nameof(Types))]
    public void WrongPptpMessageTypeIsRejected(PptpControlMessageType type)
    {
        foreach (ushort messageType in new ushort[] { 0, 2, 3, 0x0100, 0xFFFF })
        {
            byte[] message = ZeroBody(type);
            BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(2), messageType);
            Assert.Equal(PptpParseError.BadPptpMessageType, ParseAs(type, message).Error);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(0x0100)]
    [InlineData(0xFFFF)]
    public void UnknownControlMessageTypeIsRejected(int controlType)
    {
        byte[] message = new byte[PptpControlMessage.MaximumLength];
        Assert.True(PptpControlHeader.TryWrite(message, PptpControlMessageType.EchoRequest));
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(8), (ushort)controlType);
        Assert.Equal(PptpParseError.UnknownControlMessageType, PptpControlHeader.TryParse(message, out _));
        foreach (var type in AllTypes)
            Assert.Equal(PptpParseError.UnknownControlMessageType, ParseAs(type, message).Error);
        Assert.False(PptpControlMessage.IsDefined((PptpControlMessageType)controlType));
        Assert.Throws<ArgumentOutOfRangeException>(() => PptpControlHeader.TryWrite(message, (PptpControlMessageType)controlType));
    }

    [Fact]
    public void EachParserAcceptsOnlyItsOwnType()
    {
        foreach (var actual in AllTypes)
        {
            byte[] message = ZeroBody(actual);
            foreach (var parser in AllTypes)
            {
                PptpParseError expected = parser == actual ? PptpParseError.None : PptpParseError.UnexpectedControlMessageType;
                Assert.Equal(expected, ParseAs(parser, message).Error);
            }
        }
    }

    /// <summary>
    /// Sets each octet after the header in turn: the parsed message reports a reserved field exactly for the
    /// RFC's Reserved octets; under Reject those give ReservedFieldNonZero (still decoded), and every other
    /// octet belongs to a field, so writing the parsed message back reproduces the input.
    /// </summary>
    [Theory, MemberData(nameof(Types))]
    public void ReservedFieldsAreToleratedAndReportedOrRejected(PptpControlMessageType type)
    {
        int[] reserved = ReservedOffsets(type);
        int length = PptpControlMessage.FixedLength(type);
        for (int offset = 10; offset < length; offset++)
        {
            byte[] message = ZeroBody(type);
            message[offset] = 0x5A;
            bool isReserved = reserved.Contains(offset);
            if (offset < 12 && !isReserved)
                continue; // Length / Control Message Type octets are covered by other tests

            Outcome tolerant = ParseAs(type, message, PptpReservedFieldPolicy.Tolerate);
            Assert.Equal(PptpParseError.None, tolerant.Error);
            Assert.Equal(isReserved, tolerant.ReservedFieldsNonZero);

            Outcome strict = ParseAs(type, message, PptpReservedFieldPolicy.Reject);
            Assert.Equal(isReserved ? PptpParseError.ReservedFieldNonZero : PptpParseError.None, strict.Error);
            Assert.Equal(isReserved, strict.ReservedFieldsNonZero);

            // A written message carries zeros in reserved fields, the input's octets everywhere else.
            Assert.Equal(isReserved ? ZeroBody(type) : message, tolerant.Rewritten);
        }
    }

    [Fact]
    public void ParseErrorsMapToGeneralErrorCodes()
    {
        Assert.Equal(PptpGeneralErrorCode.BadValue, PptpParseError.ReservedFieldNonZero.ToGeneralErrorCode());
        Assert.Equal(PptpGeneralErrorCode.BadFormat, PptpParseError.BadMagicCookie.ToGeneralErrorCode());
        Assert.Equal(PptpGeneralErrorCode.BadFormat, PptpParseError.LengthAboveMessageSize.ToGeneralErrorCode());
        Assert.Equal(PptpGeneralErrorCode.None, PptpParseError.None.ToGeneralErrorCode());
        PptpParseError[] errors = Enum.GetValues<PptpParseError>();
        Assert.Equal(errors.Length, errors.Select(e => e.ToText()).Distinct().Count());
        Assert.DoesNotContain("unknown parse error", errors.Select(e => e.ToText()));
    }

    /// <summary>Random octets (any length up to 300) through every parser, the header parser and the framer.</summary>
    [Fact]
    public void RandomBytesNeverThrowAndOnlyConsistentMessagesParse()
    {
        Gen.Byte.Array[0, 300].Sample(CheckConsistency, iter: 3000, threads: 1);
    }

    /// <summary>
    /// Random octets behind a valid header of a random type, so the parsers get past the header checks;
    /// the body is random, so reserved fields are often set.
    /// </summary>
    [Fact]
    public void RandomBodiesBehindValidHeadersParseAsTheirType()
    {
        Gen.Select(Gen.OneOfConst(AllTypes), Gen.Byte.Array[PptpControlMessage.MaximumLength, PptpControlMessage.MaximumLength + 20])
            .Sample((type, bytes) =>
            {
                Assert.True(PptpControlHeader.TryWrite(bytes, type));
                int length = PptpControlMessage.FixedLength(type);
                bool anyReserved = ReservedOffsets(type).Any(o => bytes[o] != 0); // Reserved0 is 0 (TryWrite)

                Outcome outcome = ParseAs(type, bytes, PptpReservedFieldPolicy.Reject);
                Assert.Equal(anyReserved ? PptpParseError.ReservedFieldNonZero : PptpParseError.None, outcome.Error);
                byte[] expected = bytes[..length];
                foreach (int o in ReservedOffsets(type))
                    expected[o] = 0;
                Assert.Equal(expected, outcome.Rewritten);
                CheckConsistency(bytes);
            }, iter: 2000, threads: 1);
    }

    private static void CheckConsistency(byte[] input)
    {
        PptpParseError headerError = PptpControlHeader.TryParse(input, out PptpControlHeader header);
        PptpFrameStatus frame = PptpStreamFramer.Peek(input, out int frameLength);
        Assert.True(Enum.IsDefined(headerError));
        Assert.True(Enum.IsDefined(frame));
        if (frame == PptpFrameStatus.Complete)
        {
            Assert.InRange(frameLength, PptpControlMessage.HeaderLength, PptpControlMessage.MaximumLength);
            Assert.True(frameLength <= input.Length);
        }

        int accepted = 0;
        foreach (var type in AllTypes)
        {
            Outcome outcome = ParseAs(type, input);
            Assert.True(Enum.IsDefined(outcome.Error));
            Assert.NotEqual(PptpParseError.ReservedFieldNonZero, outcome.Error); // only under Reject
            if (outcome.Error != PptpParseError.None)
                continue;
            accepted++;
            Assert.Equal(PptpParseError.None, headerError);
            Assert.Equal(type, header.ControlMessageType);
            Assert.Equal(PptpFrameStatus.Complete, frame);
            Assert.Equal(header.Length, frameLength);
            if (!outcome.ReservedFieldsNonZero)
                Assert.Equal(input[..header.Length], outcome.Rewritten);
        }
        Assert.InRange(accepted, 0, 1);
    }
}
