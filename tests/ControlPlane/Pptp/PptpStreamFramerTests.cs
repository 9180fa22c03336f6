using System.Buffers.Binary;
using CsCheck;
using PptpGw.ControlPlane.Pptp;
using static PptpGw.Tests.ControlPlane.Pptp.PptpTestMessages;

namespace PptpGw.Tests.ControlPlane.Pptp;

public class PptpStreamFramerTests
{
    [Fact]
    public void FewerThanTwoOctetsIsIncompleteWithUnknownLength()
    {
        Assert.Equal(PptpFrameStatus.Incomplete, PptpStreamFramer.Peek([], out int length));
        Assert.Equal(0, length);
        Assert.Equal(PptpFrameStatus.Incomplete, PptpStreamFramer.Peek([0x00], out length));
        Assert.Equal(0, length);
    }

    [Fact]
    public void EveryPrefixOfAMessageIsIncompleteUntilTheLastOctet()
    {
        byte[] message = ZeroBody(PptpControlMessageType.StartControlConnectionRequest);
        for (int n = 2; n < message.Length; n++)
        {
            Assert.Equal(PptpFrameStatus.Incomplete, PptpStreamFramer.Peek(message.AsSpan(0, n), out int length));
            Assert.Equal(156, length);
        }
        Assert.Equal(PptpFrameStatus.Complete, PptpStreamFramer.Peek(message, out int whole));
        Assert.Equal(156, whole);
    }

    [Theory]
    [InlineData(0, PptpFrameStatus.LengthBelowHeader)]
    [InlineData(11, PptpFrameStatus.LengthBelowHeader)]
    [InlineData(221, PptpFrameStatus.LengthAboveMaximum)]
    [InlineData(0xFFFF, PptpFrameStatus.LengthAboveMaximum)]
    public void ImplausibleLengthIsCorruptAsSoonAsItArrives(int lengthField, PptpFrameStatus expected)
    {
        byte[] two = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(two, (ushort)lengthField);
        Assert.Equal(expected, PptpStreamFramer.Peek(two, out int length));
        Assert.Equal(0, length);
        Assert.True(expected.IsCorrupt());
    }

    [Fact]
    public void BadMagicCookieIsCorruptOnceItsFourOctetsArrived()
    {
        byte[] message = ZeroBody(PptpControlMessageType.EchoRequest);
        message[7] ^= 1;
        Assert.Equal(PptpFrameStatus.Incomplete, PptpStreamFramer.Peek(message.AsSpan(0, 7), out _));
        Assert.Equal(PptpFrameStatus.BadMagicCookie, PptpStreamFramer.Peek(message.AsSpan(0, 8), out _));
        Assert.Equal(PptpFrameStatus.BadMagicCookie, PptpStreamFramer.Peek(message, out _));
        Assert.False(PptpFrameStatus.Complete.IsCorrupt());
        Assert.False(PptpFrameStatus.Incomplete.IsCorrupt());
    }

    [Fact]
    public void PlausibleLengthThatIsWrongForTheTypeIsFramedAndLeftToTheParser()
    {
        byte[] message = new byte[40];
        Assert.True(PptpControlHeader.TryWrite(message, PptpControlMessageType.EchoRequest));
        BinaryPrimitives.WriteUInt16BigEndian(message, 40);
        Assert.Equal(PptpFrameStatus.Complete, PptpStreamFramer.Peek(message, out int length));
        Assert.Equal(40, length);
        Assert.Equal(PptpParseError.LengthAboveMessageSize, EchoRequest.TryParse(message.AsSpan(0, length), out _));
    }

    /// <summary>
    /// A stream of random valid messages, delivered in random chunks as TCP may: the framer hands them out
    /// one by one, in order, each whole and parsable as its own type.
    /// </summary>
    [Fact]
    public void SplitsAChunkedStreamIntoTheMessagesSent()
    {
        var gen = Gen.Select(Gen.OneOfConst(AllTypes).Array[1, 12], Gen.Int[1, 300].Array[40]);
        gen.Sample((types, chunks) =>
        {
            var stream = new List<byte>();
            foreach (var type in types)
                stream.AddRange(ZeroBody(type));

            var received = new List<byte>();
            var framed = new List<PptpControlMessageType>();
            int position = 0, chunk = 0;
            while (position < stream.Count || received.Count > 0)
            {
                PptpFrameStatus status = PptpStreamFramer.Peek(received.ToArray(), out int length);
                Assert.False(status.IsCorrupt());
                if (status == PptpFrameStatus.Complete)
                {
                    byte[] message = received.GetRange(0, length).ToArray();
                    received.RemoveRange(0, length);
                    Assert.Equal(PptpParseError.None, PptpControlHeader.TryParse(message, out PptpControlHeader header));
                    Assert.Equal(PptpParseError.None, ParseAs(header.ControlMessageType, message).Error);
                    framed.Add(header.ControlMessageType);
                    continue;
                }
                Assert.True(position < stream.Count, "incomplete message at end of stream");
                int take = Math.Min(chunks[chunk++ % chunks.Length], stream.Count - position);
                received.AddRange(stream.GetRange(position, take));
                position += take;
            }
            Assert.Equal(types, framed);
        }, iter: 300, threads: 1);
    }
}
