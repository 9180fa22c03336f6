using System.Collections.Immutable;
using Microsoft.Extensions.Time.Testing;
using PptpGw.ControlPlane.Config;
using PptpGw.ControlPlane.Pools;
using PptpGw.ControlPlane.Ppp;
using PptpGw.ControlPlane.Ppp.Auth;
using PptpGw.ControlPlane.Ppp.Ccp;
using PptpGw.ControlPlane.Ppp.Ipcp;
using PptpGw.ControlPlane.Ppp.Lcp;
using PptpGw.ControlPlane.Ppp.Session;
using PptpGw.Dataplane.Packets;

namespace PptpGw.Tests.ControlPlane.Ppp.Session;

/// <summary>Records everything a session reports.</summary>
internal sealed class RecordingObserver : IPppSessionObserver
{
    public List<PppLinkResult> Ups { get; } = [];
    public List<string> Downs { get; } = [];
    public List<PppDownCause> DownCauses { get; } = [];
    public List<string> Started { get; } = [];
    public List<PppAuthOutcome> Succeeded { get; } = [];
    public List<PppAuthOutcome> Failed { get; } = [];
    public int ResetRequests { get; private set; }
    public List<string> Logs { get; } = [];

    public PppLinkResult Up => Assert.Single(Ups);
    public string Down => Assert.Single(Downs);

    public List<PppRenegotiation> NetworkDowns { get; } = [];
    public List<PppLinkResult> NetworkUps { get; } = [];

    public void LinkUp(PppSession session, PppLinkResult result) => Ups.Add(result);
    public void NetworkDown(PppSession session, PppRenegotiation renegotiation) => NetworkDowns.Add(renegotiation);
    public void NetworkUp(PppSession session, PppLinkResult result) => NetworkUps.Add(result);
    public void LinkDown(PppSession session, PppLinkDown down)
    {
        Downs.Add(down.Detail);
        DownCauses.Add(down.Cause);
    }
    public void AuthenticationStarted(PppSession session, string userName) => Started.Add(userName);
    public void AuthenticationSucceeded(PppSession session, PppAuthOutcome outcome) => Succeeded.Add(outcome);
    public void AuthenticationFailed(PppSession session, PppAuthOutcome outcome) => Failed.Add(outcome);
    public void CcpResetRequested(PppSession session) => ResetRequests++;
    public void Log(PppSession session, string message) => Logs.Add(message);
}

/// <summary>
/// A server session and a client session joined by an in-memory frame loopback. Frames are queued and delivered by
/// <see cref="Pump"/>, never from inside the sender, so neither session is re-entered; all timers run on a fake clock.
/// </summary>
internal sealed class SessionPair : IDisposable
{
    public const string User = "cisco";
    public const string Password = "cisco";

    private readonly Queue<(bool ToServer, byte[] Frame)> _queue = new();

    public SessionPair(PppSessionOptions serverOptions, PppSessionOptions clientOptions)
    {
        Server = new PppSession(serverOptions, frame => Enqueue(toServer: false, frame), ServerEvents, Time, "server");
        Client = new PppSession(clientOptions, frame => Enqueue(toServer: true, frame), ClientEvents, Time, "client");
    }

    public FakeTimeProvider Time { get; } = new();
    public PppSession Server { get; }
    public PppSession Client { get; }
    public RecordingObserver ServerEvents { get; } = new();
    public RecordingObserver ClientEvents { get; } = new();
    /// <summary>Every frame the server sent, in order.</summary>
    public List<byte[]> ServerSent { get; } = [];
    /// <summary>Every frame the client sent, in order.</summary>
    public List<byte[]> ClientSent { get; } = [];
    /// <summary>Return false to drop a frame on its way to the server (client → server).</summary>
    public Func<byte[], bool>? ToServerFilter { get; set; }
    /// <summary>Return false to drop a frame on its way to the client.</summary>
    public Func<byte[], bool>? ToClientFilter { get; set; }

    private void Enqueue(bool toServer, ReadOnlySpan<byte> frame)
    {
        byte[] copy = frame.ToArray();
        // An asynchronous authenticator (RADIUS, TACACS+) answers on another thread while the test thread pumps.
        lock (_queue)
        {
            (toServer ? ClientSent : ServerSent).Add(copy);
            _queue.Enqueue((toServer, copy));
        }
    }

    private bool TryDequeue(out (bool ToServer, byte[] Frame) item)
    {
        lock (_queue)
            return _queue.TryDequeue(out item);
    }

    /// <summary>Delivers queued frames until none is left.</summary>
    public void Pump()
    {
        int delivered = 0;
        for (; delivered < 10_000 && TryDequeue(out var item); delivered++)
        {
            if (item.ToServer)
            {
                if (ToServerFilter?.Invoke(item.Frame) != false)
                    Server.Receive(item.Frame);
            }
            else if (ToClientFilter?.Invoke(item.Frame) != false)
            {
                Client.Receive(item.Frame);
            }
        }
        // Only a ping-pong without end fills the budget; a frame queued by another thread after the last dequeue
        // is delivered by the next Pump.
        Assert.True(delivered < 10_000, "frames go back and forth without end");
    }

    public void Start()
    {
        Server.Start();
        Client.Start();
        Pump();
    }

    /// <summary>Advances the clock in restart-timer steps, pumping after each.</summary>
    public void Advance(TimeSpan total, TimeSpan? step = null)
    {
        TimeSpan s = step ?? TimeSpan.FromSeconds(1);
        for (TimeSpan t = TimeSpan.Zero; t < total; t += s)
        {
            Time.Advance(s);
            Pump();
        }
    }

    public void Dispose()
    {
        Server.Dispose();
        Client.Dispose();
    }

    // ------------------------------------------------------------------ option builders

    public static IpLocalPool NewPool() => new("pptp-pool", [new Ipv4Range(Ip("192.168.1.1"), Ip("192.168.1.50"))]);

    public static uint Ip(string text)
    {
        Assert.True(Ipv4.TryParse(text, out uint address));
        return address;
    }

    public static IPppAuthenticator LocalUsers(params VpdnUser[] users) =>
        new LocalPppAuthenticator(new VpdnUserCredentialStore(users.Length == 0 ? [new VpdnUser(User, Password)] : users));

    public static PppSessionOptions ServerOptions(IpLocalPool pool, MppePolicy? mppe, params PppAuthProtocol[] protocols) => new()
    {
        Role = PppRole.Server,
        Lcp = new LcpLayerOptions { AuthenticationProtocols = [.. protocols] },
        Ipcp = new IpcpLayerOptions { LocalAddress = Ip("10.1.1.1"), PrimaryDns = Ip("10.1.1.53"), SecondaryDns = Ip("10.1.1.54") },
        Mppe = mppe,
        Authenticator = LocalUsers(),
        Authentication = new PppAuthServerOptions { RequireMppeKeys = mppe is not null },
        AddressPool = pool,
    };

    public static PppSessionOptions ClientOptions(MppePolicy? mppe, PppClientCredentials? credentials = null, params PppAuthProtocol[] protocols) => new()
    {
        Role = PppRole.Client,
        Lcp = new LcpLayerOptions
        {
            AuthenticationProtocols = protocols.Length == 0
                ? [PppAuthProtocol.MsChapV2, PppAuthProtocol.MsChapV1, PppAuthProtocol.Chap, PppAuthProtocol.Pap]
                : [.. protocols],
        },
        Ipcp = new IpcpLayerOptions { RequestDns = true },
        Mppe = mppe,
        Credentials = credentials ?? new PppClientCredentials(User, Password),
    };

    public static MppePolicy Policy(MppeSupportedBits strengths, bool stateless = true, bool required = false) => new(strengths, required, stateless);

    public static MppeSupportedBits AllStrengths => MppePolicy.StrengthBits;

    /// <summary>The PPP protocol and control packet of a frame.</summary>
    public static (ushort Protocol, byte[] Packet) Open(byte[] frame)
    {
        Assert.Equal(PppFrameError.None, PppFrame.TryParse(frame, out PppFrame ppp));
        return (ppp.Protocol, ppp.Information.ToArray());
    }

    public static IEnumerable<byte[]> PacketsOf(IEnumerable<byte[]> frames, ushort protocol) =>
        frames.Select(Open).Where(p => p.Protocol == protocol).Select(p => p.Packet);

    public static ImmutableArray<PppAuthProtocol> Protocols(params PppAuthProtocol[] protocols) => [.. protocols];
}
