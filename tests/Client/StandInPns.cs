using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using PptpGw.Client;
using PptpGw.ControlPlane.Config;
using PptpGw.ControlPlane.Pools;
using PptpGw.ControlPlane.Ppp;
using PptpGw.ControlPlane.Ppp.Auth;
using PptpGw.ControlPlane.Ppp.Ccp;
using PptpGw.ControlPlane.Ppp.Ipcp;
using PptpGw.ControlPlane.Ppp.Lcp;
using PptpGw.ControlPlane.Ppp.Session;
using PptpGw.ControlPlane.Pptp;
using PptpGw.Dataplane.Mppe;
using PptpGw.Dataplane.Packets;

namespace PptpGw.Tests.Client;

/// <summary>How the stand-in server behaves.</summary>
internal sealed record StandInPnsOptions
{
    public string User { get; init; } = "alice";
    public string Password { get; init; } = "wonderland";
    public PppAuthProtocol[] Authentication { get; init; } = [PppAuthProtocol.MsChapV2];
    /// <summary>Null: no MPPE offered.</summary>
    public MppePolicy? Mppe { get; init; } = new(MppePolicy.StrengthBits, Required: true, PreferStateless: true);
    public StartControlConnectionResultCode ControlResult { get; init; } = StartControlConnectionResultCode.Successful;
    public OutgoingCallResultCode CallResult { get; init; } = OutgoingCallResultCode.Connected;
    /// <summary>Never answer the Start-Control-Connection-Request (time-out tests).</summary>
    public bool Mute { get; init; }
    public ushort CallId { get; init; } = 0x4242;
    /// <summary>Listen on 127.0.0.2 and carry GRE over a real raw socket (root only) instead of the in-memory pair.</summary>
    public bool RawGre { get; init; }
}

/// <summary>
/// A stand-in PPTP server (PNS side) for the client tests, NOT the gateway: a loopback TCP listener answering the control
/// messages with the ControlPlane codecs, a server-role <see cref="PppSession"/>, and a deliberately plain GRE/MPPE
/// data handler written independently of the client's data path (full PPP headers, its own sequencing), which answers
/// ICMP echo requests. GRE runs over an in-memory transport pair, so no root is needed.
/// </summary>
internal sealed class StandInPns : IAsyncDisposable
{
    public static readonly IPAddress ServerTunnelAddress = IPAddress.Parse("198.19.0.1");
    public const string FirstClientAddress = "198.19.0.10";

    private readonly StandInPnsOptions _options;
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accept;
    private readonly Lock _txLock = new();
    private NetworkStream? _stream;
    private IGreTransport? _gre;
    private PppSession? _session;
    private Thread? _greThread;
    private uint _txSeq;
    private uint _lastRxSeq;
    private bool _rxSeen;
    private bool _mppe;
    private MppeSender _mppeTx;
    private MppeReceiver _mppeRx;
    private ushort _clientCallId;

    public StandInPns(StandInPnsOptions? options = null)
    {
        _options = options ?? new StandInPnsOptions();
        _listener = new TcpListener(_options.RawGre ? RawAddress : IPAddress.Loopback, 0);
        _listener.Start();
        _accept = Task.Run(AcceptAsync);
    }

    /// <summary>The server's address in <see cref="StandInPnsOptions.RawGre"/> mode (loopback, so nothing leaves the host).</summary>
    public static readonly IPAddress RawAddress = IPAddress.Parse("127.0.0.2");

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Every control message type received, in order.</summary>
    public ConcurrentQueue<PptpControlMessageType> ControlReceived { get; } = new();
    /// <summary>Echo-Reply identifiers received.</summary>
    public ConcurrentQueue<uint> EchoReplies { get; } = new();
    /// <summary>LCP codes the server's session received (from the client).</summary>
    public ConcurrentQueue<byte> LcpCodesReceived { get; } = new();
    public PppLinkResult? ServerLink { get; private set; }
    public string? ServerDownReason { get; private set; }
    public ushort ClientWindow { get; private set; }
    public int IcmpEchoesAnswered;
    public int GreAckOnlyReceived;
    public int GreDataReceived;
    public int EncryptedReceived;
    public int ClearIpReceived;

    /// <summary>Return false to drop a packet the server sends (loss injection).</summary>
    public Func<byte[], bool>? DropFilter { get; set; }

    /// <summary>The client's transport factory for <see cref="PptpClientOptions.GreTransportFactory"/>.</summary>
    public IGreTransport CreateClientTransport(IPAddress local, IPAddress server)
    {
        Assert.Equal(IPAddress.Loopback, server);
        var (client, serverEnd) = MemoryGreTransport.CreatePair();
        serverEnd.SendFilter = packet => DropFilter?.Invoke(packet) != false;
        _gre?.Dispose();
        _gre = serverEnd;
        return client;
    }

    public PptpClientOptions ClientOptions(string? password = null) => new()
    {
        Server = IPAddress.Loopback,
        Port = Port,
        UserName = _options.User,
        Password = password ?? _options.Password,
        GreTransportFactory = CreateClientTransport,
        InterfaceFactory = settings => new MemoryTunnelInterface(settings),
        ConnectTimeout = TimeSpan.FromSeconds(20),
        HangUpStepTimeout = TimeSpan.FromSeconds(2),
    };

    // ------------------------------------------------------------------ control connection

    private async Task AcceptAsync()
    {
        try
        {
            using TcpClient tcp = await _listener.AcceptTcpClientAsync(_stop.Token);
            _stream = tcp.GetStream();
            if (_options.RawGre)
                _gre = new RawGreTransport(RawAddress, ((IPEndPoint)tcp.Client.RemoteEndPoint!).Address);
            byte[] buffer = new byte[4096];
            int count = 0;
            while (!_stop.IsCancellationRequested)
            {
                PptpFrameStatus status = PptpStreamFramer.Peek(buffer.AsSpan(0, count), out int length);
                Assert.False(status.IsCorrupt(), $"client sent a corrupt stream: {status}");
                if (status == PptpFrameStatus.Complete)
                {
                    byte[] message = buffer.AsSpan(0, length).ToArray();
                    buffer.AsSpan(length, count - length).CopyTo(buffer);
                    count -= length;
                    if (!await HandleAsync(message))
                        return;
                    continue;
                }
                int read = await _stream.ReadAsync(buffer.AsMemory(count), _stop.Token);
                if (read == 0)
                    return;
                count += read;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException or SocketException)
        {
        }
    }

    private async Task<bool> HandleAsync(byte[] message)
    {
        Assert.Equal(PptpParseError.None, PptpControlHeader.TryParse(message, out PptpControlHeader header));
        ControlReceived.Enqueue(header.ControlMessageType);
        switch (header.ControlMessageType)
        {
            case PptpControlMessageType.StartControlConnectionRequest:
                Assert.Equal(PptpParseError.None, StartControlConnectionRequest.TryParse(message, out var sccrq));
                Assert.Equal(PptpControlMessage.ProtocolVersion, sccrq.ProtocolVersion);
                if (!_options.Mute)
                    await SendAsync(Sccrp());
                return true;
            case PptpControlMessageType.OutgoingCallRequest:
                Assert.Equal(PptpParseError.None, OutgoingCallRequest.TryParse(message, out var ocrq));
                _clientCallId = ocrq.CallId;
                ClientWindow = ocrq.PacketRecvWindowSize;
                await SendAsync(Ocrp(ocrq.CallId));
                if (_options.CallResult == OutgoingCallResultCode.Connected)
                    StartPpp();
                return true;
            case PptpControlMessageType.EchoReply:
                Assert.Equal(PptpParseError.None, EchoReply.TryParse(message, out var echoReply));
                EchoReplies.Enqueue(echoReply.Identifier);
                return true;
            case PptpControlMessageType.CallClearRequest:
                Assert.Equal(PptpParseError.None, CallClearRequest.TryParse(message, out var ccrq));
                Assert.Equal(_clientCallId, ccrq.CallId);
                _session?.LowerLayerDown("call cleared by the client");
                await SendAsync(Cdn(CallDisconnectResultCode.Request));
                return true;
            case PptpControlMessageType.StopControlConnectionRequest:
                await SendAsync(Bytes(new StopControlConnectionReply { ResultCode = StopControlConnectionResultCode.Ok }));
                return false;
            default:
                return true;
        }
    }

    public async Task SendAsync(byte[] message) => await _stream!.WriteAsync(message);

    public Task SendEchoRequestAsync(uint identifier) => SendAsync(Bytes(new EchoRequest { Identifier = identifier }));

    public Task SendStopAsync() =>
        SendAsync(Bytes(new StopControlConnectionRequest { Reason = StopControlConnectionReason.StopLocalShutdown }));

    public Task SendCallDisconnectAsync() => SendAsync(Cdn(CallDisconnectResultCode.AdminShutdown));

    private byte[] Sccrp() => Bytes(new StartControlConnectionReply
    {
        ProtocolVersion = PptpControlMessage.ProtocolVersion,
        ResultCode = _options.ControlResult,
        FramingCapabilities = PptpFramingCapabilities.Asynchronous | PptpFramingCapabilities.Synchronous,
        BearerCapabilities = PptpBearerCapabilities.Analog | PptpBearerCapabilities.Digital,
        HostName = "stand-in"u8,
        VendorString = "tests"u8,
    });

    private byte[] Ocrp(ushort peersCallId) => Bytes(new OutgoingCallReply
    {
        CallId = _options.CallId,
        PeersCallId = peersCallId,
        ResultCode = _options.CallResult,
        ConnectSpeed = 10_000_000,
        PacketRecvWindowSize = 32,
    });

    private byte[] Cdn(CallDisconnectResultCode result) => Bytes(new CallDisconnectNotify { CallId = _options.CallId, ResultCode = result });

    private static byte[] Bytes<T>(T message) where T : IPptpControlMessage<T>, allows ref struct
    {
        byte[] buffer = new byte[T.MessageLength];
        Assert.True(message.TryWrite(buffer));
        return buffer;
    }

    // ------------------------------------------------------------------ PPP and GRE (server side)

    private void StartPpp()
    {
        Assert.NotNull(_gre);
        var pool = new IpLocalPool("standin", [new Ipv4Range(Ip(FirstClientAddress), Ip("198.19.0.50"))]);
        var options = new PppSessionOptions
        {
            Role = PppRole.Server,
            Lcp = new LcpLayerOptions { AuthenticationProtocols = [.. _options.Authentication] },
            Ipcp = new IpcpLayerOptions { LocalAddress = Ip("198.19.0.1"), PrimaryDns = Ip("198.19.0.53") },
            Mppe = _options.Mppe,
            Authenticator = new LocalPppAuthenticator(new VpdnUserCredentialStore([new VpdnUser(_options.User, _options.Password)])),
            Authentication = new PppAuthServerOptions { RequireMppeKeys = _options.Mppe is not null, MaxAttempts = 1 },
            AddressPool = pool,
        };
        _session = new PppSession(options, SendPpp, new Observer(this), name: "stand-in");
        _session.Start(); // before the GRE loop: LCP must leave Initial before the client's Configure-Request is handed to it
        _greThread = new Thread(GreLoop) { IsBackground = true, Name = "stand-in-gre" };
        _greThread.Start();
    }

    private static uint Ip(string text)
    {
        Assert.True(Ipv4.TryParse(text, out uint address));
        return address;
    }

    /// <summary>Sends a framed PPP frame in GRE with our own sequence numbers, acknowledging the last packet seen.</summary>
    private void SendPpp(ReadOnlySpan<byte> frame)
    {
        lock (_txLock)
        {
            byte[] packet = new byte[16 + frame.Length];
            bool ack = _rxSeen;
            int header = EnhancedGreWriter.TryWriteDataHeader(packet, 0, _clientCallId, frame.Length, _txSeq++, ack, _lastRxSeq);
            frame.CopyTo(packet.AsSpan(header));
            _gre!.Send(packet.AsSpan(0, header + frame.Length));
        }
    }

    /// <summary>Assertion failures on the GRE thread (a background thread must not throw).</summary>
    public ConcurrentQueue<Exception> Failures { get; } = new();

    private void GreLoop()
    {
        byte[] buffer = new byte[4096];
        while (!_stop.IsCancellationRequested)
        {
            if (!_gre!.TryReceive(buffer, out int length, 50))
                continue;
            try
            {
                HandleGre(buffer.AsSpan(0, length));
            }
            catch (Exception e)
            {
                Failures.Enqueue(e);
            }
        }
    }

    private void HandleGre(ReadOnlySpan<byte> packet)
    {
        Assert.Equal(EnhancedGreError.None, EnhancedGrePacket.TryParse(packet, out EnhancedGrePacket gre));
        Assert.Equal(_options.CallId, gre.CallId);
        if (!gre.SequenceNumberPresent)
        {
            Interlocked.Increment(ref GreAckOnlyReceived);
            return;
        }
        Interlocked.Increment(ref GreDataReceived);
        lock (_txLock)
        {
            _lastRxSeq = gre.SequenceNumber;
            _rxSeen = true;
        }
        byte[] frame = gre.Payload.ToArray();
        Assert.Equal(PppFrameError.None, PppFrame.TryParse(frame, out PppFrame ppp));
        if (ppp.Protocol == PppProtocol.CompressedDatagram)
        {
            Interlocked.Increment(ref EncryptedReceived);
            byte[] mppe = ppp.Information.ToArray();
            MppeDropReason reason;
            lock (_txLock)
                reason = _mppeRx.Decrypt(mppe);
            Assert.Equal(MppeDropReason.None, reason);
            Assert.Equal(PppFrameError.None, PppFrame.TryParse(mppe.AsSpan(2), out PppFrame inner));
            Assert.Equal(PppProtocol.Ipv4, inner.Protocol);
            AnswerIcmp(inner.Information.ToArray());
        }
        else if (ppp.Protocol == PppProtocol.Ipv4)
        {
            Interlocked.Increment(ref ClearIpReceived);
            Assert.False(_mppe, "clear IPv4 while MPPE is up");
            AnswerIcmp(ppp.Information.ToArray());
        }
        else
        {
            if (ppp.Protocol == PppProtocol.Lcp && ppp.Information.Length > 0)
                LcpCodesReceived.Enqueue(ppp.Information[0]);
            _session!.Receive(frame);
        }
    }

    /// <summary>Turns an ICMP echo request into the reply and sends it back (full PPP header, MPPE when up).</summary>
    private void AnswerIcmp(byte[] ip)
    {
        Assert.Equal(Ipv4Error.None, Ipv4Header.TryParse(ip, out Ipv4Header header));
        if (header.Protocol != Ipv4Header.ProtocolIcmp || header.Payload[0] != 8)
            return;
        byte[] reply = MakeEchoReply(ip);
        Interlocked.Increment(ref IcmpEchoesAnswered);
        lock (_txLock)
        {
            byte[] frame;
            if (_mppe)
            {
                frame = new byte[4 + 2 + 2 + reply.Length];
                BinaryPrimitives.WriteUInt32BigEndian(frame, 0xFF0300FD);
                BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(6), PppProtocol.Ipv4);
                reply.CopyTo(frame, 8);
                Assert.Equal(MppeDropReason.None, _mppeTx.Encrypt(frame.AsSpan(4)));
            }
            else
            {
                frame = new byte[4 + reply.Length];
                BinaryPrimitives.WriteUInt32BigEndian(frame, 0xFF030021);
                reply.CopyTo(frame, 4);
            }
            SendPpp(frame);
        }
    }

    public static byte[] MakeEchoReply(byte[] request)
    {
        Assert.Equal(Ipv4Error.None, Ipv4Header.TryParse(request, out Ipv4Header header));
        byte[] icmp = header.Payload.ToArray();
        icmp[0] = 0; // echo reply (RFC 792)
        icmp[2] = icmp[3] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(icmp.AsSpan(2), InternetChecksum.Compute(icmp));
        byte[] reply = new byte[20 + icmp.Length];
        Ipv4HeaderWriter.TryWriteHeader(reply, header.DestinationAddress, header.SourceAddress, Ipv4Header.ProtocolIcmp, icmp.Length,
            header.Identification, 64);
        icmp.CopyTo(reply, 20);
        return reply;
    }

    /// <summary>An ICMP echo request from <paramref name="source"/> to <paramref name="destination"/>.</summary>
    public static byte[] MakeEchoRequest(IPAddress source, IPAddress destination, ushort identifier, ushort sequence, int payload = 56)
    {
        byte[] icmp = new byte[8 + payload];
        icmp[0] = 8;
        BinaryPrimitives.WriteUInt16BigEndian(icmp.AsSpan(4), identifier);
        BinaryPrimitives.WriteUInt16BigEndian(icmp.AsSpan(6), sequence);
        for (int i = 8; i < icmp.Length; i++)
            icmp[i] = (byte)(i * 7 + sequence);
        BinaryPrimitives.WriteUInt16BigEndian(icmp.AsSpan(2), InternetChecksum.Compute(icmp));
        byte[] packet = new byte[20 + icmp.Length];
        Ipv4HeaderWriter.TryWriteHeader(packet, Ipv4.FromIPAddress(source), Ipv4.FromIPAddress(destination), Ipv4Header.ProtocolIcmp,
            icmp.Length, sequence, 64);
        icmp.CopyTo(packet, 20);
        return packet;
    }

    private void OnLinkUp(PppLinkResult result)
    {
        ServerLink = result;
        lock (_txLock)
        {
            if (result.Mppe is { } keys)
            {
                _mppeTx.Initialize(keys.SendStartKey, keys.Strength, keys.Stateless);
                _mppeRx.Initialize(keys.ReceiveStartKey, keys.Strength, keys.Stateless);
                _mppe = true;
            }
        }
    }

    private sealed class Observer(StandInPns owner) : IPppSessionObserver
    {
        public void LinkUp(PppSession session, PppLinkResult result) => owner.OnLinkUp(result);
        public void LinkDown(PppSession session, PppLinkDown down) => owner.ServerDownReason ??= down.Detail;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accept;
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
        }
        _greThread?.Join();
        _session?.Dispose();
        _gre?.Dispose();
    }
}
