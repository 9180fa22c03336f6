using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using PptpGw.Client;
using PptpGw.ControlPlane.Pptp;
using PptpGw.Dataplane.Packets;

namespace PptpGw.Tests.Integration;

/// <summary>
/// A hand-driven PPTP client (RFC 2637) in the lab's client namespace, for what our well-behaved client never does:
/// going silent on the control connection, or sending a PPP protocol nobody knows. Control messages are built with the
/// control plane's codecs; GRE goes through the client's raw IP protocol 47 transport (<see cref="RawGreTransport"/>).
/// </summary>
internal sealed class RawPptpPeer : IDisposable
{
    private readonly Socket _tcp;
    private RawGreTransport? _gre;
    private uint _sequence;

    private RawPptpPeer(Socket tcp) => _tcp = tcp;

    /// <summary>The gateway's Call ID (from the Outgoing-Call-Reply): the key of the GRE packets we send.</summary>
    public ushort GatewayCallId { get; private set; }

    /// <summary>Our Call ID: the key of the GRE packets the gateway sends us.</summary>
    public ushort CallId { get; } = 0x4242;

    /// <summary>Connects to the gateway's TCP 1723 from <paramref name="lab"/>'s client namespace.</summary>
    public static RawPptpPeer Connect(Lab lab)
    {
        Socket tcp = lab.ClientNamespace.Run(() =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = 10_000 };
            socket.Connect(IPAddress.Parse(Lab.GatewayOutside), PptpControlMessage.TcpPort);
            return socket;
        });
        return new RawPptpPeer(tcp);
    }

    /// <summary>Sends Start-Control-Connection-Request and returns the reply's type.</summary>
    public PptpControlMessageType StartControlConnection()
    {
        byte[] message = new byte[StartControlConnectionRequest.MessageLength];
        Assert.True(new StartControlConnectionRequest
        {
            ProtocolVersion = PptpControlMessage.ProtocolVersion,
            FramingCapabilities = PptpFramingCapabilities.Synchronous,
            BearerCapabilities = PptpBearerCapabilities.Digital,
            HostName = "raw-peer"u8,
            VendorString = "pptpgw integration test"u8,
        }.TryWrite(message));
        _tcp.Send(message);
        return Receive(TimeSpan.FromSeconds(5))?.Type ?? throw new Xunit.Sdk.XunitException("no Start-Control-Connection-Reply");
    }

    /// <summary>Places the call (Outgoing-Call-Request) and opens the raw GRE socket; the reply must say Connected.</summary>
    public void PlaceCall(Lab lab)
    {
        byte[] message = new byte[OutgoingCallRequest.MessageLength];
        Assert.True(new OutgoingCallRequest
        {
            CallId = CallId,
            CallSerialNumber = 1,
            MinimumBps = 300,
            MaximumBps = 100_000_000,
            BearerType = PptpBearerType.Any,
            FramingType = PptpFramingType.Any,
            PacketRecvWindowSize = 64,
        }.TryWrite(message));
        _gre = lab.ClientNamespace.Run(() => new RawGreTransport(IPAddress.Parse(Lab.ClientOutside), IPAddress.Parse(Lab.GatewayOutside)));
        _tcp.Send(message);
        (PptpControlMessageType type, byte[] reply) = Receive(TimeSpan.FromSeconds(5)) ?? throw new Xunit.Sdk.XunitException("no Outgoing-Call-Reply");
        Assert.Equal(PptpControlMessageType.OutgoingCallReply, type);
        Assert.Equal(PptpParseError.None, OutgoingCallReply.TryParse(reply, out OutgoingCallReply ocrp));
        Assert.Equal(OutgoingCallResultCode.Connected, ocrp.ResultCode);
        Assert.Equal(CallId, ocrp.PeersCallId);
        GatewayCallId = ocrp.CallId;
    }

    /// <summary>
    /// Reads one control message (the 2-octet Length first, RFC 2637 §2); null when the gateway closed the connection
    /// or nothing came within <paramref name="timeout"/>.
    /// </summary>
    public (PptpControlMessageType Type, byte[] Message)? Receive(TimeSpan timeout)
    {
        _tcp.ReceiveTimeout = (int)timeout.TotalMilliseconds;
        byte[] length = new byte[2];
        try
        {
            if (!ReadExactly(length))
                return null;
            byte[] message = new byte[BinaryPrimitives.ReadUInt16BigEndian(length)];
            length.CopyTo(message, 0);
            if (message.Length < PptpControlMessage.HeaderLength || !ReadExactly(message.AsSpan(2)))
                return null;
            return ((PptpControlMessageType)BinaryPrimitives.ReadUInt16BigEndian(message.AsSpan(8)), message);
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock or SocketError.ConnectionReset)
        {
            return null;
        }
    }

    /// <summary>True when the gateway has closed the TCP connection (a read returns end of stream).</summary>
    public bool IsClosedByPeer(TimeSpan timeout)
    {
        _tcp.ReceiveTimeout = (int)timeout.TotalMilliseconds;
        try
        {
            byte[] buffer = new byte[256];
            int n;
            while ((n = _tcp.Receive(buffer)) > 0)
            {
            }
            return true;
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Sends one PPP frame (address/control included) in a GRE data packet with the next sequence number.</summary>
    public void SendPpp(ReadOnlySpan<byte> frame)
    {
        byte[] packet = new byte[16 + frame.Length];
        int header = EnhancedGreWriter.TryWriteDataHeader(packet, 0, GatewayCallId, frame.Length, _sequence++, false, 0);
        Assert.True(header > 0);
        frame.CopyTo(packet.AsSpan(header));
        _gre!.Send(packet.AsSpan(0, header + frame.Length));
    }

    /// <summary>Receives PPP frames from the gateway until <paramref name="match"/> accepts one or the time is up.</summary>
    public byte[]? ReceivePpp(Func<byte[], bool> match, TimeSpan timeout)
    {
        byte[] buffer = new byte[2048];
        DateTime end = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < end)
        {
            if (!_gre!.TryReceive(buffer, out int n, 200))
                continue;
            if (EnhancedGrePacket.TryParse(buffer.AsSpan(0, n), out EnhancedGrePacket gre) != EnhancedGreError.None
                || gre.CallId != CallId || gre.Payload.IsEmpty)
                continue;
            byte[] frame = gre.Payload.ToArray();
            if (match(frame))
                return frame;
        }
        return null;
    }

    /// <summary>The PPP protocol of a frame, after the optional FF 03 (RFC 1662 §3.2) and with a compressed field (RFC 1661 §6.5).</summary>
    public static (ushort Protocol, int Offset) ProtocolOf(ReadOnlySpan<byte> frame)
    {
        int i = frame.Length >= 2 && frame[0] == 0xFF && frame[1] == 0x03 ? 2 : 0;
        return (frame[i] & 1) == 1 ? (frame[i], i + 1) : (BinaryPrimitives.ReadUInt16BigEndian(frame[i..]), i + 2);
    }

    public void Dispose()
    {
        _gre?.Dispose();
        _tcp.Dispose();
    }

    private bool ReadExactly(Span<byte> destination)
    {
        while (!destination.IsEmpty)
        {
            int n = _tcp.Receive(destination);
            if (n == 0)
                return false;
            destination = destination[n..];
        }
        return true;
    }
}
