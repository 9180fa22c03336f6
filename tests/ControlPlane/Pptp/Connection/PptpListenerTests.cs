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

    private static PptpListener StartListener(PptpListenerOptions options, FakeCallHandler handler, RecordingEventSink events, FakeTimeProvider time)
    {
        var listener = new PptpListener(options with { EndPoint = new IPEndPoint(IPAddress.Loopback, 0) }, handler, new RoundRobinCallIdSource(), events, time);
        listener.Start();
        return listener;
    }

    private static async Task EventuallyAsync(Func<bool> condition, string what)
    {
        for (int i = 0; i < 500 && !condition(); i++)
            await Task.Delay(10);
        Assert.True(condition(), what);
    }

    /// <summary>
    /// Full: the oldest connection that has not sent SCCRQ is closed to admit the new one (issue 9: an idle flood must
    /// not lock out a real client); one past SCCRQ is never shed; with none left to shed the new one is refused.
    /// </summary>
    [Fact]
    public async Task When_full_the_oldest_connection_without_SCCRQ_is_shed_for_a_new_one()
    {
        var handler = new FakeCallHandler();
        var events = new RecordingEventSink();
        var time = new FakeTimeProvider();
        await using PptpListener listener = StartListener(new PptpListenerOptions { MaxControlConnections = 3 }, handler, events, time);

        await using TestPeer established = await ConnectAsync(listener);
        await EstablishAsync(established);
        await using TestPeer idleOld = await ConnectAsync(listener);
        await EventuallyAsync(() => listener.ConnectionCount == 2, "the first idle connection admitted");
        time.Advance(TimeSpan.FromSeconds(1));
        await using TestPeer idleNew = await ConnectAsync(listener);
        await EventuallyAsync(() => listener.ConnectionCount == 3, "the second idle connection admitted");

        await using TestPeer client = await ConnectAsync(listener);
        await idleOld.ExpectClosedAsync();
        await EstablishAsync(client);
        Assert.Equal(1, listener.Admission.Shed);
        Assert.True(events.HasError(PptpErrorKind.ConnectionShed, "closed before its SCCRQ (1.0 s after TCP open)"));
        Assert.Contains(events.Deleted, d => d.Reason == PptpCloseReason.Shed);

        // Now the idle one left goes, then nothing can: the established three stay and a newcomer is refused.
        await using TestPeer second = await ConnectAsync(listener);
        await idleNew.ExpectClosedAsync();
        await EstablishAsync(second);
        await using TestPeer refused = await ConnectAsync(listener);
        await refused.SendAsync(Wire.Sccrq());
        Assert.Equal(PptpGeneralErrorCode.NoResource, Wire.Sccrp(await refused.ReceiveAsync<StartControlConnectionReply>()).ErrorCode);
        Assert.Equal(2, listener.Admission.Shed);
        Assert.Equal(1, listener.Admission.Refused);
        await established.SendAsync(Wire.EchoRequest(5));
        Assert.Equal(5u, Wire.Echorp(await established.ReceiveAsync<EchoReply>()).Identifier);
    }

    /// <summary>
    /// Many newcomers at once while full of idle connections, with only one shed allowed in flight: each newcomer waits
    /// in the listen backlog for the previous shed connection to close and is then admitted. None is reset (CI saw a
    /// real dial reset in a flood when the accept loop refused instead of waiting).
    /// </summary>
    [Fact]
    public async Task With_sheds_in_flight_at_their_bound_a_newcomer_waits_and_is_admitted_not_refused()
    {
        const int Limit = 8;
        var handler = new FakeCallHandler();
        var events = new RecordingEventSink();
        var time = new FakeTimeProvider();
        await using PptpListener listener = StartListener(new PptpListenerOptions { MaxControlConnections = Limit, MaxSheddingInFlight = 1 }, handler, events, time);
        var idle = new List<TestPeer>();
        var newcomers = new List<TestPeer>();
        try
        {
            for (int i = 0; i < Limit; i++)
                idle.Add(await ConnectAsync(listener));
            await EventuallyAsync(() => listener.ConnectionCount == Limit, "the idle connections admitted");
            newcomers.AddRange(await Task.WhenAll(Enumerable.Range(0, Limit).Select(_ => ConnectAsync(listener))));
            await Task.WhenAll(newcomers.Select(EstablishAsync));
            foreach (TestPeer old in idle)
                await old.ExpectClosedAsync();
            Assert.Equal(Limit, listener.Admission.Shed);
            Assert.Equal(0, listener.Admission.Refused);
        }
        finally
        {
            foreach (TestPeer peer in idle.Concat(newcomers))
                await peer.DisposeAsync();
        }
    }

    /// <summary>accel-ppp's connlimit model: a burst, then one per interval, per source; over it, closed at once; reported once per interval with a count.</summary>
    [Fact]
    public async Task A_source_over_its_rate_is_closed_at_once_and_reported_once_per_interval()
    {
        var handler = new FakeCallHandler();
        var events = new RecordingEventSink();
        var time = new FakeTimeProvider();
        await using PptpListener listener = StartListener(new PptpListenerOptions
        {
            MaxControlConnections = 100,
            PerSourceLimit = (2, TimeSpan.FromSeconds(1)),
            FloodReportInterval = TimeSpan.FromSeconds(10),
        }, handler, events, time);

        await using TestPeer a = await ConnectAsync(listener);
        await using TestPeer b = await ConnectAsync(listener);
        var over = new List<TestPeer>();
        for (int i = 0; i < 5; i++)
            over.Add(await ConnectAsync(listener));
        foreach (TestPeer peer in over)
        {
            await peer.ExpectClosedAsync();
            await peer.DisposeAsync();
        }
        await EstablishAsync(a);
        await EstablishAsync(b);
        Assert.Equal(5, listener.Admission.RateLimited);
        Assert.Equal(7, listener.Admission.Accepted);
        // One line for five connections; the summary of the other four follows when the interval is over.
        Assert.Single(events.Errors, e => e.Kind == PptpErrorKind.ConnectionRateLimited);
        Assert.True(events.HasError(PptpErrorKind.ConnectionRateLimited, "over the per-source limit (2 at once, then one per 1000 ms)"));
        time.Advance(TimeSpan.FromSeconds(10));
        await EventuallyAsync(() => events.HasError(PptpErrorKind.ConnectionRateLimited, "4 more in the last 10 s, the last: connection from"), "the summary");

        // A token per interval.
        await using TestPeer later = await ConnectAsync(listener);
        await EstablishAsync(later);
        Assert.Equal(5, listener.Admission.RateLimited);
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
