using System.Collections.Concurrent;
using System.Net;
using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;
using PptpGw.ControlPlane.Pptp;
using PptpGw.ControlPlane.Pptp.Connection;

namespace PptpGw.Tests.ControlPlane.Pptp.Connection;

/// <summary>The gateway's side, recorded; the decision is programmable. Every notification is also a channel item, so tests await them instead of sleeping.</summary>
internal sealed class FakeCallHandler : IPptpCallHandler
{
    public Func<CallRequestInfo, CancellationToken, ValueTask<CallDecision>> Decide { get; set; } = (_, _) => ValueTask.FromResult(CallDecision.Accept());
    public Channel<CallRequestInfo> Requests { get; } = Channel.CreateUnbounded<CallRequestInfo>();
    public Channel<EstablishedCall> Established { get; } = Channel.CreateUnbounded<EstablishedCall>();
    public Channel<(uint TunnelId, ushort CallId, uint Send, uint Receive)> LinkInfos { get; } = Channel.CreateUnbounded<(uint, ushort, uint, uint)>();
    public Channel<(uint TunnelId, ushort CallId, PptpCallClearReason Reason)> Cleared { get; } = Channel.CreateUnbounded<(uint, ushort, PptpCallClearReason)>();

    public ValueTask<CallDecision> OnOutgoingCallRequestAsync(CallRequestInfo request, CancellationToken cancellationToken)
    {
        Requests.Writer.TryWrite(request);
        return Decide(request, cancellationToken);
    }

    public void OnCallEstablished(EstablishedCall call) => Established.Writer.TryWrite(call);
    public void OnSetLinkInfo(uint tunnelId, ushort callId, uint sendAccm, uint receiveAccm) => LinkInfos.Writer.TryWrite((tunnelId, callId, sendAccm, receiveAccm));
    public void OnCallCleared(uint tunnelId, ushort callId, PptpCallClearReason reason) => Cleared.Writer.TryWrite((tunnelId, callId, reason));
}

/// <summary>Records every event, rendered as the PIX debug lines.</summary>
internal sealed class RecordingEventSink : IPptpEventSink
{
    public ConcurrentQueue<string> Lines { get; } = new();
    public ConcurrentQueue<(uint TunnelId, PptpErrorKind Kind, string Detail)> Errors { get; } = new();
    public ConcurrentQueue<(uint TunnelId, PptpMessageDirection Direction, PptpControlMessageType Type)> Messages { get; } = new();
    public ConcurrentQueue<uint> Created { get; } = new();
    public ConcurrentQueue<(uint TunnelId, PptpCloseReason Reason)> Deleted { get; } = new();

    public void TunnelCreated(uint tunnelId, IPEndPoint remote, IPEndPoint local)
    {
        Created.Enqueue(tunnelId);
        Lines.Enqueue($"Tnl {tunnelId} PPTP: Tunnel created; peer initiated");
    }

    public void TunnelDeleted(uint tunnelId, IPEndPoint remote, PptpCloseReason reason) => Deleted.Enqueue((tunnelId, reason));

    public void ControlMessage(uint tunnelId, PptpMessageDirection direction, PptpControlMessageType type, ReadOnlySpan<byte> message)
    {
        Messages.Enqueue((tunnelId, direction, type));
        Lines.Enqueue(PptpDebugText.PacketHex(tunnelId, direction, message));
        Lines.Enqueue(PptpDebugText.PacketType(tunnelId, null, direction, type));
    }

    public void StateChanged(in PptpStateChange change) => Lines.Enqueue(PptpDebugText.StateChange(change));

    public void Error(uint tunnelId, PptpErrorKind kind, string detail)
    {
        Errors.Enqueue((tunnelId, kind, detail));
        Lines.Enqueue(PptpDebugText.Error(tunnelId, kind, detail));
    }

    public bool HasError(PptpErrorKind kind, string containing) =>
        Errors.Any(e => e.Kind == kind && e.Detail.Contains(containing, StringComparison.Ordinal));
}

/// <summary>Gives every call the same id, as the PIX does (session id = tunnel id), to compare with its debug output.</summary>
internal sealed class FixedCallIdSource(ushort id) : ICallIdSource
{
    private int _allocated;
    public bool TryAllocate(IPAddress peer, out ushort allocated)
    {
        allocated = id;
        return Interlocked.Exchange(ref _allocated, 1) == 0;
    }
    public void Release(IPAddress peer, ushort released) => Interlocked.Exchange(ref _allocated, 0);
}

/// <summary>A connection over an in-memory duplex stream, a fake clock, and the client end to drive it.</summary>
internal sealed class ConnectionHarness : IAsyncDisposable
{
    public static readonly IPEndPoint PeerEndPoint = new(IPAddress.Parse("10.44.17.104"), 1723);
    public static readonly IPEndPoint LocalEndPoint = new(IPAddress.Parse("172.18.124.152"), 1723);
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(20);

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    public FakeCallHandler Handler { get; } = new();
    public RecordingEventSink Events { get; } = new();
    public ICallIdSource CallIds { get; }
    public PptpControlConnection Connection { get; }
    public TestPeer Peer { get; }
    public Task Run { get; }

    public ConnectionHarness(PptpConnectionOptions? options = null, ICallIdSource? callIds = null, uint tunnelId = 9)
    {
        CallIds = callIds ?? new RoundRobinCallIdSource();
        (PipeDuplexStream server, PipeDuplexStream client) = PipeDuplexStream.CreatePair();
        Peer = new TestPeer(client);
        Connection = new PptpControlConnection(server, tunnelId, PeerEndPoint, LocalEndPoint, options ?? new PptpConnectionOptions(),
            Handler, CallIds, Events, Time);
        Run = Connection.RunAsync();
    }

    /// <summary>SCCRQ → SCCRP Successful.</summary>
    public async Task EstablishAsync()
    {
        await Peer.SendAsync(Wire.Sccrq());
        byte[] reply = await Peer.ReceiveAsync<StartControlConnectionReply>();
        Assert.Equal(StartControlConnectionResultCode.Successful, Wire.Sccrp(reply).ResultCode);
        Assert.Equal(PptpControlConnectionState.Established, Connection.State);
    }

    /// <summary>OCRQ → OCRP Connected; returns our call id.</summary>
    public async Task<ushort> PlaceCallAsync(ushort peerCallId = 0x4000)
    {
        await Peer.SendAsync(Wire.Ocrq(peerCallId));
        byte[] reply = await Peer.ReceiveAsync<OutgoingCallReply>();
        ushort callId = CheckConnected(reply, peerCallId);
        EstablishedCall established = await Next(Handler.Established);
        Assert.Equal(callId, established.CallId);
        return callId;
    }

    private static ushort CheckConnected(byte[] reply, ushort peerCallId)
    {
        OutgoingCallReply ocrp = Wire.Ocrp(reply);
        Assert.Equal(OutgoingCallResultCode.Connected, ocrp.ResultCode);
        Assert.Equal(peerCallId, ocrp.PeersCallId);
        return ocrp.CallId;
    }

    public static async Task<T> Next<T>(Channel<T> channel)
    {
        using var guard = new CancellationTokenSource(Guard);
        return await channel.Reader.ReadAsync(guard.Token);
    }

    /// <summary>The run ended (the connection closed) — awaited with a guard.</summary>
    public async Task ClosedAsync() => await Run.WaitAsync(Guard);

    public async ValueTask DisposeAsync()
    {
        await Connection.DisposeAsync();
        await Peer.DisposeAsync();
    }
}
