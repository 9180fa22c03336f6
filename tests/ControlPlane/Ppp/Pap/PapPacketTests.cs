using CsCheck;
using PptpGw.ControlPlane.Ppp.Pap;

namespace PptpGw.Tests.ControlPlane.Ppp.Pap;

public class PapPacketTests
{
    private static readonly Gen<byte[]> Field = Gen.Byte.Array[0, PapPacket.MaxFieldLength];

    [Fact]
    public void ParsesAnAuthenticateRequestLaidOutAsInRfc1334()
    {
        // Code 1, Id 7, Length 4+1+4+1+5 = 15, Peer-ID "john", Password "cisco".
        byte[] packet = [0x01, 0x07, 0x00, 0x0F, 0x04, .."john"u8, 0x05, .."cisco"u8];

        Assert.Equal(PapError.None, PapPacket.TryParse(packet, out PapPacket pap));
        Assert.Equal(PapCode.AuthenticateRequest, pap.Code);
        Assert.Equal(7, pap.Identifier);
        Assert.True(pap.PeerId.SequenceEqual("john"u8));
        Assert.True(pap.Password.SequenceEqual("cisco"u8));
    }

    [Fact]
    public void WritesTheSameRequestByteForByte()
    {
        byte[] expected = [0x01, 0x07, 0x00, 0x0F, 0x04, .."john"u8, 0x05, .."cisco"u8];
        Span<byte> buffer = stackalloc byte[64];

        Assert.True(PapPacket.TryWriteAuthenticateRequest(buffer, 7, "john"u8, "cisco"u8, out int written));
        Assert.Equal(expected, buffer[..written].ToArray());
    }

    [Fact]
    public void OctetsBeyondLengthArePaddingAndIgnored()
    {
        byte[] packet = [0x02, 0x01, 0x00, 0x07, 0x02, (byte)'o', (byte)'k', 0xEE, 0xEE];

        Assert.Equal(PapError.None, PapPacket.TryParse(packet, out PapPacket pap));
        Assert.Equal(PapCode.AuthenticateAck, pap.Code);
        Assert.True(pap.Message.SequenceEqual("ok"u8));
    }

    [Fact]
    public void AcceptsAnAckWithoutMsgLengthAsAnEmptyMessageLikePppd()
    {
        Assert.Equal(PapError.None, PapPacket.TryParse([0x02, 0x09, 0x00, 0x04], out PapPacket pap));
        Assert.Equal(PapCode.AuthenticateAck, pap.Code);
        Assert.Equal(9, pap.Identifier);
        Assert.True(pap.Message.IsEmpty);
    }

    public static TheoryData<string, PapError> Malformed => new()
    {
        { "", PapError.TooShort },
        { "010100", PapError.TooShort },
        { "01010003", PapError.LengthTooSmall },
        { "0101000a0400", PapError.LengthExceedsData },
        { "04010004", PapError.UnknownCode },
        { "00010004", PapError.UnknownCode },
        { "01010004", PapError.MissingPeerIdLength },
        { "010100060261", PapError.PeerIdExceedsPacket },
        { "01010007026162", PapError.MissingPasswordLength },
        { "010100090261620261", PapError.PasswordExceedsPacket },
        // Length 6 hides the password octets that follow: Passwd-Length then overruns the packet.
        { "01010008026162020101", PapError.PasswordExceedsPacket },
        { "0301000603aa", PapError.MessageExceedsPacket },
        { "02010005ff", PapError.MessageExceedsPacket },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void MalformedPacketsGiveThePreciseError(string hex, PapError expected)
    {
        Assert.Equal(expected, PapPacket.TryParse(Convert.FromHexString(hex), out _));
    }

    [Fact]
    public void RequestRoundTrips()
    {
        Gen.Select(Gen.Byte, Field, Field).Sample((id, peerId, password) =>
        {
            byte[] buffer = new byte[PapPacket.GetAuthenticateRequestLength(peerId.Length, password.Length)];
            Assert.True(PapPacket.TryWriteAuthenticateRequest(buffer, id, peerId, password, out int written));
            Assert.Equal(buffer.Length, written);

            Assert.Equal(PapError.None, PapPacket.TryParse(buffer, out PapPacket pap));
            Assert.Equal(PapCode.AuthenticateRequest, pap.Code);
            Assert.Equal(id, pap.Identifier);
            Assert.True(pap.PeerId.SequenceEqual(peerId));
            Assert.True(pap.Password.SequenceEqual(password));
        });
    }

    [Fact]
    public void AckAndNakRoundTrip()
    {
        Gen.Select(Gen.Bool, Gen.Byte, Field).Sample((ack, id, message) =>
        {
            PapCode code = ack ? PapCode.AuthenticateAck : PapCode.AuthenticateNak;
            byte[] buffer = new byte[PapPacket.GetReplyLength(message.Length)];
            Assert.True(PapPacket.TryWriteReply(buffer, code, id, message, out int written));
            Assert.Equal(buffer.Length, written);

            Assert.Equal(PapError.None, PapPacket.TryParse(buffer, out PapPacket pap));
            Assert.Equal(code, pap.Code);
            Assert.Equal(id, pap.Identifier);
            Assert.True(pap.Message.SequenceEqual(message));
        });
    }

    [Fact]
    public void EveryTruncationOfARequestIsRejected()
    {
        Gen.Select(Field, Field).Sample((peerId, password) =>
        {
            byte[] buffer = new byte[PapPacket.GetAuthenticateRequestLength(peerId.Length, password.Length)];
            PapPacket.TryWriteAuthenticateRequest(buffer, 1, peerId, password, out _);
            for (int cut = 0; cut < buffer.Length; cut++)
                Assert.NotEqual(PapError.None, PapPacket.TryParse(buffer.AsSpan(0, cut), out _));
        }, iter: 50);
    }

    [Fact]
    public void WritersReportASmallDestination()
    {
        Span<byte> small = stackalloc byte[8];
        Assert.False(PapPacket.TryWriteAuthenticateRequest(small, 1, "john"u8, "cisco"u8, out int written));
        Assert.Equal(0, written);
        Assert.False(PapPacket.TryWriteAuthenticateNak(small[..5], 1, "no"u8, out _));
        Assert.True(PapPacket.TryWriteAuthenticateNak(small[..7], 1, "no"u8, out written));
        Assert.Equal(7, written);
    }

    [Fact]
    public void WriterRejectsProgrammerErrors()
    {
        byte[] buffer = new byte[600];
        byte[] tooLong = new byte[256];
        Assert.Throws<ArgumentOutOfRangeException>(() => PapPacket.TryWriteAuthenticateRequest(buffer, 1, tooLong, default, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => PapPacket.TryWriteAuthenticateAck(buffer, 1, tooLong, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => PapPacket.TryWriteReply(buffer, PapCode.AuthenticateRequest, 1, default, out _));
    }

    [Fact]
    public void RandomBytesNeverThrowAndWhatParsesRewritesToTheSameFields()
    {
        Gen.Byte.Array[0, 80].Sample(input =>
        {
            PapError error = PapPacket.TryParse(input, out PapPacket pap);
            Assert.True(Enum.IsDefined(error));
            if (error != PapError.None)
                return;
            byte[] buffer = new byte[600];
            int written;
            if (pap.Code == PapCode.AuthenticateRequest)
                Assert.True(PapPacket.TryWriteAuthenticateRequest(buffer, pap.Identifier, pap.PeerId, pap.Password, out written));
            else
                Assert.True(PapPacket.TryWriteReply(buffer, pap.Code, pap.Identifier, pap.Message, out written));
            Assert.Equal(PapError.None, PapPacket.TryParse(buffer.AsSpan(0, written), out PapPacket again));
            Assert.Equal(pap.Code, again.Code);
            Assert.Equal(pap.Identifier, again.Identifier);
            Assert.True(again.PeerId.SequenceEqual(pap.PeerId));
            Assert.True(again.Password.SequenceEqual(pap.Password));
            Assert.True(again.Message.SequenceEqual(pap.Message));
        }, iter: 20_000);
    }
}
