using System.Buffers.Binary;
using System.Text;
using CsCheck;
using PptpGw.ControlPlane.Pptp;

namespace PptpGw.Tests.ControlPlane.Pptp;

/// <summary>
/// Property tests: a random valid message (any field values, undefined enum values included, text fields of
/// 0..64 non-NUL octets) is written, the output is exactly MessageLength octets with the right header, it
/// parses back (strictly: no reserved field set) to the same field values, and writing the parsed message
/// reproduces the same octets. Each message type has a plain record of its fields to compare with.
/// </summary>
public class PptpRoundTripTests
{
    private const int Iterations = 300;

    private static readonly Gen<string> Text64 = Gen.Byte[1, 255].Array[0, PptpString.FieldLength].Select(b => Encoding.Latin1.GetString(b));
    private static readonly Gen<string> Text128 = Gen.Byte[1, 255].Array[0, PptpString.CallStatisticsLength].Select(b => Encoding.Latin1.GetString(b));

    private static byte[] Bytes(string text) => Encoding.Latin1.GetBytes(text);
    private static string Text(ReadOnlySpan<byte> field) => Encoding.Latin1.GetString(PptpString.TrimAtNul(field));

    private static void RoundTrip<TMessage, TFields>(Gen<TFields> gen, Func<TFields, TMessage> build, Func<TMessage, TFields> read)
        where TMessage : IPptpControlMessage<TMessage>, allows ref struct
    {
        gen.Sample(fields =>
        {
            TMessage message = build(fields);
            int length = TMessage.MessageLength;
            Assert.Equal(length, PptpControlMessage.FixedLength(TMessage.Type));

            // Too small a destination: refused, nothing written.
            byte[] small = new byte[length - 1];
            Assert.False(message.TryWrite(small));
            Assert.All(small, b => Assert.Equal(0, b));

            // Trailing octets after the message are neither written nor read.
            byte[] buffer = new byte[length + 5];
            buffer.AsSpan(length).Fill(0xAA);
            Assert.True(message.TryWrite(buffer));
            Assert.All(buffer[length..], b => Assert.Equal(0xAA, b));
            Assert.Equal(length, BinaryPrimitives.ReadUInt16BigEndian(buffer));

            Assert.Equal(PptpParseError.None, PptpControlHeader.TryParse(buffer, out PptpControlHeader header));
            Assert.Equal(new PptpControlHeader((ushort)length, PptpMessageType.ControlMessage, 0x1A2B3C4D, TMessage.Type, 0), header);
            Assert.Equal(PptpFrameStatus.Complete, PptpStreamFramer.Peek(buffer, out int framed));
            Assert.Equal(length, framed);

            Assert.Equal(PptpParseError.None, TMessage.TryParse(buffer, out TMessage parsed, PptpReservedFieldPolicy.Reject));
            Assert.False(parsed.ReservedFieldsNonZero);
            Assert.Equal(fields, read(parsed));

            byte[] again = new byte[length];
            Assert.True(parsed.TryWrite(again));
            Assert.Equal(buffer[..length], again);
        }, iter: Iterations, threads: 1);
    }

    private sealed record SccrqFields(ushort Version, uint Framing, uint Bearer, ushort MaxChannels, ushort Firmware, string Host, string Vendor);

    [Fact]
    public void StartControlConnectionRequest_RoundTrips() => RoundTrip(
        Gen.Select(Gen.UShort, Gen.UInt, Gen.UInt, Gen.UShort, Gen.UShort, Text64, Text64, (a, b, c, d, e, f, g) => new SccrqFields(a, b, c, d, e, f, g)),
        f => new StartControlConnectionRequest
        {
            ProtocolVersion = f.Version, FramingCapabilities = (PptpFramingCapabilities)f.Framing, BearerCapabilities = (PptpBearerCapabilities)f.Bearer,
            MaximumChannels = f.MaxChannels, FirmwareRevision = f.Firmware, HostName = Bytes(f.Host), VendorString = Bytes(f.Vendor),
        },
        m => new SccrqFields(m.ProtocolVersion, (uint)m.FramingCapabilities, (uint)m.BearerCapabilities, m.MaximumChannels, m.FirmwareRevision,
            Text(m.HostName), Text(m.VendorString)));

    private sealed record SccrpFields(ushort Version, byte Result, byte Error, uint Framing, uint Bearer, ushort MaxChannels, ushort Firmware, (string Host, string Vendor) Text);

    [Fact]
    public void StartControlConnectionReply_RoundTrips() => RoundTrip(
        Gen.Select(Gen.UShort, Gen.Byte, Gen.Byte, Gen.UInt, Gen.UInt, Gen.UShort, Gen.UShort, Gen.Select(Text64, Text64),
            (a, b, c, d, e, f, g, h) => new SccrpFields(a, b, c, d, e, f, g, h)),
        f => new StartControlConnectionReply
        {
            ProtocolVersion = f.Version, ResultCode = (StartControlConnectionResultCode)f.Result, ErrorCode = (PptpGeneralErrorCode)f.Error,
            FramingCapabilities = (PptpFramingCapabilities)f.Framing, BearerCapabilities = (PptpBearerCapabilities)f.Bearer,
            MaximumChannels = f.MaxChannels, FirmwareRevision = f.Firmware, HostName = Bytes(f.Text.Host), VendorString = Bytes(f.Text.Vendor),
        },
        m => new SccrpFields(m.ProtocolVersion, (byte)m.ResultCode, (byte)m.ErrorCode, (uint)m.FramingCapabilities, (uint)m.BearerCapabilities,
            m.MaximumChannels, m.FirmwareRevision, (Text(m.HostName), Text(m.VendorString))));

    [Fact]
    public void StopControlConnectionRequest_RoundTrips() => RoundTrip(
        Gen.Byte,
        reason => new StopControlConnectionRequest { Reason = (StopControlConnectionReason)reason },
        m => (byte)m.Reason);

    [Fact]
    public void StopControlConnectionReply_RoundTrips() => RoundTrip(
        Gen.Select(Gen.Byte, Gen.Byte),
        f => new StopControlConnectionReply { ResultCode = (StopControlConnectionResultCode)f.Item1, ErrorCode = (PptpGeneralErrorCode)f.Item2 },
        m => ((byte)m.ResultCode, (byte)m.ErrorCode));

    [Fact]
    public void EchoRequest_RoundTrips() => RoundTrip(
        Gen.UInt,
        id => new EchoRequest { Identifier = id },
        m => m.Identifier);

    [Fact]
    public void EchoReply_RoundTrips() => RoundTrip(
        Gen.Select(Gen.UInt, Gen.Byte, Gen.Byte),
        f => new EchoReply { Identifier = f.Item1, ResultCode = (EchoReplyResultCode)f.Item2, ErrorCode = (PptpGeneralErrorCode)f.Item3 },
        m => (m.Identifier, (byte)m.ResultCode, (byte)m.ErrorCode));

    private sealed record OcrqFields(ushort CallId, ushort Serial, uint MinBps, uint MaxBps, uint Bearer, uint Framing, ushort Window, ushort Delay,
        (ushort PhoneLength, string Phone, string Subaddress) Phone);

    [Fact]
    public void OutgoingCallRequest_RoundTrips() => RoundTrip(
        Gen.Select(Gen.UShort, Gen.UShort, Gen.UInt, Gen.UInt, Gen.UInt, Gen.UInt, Gen.UShort, Gen.UShort).Select(Gen.Select(Gen.UShort, Text64, Text64),
            (a, p) => new OcrqFields(a.Item1, a.Item2, a.Item3, a.Item4, a.Item5, a.Item6, a.Item7, a.Item8, p)),
        f => new OutgoingCallRequest
        {
            CallId = f.CallId, CallSerialNumber = f.Serial, MinimumBps = f.MinBps, MaximumBps = f.MaxBps,
            BearerType = (PptpBearerType)f.Bearer, FramingType = (PptpFramingType)f.Framing, PacketRecvWindowSize = f.Window,
            PacketProcessingDelay = f.Delay, PhoneNumberLength = f.Phone.PhoneLength, PhoneNumber = Bytes(f.Phone.Phone), Subaddress = Bytes(f.Phone.Subaddress),
        },
        m => new OcrqFields(m.CallId, m.CallSerialNumber, m.MinimumBps, m.MaximumBps, (uint)m.BearerType, (uint)m.FramingType,
            m.PacketRecvWindowSize, m.PacketProcessingDelay, (m.PhoneNumberLength, Text(m.PhoneNumber), Text(m.Subaddress))));

    private sealed record OcrpFields(ushort CallId, ushort PeersCallId, byte Result, byte Error, ushort Cause, uint Speed, ushort Window, ushort Delay, uint Channel);

    [Fact]
    public void OutgoingCallReply_RoundTrips() => RoundTrip(
        Gen.Select(Gen.UShort, Gen.UShort, Gen.Byte, Gen.Byte, Gen.UShort, Gen.UInt, Gen.UShort, Gen.UShort).Select(Gen.UInt,
            (a, channel) => new OcrpFields(a.Item1, a.Item2, a.Item3, a.Item4, a.Item5, a.Item6, a.Item7, a.Item8, channel)),
        f => new OutgoingCallReply
        {
            CallId = f.CallId, PeersCallId = f.PeersCallId, ResultCode = (OutgoingCallResultCode)f.Result, ErrorCode = (PptpGeneralErrorCode)f.Error,
            CauseCode = f.Cause, ConnectSpeed = f.Speed, PacketRecvWindowSize = f.Window, PacketProcessingDelay = f.Delay, PhysicalChannelId = f.Channel,
        },
        m => new OcrpFields(m.CallId, m.PeersCallId, (byte)m.ResultCode, (byte)m.ErrorCode, m.CauseCode, m.ConnectSpeed,
            m.PacketRecvWindowSize, m.PacketProcessingDelay, m.PhysicalChannelId));

    private sealed record IcrqFields(ushort CallId, ushort Serial, uint Bearer, uint Channel, ushort DialedLength, ushort DialingLength,
        string Dialed, string Dialing, string Subaddress);

    [Fact]
    public void IncomingCallRequest_RoundTrips() => RoundTrip(
        Gen.Select(Gen.UShort, Gen.UShort, Gen.UInt, Gen.UInt, Gen.UShort, Gen.UShort).Select(Gen.Select(Text64, Text64, Text64),
            (a, t) => new IcrqFields(a.Item1, a.Item2, a.Item3, a.Item4, a.Item5, a.Item6, t.Item1, t.Item2, t.Item3)),
        f => new IncomingCallRequest
        {
            CallId = f.CallId, CallSerialNumber = f.Serial, CallBearerType = (PptpBearerType)f.Bearer, PhysicalChannelId = f.Channel,
            DialedNumberLength = f.DialedLength, DialingNumberLength = f.DialingLength,
            DialedNumber = Bytes(f.Dialed), DialingNumber = Bytes(f.Dialing), Subaddress = Bytes(f.Subaddress),
        },
        m => new IcrqFields(m.CallId, m.CallSerialNumber, (uint)m.CallBearerType, m.PhysicalChannelId, m.DialedNumberLength, m.DialingNumberLength,
            Text(m.DialedNumber), Text(m.DialingNumber), Text(m.Subaddress)));

    private sealed record IcrpFields(ushort CallId, ushort PeersCallId, byte Result, byte Error, ushort Window, ushort Delay);

    [Fact]
    public void IncomingCallReply_RoundTrips() => RoundTrip(
        Gen.Select(Gen.UShort, Gen.UShort, Gen.Byte, Gen.Byte, Gen.UShort, Gen.UShort, (a, b, c, d, e, f) => new IcrpFields(a, b, c, d, e, f)),
        f => new IncomingCallReply
        {
            CallId = f.CallId, PeersCallId = f.PeersCallId, ResultCode = (IncomingCallResultCode)f.Result, ErrorCode = (PptpGeneralErrorCode)f.Error,
            PacketRecvWindowSize = f.Window, PacketTransmitDelay = f.Delay,
        },
        m => new IcrpFields(m.CallId, m.PeersCallId, (byte)m.ResultCode, (byte)m.ErrorCode, m.PacketRecvWindowSize, m.PacketTransmitDelay));

    private sealed record IccnFields(ushort PeersCallId, uint Speed, ushort Window, ushort Delay, uint Framing);

    [Fact]
    public void IncomingCallConnected_RoundTrips() => RoundTrip(
        Gen.Select(Gen.UShort, Gen.UInt, Gen.UShort, Gen.UShort, Gen.UInt, (a, b, c, d, e) => new IccnFields(a, b, c, d, e)),
        f => new IncomingCallConnected
        {
            PeersCallId = f.PeersCallId, ConnectSpeed = f.Speed, PacketRecvWindowSize = f.Window, PacketTransmitDelay = f.Delay,
            FramingType = (PptpFramingType)f.Framing,
        },
        m => new IccnFields(m.PeersCallId, m.ConnectSpeed, m.PacketRecvWindowSize, m.PacketTransmitDelay, (uint)m.FramingType));

    [Fact]
    public void CallClearRequest_RoundTrips() => RoundTrip(
        Gen.UShort,
        id => new CallClearRequest { CallId = id },
        m => m.CallId);

    private sealed record CdnFields(ushort CallId, byte Result, byte Error, ushort Cause, string Statistics);

    [Fact]
    public void CallDisconnectNotify_RoundTrips() => RoundTrip(
        Gen.Select(Gen.UShort, Gen.Byte, Gen.Byte, Gen.UShort, Text128, (a, b, c, d, e) => new CdnFields(a, b, c, d, e)),
        f => new CallDisconnectNotify
        {
            CallId = f.CallId, ResultCode = (CallDisconnectResultCode)f.Result, ErrorCode = (PptpGeneralErrorCode)f.Error,
            CauseCode = f.Cause, CallStatistics = Bytes(f.Statistics),
        },
        m => new CdnFields(m.CallId, (byte)m.ResultCode, (byte)m.ErrorCode, m.CauseCode, Text(m.CallStatistics)));

    private sealed record WenFields(ushort PeersCallId, uint Crc, uint Framing, uint Hardware, uint Buffer, uint Timeout, uint Alignment);

    [Fact]
    public void WanErrorNotify_RoundTrips() => RoundTrip(
        Gen.Select(Gen.UShort, Gen.UInt, Gen.UInt, Gen.UInt, Gen.UInt, Gen.UInt, Gen.UInt, (a, b, c, d, e, f, g) => new WenFields(a, b, c, d, e, f, g)),
        f => new WanErrorNotify
        {
            PeersCallId = f.PeersCallId, CrcErrors = f.Crc, FramingErrors = f.Framing, HardwareOverruns = f.Hardware,
            BufferOverruns = f.Buffer, TimeoutErrors = f.Timeout, AlignmentErrors = f.Alignment,
        },
        m => new WenFields(m.PeersCallId, m.CrcErrors, m.FramingErrors, m.HardwareOverruns, m.BufferOverruns, m.TimeoutErrors, m.AlignmentErrors));

    [Fact]
    public void SetLinkInfo_RoundTrips() => RoundTrip(
        Gen.Select(Gen.UShort, Gen.UInt, Gen.UInt),
        f => new SetLinkInfo { PeersCallId = f.Item1, SendAccm = f.Item2, ReceiveAccm = f.Item3 },
        m => (m.PeersCallId, m.SendAccm, m.ReceiveAccm));

    [Fact]
    public void TextFieldsArePaddedWithNulAndAFullFieldHasNone()
    {
        byte[] buffer = new byte[StartControlConnectionRequest.MessageLength];
        byte[] full = Enumerable.Repeat((byte)'v', 64).ToArray();
        Assert.True(new StartControlConnectionRequest { HostName = "local"u8, VendorString = full }.TryWrite(buffer));
        Assert.Equal("local"u8.ToArray(), buffer[28..33]);
        Assert.All(buffer[33..92], b => Assert.Equal(0, b)); // Host Name padding
        Assert.Equal(full, buffer[92..156]);                 // Vendor String fills its field

        Assert.Equal(PptpParseError.None, StartControlConnectionRequest.TryParse(buffer, out var parsed));
        Assert.Equal(64, parsed.HostName.Length); // the raw field
        Assert.Equal("local", PptpString.ToLogString(parsed.HostName));
        Assert.Equal(new string('v', 64), PptpString.ToLogString(parsed.VendorString));
    }

    [Fact]
    public void TextLongerThanItsFieldIsAProgrammerError()
    {
        byte[] tooLong = new byte[65];
        Assert.Throws<ArgumentException>(() => new OutgoingCallRequest { PhoneNumber = tooLong });
        Assert.Throws<ArgumentException>(() => new CallDisconnectNotify { CallStatistics = new byte[129] });
        Assert.Throws<ArgumentException>(() => PptpString.FromAscii(new string('a', 65)));
        Assert.Throws<ArgumentException>(() => PptpString.FromAscii("caf\u00e9"));
        Assert.Equal("Microsoft Windows NT"u8.ToArray(), PptpString.FromAscii("Microsoft Windows NT"));
    }

    [Fact]
    public void LogStringEscapesControlAndNonAsciiOctets()
    {
        Assert.Equal(@"a\x0ab\\c\xff", PptpString.ToLogString([(byte)'a', 0x0a, (byte)'b', (byte)'\\', (byte)'c', 0xff, 0, (byte)'z']));
        Assert.Equal("", PptpString.ToLogString(new byte[64]));
    }
}
