using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Time.Testing;
using PptpGw.ControlPlane.Aaa.Accounting;
using PptpGw.ControlPlane.Aaa.Radius;
using PptpGw.ControlPlane.Logging;
using Xunit.Abstractions;

namespace PptpGw.Tests.ControlPlane.Aaa.Accounting;

/// <summary>
/// The durable accounting queue over the RADIUS accounting transport against <see cref="ScriptedRadiusAccountingServer"/>
/// (a fake that goes silent or holds answers on command), with a fake clock for every back-off.
/// </summary>
public sealed class AccountingQueueTests : IDisposable
{
    private static readonly RadiusNasIdentity Nas = new(IPAddress.Parse("198.18.0.9"), "gw-under-test");
    private readonly ITestOutputHelper _output;
    private readonly ScriptedRadiusAccountingServer _server = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 8, 0, 0, TimeSpan.Zero));
    private readonly string _spool = TestTemp.Directory("pgw-acct-test-");
    private readonly CaptureLogSink _capture = new();
    private readonly GatewayLog _log;

    public AccountingQueueTests(ITestOutputHelper output)
    {
        _output = output;
        _log = new GatewayLog(_time);
        _log.AddSink(_capture);
    }

    public void Dispose()
    {
        _server.Dispose();
        try
        {
            Directory.Delete(_spool, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>
    /// Opens the service. Unless a test gives its own options, shutdown does not wait: on the fake clock its wait would
    /// never end when a test fails with the server silent (the disposal would hang the run instead of reporting).
    /// </summary>
    private AccountingService Open(AccountingQueueOptions? options = null, int maxInFlight = 256) =>
        AccountingService.Open("FakeAcct", new RadiusAccountingTransport(_server.Group(), maxInFlight), new RadiusAccountingFormat(Nas),
            (options ?? new AccountingQueueOptions { ShutdownWait = TimeSpan.Zero }) with { SpoolDirectory = _spool, MaxInFlightPerServer = maxInFlight }, null, _log, _time);

    private static AccountingSessionData Session(string user = "alice", uint port = 7) => new(AccountingSession.NewSessionId(), user)
    {
        NasPort = port,
        CallingStationId = "198.18.10.2",
        CalledStationId = "198.18.10.1",
        FramedIpAddress = IPAddress.Parse("198.19.10.10"),
    };

    /// <summary>Moves the fake clock in steps, giving the loopback a moment after each (the sockets run in real time).</summary>
    private async Task AdvanceAsync(TimeSpan total, TimeSpan step)
    {
        for (TimeSpan done = TimeSpan.Zero; done < total; done += step)
        {
            _time.Advance(step);
            await Task.Delay(15);
        }
    }

    private async Task AdvanceUntilAsync(Func<bool> condition, TimeSpan limit, TimeSpan step, string what)
    {
        for (TimeSpan done = TimeSpan.Zero; !condition(); done += step)
        {
            if (done > limit)
                throw new Xunit.Sdk.XunitException($"{what}: not within {limit} of fake time");
            _time.Advance(step);
            await Task.Delay(15);
        }
    }

    [Fact]
    public async Task Server_silent_for_40_s_around_a_hang_up_then_the_Stop_arrives_with_new_identifiers_and_growing_delay()
    {
        await using AccountingService accounting = Open();
        AccountingSession session = accounting.Begin(Session(), () => new AccountingCounters(1500, 900, 12, 9));
        await session.Start().Acknowledged.WaitAsync(TimeSpan.FromSeconds(10));

        _server.Silent = true; // just before the hang-up
        await AdvanceAsync(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1));
        DateTimeOffset hangUp = _time.GetUtcNow();
        AccountingRecord stop = session.Stop(AcctTerminateCause.UserRequest)!;
        await AdvanceAsync(TimeSpan.FromSeconds(38), TimeSpan.FromSeconds(1));
        // The fourth try left when the fake clock passed 35 s; on a loaded machine the loopback may not have delivered it yet.
        await _server.WaitForAsync(r => r.StatusType == AcctStatusType.Stop && r.DelayTime == 35, TimeSpan.FromSeconds(20), "the Stop's fourth try");
        Assert.False(stop.IsAcknowledged);
        SeenAccountingRequest[] tries = [.. _server.Dropped.Where(r => r.StatusType == AcctStatusType.Stop)];
        // 5 s doubling: sent at 0, 5, 15 and 35 s after the hang-up, each with its own Identifier and Acct-Delay-Time.
        Assert.Equal([0u, 5u, 15u, 35u], tries.Select(t => t.DelayTime));
        // A new Identifier means a new (source port, Identifier) pair: the transport spreads its tries over several
        // source ports, each with its own Identifier space, so the number alone may repeat (RFC 2865 §3, RFC 5080 §2.2.1).
        Assert.Equal(tries.Length, tries.Select(t => (t.From.Port, t.Identifier)).Distinct().Count());

        _server.Silent = false; // back after 40 s
        await AdvanceUntilAsync(() => stop.IsAcknowledged, TimeSpan.FromMinutes(2), TimeSpan.FromSeconds(1), "the Stop to be acknowledged");
        SeenAccountingRequest delivered = _server.Requests.Last(r => r.StatusType == AcctStatusType.Stop);
        Assert.True(delivered.DelayTime >= 40, $"Acct-Delay-Time {delivered.DelayTime}");
        Assert.Equal((uint)hangUp.ToUnixTimeSeconds(), delivered.EventTimestamp); // Event-Timestamp: the hang-up, not the send
        Assert.Equal(1500u, delivered.Number(RadiusAttributeType.AcctInputOctets));
        Assert.Equal((uint)AcctTerminateCause.UserRequest, delivered.Number(RadiusAttributeType.AcctTerminateCause));
        Assert.Equal("gw-under-test", delivered.Text(RadiusAttributeType.NasIdentifier));
        Assert.Equal("198.18.10.1", delivered.Text(RadiusAttributeType.CalledStationId));
        Assert.True(delivered.Has(RadiusAttributeType.NasIpAddress));
        Assert.Equal(0, accounting.Queue.Count);
        AccountingQueueSnapshot snapshot = accounting.Queue.Snapshot();
        Assert.True(snapshot.Retried >= 4);
        Assert.Equal(0, snapshot.Spooled);
    }

    [Fact]
    public async Task An_answer_to_an_earlier_identifier_still_acknowledges_the_record()
    {
        await using AccountingService accounting = Open();
        await _server.WaitForAsync(r => r.StatusType == AcctStatusType.AccountingOn, TimeSpan.FromSeconds(10), "Accounting-On");
        _server.Hold = true;
        AccountingRecord start = accounting.Begin(Session(), () => default).Start();
        SeenAccountingRequest first = await _server.WaitForAsync(r => r.StatusType == AcctStatusType.Start, TimeSpan.FromSeconds(10), "the Start");
        await AdvanceAsync(TimeSpan.FromSeconds(6), TimeSpan.FromSeconds(1));
        SeenAccountingRequest second = await _server.WaitForAsync(r => r.StatusType == AcctStatusType.Start && r.Identifier != first.Identifier,
            TimeSpan.FromSeconds(10), "the retransmitted Start");
        Assert.Equal(5u, second.DelayTime);

        _server.Answer(first); // the server was slower than the timeout: its answer to the first try comes now
        await start.Acknowledged.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, accounting.Queue.Count);
        _server.Hold = false;
        // Counted as late (the operator's hint to raise the timeout), and shown where the operator looks.
        AccountingQueueSnapshot snapshot = accounting.Queue.Snapshot();
        AccountingServerSnapshot server = Assert.Single(snapshot.Servers);
        Assert.Equal(1, server.LateAnswers);
        Assert.Equal(2, server.Delivered); // the Accounting-On and the Start
        Assert.Contains("1 late answers (server slower than its timeout)", PptpGw.ControlPlane.Admin.OperatorRenderer.AaaServers([], snapshot));
        Assert.Equal(1, PptpGw.ControlPlane.Admin.AdminJson.AaaServers([], snapshot)["accounting"]!["servers"]![0]!["late_answers"]!.GetValue<long>());

        // Its answer to the second try arrives after the record is done: ignored (no transmission outstanding), counted.
        _server.Answer(second);
        await AdvanceUntilAsync(() => accounting.Queue.Snapshot().IgnoredReplies.UnknownIdentifier == 1, TimeSpan.FromSeconds(5),
            TimeSpan.FromMilliseconds(100), "the answer to a forgotten transmission to be counted");
        Assert.Equal(1, accounting.Queue.Snapshot().Servers[0].LateAnswers);
    }

    [Fact]
    public async Task Answers_signed_with_another_key_are_ignored_counted_and_shown_while_the_record_waits()
    {
        await using AccountingService accounting = Open();
        await _server.WaitForAsync(r => r.StatusType == AcctStatusType.AccountingOn, TimeSpan.FromSeconds(10), "Accounting-On");
        await AdvanceUntilAsync(() => accounting.Queue.Count == 0, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100), "the On to be acknowledged");
        _server.WrongKey = true; // the server's secret was changed and the gateway's was not
        AccountingRecord start = accounting.Begin(Session(), () => default).Start();
        await AdvanceAsync(TimeSpan.FromSeconds(12), TimeSpan.FromSeconds(1));
        Assert.False(start.IsAcknowledged); // RFC 2865 §3: a reply with a wrong Response Authenticator is discarded
        AccountingQueueSnapshot snapshot = accounting.Queue.Snapshot();
        Assert.True(snapshot.IgnoredReplies.BadAuthenticator >= 2, $"bad authenticators {snapshot.IgnoredReplies.BadAuthenticator}");
        Assert.Equal(snapshot.IgnoredReplies.BadAuthenticator, snapshot.IgnoredReplies.Total);
        Assert.Equal(1, snapshot.QueueDepth);
        string view = PptpGw.ControlPlane.Admin.OperatorRenderer.AaaServers([], snapshot);
        Assert.Matches(@"replies ignored: \d+ bad authenticator \(shared key\?\)", view);
        Assert.Equal(snapshot.IgnoredReplies.BadAuthenticator,
            PptpGw.ControlPlane.Admin.AdminJson.AaaServers([], snapshot)["accounting"]!["ignored_replies"]!["bad_authenticator"]!.GetValue<long>());

        _server.WrongKey = false; // fixed: the next retransmission is believed
        await AdvanceUntilAsync(() => start.IsAcknowledged, TimeSpan.FromMinutes(2), TimeSpan.FromSeconds(1), "the Start to be acknowledged");
        Assert.Equal(0, accounting.Queue.Count);
    }

    [Fact]
    public async Task Records_go_in_order_per_session_a_Stop_waits_for_its_Start()
    {
        await using AccountingService accounting = Open();
        await _server.WaitForAsync(r => r.StatusType == AcctStatusType.AccountingOn, TimeSpan.FromSeconds(10), "Accounting-On");
        _server.Hold = true;
        AccountingSession session = accounting.Begin(Session(), () => default);
        AccountingRecord start = session.Start();
        AccountingRecord stop = session.Stop(AcctTerminateCause.LostCarrier)!;
        SeenAccountingRequest s = await _server.WaitForAsync(r => r.StatusType == AcctStatusType.Start, TimeSpan.FromSeconds(10), "the Start");
        await Task.Delay(200);
        Assert.DoesNotContain(_server.All, r => r.StatusType == AcctStatusType.Stop);
        _server.Answer(s);
        await start.Acknowledged.WaitAsync(TimeSpan.FromSeconds(10));
        SeenAccountingRequest p = await _server.WaitForAsync(r => r.StatusType == AcctStatusType.Stop, TimeSpan.FromSeconds(10), "the Stop");
        _server.Answer(p);
        await stop.Acknowledged.WaitAsync(TimeSpan.FromSeconds(10));
        _server.Hold = false;
    }

    [Fact]
    public async Task What_shutdown_could_not_deliver_stays_in_the_spool_and_the_next_start_sends_it_after_Accounting_On()
    {
        AccountingSessionData data = Session("bob");
        AccountingService first = Open(new AccountingQueueOptions { ShutdownWait = TimeSpan.Zero });
        await _server.WaitForAsync(r => r.StatusType == AcctStatusType.AccountingOn, TimeSpan.FromSeconds(10), "the first Accounting-On");
        // The server has answered it, but on a loaded machine the answer may not have been read yet: until it is, the
        // Accounting-On is a fourth record the shutdown below would leave in the spool.
        await AdvanceUntilAsync(() => first.Queue.Count == 0, TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(1), "the first Accounting-On acknowledged");
        _server.Silent = true;
        AccountingSession session = first.Begin(data, () => new AccountingCounters(10, 20, 1, 2));
        session.Start();
        // A clean stop while the server is down: Stop (Admin-Reboot) and Accounting-Off are queued, nothing is dropped.
        Assert.Equal(3, await first.ShutdownAsync());
        Assert.Contains(_capture.Lines, l => l.Contains("3 records of aaa-server group FakeAcct not acknowledged", StringComparison.Ordinal)
            && l.Contains("left in the spool", StringComparison.Ordinal));

        _server.Silent = false;
        int before = _server.All.Count;
        await using AccountingService second = Open();
        await AdvanceUntilAsync(() => second.Queue.Count == 0, TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(1), "the replayed records");
        // A retransmission of the first run's Start, sent while the server was silent, can still be read by the server
        // after 'before' was taken (a loaded machine): only what follows this run's Accounting-On is the replay.
        SeenAccountingRequest[] seen = [.. _server.All.Skip(before)];
        int on = Array.FindIndex(seen, r => r.StatusType == AcctStatusType.AccountingOn);
        Assert.True(on >= 0, "no Accounting-On from the second run");
        Assert.DoesNotContain(seen.Take(on), r => r.StatusType != AcctStatusType.Start); // at most the first run's stragglers
        SeenAccountingRequest[] after = seen[on..];
        Assert.Contains(after, r => r.StatusType == AcctStatusType.Start && r.SessionId == data.SessionId);
        SeenAccountingRequest stop = Assert.Single(after, r => r.StatusType == AcctStatusType.Stop && r.SessionId == data.SessionId);
        Assert.Equal((uint)AcctTerminateCause.AdminReboot, stop.Number(RadiusAttributeType.AcctTerminateCause));
        // The old run's Off is not sent after this run's On (it would tell the server the gateway went down).
        Assert.DoesNotContain(after, r => r.StatusType == AcctStatusType.AccountingOff);
        Assert.Contains(_capture.Lines, l => l.Contains("replayed", StringComparison.Ordinal) && l.Contains("stale Accounting-On/Off dropped", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Accounting_On_at_start_and_Off_after_the_Stops_at_a_clean_stop()
    {
        AccountingService accounting = Open(new AccountingQueueOptions());
        var sessions = Enumerable.Range(0, 3).Select(i => accounting.Begin(Session("u" + i, (uint)i), () => default)).ToList();
        foreach (AccountingSession s in sessions)
            s.Start();
        await AdvanceUntilAsync(() => accounting.Queue.Count == 0, TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(1), "the Starts");
        // The shutdown's wait is on the fake clock: the server's answers end it; the real-time bound only guards the run.
        Assert.Equal(0, await accounting.ShutdownAsync().WaitAsync(TimeSpan.FromSeconds(60)));
        SeenAccountingRequest[] seen = [.. _server.Requests];
        Assert.Equal(AcctStatusType.AccountingOn, seen[0].StatusType);
        Assert.Equal(AcctStatusType.AccountingOff, seen[^1].StatusType);
        Assert.Equal(3, seen.Count(r => r.StatusType == AcctStatusType.Stop && r.Number(RadiusAttributeType.AcctTerminateCause) == (uint)AcctTerminateCause.AdminReboot));
        Assert.All(seen, r => Assert.NotNull(r.EventTimestamp));
        Assert.All(seen, r => Assert.Equal("gw-under-test", r.Text(RadiusAttributeType.NasIdentifier)));
        // On and Off name the NAS only (RFC 2866 §5.1: no user, no port).
        Assert.False(seen[0].Has(RadiusAttributeType.UserName));
        Assert.False(seen[^1].Has(RadiusAttributeType.NasPort));
    }

    [Fact]
    public async Task A_full_spool_drops_Interim_Updates_before_any_Stop_and_says_so_with_the_data()
    {
        _server.Silent = true;
        int stopSize = AccountingSpool.EntryLength("0123456789ABCDEF", 200);
        await using AccountingService accounting = Open(new AccountingQueueOptions { SpoolMaximumBytes = stopSize * 6, ShutdownWait = TimeSpan.Zero });
        var sessions = Enumerable.Range(0, 4).Select(i => accounting.Begin(Session("u" + i, (uint)i), () => new AccountingCounters(77, 88, 1, 1))).ToList();
        foreach (AccountingSession s in sessions)
            s.Start();
        foreach (AccountingSession s in sessions)
            s.SendInterim();
        foreach (AccountingSession s in sessions)
            Assert.NotNull(s.Stop(AcctTerminateCause.UserRequest));
        AccountingQueueSnapshot snap = accounting.Queue.Snapshot();
        _output.WriteLine(snap.ToString());
        Assert.True(snap.DroppedInterim > 0, "no Interim-Update dropped");
        Assert.Equal(0, snap.DroppedStop);
        Assert.True(snap.SpoolBytes <= stopSize * 6);
        Assert.Contains(_capture.Lines, l => l.Contains("full", StringComparison.Ordinal) && l.Contains("Interim", StringComparison.Ordinal)
            && l.Contains("input 77 octets", StringComparison.Ordinal));
        // Every Stop is still queued.
        _server.Silent = false;
        await AdvanceUntilAsync(() => sessions.All(s => s.StopRecord!.IsAcknowledged), TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(1), "the Stops");
    }

    /// <summary>
    /// 10,000 sessions end at once while the server is down (a 10-minute outage on the fake clock); once it answers again
    /// every Stop is delivered. The drain is measured in real time from the server's return (the fake clock only moves
    /// the back-off timers) and printed; nothing asserts on it (performance is measured, not asserted).
    /// </summary>
    [Fact]
    public async Task Ten_thousand_Stops_queued_during_an_outage_are_all_delivered_when_the_server_returns()
    {
        int Sessions = int.TryParse(Environment.GetEnvironmentVariable("PGW_DRAIN_SESSIONS"), out int n) ? n : 10_000;
        // No shutdown wait: on the fake clock a failed drain would otherwise wait forever in DisposeAsync.
        await using AccountingService accounting = Open(new AccountingQueueOptions { ShutdownWait = TimeSpan.Zero });
        var sessions = new List<AccountingSession>(Sessions);
        for (int i = 0; i < Sessions; i++)
        {
            AccountingSession s = accounting.Begin(Session("user" + i, (uint)i), () => new AccountingCounters(1, 2, 3, 4));
            s.Start();
            sessions.Add(s);
        }
        var clock = Stopwatch.StartNew();
        while (accounting.Queue.Count > 0 && clock.Elapsed < TimeSpan.FromSeconds(60))
            await Task.Delay(20);
        _output.WriteLine($"starts {clock.ElapsedMilliseconds} ms");
        Assert.Equal(0, accounting.Queue.Count);

        _server.Silent = true;
        clock.Restart();
        foreach (AccountingSession s in sessions)
            s.Stop(AcctTerminateCause.LostCarrier);
        _output.WriteLine($"stops queued {clock.ElapsedMilliseconds} ms");
        clock.Restart();
        await AdvanceAsync(TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(5));
        _output.WriteLine($"outage {clock.ElapsedMilliseconds} ms");
        Assert.Equal(Sessions, accounting.Queue.Count);

        _server.Silent = false;
        clock.Restart();
        TimeSpan fake = TimeSpan.Zero, waited = TimeSpan.Zero;
        long lastDelivered = -1;
        var sinceProgress = Stopwatch.StartNew();
        while (accounting.Queue.Count > 0 && clock.Elapsed < TimeSpan.FromSeconds(120))
        {
            // Real time drives the drain (each answer refills the window). The fake clock, which only moves the back-off
            // timers, moves one second when nothing was delivered for 100 ms of real time: until the first retransmission
            // reaches the returned server, and whenever only lost answers are left (each then costs its retransmission
            // wait, counted in 'waited').
            long now = accounting.Queue.Snapshot().Delivered;
            if (now != lastDelivered)
            {
                lastDelivered = now;
                sinceProgress.Restart();
            }
            else if (sinceProgress.ElapsedMilliseconds >= 100)
            {
                _time.Advance(TimeSpan.FromSeconds(1));
                if (_server.Requests.Any(r => r.StatusType == AcctStatusType.Stop))
                    waited += TimeSpan.FromSeconds(1);
                else
                    fake += TimeSpan.FromSeconds(1);
                sinceProgress.Restart();
            }
            await Task.Delay(5);
        }
        TimeSpan drain = clock.Elapsed;
        int delivered = _server.Requests.Where(r => r.StatusType == AcctStatusType.Stop).Select(r => r.SessionId).Distinct().Count();
        int stopRequests = _server.Requests.Count(r => r.StatusType == AcctStatusType.Stop);
        AccountingQueueSnapshot snap = accounting.Queue.Snapshot();
        _output.WriteLine($"{Sessions} Stops after a 10 min outage: the first retransmission reached the returned server after {fake.TotalSeconds:0} s "
            + $"of back-off (fake clock); the drain then took {drain.TotalMilliseconds:0} ms real time, of which {waited.TotalSeconds:0} s (fake clock) "
            + $"waiting for retransmissions of records whose answers were lost; {stopRequests} Stop requests reached the server for {delivered} sessions; "
            + $"queue: delivered {snap.Delivered}, retried {snap.Retried}");
        Assert.Equal(Sessions, delivered);
        Assert.Equal(0, accounting.Queue.Count);
    }
}
