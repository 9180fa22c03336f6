using System.Net;
using System.Net.Sockets;
using PptpGw.ControlPlane.Config;
using PptpGw.ControlPlane.Logging;
using PptpGw.ControlPlane.Ppp.Auth;
using PptpGw.ControlPlane.Ppp.Ccp;
using PptpGw.ControlPlane.Ppp.Session;
using PptpGw.ControlPlane.Pptp;
using PptpGw.Gateway.Hosting;
using PptpGw.Tests.ControlPlane.Pptp.Connection;
using PptpGw.Tests.ControlPlane.Ppp.Session;

namespace PptpGw.Tests.Gateway;

/// <summary>A client-role PPP session's events, awaitable (they arrive on the loopback's pump thread).</summary>
internal sealed class ClientEvents : IPppSessionObserver
{
    public TaskCompletionSource<PppLinkResult> Up { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public TaskCompletionSource<string> Down { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void LinkUp(PppSession session, PppLinkResult result) => Up.TrySetResult(result);
    public void LinkDown(PppSession session, PppLinkDown down) => Down.TrySetResult(down.Detail);
}

/// <summary>The fields of an Outgoing-Call-Reply the tests look at (RFC 2637 §2.8).</summary>
internal sealed record CallReply(OutgoingCallResultCode ResultCode, PptpGeneralErrorCode ErrorCode, ushort CallId, ushort PeersCallId);

/// <summary>One dialled call: the PAC's control connection, the dataplane session and the client's PPP session.</summary>
internal sealed record Dialled(TestPeer Pac, TcpClient Tcp, ushort PeerCallId, ushort CallId, LoopbackDataplane.Entry Entry, PppSession Client, ClientEvents Events)
    : IAsyncDisposable
{
    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Pac.DisposeAsync();
        Tcp.Dispose();
    }
}

/// <summary>
/// A gateway host on loopback TCP with the <see cref="LoopbackDataplane"/>, a captured log, and a test PAC that speaks
/// PPTP with the codecs (SCCRQ, OCRQ) and PPP with a client-role <see cref="PppSession"/>.
/// </summary>
internal sealed class GatewayTestBed : IAsyncDisposable
{
    public const string User = "cisco";
    public const string Password = "cisco";

    public static string Config(string pool = "198.18.1.1-198.18.1.50", string extra = "") => $"""
        ip address outside 127.0.0.1 255.0.0.0
        ip address inside 10.1.1.1 255.255.255.0
        ip local pool pptp-pool {pool}
        vpdn group 1 accept dialin pptp
        vpdn group 1 ppp authentication mschapv2
        vpdn group 1 ppp authentication mschap
        vpdn group 1 ppp encryption mppe 128 required
        vpdn group 1 client configuration address local pptp-pool
        vpdn group 1 client configuration dns 10.1.1.53
        vpdn group 1 client authentication local
        vpdn username {User} password {Password}
        vpdn enable outside
        {extra}
        """;

    private readonly LoopbackDataplane _dataplane;

    private GatewayTestBed(GatewayHost host, CaptureLogSink capture, LoopbackDataplane dataplane)
    {
        Host = host;
        Capture = capture;
        _dataplane = dataplane;
    }

    public GatewayHost Host { get; }
    public CaptureLogSink Capture { get; }
    public LoopbackDataplane Dataplane => _dataplane;
    public IPEndPoint EndPoint => Host.PptpEndPoint!;

    public static GatewayTestBed Start(string configText, string? adminSocket = null, IPEndPoint? metrics = null, string? configPath = null)
    {
        ConfigParseResult parsed = PixConfigParser.Parse(configText, "test.cfg");
        Assert.True(parsed.Config is not null, string.Join("\n", parsed.Errors));
        var capture = new CaptureLogSink();
        LoopbackDataplane? dataplane = null;
        GatewayHost host = GatewayHost.Create(parsed.Config, new GatewayHostOptions
        {
            ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0),
            EnableAdminSocket = adminSocket is not null,
            AdminSocketPath = adminSocket,
            LogSinks = [capture],
            Dataplane = context => dataplane = new LoopbackDataplane(context.FrameSink),
            ShutdownReplyTimeout = TimeSpan.FromSeconds(5),
            MetricsEndPoint = metrics,
            ConfigPath = configPath,
        });
        var bed = new GatewayTestBed(host, capture, dataplane!);
        host.Start();
        return bed;
    }

    /// <summary>Opens a control connection and places a call; returns the PAC and the OCRP.</summary>
    public async Task<(TestPeer Pac, TcpClient Tcp, CallReply Reply)> PlaceCallAsync(ushort peerCallId)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(EndPoint);
        var pac = new TestPeer(tcp.GetStream());
        await pac.SendAsync(Wire.Sccrq());
        StartControlConnectionReply sccrp = Wire.Sccrp(await pac.ReceiveAsync<StartControlConnectionReply>());
        Assert.Equal(StartControlConnectionResultCode.Successful, sccrp.ResultCode);
        await pac.SendAsync(Wire.Ocrq(peerCallId));
        OutgoingCallReply reply = Wire.Ocrp(await pac.ReceiveAsync<OutgoingCallReply>());
        return (pac, tcp, new CallReply(reply.ResultCode, reply.ErrorCode, reply.CallId, reply.PeersCallId));
    }

    /// <summary>Places a call and runs a client PPP session over it (MS-CHAPv2/v1 with MPPE, any strength).</summary>
    public async Task<Dialled> DialAsync(ushort peerCallId, string user = User, string password = Password)
    {
        (TestPeer pac, TcpClient tcp, CallReply reply) = await PlaceCallAsync(peerCallId);
        Assert.Equal(OutgoingCallResultCode.Connected, reply.ResultCode);
        Assert.Equal(peerCallId, reply.PeersCallId);
        LoopbackDataplane.Entry entry = await Dataplane.WaitOpenedAsync(peerCallId);
        Assert.Equal(reply.CallId, entry.Spec.CallId);
        var events = new ClientEvents();
        PppSessionOptions options = SessionPair.ClientOptions(SessionPair.Policy(SessionPair.AllStrengths), new PppClientCredentials(user, password));
        var client = new PppSession(options, frame => Dataplane.FromClient(entry, frame), events, name: "pac");
        Dataplane.AttachClient(entry, client);
        return new Dialled(pac, tcp, peerCallId, reply.CallId, entry, client, events);
    }

    /// <summary>Waits until a captured line contains <paramref name="text"/>.</summary>
    public async Task<string> WaitForLogAsync(string text)
    {
        DateTime until = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < until)
        {
            string? line = Capture.Lines.FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal));
            if (line is not null)
                return line;
            await Task.Delay(20);
        }
        Assert.Fail($"no log line contains '{text}'; got:\n{string.Join("\n", Capture.Lines)}");
        return "";
    }

    /// <summary>Waits until <paramref name="condition"/> holds.</summary>
    public static async Task EventuallyAsync(Func<bool> condition, string what)
    {
        DateTime until = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < until, "timed out waiting for " + what);
            await Task.Delay(20);
        }
    }

    /// <summary>Reads control messages until one of type <typeparamref name="T"/> arrives (skipping e.g. CDN or Echo).</summary>
    public static async Task<byte[]> ReceiveUntilAsync<T>(TestPeer pac) where T : IPptpControlMessage<T>, allows ref struct
    {
        for (int i = 0; i < 16; i++)
        {
            byte[] frame = await pac.ReceiveAsync();
            if ((PptpControlMessageType)System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(8)) == T.Type)
                return frame;
        }
        Assert.Fail($"no {T.Type} among the next 16 messages");
        return [];
    }

    public async ValueTask DisposeAsync()
    {
        await Host.StopAsync();
        Assert.Empty(Dataplane.Faults);
    }
}
