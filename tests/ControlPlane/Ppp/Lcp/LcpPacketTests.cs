using System.Text;
using CsCheck;
using PptpGw.ControlPlane.Ppp;
using PptpGw.ControlPlane.Ppp.Lcp;
using PptpGw.Dataplane.Packets;

namespace PptpGw.Tests.ControlPlane.Ppp.Lcp;

public class LcpPacketTests
{
    private static PppControlPacket Packet(string hex)
    {
        Assert.Equal(PppPacketError.None, PppControlPacket.TryParse(Convert.FromHexString(hex), out var packet));
        return packet;
    }

    // PIX guide, Windows session: "PPP rcvd ... data: ff03c0210c020012447e217e4d5352415356352e3030".
    [Fact]
    public void PixIdentificationFromWindows()
    {
        byte[] frame = Convert.FromHexString("ff03c0210c020012447e217e4d5352415356352e3030");
        var packet = PppTestFrames.Parse(frame, PppProtocol.Lcp);
        Assert.Equal((byte)LcpCode.Identification, packet.Code);
        Assert.Equal(18, packet.Length);

        Assert.Equal(LcpPacketError.None, LcpIdentification.TryParse(packet, out var identification));
        Assert.Equal(2, identification.Identifier);
        Assert.Equal(0x447e217eu, identification.MagicNumber);
        Assert.Equal("MSRASV5.00", Encoding.ASCII.GetString(identification.Message));

        byte[] buffer = new byte[64];
        int length = LcpIdentification.TryWrite(buffer, 2, 0x447e217e, "MSRASV5.00"u8);
        Assert.Equal(18, length);
        Assert.Equal(frame, PppTestFrames.Frame(PppProtocol.Lcp, buffer.AsSpan(0, length)));
    }

    // "ff03c0210c03001f447e217e4d535241532d312d4349..." is cut in the guide: prefix fields only.
    [Fact]
    public void TruncatedPixIdentificationPrefix()
    {
        byte[] prefix = Convert.FromHexString("ff03c0210c03001f447e217e4d535241532d312d4349");
        Assert.Equal(PppFrameError.None, PppFrame.TryParse(prefix, out var ppp));
        Assert.Equal(PppPacketError.LengthExceedsData, PppControlPacket.TryParse(ppp.Information, out _));
        // The same octets with the Length trimmed to what the guide shows parse as an Identification.
        byte[] trimmed = ppp.Information.ToArray();
        trimmed[3] = (byte)trimmed.Length;
        Assert.Equal(LcpPacketError.None, LcpIdentification.TryParse(Packet(Convert.ToHexString(trimmed)), out var identification));
        Assert.Equal(3, identification.Identifier);
        Assert.Equal(0x447e217eu, identification.MagicNumber);
        Assert.Equal("MSRAS-1-CI", Encoding.ASCII.GetString(identification.Message));
    }

    [Fact]
    public void EchoRequestReplyAndDiscard()
    {
        byte[] buffer = new byte[32];
        Assert.Equal(8, LcpEchoPacket.TryWrite(buffer, LcpCode.EchoRequest, 7, 0x5a899b23, []));
        Assert.Equal(Convert.FromHexString("090700085a899b23"), buffer[..8]);

        Assert.Equal(LcpPacketError.None, LcpEchoPacket.TryParse(Packet("0a07000a447e217eabcd"), out var reply));
        Assert.Equal(LcpCode.EchoReply, reply.Code);
        Assert.Equal(7, reply.Identifier);
        Assert.Equal(0x447e217eu, reply.MagicNumber);
        Assert.Equal(Convert.FromHexString("abcd"), reply.Data.ToArray());

        Assert.Equal(LcpPacketError.None, LcpEchoPacket.TryParse(Packet("0b01000800000000"), out var discard));
        Assert.Equal(LcpCode.DiscardRequest, discard.Code);
        Assert.Equal(0u, discard.MagicNumber);
        Assert.True(discard.Data.IsEmpty);
    }

    [Fact]
    public void ProtocolRejectOfCbcp()
    {
        byte[] buffer = new byte[32];
        int length = LcpProtocolReject.TryWrite(buffer, 3, PppProtocol.Cbcp, Convert.FromHexString("01010004"));
        Assert.Equal(10, length);
        Assert.Equal(Convert.FromHexString("0803000ac02901010004"), buffer[..length]);

        Assert.Equal(LcpPacketError.None, LcpProtocolReject.TryParse(Packet("0803000ac02901010004"), out var reject));
        Assert.Equal(3, reject.Identifier);
        Assert.Equal(PppProtocol.Cbcp, reject.RejectedProtocol);
        Assert.Equal(Convert.FromHexString("01010004"), reject.RejectedInformation.ToArray());
    }

    [Fact]
    public void RejectsAreTruncatedToTheMaximumLength()
    {
        byte[] buffer = new byte[64];
        Assert.Equal(9, LcpProtocolReject.TryWrite(buffer, 1, PppProtocol.Ipv6cp, new byte[40], maximumLength: 9));
        Assert.Equal(Convert.FromHexString("0801000980570000"), buffer[..8]);
        Assert.Equal(6, LcpCodeReject.TryWrite(buffer, 2, Convert.FromHexString("0e0100040000"), maximumLength: 6));
        Assert.Equal(Convert.FromHexString("070200060e01"), buffer[..6]);
        Assert.Equal(-1, LcpProtocolReject.TryWrite(buffer, 1, PppProtocol.Ipv6cp, [], maximumLength: 5));
    }

    [Fact]
    public void CodeReject()
    {
        Assert.Equal(LcpPacketError.None, LcpCodeReject.TryParse(Packet("070500080e010004"), out var reject));
        Assert.Equal(5, reject.Identifier);
        Assert.Equal(0x0e, reject.RejectedCode);
        Assert.Equal(Convert.FromHexString("0e010004"), reject.RejectedPacket.ToArray());
    }

    [Fact]
    public void TerminateRequestAndAck()
    {
        byte[] buffer = new byte[16];
        Assert.Equal(4, LcpTerminatePacket.TryWrite(buffer, LcpCode.TerminateAck, 2, []));
        Assert.Equal(Convert.FromHexString("06020004"), buffer[..4]);

        Assert.Equal(LcpPacketError.None, LcpTerminatePacket.TryParse(Packet("050900066279"), out var request));
        Assert.Equal(LcpCode.TerminateRequest, request.Code);
        Assert.Equal(9, request.Identifier);
        Assert.Equal("by", Encoding.ASCII.GetString(request.Data));
    }

    [Fact]
    public void TimeRemaining()
    {
        byte[] buffer = new byte[32];
        int length = LcpTimeRemaining.TryWrite(buffer, 1, 0x11223344, 3600, "hi"u8);
        Assert.Equal(14, length);
        Assert.Equal(Convert.FromHexString("0d01000e1122334400000e106869"), buffer[..length]);

        Assert.Equal(LcpPacketError.None, LcpTimeRemaining.TryParse(Packet("0d01000e1122334400000e106869"), out var time));
        Assert.Equal(1, time.Identifier);
        Assert.Equal(0x11223344u, time.MagicNumber);
        Assert.Equal(3600u, time.SecondsRemaining);
        Assert.Equal("hi", Encoding.ASCII.GetString(time.Message));
    }

    [Fact]
    public void MalformedBodiesGiveThePreciseError()
    {
        Assert.Equal(LcpPacketError.MagicNumberTruncated, LcpEchoPacket.TryParse(Packet("09010007112233"), out _));
        Assert.Equal(LcpPacketError.UnexpectedCode, LcpEchoPacket.TryParse(Packet("0101000811223344"), out _));
        Assert.Equal(LcpPacketError.RejectedProtocolTruncated, LcpProtocolReject.TryParse(Packet("08010005c0"), out _));
        Assert.Equal(LcpPacketError.UnexpectedCode, LcpProtocolReject.TryParse(Packet("07010006c029"), out _));
        Assert.Equal(LcpPacketError.RejectedPacketMissing, LcpCodeReject.TryParse(Packet("07010004"), out _));
        Assert.Equal(LcpPacketError.UnexpectedCode, LcpCodeReject.TryParse(Packet("08010004"), out _));
        Assert.Equal(LcpPacketError.UnexpectedCode, LcpTerminatePacket.TryParse(Packet("07010004"), out _));
        Assert.Equal(LcpPacketError.MagicNumberTruncated, LcpIdentification.TryParse(Packet("0c010006447e"), out _));
        Assert.Equal(LcpPacketError.UnexpectedCode, LcpIdentification.TryParse(Packet("0d010008447e217e"), out _));
        Assert.Equal(LcpPacketError.MagicNumberTruncated, LcpTimeRemaining.TryParse(Packet("0d010006447e"), out _));
        Assert.Equal(LcpPacketError.SecondsRemainingTruncated, LcpTimeRemaining.TryParse(Packet("0d01000b447e217e000e10"), out _));
    }

    [Fact]
    public void WritersRefuseSmallBuffersAndWrongCodes()
    {
        Assert.Equal(-1, LcpEchoPacket.TryWrite(new byte[7], LcpCode.EchoRequest, 1, 1, []));
        Assert.Equal(-1, LcpIdentification.TryWrite(new byte[9], 1, 1, "ab"u8));
        Assert.Equal(-1, LcpTimeRemaining.TryWrite(new byte[11], 1, 1, 1, []));
        Assert.Throws<ArgumentOutOfRangeException>(() => LcpEchoPacket.TryWrite(new byte[16], LcpCode.ConfigureRequest, 1, 1, []));
        Assert.Throws<ArgumentOutOfRangeException>(() => LcpTerminatePacket.TryWrite(new byte[16], LcpCode.EchoReply, 1, []));
    }

    [Fact]
    public void RoundTripsRandomEchoIdentificationAndTimeRemaining()
    {
        Gen.Select(Gen.Byte, Gen.UInt, Gen.UInt, Gen.Byte.Array[0, 60], Gen.OneOfConst(LcpCode.EchoRequest, LcpCode.EchoReply, LcpCode.DiscardRequest))
            .Sample((identifier, magic, seconds, data, code) =>
            {
                byte[] buffer = new byte[80];
                int length = LcpEchoPacket.TryWrite(buffer, code, identifier, magic, data);
                Assert.Equal(PppPacketError.None, PppControlPacket.TryParse(buffer.AsSpan(0, length), out var packet));
                Assert.Equal(LcpPacketError.None, LcpEchoPacket.TryParse(packet, out var echo));
                Assert.Equal(code, echo.Code);
                Assert.Equal(identifier, echo.Identifier);
                Assert.Equal(magic, echo.MagicNumber);
                Assert.Equal(data, echo.Data.ToArray());

                length = LcpIdentification.TryWrite(buffer, identifier, magic, data);
                Assert.Equal(PppPacketError.None, PppControlPacket.TryParse(buffer.AsSpan(0, length), out packet));
                Assert.Equal(LcpPacketError.None, LcpIdentification.TryParse(packet, out var identification));
                Assert.Equal(identifier, identification.Identifier);
                Assert.Equal(magic, identification.MagicNumber);
                Assert.Equal(data, identification.Message.ToArray());

                length = LcpTimeRemaining.TryWrite(buffer, identifier, magic, seconds, data);
                Assert.Equal(PppPacketError.None, PppControlPacket.TryParse(buffer.AsSpan(0, length), out packet));
                Assert.Equal(LcpPacketError.None, LcpTimeRemaining.TryParse(packet, out var time));
                Assert.Equal(magic, time.MagicNumber);
                Assert.Equal(seconds, time.SecondsRemaining);
                Assert.Equal(data, time.Message.ToArray());

                length = LcpProtocolReject.TryWrite(buffer, identifier, (ushort)seconds, data);
                Assert.Equal(PppPacketError.None, PppControlPacket.TryParse(buffer.AsSpan(0, length), out packet));
                Assert.Equal(LcpPacketError.None, LcpProtocolReject.TryParse(packet, out var reject));
                Assert.Equal((ushort)seconds, reject.RejectedProtocol);
                Assert.Equal(data, reject.RejectedInformation.ToArray());
            });
    }

    [Fact]
    public void RandomPacketsNeverThrow()
    {
        Gen.Select(Gen.Byte[0, 16], Gen.Byte, Gen.Byte.Array[0, 12]).Sample((code, identifier, data) =>
        {
            byte[] bytes = [code, identifier, 0, (byte)(4 + data.Length), .. data];
            Assert.Equal(PppPacketError.None, PppControlPacket.TryParse(bytes, out var packet));
            Assert.True(Enum.IsDefined(LcpEchoPacket.TryParse(packet, out _)));
            Assert.True(Enum.IsDefined(LcpProtocolReject.TryParse(packet, out _)));
            Assert.True(Enum.IsDefined(LcpCodeReject.TryParse(packet, out var codeReject)));
            Assert.True(Enum.IsDefined(LcpTerminatePacket.TryParse(packet, out _)));
            Assert.True(Enum.IsDefined(LcpIdentification.TryParse(packet, out _)));
            Assert.True(Enum.IsDefined(LcpTimeRemaining.TryParse(packet, out var time)));
            Assert.True(codeReject.RejectedPacket.Length <= data.Length);
            Assert.True(time.Message.Length <= data.Length);
        });
    }
}
