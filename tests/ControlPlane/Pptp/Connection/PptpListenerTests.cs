using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using PptpGw.ControlPlane.Pptp;
using PptpGw.ControlPlane.Pptp.Connection;

namespace PptpGw.Tests.ControlPlane.Pptp.Connection;

/// <summary>The listener over real TCP on 127.0.0.1 with an ephemeral port.</summary>
public sealed class PptpListenerTests
{
    private static PptpListener StartListener(FakeCallHandler handler, RecordingEventSink events, FakeTimeProvider time, int maxConnections)
    {
        var listener = new PptpListener(
            new PptpListenerOptions { EndPoint = new IPEndPoint(IPAddress.Loopback, 0), MaxControlConnections = maxConnections },
            handler, new RoundRobinCallIdSource(), events, time);
        listener.Start();
        return listener;
    }

    private static async Task<TestPeer> ConnectAsync(PptpListener listener)
    {
        var client = new TcpClient();
        await client.ConnectAsync(listener.LocalEndPoint!);
        return new TestPeer(client.GetStream());
    }

    private static async Task EstablishAsync(TestPeer peer)
    {
        await peer.SendAsync(Wire.Sccrq());
        Assert.Equal(StartControlConnectionResultCode.Successful, Wire.Sccrp(await peer.ReceiveAsync<StartControlConnectionReply>()).ResultCode);
    }

    [Fact]
    public async Task Connection_beyond_the_limit_gets_SCCRP_General_Error_No_Resource_and_is_closed()
    {
        var handler = new FakeCallHandler();
        var events = new RecordingEventSink();
        var time = new FakeTimeProvider();
        await using PptpListener listener = StartListener(handler, events, time, maxConnections: 1);
        Assert.NotEqual(0, listener.LocalEndPoint!.Port);

        await using TestPeer first = await ConnectAsync(listener);
        await EstablishAsync(first);
        Assert.Equal(1, listener.ConnectionCount);

        await using TestPeer second = await ConnectAsync(listener);
        await second.SendAsync(Wire.Sccrq());
        StartControlConnectionReply refusal = Wire.Sccrp(await second.ReceiveAsync<StartControlConnectionReply>());
        Assert.Equal((StartControlConnectionResultCode.GeneralError, PptpGeneralErrorCode.NoResource), (refusal.ResultCode, refusal.ErrorCode));
        await second.ExpectClosedAsync();
        Assert.True(events.HasError(PptpErrorKind.ConnectionRefused, "1 control connections (the limit)"));
        Assert.Contains(events.Deleted, d => d.Reason == PptpCloseReason.AdmissionRefused);

        // The first connection is unaffected.
        await first.SendAsync(Wire.EchoRequest(11));
        Assert.Equal(11u, Wire.Echorp(await first.ReceiveAsync<EchoReply>()).Identifier);
        Assert.Equal(1, listener.ConnectionCount);
    }

    [Fact]
    public async Task Stop_sends_StopCCRQ_to_every_peer_and_closes_all()
    {
        var handler = new FakeCallHandler();
        var events = new RecordingEventSink();
        var time = new FakeTimeProvider();
        PptpListener listener = StartListener(handler, events, time, maxConnections: 8);

        await using TestPeer answering = await ConnectAsync(listener);
        await EstablishAsync(answering);
        await answering.SendAsync(Wire.Ocrq(0x4000));
        Assert.Equal(OutgoingCallResultCode.Connected, Wire.Ocrp(await answering.ReceiveAsync<OutgoingCallReply>()).ResultCode);
        EstablishedCall call = await ConnectionHarness.Next(handler.Established);

        await using TestPeer silent = await ConnectAsync(listener);
        await EstablishAsync(silent);
        await using TestPeer unstarted = await ConnectAsync(listener);
        // Its answer proves the listener admitted it (before SCCRQ an echo gets General Error Not-Connected).
        await unstarted.SendAsync(Wire.EchoRequest(1));
        Assert.Equal(PptpGeneralErrorCode.NotConnected, Wire.Echorp(await unstarted.ReceiveAsync<EchoReply>()).ErrorCode);

        // Tunnel ids are unique and non-zero.
        IReadOnlyList<PptpTunnelSnapshot> snapshots = listener.GetSnapshots();
        Assert.Equal(3, snapshots.Count);
        Assert.Equal(3, snapshots.Select(s => s.TunnelId).Distinct().Count());
        Assert.DoesNotContain(0u, snapshots.Select(s => s.TunnelId));
        Assert.Equal(["estabd", "estabd", "wt-sccrq"], snapshots.Select(s => s.StateName));
        Assert.True(listener.TryGetConnection(call.TunnelId, out PptpControlConnection? carrying));
        Assert.Same(call.Connection, carrying);

        ValueTask stop = listener.StopAsync();
        Assert.Equal(StopControlConnectionReason.StopLocalShutdown, Wire.StopRq(await answering.ReceiveAsync<StopControlConnectionRequest>()).Reason);
        Assert.Equal(StopControlConnectionReason.StopLocalShutdown, Wire.StopRq(await silent.ReceiveAsync<StopControlConnectionRequest>()).Reason);
        await answering.SendAsync(Wire.StopReply());
        await answering.ExpectClosedAsync();
        await unstarted.ExpectClosedAsync();
        Assert.Equal((call.TunnelId, call.CallId, PptpCallClearReason.ControlConnectionClosed), await ConnectionHarness.Next(handler.Cleared));

        // The silent peer is given the shutdown grace period (2 s), then closed.
        time.Advance(TimeSpan.FromSeconds(2));
        await silent.ExpectClosedAsync();
        await stop.AsTask().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(0, listener.ConnectionCount);
        Assert.Equal(
            new[] { PptpCloseReason.LocalStop, PptpCloseReason.StopReplyTimeout, PptpCloseReason.LocalStopBeforeStart }.Order(),
            events.Deleted.Select(d => d.Reason).Order());

        // Nothing listens any more.
        using var late = new TcpClient();
        await Assert.ThrowsAsync<SocketException>(async () => await late.ConnectAsync(listener.LocalEndPoint!));
    }

    [Fact]
    public void Tunnel_ids_are_non_zero_skip_ids_in_use_and_wrap()
    {
        uint last = uint.MaxValue - 1;
        var inUse = new HashSet<uint> { 1, 2 };
        Assert.Equal(uint.MaxValue, PptpListener.NextTunnelId(ref last, inUse.Contains));
        Assert.Equal(3u, PptpListener.NextTunnelId(ref last, inUse.Contains));
        Assert.Equal(4u, PptpListener.NextTunnelId(ref last, inUse.Contains));
    }
}
