using System.Buffers.Binary;
using PptpGw.ControlPlane.Pptp;

namespace PptpGw.Tests.ControlPlane.Pptp.Connection;

/// <summary>
/// The client (PNS) side of a control connection in tests: sends messages built with the codecs and reads what
/// the gateway wrote, frame by frame, so tests assert the exact messages on the wire.
/// </summary>
internal sealed class TestPeer(Stream stream) : IAsyncDisposable
{
    /// <summary>A guard against a hung test, not a pacing device: every expected message arrives within it.</summary>
    private static readonly TimeSpan ReceiveGuard = TimeSpan.FromSeconds(20);

    private readonly byte[] _buffer = new byte[4096];
    private int _count;

    public Stream Stream => stream;

    public async Task SendAsync(byte[] frame) => await stream.WriteAsync(frame);

    /// <summary>The next whole message the gateway wrote.</summary>
    public async Task<byte[]> ReceiveAsync()
    {
        using var guard = new CancellationTokenSource(ReceiveGuard);
        while (true)
        {
            PptpFrameStatus status = PptpStreamFramer.Peek(_buffer.AsSpan(0, _count), out int length);
            Assert.False(status.IsCorrupt(), $"the gateway wrote a corrupt stream: {status}");
            if (status == PptpFrameStatus.Complete)
            {
                byte[] frame = _buffer.AsSpan(0, length).ToArray();
                Buffer.BlockCopy(_buffer, length, _buffer, 0, _count - length);
                _count -= length;
                return frame;
            }
            int read = await stream.ReadAsync(_buffer.AsMemory(_count), guard.Token);
            Assert.True(read > 0, "the gateway closed the connection while a message was expected");
            _count += read;
        }
    }

    /// <summary>The next message, which must be of type <typeparamref name="T"/>; <paramref name="check"/> asserts on its fields.</summary>
    public async Task<byte[]> ReceiveAsync<T>(Action<byte[]>? check = null) where T : IPptpControlMessage<T>, allows ref struct
    {
        byte[] frame = await ReceiveAsync();
        Assert.Equal(T.Type, (PptpControlMessageType)BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(8)));
        Assert.Equal(T.MessageLength, frame.Length);
        Assert.Equal(PptpParseError.None, T.TryParse(frame, out T _, PptpReservedFieldPolicy.Reject));
        check?.Invoke(frame);
        return frame;
    }

    /// <summary>The gateway closed TCP, with nothing more written.</summary>
    public async Task ExpectClosedAsync()
    {
        using var guard = new CancellationTokenSource(ReceiveGuard);
        Assert.Equal(0, _count);
        int read = await stream.ReadAsync(_buffer.AsMemory(), guard.Token);
        Assert.True(read == 0, $"expected the connection closed, got {read} more octets: {Convert.ToHexString(_buffer, 0, read)}");
    }

    public ValueTask DisposeAsync() => stream.DisposeAsync();
}

/// <summary>Builders of the messages a Windows/pppd PNS sends, and parsers of what the gateway sends back.</summary>
internal static class Wire
{
    public static byte[] Encode<T>(scoped in T message) where T : IPptpControlMessage<T>, allows ref struct
    {
        byte[] frame = new byte[T.MessageLength];
        Assert.True(message.TryWrite(frame));
        return frame;
    }

    /// <summary>Windows' SCCRQ as in the reference capture (version 1.0, async framing, analog bearer, firmware 0x870).</summary>
    public static byte[] Sccrq(ushort version = PptpControlMessage.ProtocolVersion) => Encode(new StartControlConnectionRequest
    {
        ProtocolVersion = version,
        FramingCapabilities = PptpFramingCapabilities.Asynchronous,
        BearerCapabilities = PptpBearerCapabilities.Analog,
        FirmwareRevision = 0x870,
        VendorString = "Microsoft Windows NT"u8,
    });

    /// <summary>Windows' OCRQ as in the reference capture (call id 0x4000, serial 58613, 300–100000000 bps, any bearer/framing, window 64).</summary>
    public static byte[] Ocrq(ushort callId = 0x4000, ushort window = 64, ushort serial = 58613) => Encode(new OutgoingCallRequest
    {
        CallId = callId,
        CallSerialNumber = serial,
        MinimumBps = 300,
        MaximumBps = 100_000_000,
        BearerType = PptpBearerType.Any,
        FramingType = PptpFramingType.Any,
        PacketRecvWindowSize = window,
    });

    public static byte[] Icrq(ushort callId) => Encode(new IncomingCallRequest { CallId = callId, CallSerialNumber = 7, CallBearerType = PptpBearerType.Analog });
    public static byte[] Sli(ushort ourCallId, uint send, uint receive) => Encode(new SetLinkInfo { PeersCallId = ourCallId, SendAccm = send, ReceiveAccm = receive });
    public static byte[] Wen(ushort callId) => Encode(new WanErrorNotify { PeersCallId = callId, CrcErrors = 3, FramingErrors = 1 });
    public static byte[] EchoRequest(uint id) => Encode(new EchoRequest { Identifier = id });
    public static byte[] EchoReply(uint id) => Encode(new EchoReply { Identifier = id, ResultCode = EchoReplyResultCode.Ok });
    public static byte[] Ccrq(ushort peerCallId) => Encode(new CallClearRequest { CallId = peerCallId });
    public static byte[] Cdn(ushort peerCallId) => Encode(new CallDisconnectNotify { CallId = peerCallId, ResultCode = CallDisconnectResultCode.AdminShutdown });
    public static byte[] StopRequest(StopControlConnectionReason reason = StopControlConnectionReason.None) => Encode(new StopControlConnectionRequest { Reason = reason });
    public static byte[] StopReply() => Encode(new StopControlConnectionReply { ResultCode = StopControlConnectionResultCode.Ok });

    public static StartControlConnectionReply Sccrp(byte[] frame) => Parse<StartControlConnectionReply>(frame);
    public static OutgoingCallReply Ocrp(byte[] frame) => Parse<OutgoingCallReply>(frame);
    public static IncomingCallReply Icrp(byte[] frame) => Parse<IncomingCallReply>(frame);
    public static EchoReply Echorp(byte[] frame) => Parse<EchoReply>(frame);
    public static EchoRequest Echorq(byte[] frame) => Parse<EchoRequest>(frame);
    public static CallDisconnectNotify Cdn(byte[] frame) => Parse<CallDisconnectNotify>(frame);
    public static StopControlConnectionRequest StopRq(byte[] frame) => Parse<StopControlConnectionRequest>(frame);
    public static StopControlConnectionReply StopRp(byte[] frame) => Parse<StopControlConnectionReply>(frame);

    private static T Parse<T>(byte[] frame) where T : IPptpControlMessage<T>, allows ref struct
    {
        Assert.Equal(PptpParseError.None, T.TryParse(frame, out T message, PptpReservedFieldPolicy.Reject));
        return message;
    }
}
