using PptpGw.ControlPlane.Pptp;
using static PptpGw.Tests.ControlPlane.Pptp.PptpTestMessages;

namespace PptpGw.Tests.ControlPlane.Pptp;

/// <summary>
/// Known-answer tests of every field's position, independent of the codec's own offsets: the expected
/// message has octet value i at every offset i after the header (0 in Reserved fields), so each field
/// literal below spells its RFC 2637 offset (e.g. Call ID at octets 12-13 is 0x0C0D). The message built
/// from those literals must write exactly those octets, and parsing them must give the literals back.
/// </summary>
public class PptpLayoutTests
{
    private static byte[] Expected(PptpControlMessageType type)
    {
        byte[] message = ZeroBody(type);
        for (int i = PptpControlMessage.HeaderLength; i < message.Length; i++)
            message[i] = (byte)i;
        foreach (int o in ReservedOffsets(type).Where(o => o >= PptpControlMessage.HeaderLength))
            message[o] = 0;
        return message;
    }

    private static byte[] Seq(int offset, int count) => Enumerable.Range(offset, count).Select(i => (byte)i).ToArray();

    private static byte[] Written<T>(T message) where T : IPptpControlMessage<T>, allows ref struct
    {
        byte[] buffer = new byte[T.MessageLength];
        Assert.True(message.TryWrite(buffer));
        return buffer;
    }

    [Fact]
    public void StartControlConnectionRequest_Layout()
    {
        byte[] expected = Expected(PptpControlMessageType.StartControlConnectionRequest);
        Assert.Equal(expected, Written(new StartControlConnectionRequest
        {
            ProtocolVersion = 0x0C0D, FramingCapabilities = (PptpFramingCapabilities)0x10111213, BearerCapabilities = (PptpBearerCapabilities)0x14151617,
            MaximumChannels = 0x1819, FirmwareRevision = 0x1A1B, HostName = Seq(28, 64), VendorString = Seq(92, 64),
        }));
        Assert.Equal(PptpParseError.None, StartControlConnectionRequest.TryParse(expected, out var m));
        Assert.Equal(0x0C0D, m.ProtocolVersion);
        Assert.Equal(0x10111213u, (uint)m.FramingCapabilities);
        Assert.Equal(0x14151617u, (uint)m.BearerCapabilities);
        Assert.Equal(0x1819, m.MaximumChannels);
        Assert.Equal(0x1A1B, m.FirmwareRevision);
        Assert.Equal(Seq(28, 64), m.HostName.ToArray());
        Assert.Equal(Seq(92, 64), m.VendorString.ToArray());
    }

    [Fact]
    public void StartControlConnectionReply_Layout()
    {
        byte[] expected = Expected(PptpControlMessageType.StartControlConnectionReply);
        Assert.Equal(expected, Written(new StartControlConnectionReply
        {
            ProtocolVersion = 0x0C0D, ResultCode = (StartControlConnectionResultCode)0x0E, ErrorCode = (PptpGeneralErrorCode)0x0F,
            FramingCapabilities = (PptpFramingCapabilities)0x10111213, BearerCapabilities = (PptpBearerCapabilities)0x14151617,
            MaximumChannels = 0x1819, FirmwareRevision = 0x1A1B, HostName = Seq(28, 64), VendorString = Seq(92, 64),
        }));
        Assert.Equal(PptpParseError.None, StartControlConnectionReply.TryParse(expected, out var m));
        Assert.Equal(0x0C0D, m.ProtocolVersion);
        Assert.Equal(0x0E, (byte)m.ResultCode);
        Assert.Equal(0x0F, (byte)m.ErrorCode);
        Assert.Equal(0x10111213u, (uint)m.FramingCapabilities);
        Assert.Equal(0x14151617u, (uint)m.BearerCapabilities);
        Assert.Equal(0x1819, m.MaximumChannels);
        Assert.Equal(0x1A1B, m.FirmwareRevision);
        Assert.Equal(Seq(28, 64), m.HostName.ToArray());
        Assert.Equal(Seq(92, 64), m.VendorString.ToArray());
    }

    [Fact]
    public void StopControlConnectionRequestAndReply_Layout()
    {
        byte[] request = Expected(PptpControlMessageType.StopControlConnectionRequest);
        Assert.Equal(request, Written(new StopControlConnectionRequest { Reason = (StopControlConnectionReason)0x0C }));
        Assert.Equal(PptpParseError.None, StopControlConnectionRequest.TryParse(request, out var rq));
        Assert.Equal(0x0C, (byte)rq.Reason);

        byte[] reply = Expected(PptpControlMessageType.StopControlConnectionReply);
        Assert.Equal(reply, Written(new StopControlConnectionReply { ResultCode = (StopControlConnectionResultCode)0x0C, ErrorCode = (PptpGeneralErrorCode)0x0D }));
        Assert.Equal(PptpParseError.None, StopControlConnectionReply.TryParse(reply, out var rp));
        Assert.Equal(0x0C, (byte)rp.ResultCode);
        Assert.Equal(0x0D, (byte)rp.ErrorCode);
    }

    [Fact]
    public void EchoRequestAndReply_Layout()
    {
        byte[] request = Expected(PptpControlMessageType.EchoRequest);
        Assert.Equal(request, Written(new EchoRequest { Identifier = 0x0C0D0E0F }));
        Assert.Equal(PptpParseError.None, EchoRequest.TryParse(request, out var rq));
        Assert.Equal(0x0C0D0E0Fu, rq.Identifier);

        byte[] reply = Expected(PptpControlMessageType.EchoReply);
        Assert.Equal(reply, Written(new EchoReply { Identifier = 0x0C0D0E0F, ResultCode = (EchoReplyResultCode)0x10, ErrorCode = (PptpGeneralErrorCode)0x11 }));
        Assert.Equal(PptpParseError.None, EchoReply.TryParse(reply, out var rp));
        Assert.Equal(0x0C0D0E0Fu, rp.Identifier);
        Assert.Equal(0x10, (byte)rp.ResultCode);
        Assert.Equal(0x11, (byte)rp.ErrorCode);
    }

    [Fact]
    public void OutgoingCallRequest_Layout()
    {
        byte[] expected = Expected(PptpControlMessageType.OutgoingCallRequest);
        Assert.Equal(expected, Written(new OutgoingCallRequest
        {
            CallId = 0x0C0D, CallSerialNumber = 0x0E0F, MinimumBps = 0x10111213, MaximumBps = 0x14151617,
            BearerType = (PptpBearerType)0x18191A1B, FramingType = (PptpFramingType)0x1C1D1E1F, PacketRecvWindowSize = 0x2021,
            PacketProcessingDelay = 0x2223, PhoneNumberLength = 0x2425, PhoneNumber = Seq(40, 64), Subaddress = Seq(104, 64),
        }));
        Assert.Equal(PptpParseError.None, OutgoingCallRequest.TryParse(expected, out var m));
        Assert.Equal(0x0C0D, m.CallId);
        Assert.Equal(0x0E0F, m.CallSerialNumber);
        Assert.Equal(0x10111213u, m.MinimumBps);
        Assert.Equal(0x14151617u, m.MaximumBps);
        Assert.Equal(0x18191A1Bu, (uint)m.BearerType);
        Assert.Equal(0x1C1D1E1Fu, (uint)m.FramingType);
        Assert.Equal(0x2021, m.PacketRecvWindowSize);
        Assert.Equal(0x2223, m.PacketProcessingDelay);
        Assert.Equal(0x2425, m.PhoneNumberLength);
        Assert.Equal(Seq(40, 64), m.PhoneNumber.ToArray());
        Assert.Equal(Seq(104, 64), m.Subaddress.ToArray());
    }

    [Fact]
    public void OutgoingCallReply_Layout()
    {
        byte[] expected = Expected(PptpControlMessageType.OutgoingCallReply);
        Assert.Equal(expected, Written(new OutgoingCallReply
        {
            CallId = 0x0C0D, PeersCallId = 0x0E0F, ResultCode = (OutgoingCallResultCode)0x10, ErrorCode = (PptpGeneralErrorCode)0x11,
            CauseCode = 0x1213, ConnectSpeed = 0x14151617, PacketRecvWindowSize = 0x1819, PacketProcessingDelay = 0x1A1B, PhysicalChannelId = 0x1C1D1E1F,
        }));
        Assert.Equal(PptpParseError.None, OutgoingCallReply.TryParse(expected, out var m));
        Assert.Equal(0x0C0D, m.CallId);
        Assert.Equal(0x0E0F, m.PeersCallId);
        Assert.Equal(0x10, (byte)m.ResultCode);
        Assert.Equal(0x11, (byte)m.ErrorCode);
        Assert.Equal(0x1213, m.CauseCode);
        Assert.Equal(0x14151617u, m.ConnectSpeed);
        Assert.Equal(0x1819, m.PacketRecvWindowSize);
        Assert.Equal(0x1A1B, m.PacketProcessingDelay);
        Assert.Equal(0x1C1D1E1Fu, m.PhysicalChannelId);
    }

    [Fact]
    public void IncomingCallRequest_Layout()
    {
        byte[] expected = Expected(PptpControlMessageType.IncomingCallRequest);
        Assert.Equal(expected, Written(new IncomingCallRequest
        {
            CallId = 0x0C0D, CallSerialNumber = 0x0E0F, CallBearerType = (PptpBearerType)0x10111213, PhysicalChannelId = 0x14151617,
            DialedNumberLength = 0x1819, DialingNumberLength = 0x1A1B, DialedNumber = Seq(28, 64), DialingNumber = Seq(92, 64), Subaddress = Seq(156, 64),
        }));
        Assert.Equal(PptpParseError.None, IncomingCallRequest.TryParse(expected, out var m));
        Assert.Equal(0x0C0D, m.CallId);
        Assert.Equal(0x0E0F, m.CallSerialNumber);
        Assert.Equal(0x10111213u, (uint)m.CallBearerType);
        Assert.Equal(0x14151617u, m.PhysicalChannelId);
        Assert.Equal(0x1819, m.DialedNumberLength);
        Assert.Equal(0x1A1B, m.DialingNumberLength);
        Assert.Equal(Seq(28, 64), m.DialedNumber.ToArray());
        Assert.Equal(Seq(92, 64), m.DialingNumber.ToArray());
        Assert.Equal(Seq(156, 64), m.Subaddress.ToArray());
    }

    [Fact]
    public void IncomingCallReply_Layout()
    {
        byte[] expected = Expected(PptpControlMessageType.IncomingCallReply);
        Assert.Equal(expected, Written(new IncomingCallReply
        {
            CallId = 0x0C0D, PeersCallId = 0x0E0F, ResultCode = (IncomingCallResultCode)0x10, ErrorCode = (PptpGeneralErrorCode)0x11,
            PacketRecvWindowSize = 0x1213, PacketTransmitDelay = 0x1415,
        }));
        Assert.Equal(PptpParseError.None, IncomingCallReply.TryParse(expected, out var m));
        Assert.Equal(0x0C0D, m.CallId);
        Assert.Equal(0x0E0F, m.PeersCallId);
        Assert.Equal(0x10, (byte)m.ResultCode);
        Assert.Equal(0x11, (byte)m.ErrorCode);
        Assert.Equal(0x1213, m.PacketRecvWindowSize);
        Assert.Equal(0x1415, m.PacketTransmitDelay);
    }

    [Fact]
    public void IncomingCallConnected_Layout()
    {
        byte[] expected = Expected(PptpControlMessageType.IncomingCallConnected);
        Assert.Equal(expected, Written(new IncomingCallConnected
        {
            PeersCallId = 0x0C0D, ConnectSpeed = 0x10111213, PacketRecvWindowSize = 0x1415, PacketTransmitDelay = 0x1617,
            FramingType = (PptpFramingType)0x18191A1B,
        }));
        Assert.Equal(PptpParseError.None, IncomingCallConnected.TryParse(expected, out var m));
        Assert.Equal(0x0C0D, m.PeersCallId);
        Assert.Equal(0x10111213u, m.ConnectSpeed);
        Assert.Equal(0x1415, m.PacketRecvWindowSize);
        Assert.Equal(0x1617, m.PacketTransmitDelay);
        Assert.Equal(0x18191A1Bu, (uint)m.FramingType);
    }

    [Fact]
    public void CallClearRequestAndCallDisconnectNotify_Layout()
    {
        byte[] clear = Expected(PptpControlMessageType.CallClearRequest);
        Assert.Equal(clear, Written(new CallClearRequest { CallId = 0x0C0D }));
        Assert.Equal(PptpParseError.None, CallClearRequest.TryParse(clear, out var c));
        Assert.Equal(0x0C0D, c.CallId);

        byte[] notify = Expected(PptpControlMessageType.CallDisconnectNotify);
        Assert.Equal(notify, Written(new CallDisconnectNotify
        {
            CallId = 0x0C0D, ResultCode = (CallDisconnectResultCode)0x0E, ErrorCode = (PptpGeneralErrorCode)0x0F, CauseCode = 0x1011,
            CallStatistics = Seq(20, 128),
        }));
        Assert.Equal(PptpParseError.None, CallDisconnectNotify.TryParse(notify, out var n));
        Assert.Equal(0x0C0D, n.CallId);
        Assert.Equal(0x0E, (byte)n.ResultCode);
        Assert.Equal(0x0F, (byte)n.ErrorCode);
        Assert.Equal(0x1011, n.CauseCode);
        Assert.Equal(Seq(20, 128), n.CallStatistics.ToArray());
    }

    [Fact]
    public void WanErrorNotifyAndSetLinkInfo_Layout()
    {
        byte[] wen = Expected(PptpControlMessageType.WanErrorNotify);
        Assert.Equal(wen, Written(new WanErrorNotify
        {
            PeersCallId = 0x0C0D, CrcErrors = 0x10111213, FramingErrors = 0x14151617, HardwareOverruns = 0x18191A1B,
            BufferOverruns = 0x1C1D1E1F, TimeoutErrors = 0x20212223, AlignmentErrors = 0x24252627,
        }));
        Assert.Equal(PptpParseError.None, WanErrorNotify.TryParse(wen, out var w));
        Assert.Equal(0x0C0D, w.PeersCallId);
        Assert.Equal(0x10111213u, w.CrcErrors);
        Assert.Equal(0x14151617u, w.FramingErrors);
        Assert.Equal(0x18191A1Bu, w.HardwareOverruns);
        Assert.Equal(0x1C1D1E1Fu, w.BufferOverruns);
        Assert.Equal(0x20212223u, w.TimeoutErrors);
        Assert.Equal(0x24252627u, w.AlignmentErrors);

        byte[] sli = Expected(PptpControlMessageType.SetLinkInfo);
        Assert.Equal(sli, Written(new SetLinkInfo { PeersCallId = 0x0C0D, SendAccm = 0x10111213, ReceiveAccm = 0x14151617 }));
        Assert.Equal(PptpParseError.None, SetLinkInfo.TryParse(sli, out var s));
        Assert.Equal(0x0C0D, s.PeersCallId);
        Assert.Equal(0x10111213u, s.SendAccm);
        Assert.Equal(0x14151617u, s.ReceiveAccm);
    }

    [Fact]
    public void ParsingAndWritingDoNotAllocate()
    {
        foreach (var type in AllTypes)
        {
            byte[] input = Expected(type);
            byte[] output = new byte[PptpControlMessage.MaximumLength];
            long allocated = type switch
            {
                PptpControlMessageType.StartControlConnectionRequest => Allocated<StartControlConnectionRequest>(input, output),
                PptpControlMessageType.StartControlConnectionReply => Allocated<StartControlConnectionReply>(input, output),
                PptpControlMessageType.StopControlConnectionRequest => Allocated<StopControlConnectionRequest>(input, output),
                PptpControlMessageType.StopControlConnectionReply => Allocated<StopControlConnectionReply>(input, output),
                PptpControlMessageType.EchoRequest => Allocated<EchoRequest>(input, output),
                PptpControlMessageType.EchoReply => Allocated<EchoReply>(input, output),
                PptpControlMessageType.OutgoingCallRequest => Allocated<OutgoingCallRequest>(input, output),
                PptpControlMessageType.OutgoingCallReply => Allocated<OutgoingCallReply>(input, output),
                PptpControlMessageType.IncomingCallRequest => Allocated<IncomingCallRequest>(input, output),
                PptpControlMessageType.IncomingCallReply => Allocated<IncomingCallReply>(input, output),
                PptpControlMessageType.IncomingCallConnected => Allocated<IncomingCallConnected>(input, output),
                PptpControlMessageType.CallClearRequest => Allocated<CallClearRequest>(input, output),
                PptpControlMessageType.CallDisconnectNotify => Allocated<CallDisconnectNotify>(input, output),
                PptpControlMessageType.WanErrorNotify => Allocated<WanErrorNotify>(input, output),
                PptpControlMessageType.SetLinkInfo => Allocated<SetLinkInfo>(input, output),
                _ => throw new InvalidOperationException(),
            };
            Assert.Equal(0, allocated);
            Assert.Equal(input, output[..input.Length]);
        }
    }

    private static long Allocated<T>(byte[] input, byte[] output) where T : IPptpControlMessage<T>, allows ref struct
    {
        Assert.True(Run(input, output)); // JIT and static initialisation first
        bool ok = true;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
            ok &= Run(input, output);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(ok);
        return allocated;

        // No assertions inside the measured loop: xunit's comparers allocate.
        static bool Run(byte[] input, byte[] output) =>
            T.TryParse(input, out T message) == PptpParseError.None
            && message.TryWrite(output)
            && PptpStreamFramer.Peek(input, out _) == PptpFrameStatus.Complete
            && PptpControlHeader.TryParse(input, out _) == PptpParseError.None;
    }
}
