using System.Buffers.Binary;
using PptpGw.ControlPlane.Pptp;

namespace PptpGw.Client;

/// <summary>
/// One received PPTP control message, decoded into plain fields so async code can keep it (the codecs are ref structs).
/// Fields that the message type does not have are 0.
/// </summary>
public readonly record struct ControlMessage(
    PptpControlMessageType Type,
    byte ResultCode,
    PptpGeneralErrorCode ErrorCode,
    ushort CallId,
    ushort PeersCallId,
    uint Identifier,
    ushort PacketRecvWindowSize,
    ushort CauseCode,
    string Text)
{
    /// <summary>Decodes a framed message with the ControlPlane codecs; null (never an exception) when it does not parse.</summary>
    public static ControlMessage? Decode(ReadOnlySpan<byte> m, out PptpParseError error)
    {
        error = PptpControlHeader.TryParse(m, out PptpControlHeader header);
        if (error != PptpParseError.None)
            return null;
        PptpControlMessageType type = header.ControlMessageType;
        switch (type)
        {
            case PptpControlMessageType.StartControlConnectionReply:
                if ((error = StartControlConnectionReply.TryParse(m, out var sccrp)) != PptpParseError.None)
                    return null;
                return new(type, (byte)sccrp.ResultCode, sccrp.ErrorCode, 0, 0, 0, 0, 0, PptpString.ToLogString(sccrp.HostName));
            case PptpControlMessageType.StopControlConnectionRequest:
                if ((error = StopControlConnectionRequest.TryParse(m, out var stop)) != PptpParseError.None)
                    return null;
                return new(type, (byte)stop.Reason, 0, 0, 0, 0, 0, 0, string.Empty);
            case PptpControlMessageType.StopControlConnectionReply:
                if ((error = StopControlConnectionReply.TryParse(m, out var stopReply)) != PptpParseError.None)
                    return null;
                return new(type, (byte)stopReply.ResultCode, stopReply.ErrorCode, 0, 0, 0, 0, 0, string.Empty);
            case PptpControlMessageType.EchoRequest:
                if ((error = EchoRequest.TryParse(m, out var echo)) != PptpParseError.None)
                    return null;
                return new(type, 0, 0, 0, 0, echo.Identifier, 0, 0, string.Empty);
            case PptpControlMessageType.EchoReply:
                if ((error = EchoReply.TryParse(m, out var echoReply)) != PptpParseError.None)
                    return null;
                return new(type, (byte)echoReply.ResultCode, echoReply.ErrorCode, 0, 0, echoReply.Identifier, 0, 0, string.Empty);
            case PptpControlMessageType.OutgoingCallReply:
                if ((error = OutgoingCallReply.TryParse(m, out var ocrp)) != PptpParseError.None)
                    return null;
                return new(type, (byte)ocrp.ResultCode, ocrp.ErrorCode, ocrp.CallId, ocrp.PeersCallId, 0, ocrp.PacketRecvWindowSize,
                    ocrp.CauseCode, string.Empty);
            case PptpControlMessageType.CallDisconnectNotify:
                if ((error = CallDisconnectNotify.TryParse(m, out var cdn)) != PptpParseError.None)
                    return null;
                return new(type, (byte)cdn.ResultCode, cdn.ErrorCode, cdn.CallId, 0, 0, 0, cdn.CauseCode, PptpString.ToLogString(cdn.CallStatistics));
            case PptpControlMessageType.SetLinkInfo:
                if ((error = SetLinkInfo.TryParse(m, out var sli)) != PptpParseError.None)
                    return null;
                return new(type, 0, 0, 0, sli.PeersCallId, 0, 0, 0, string.Empty);
            case PptpControlMessageType.CallClearRequest:
                if ((error = CallClearRequest.TryParse(m, out var ccrq)) != PptpParseError.None)
                    return null;
                return new(type, 0, 0, ccrq.CallId, 0, 0, 0, 0, string.Empty);
            default:
                // A message a PNS/PAC never sends to a dialling client (SCCRQ, OCRQ, ICRQ, ...): reported by type only.
                return new(type, 0, 0, 0, 0, 0, 0, 0, string.Empty);
        }
    }
}

/// <summary>The messages the client sends (RFC 2637 §2), built with the ControlPlane codecs.</summary>
public static class ClientControlMessages
{
    /// <summary>Vendor String of our Start-Control-Connection-Request.</summary>
    public const string Vendor = "pptpgw-client";

    /// <summary>RFC 2637 §2.1: version 1.0, both framings and bearers (as pptp-linux), no channels (we are not a PAC with lines).</summary>
    public static byte[] StartControlConnectionRequest(string hostName)
    {
        byte[] host = PptpString.FromAscii(hostName.Length <= PptpString.FieldLength ? hostName : hostName[..PptpString.FieldLength]);
        byte[] vendor = PptpString.FromAscii(Vendor);
        var message = new StartControlConnectionRequest
        {
            ProtocolVersion = PptpControlMessage.ProtocolVersion,
            FramingCapabilities = PptpFramingCapabilities.Asynchronous | PptpFramingCapabilities.Synchronous,
            BearerCapabilities = PptpBearerCapabilities.Analog | PptpBearerCapabilities.Digital,
            MaximumChannels = 0,
            FirmwareRevision = 1,
            HostName = host,
            VendorString = vendor,
        };
        return Write(message);
    }

    /// <summary>RFC 2637 §2.7: our Call ID, any bearer and framing, our receive window, no processing delay.</summary>
    public static byte[] OutgoingCallRequest(ushort callId, ushort serialNumber, ushort receiveWindow) => Write(new OutgoingCallRequest
    {
        CallId = callId,
        CallSerialNumber = serialNumber,
        MinimumBps = 2400,
        MaximumBps = 10_000_000,
        BearerType = PptpBearerType.Any,
        FramingType = PptpFramingType.Any,
        PacketRecvWindowSize = receiveWindow,
        PacketProcessingDelay = 0,
    });

    /// <summary>RFC 2637 §2.6.</summary>
    public static byte[] EchoReply(uint identifier) => Write(new EchoReply { Identifier = identifier, ResultCode = EchoReplyResultCode.Ok });

    /// <summary>RFC 2637 §2.12: clear our call.</summary>
    public static byte[] CallClearRequest(ushort callId) => Write(new CallClearRequest { CallId = callId });

    /// <summary>RFC 2637 §2.3.</summary>
    public static byte[] StopControlConnectionRequest(StopControlConnectionReason reason) =>
        Write(new StopControlConnectionRequest { Reason = reason });

    /// <summary>RFC 2637 §2.4.</summary>
    public static byte[] StopControlConnectionReply() => Write(new StopControlConnectionReply { ResultCode = StopControlConnectionResultCode.Ok });

    private static byte[] Write<T>(T message) where T : IPptpControlMessage<T>, allows ref struct
    {
        byte[] buffer = new byte[T.MessageLength];
        if (!message.TryWrite(buffer))
            throw new InvalidOperationException($"{T.Type.RfcName()} did not fit its own length");
        return buffer;
    }
}

/// <summary>
/// The TCP control connection from the client's side: writes whole messages (one writer at a time) and reads the stream
/// framed by <see cref="PptpStreamFramer"/>. A corrupt stream ends the connection (RFC 2637 §1: no resynchronisation).
/// </summary>
internal sealed class PptpControlChannel : IAsyncDisposable
{
    private readonly Stream _stream;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly byte[] _buffer = new byte[4096];
    private int _count;

    public PptpControlChannel(Stream stream) => _stream = stream;

    public async Task SendAsync(byte[] message, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _stream.WriteAsync(message, cancellationToken).ConfigureAwait(false);
            await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>The next message, or null when the server closed the connection.</summary>
    /// <exception cref="PptpClientException">The stream is corrupt or a message does not parse.</exception>
    public async Task<ControlMessage?> ReceiveAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            PptpFrameStatus status = PptpStreamFramer.Peek(_buffer.AsSpan(0, _count), out int length);
            if (status.IsCorrupt())
                throw new PptpClientException(PptpClientFailure.LinkFailed, $"control connection out of sync ({status})");
            if (status == PptpFrameStatus.Complete)
            {
                ControlMessage? message = ControlMessage.Decode(_buffer.AsSpan(0, length), out PptpParseError error);
                _buffer.AsSpan(length, _count - length).CopyTo(_buffer);
                _count -= length;
                if (message is null)
                    throw new PptpClientException(PptpClientFailure.LinkFailed, $"bad control message from the server: {error.ToText()}");
                return message;
            }
            int read = await _stream.ReadAsync(_buffer.AsMemory(_count), cancellationToken).ConfigureAwait(false);
            if (read == 0)
                return null;
            _count += read;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync().ConfigureAwait(false);
        _writeLock.Dispose();
    }
}
