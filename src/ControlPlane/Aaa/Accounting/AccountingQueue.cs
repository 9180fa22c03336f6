using System.Collections.Immutable;
using System.Globalization;
using PptpGw.ControlPlane.Logging;

namespace PptpGw.ControlPlane.Aaa.Accounting;

/// <summary>
/// The durable accounting queue of one AAA server group, shared by all sessions: a record is appended to the
/// <see cref="AccountingSpool"/> before its first transmission and marked done when a server acknowledges it; until
/// then it is retransmitted with back-off (<see cref="AccountingQueueOptions.RetransmitInitial"/> doubling to
/// <see cref="AccountingQueueOptions.RetransmitMaximum"/>; RFC 5080 §2.2.1: accounting retransmission continues until
/// acknowledged) or until it is <see cref="AccountingQueueOptions.MaximumAge"/> old. Records are sent in order per
/// session (a Stop never overtakes its Start), at most <see cref="AccountingQueueOptions.MaxInFlightPerServer"/> in
/// flight per server; a record in flight keeps its place, so retransmissions never queue behind new records. After
/// <see cref="AccountingQueueOptions.TransmissionsPerServer"/> unanswered tries a record fails over to the group's
/// next server, and the server is skipped for new records for the dead time. When a silent server answers again,
/// every record waiting for it is retransmitted at once instead of at its back-off.
/// </summary>
/// <remarks>
/// At least once: a record whose acknowledgement is lost is sent again (after a restart too), so a server may see a
/// record twice (same Acct-Session-Id and Acct-Status-Type); a record is never dropped except as the spool bound and the
/// maximum age say, each with a log line carrying its data. Thread-safe; every timer comes from the
/// <see cref="TimeProvider"/>.
/// </remarks>
public sealed class AccountingQueue : IAccountingAcknowledgementSink, IDisposable
{
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(60);

    private readonly Lock _lock = new();
    private readonly string _group;
    private readonly IAccountingTransport _transport;
    private readonly AccountingSpool _spool;
    private readonly AccountingQueueOptions _options;
    private readonly IAccountingRecordFormat? _format;
    private readonly GatewayLog? _log;
    private readonly TimeProvider _time;
    private readonly ITimer _timer;
    private readonly Dictionary<long, AccountingRecord> _pending = [];
    private readonly Dictionary<string, LinkedList<AccountingRecord>> _sessions = new(StringComparer.Ordinal);
    private readonly PriorityQueue<AccountingRecord, (int Class, long Sequence)> _ready = new();
    private readonly PriorityQueue<AccountingRecord, long> _due = new();
    private readonly ServerState[] _servers;
    private readonly List<TaskCompletionSource> _emptyWaiters = [];
    private long _nextSequence;
    private long _timerDueTicks = long.MaxValue;
    private long _nextSweepTicks;
    private bool _started;
    private bool _disposed;
    private long _delivered, _retried, _replayed, _droppedInterim, _droppedStart, _droppedStop, _superseded, _expired;

    private sealed class ServerState
    {
        public int InFlight;
        public long Delivered;
        public long Retried;
        public long LateAnswers;
        public long DeadUntilTicks;
        public long LastAnswerTicks;
        public bool Silent;
    }

    /// <summary>
    /// A queue over <paramref name="transport"/> and <paramref name="spool"/>; <paramref name="replay"/> (what the spool
    /// held at open) is queued first, in its order. Nothing is sent before <see cref="Start"/>.
    /// </summary>
    public AccountingQueue(string group, IAccountingTransport transport, AccountingSpool spool, IReadOnlyList<SpooledRecord> replay,
        AccountingQueueOptions? options = null, IAccountingRecordFormat? format = null, GatewayLog? log = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(spool);
        ArgumentNullException.ThrowIfNull(replay);
        _group = group;
        _transport = transport;
        _spool = spool;
        _options = options ?? new AccountingQueueOptions();
        if (_options.MaxInFlightPerServer < 1 || _options.TransmissionsPerServer < 1)
            throw new ArgumentException("MaxInFlightPerServer and TransmissionsPerServer must be at least 1.", nameof(options));
        if (_options.RetransmitInitial <= TimeSpan.Zero || _options.RetransmitMaximum < _options.RetransmitInitial)
            throw new ArgumentException("RetransmitInitial must be positive and RetransmitMaximum at least as long.", nameof(options));
        _format = format;
        _log = log;
        _time = timeProvider ?? TimeProvider.System;
        _servers = [.. Enumerable.Range(0, transport.ServerCount).Select(_ => new ServerState())];
        if (_servers.Length == 0)
            throw new ArgumentException("The transport has no server.", nameof(transport));
        _timer = _time.CreateTimer(static s => ((AccountingQueue)s!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        long stale = 0;
        foreach (SpooledRecord r in replay)
        {
            _nextSequence = Math.Max(_nextSequence, r.Sequence + 1);
            if (r.Kind is AccountingRecordKind.AccountingOn or AccountingRecordKind.AccountingOff)
            {
                // An On or Off of an earlier run that nobody acknowledged: this start's Accounting-On says it all, and an old
                // Off sent after it would tell the server the gateway went down.
                _spool.MarkDone(r.Sequence);
                stale++;
                continue;
            }
            var record = new AccountingRecord(r.Sequence, r.Kind, r.SessionKey, r.EventTime, r.Payload)
            {
                FromSpool = true,
                SpoolBytes = AccountingSpool.EntryLength(r.SessionKey, r.Payload.Length),
            };
            Admit(record);
            _replayed++;
        }
        if (_replayed > 0 || stale > 0)
        {
            string staleText = stale > 0 ? string.Create(CultureInfo.InvariantCulture, $" ({stale} stale Accounting-On/Off dropped)") : "";
            _log?.Write(PixSeverity.Notification, string.Create(CultureInfo.InvariantCulture,
                $"accounting: {_replayed} records of aaa-server group {_group} replayed from {_spool.Path ?? "memory"}{staleText}"));
        }
        transport.Attach(this);
    }

    /// <summary>The <c>aaa-server</c> group.</summary>
    public string Group => _group;

    /// <summary>Records not yet acknowledged (or given up on).</summary>
    public int Count
    {
        get { lock (_lock) return _pending.Count; }
    }

    /// <summary>The spool.</summary>
    public AccountingSpool Spool => _spool;

    /// <summary>
    /// Queues a record: appended to the spool now (before its first transmission), sent when its session's earlier
    /// records are acknowledged. An Interim or Stop supersedes the session's Interim-Updates not yet sent. When the spool
    /// is full an Interim-Update is dropped; a Start or Stop first evicts queued Interim-Updates (then Starts, for a
    /// Stop); each drop is counted and logged with the record's data. The returned record's
    /// <see cref="AccountingRecord.Acknowledged"/> completes when a server acknowledged it.
    /// </summary>
    public AccountingRecord Enqueue(AccountingRecordKind kind, string sessionKey, DateTimeOffset eventTime, byte[] payload)
    {
        ArgumentNullException.ThrowIfNull(sessionKey);
        ArgumentNullException.ThrowIfNull(payload);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var record = new AccountingRecord(_nextSequence++, kind, sessionKey, eventTime, payload)
            {
                SpoolBytes = AccountingSpool.EntryLength(sessionKey, payload.Length),
            };
            if (kind is AccountingRecordKind.Interim or AccountingRecordKind.Stop && _sessions.TryGetValue(sessionKey, out var chain))
            {
                foreach (AccountingRecord older in chain.Where(r => r.Kind == AccountingRecordKind.Interim && r.State != AccountingRecordState.InFlight).ToList())
                {
                    _superseded++;
                    Finish(older);
                }
            }
            if (!MakeRoom(record))
            {
                record.State = AccountingRecordState.Done;
                return record;
            }
            _spool.Append(record.Sequence, kind, sessionKey, eventTime, payload);
            Admit(record);
            Pump();
            return record;
        }
    }

    /// <summary>Starts sending (the caller queues Accounting-On first, so it goes before the replayed records).</summary>
    public void Start()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _started = true;
            _nextSweepTicks = _time.GetUtcNow().UtcTicks + SweepInterval.Ticks;
            Pump();
        }
    }

    /// <summary>Waits until every record is acknowledged or <paramref name="timeout"/> passed; true when the queue is empty.</summary>
    public async Task<bool> WaitUntilEmptyAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        TaskCompletionSource waiter;
        lock (_lock)
        {
            if (_pending.Count == 0)
                return true;
            waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _emptyWaiters.Add(waiter);
        }
        try
        {
            await waiter.Task.WaitAsync(timeout, _time, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            lock (_lock)
            {
                _emptyWaiters.Remove(waiter);
                return _pending.Count == 0;
            }
        }
    }

    /// <summary>What the queue holds and has done, per server.</summary>
    public AccountingQueueSnapshot Snapshot()
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            int preferred = Preferred(now.UtcTicks);
            var depth = new int[_servers.Length];
            var oldest = new DateTimeOffset?[_servers.Length];
            DateTimeOffset? oldestAll = null;
            foreach (AccountingRecord r in _pending.Values)
            {
                int s = r.State == AccountingRecordState.InFlight ? r.Server : preferred;
                depth[s]++;
                if (oldest[s] is not { } o || r.EventTime < o)
                    oldest[s] = r.EventTime;
                if (oldestAll is not { } a || r.EventTime < a)
                    oldestAll = r.EventTime;
            }
            int spooled = _spool.LiveRecords;
            var servers = _servers.Select((s, i) => new AccountingServerSnapshot(
                _transport.ServerName(i), depth[i], s.InFlight, oldest[i] is { } t ? Max0(now - t) : null,
                s.Delivered, s.Retried, spooled, s.DeadUntilTicks > now.UtcTicks, i == preferred) { LateAnswers = s.LateAnswers }).ToImmutableArray();
            return new AccountingQueueSnapshot(_group, _spool.Path, _pending.Count, oldestAll is { } x ? Max0(now - x) : null,
                spooled, _spool.LiveBytes, _delivered, _retried, _replayed, _droppedInterim, _droppedStart, _droppedStop, _superseded, _expired, servers)
            {
                IgnoredReplies = _transport.IgnoredReplies,
            };
        }
    }

    /// <inheritdoc/>
    void IAccountingAcknowledgementSink.Acknowledged(AccountingRecord record, int server, bool toEarlierTransmission)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_lock)
        {
            if (_disposed || record.State != AccountingRecordState.InFlight || !_pending.ContainsKey(record.Sequence))
                return;
            long now = _time.GetUtcNow().UtcTicks;
            ServerState s = _servers[server];
            s.Delivered++;
            if (toEarlierTransmission)
                s.LateAnswers++;
            _delivered++;
            bool recovered = s.Silent || s.DeadUntilTicks > now;
            if (s.DeadUntilTicks != 0 && _log is not null)
                _log.Write(PixSeverity.Notification, $"AAA Marking accounting server {_transport.ServerName(server)} in aaa-server group {_group} as ACTIVE");
            s.Silent = false;
            s.DeadUntilTicks = 0;
            s.LastAnswerTicks = now;
            Finish(record);
            record.MarkAcknowledged();
            if (recovered)
            {
                // The server is back: what waits for it goes now, not at the end of its back-off (up to a minute);
                // records sent less than a timeout ago are still waiting for their answer (resending them would only
                // duplicate them).
                long sentBefore = now - _transport.ServerTimeout(server).Ticks;
                foreach (AccountingRecord r in _pending.Values)
                {
                    if (r.State == AccountingRecordState.InFlight && r.Server == server && r.DueTicks > now && r.SentTicks <= sentBefore)
                    {
                        // ... and its back-off starts again from the initial wait: the server answers, so an answer
                        // lost now should cost one timeout, not the minute the outage had grown it to.
                        r.BackoffAttempts = 0;
                        r.DueTicks = now;
                        _due.Enqueue(r, now);
                    }
                }
            }
            Pump();
        }
    }

    /// <summary>Stops the timer; the spool and transport belong to the caller.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
                return;
            _disposed = true;
            foreach (var waiter in _emptyWaiters)
                waiter.TrySetResult();
            _emptyWaiters.Clear();
        }
        _timer.Dispose();
    }

    // ---- under _lock ----

    // The last Accounting-On sent: records after it wait for its answer (bounded, see the send loop).
    private AccountingRecord? _onBarrier;

    private void Admit(AccountingRecord record)
    {
        _pending[record.Sequence] = record;
        if (record.SessionKey.Length == 0)
        {
            MakeReady(record);
            return;
        }
        if (!_sessions.TryGetValue(record.SessionKey, out var chain))
            _sessions[record.SessionKey] = chain = new LinkedList<AccountingRecord>();
        chain.AddLast(record);
        if (chain.Count == 1)
            MakeReady(record);
        else
            record.State = AccountingRecordState.Waiting;
    }

    private void MakeReady(AccountingRecord record)
    {
        record.State = AccountingRecordState.Ready;
        // Accounting-On first (before the replayed records), Accounting-Off last (after the Stops), the rest in order.
        int cls = record.Kind switch
        {
            AccountingRecordKind.AccountingOn => 0,
            AccountingRecordKind.AccountingOff => 2,
            _ => 1,
        };
        _ready.Enqueue(record, (cls, record.Sequence));
    }

    /// <summary>Out of the queue: done in the spool, the next record of its session becomes ready.</summary>
    private void Finish(AccountingRecord record)
    {
        if (record.State == AccountingRecordState.InFlight && record.Server >= 0)
            _servers[record.Server].InFlight--;
        record.State = AccountingRecordState.Done;
        _pending.Remove(record.Sequence);
        _spool.MarkDone(record.Sequence);
        _transport.Forget(record);
        if (record.SessionKey.Length > 0 && _sessions.TryGetValue(record.SessionKey, out var chain))
        {
            bool wasHead = chain.First?.Value == record;
            chain.Remove(record);
            if (chain.Count == 0)
                _sessions.Remove(record.SessionKey);
            else if (wasHead && chain.First!.Value.State == AccountingRecordState.Waiting)
                MakeReady(chain.First.Value);
        }
        if (_pending.Count == 0)
        {
            foreach (var waiter in _emptyWaiters)
                waiter.TrySetResult();
            _emptyWaiters.Clear();
        }
    }

    private bool MakeRoom(AccountingRecord record)
    {
        long limit = _options.SpoolMaximumBytes;
        if (_spool.LiveBytes + record.SpoolBytes <= limit)
            return true;
        if (record.Kind == AccountingRecordKind.Interim)
        {
            Drop(record, ref _droppedInterim, "the new Interim-Update");
            return false;
        }
        // Evict in the order the issue of billing asks for: Interim-Updates (the Stop carries their counters), then, for
        // a Stop, Starts (a Stop alone still bills the session); Stops are the last thing ever dropped.
        foreach (AccountingRecordKind victim in record.Kind == AccountingRecordKind.Start
            ? new[] { AccountingRecordKind.Interim }
            : new[] { AccountingRecordKind.Interim, AccountingRecordKind.Start })
        {
            foreach (AccountingRecord r in _pending.Values.Where(r => r.Kind == victim).OrderBy(r => r.Sequence).ToList())
            {
                if (_spool.LiveBytes + record.SpoolBytes <= limit)
                    return true;
                if (victim == AccountingRecordKind.Interim)
                    Drop(r, ref _droppedInterim, "a queued record");
                else
                    Drop(r, ref _droppedStart, "a queued record");
                Finish(r);
            }
        }
        if (_spool.LiveBytes + record.SpoolBytes <= limit)
            return true;
        if (record.Kind == AccountingRecordKind.Start)
            Drop(record, ref _droppedStart, "the new Start");
        else
            Drop(record, ref _droppedStop, "the new record");
        return false;
    }

    private void Drop(AccountingRecord record, ref long counter, string which)
    {
        counter++;
        _log?.Write(PixSeverity.Error, string.Create(CultureInfo.InvariantCulture,
            $"accounting spool of aaa-server group {_group} full ({_spool.LiveBytes} of {_options.SpoolMaximumBytes} octets): {which}, {record.Kind} of session '{record.SessionKey}' at {record.EventTime:u}, dropped; {Describe(record)}"));
    }

    private string Describe(AccountingRecord record)
    {
        try
        {
            return _format?.Describe(record.Payload) ?? $"{record.Payload.Length} octets";
        }
        catch (ArgumentException)
        {
            return $"{record.Payload.Length} octets (undecodable)";
        }
    }

    private void OnTimer()
    {
        lock (_lock)
        {
            if (_disposed)
                return;
            _timerDueTicks = long.MaxValue;
            Pump();
        }
    }

    private void Pump()
    {
        if (!_started || _disposed)
            return;
        DateTimeOffset now = _time.GetUtcNow();
        long nowTicks = now.UtcTicks;
        if (nowTicks >= _nextSweepTicks)
        {
            _nextSweepTicks = nowTicks + SweepInterval.Ticks;
            foreach (AccountingRecord r in _pending.Values.Where(r => now - r.EventTime > _options.MaximumAge).ToList())
                GiveUp(r, now);
        }
        // Retransmissions first: they hold their in-flight place and go before any new record.
        while (_due.TryPeek(out AccountingRecord? record, out long due) && due <= nowTicks)
        {
            _due.Dequeue();
            if (record.State != AccountingRecordState.InFlight || record.DueTicks != due)
                continue; // answered, superseded, or rescheduled meanwhile
            if (now - record.EventTime > _options.MaximumAge)
            {
                GiveUp(record, now);
                continue;
            }
            ServerState current = _servers[record.Server];
            // Silent only when nothing came back from the server since this record went out: a retransmission after the
            // server's return (or because of one lost answer) must not make the next answer look like a recovery again,
            // or every answer would resend the whole window and churn the Identifiers its answers need.
            if (current.LastAnswerTicks < record.SentTicks)
                current.Silent = true;
            if (record.AttemptsOnServer >= _options.TransmissionsPerServer && _servers.Length > 1)
            {
                MarkDead(record.Server, nowTicks);
                int next = NextServer(record.Server, nowTicks);
                current.InFlight--;
                _servers[next].InFlight++;
                _log?.Debug(DebugClasses.PppUauth,
                    $"accounting: {record} moves from {_transport.ServerName(record.Server)} to {_transport.ServerName(next)} after {record.AttemptsOnServer} tries");
                record.Server = next;
                record.AttemptsOnServer = 0;
            }
            _servers[record.Server].Retried++;
            _retried++;
            Send(record, now);
        }
        // New records, as far as the preferred server's window allows.
        while (_ready.TryPeek(out AccountingRecord? record, out _))
        {
            if (record.State != AccountingRecordState.Ready)
            {
                _ready.Dequeue();
                continue;
            }
            if (record.Kind == AccountingRecordKind.AccountingOff && _pending.Count > 1)
                break; // after every Stop
            // Accounting-On answered before the replayed records go (RFC 2866 §5.1: it tells the server every earlier
            // session of this NAS is over; a replayed Stop processed before it could be closed twice). Bounded: a server
            // that never answers an On holds the rest only until the On's first retransmission is due.
            if (record.Kind != AccountingRecordKind.AccountingOn && _onBarrier is { State: AccountingRecordState.InFlight } on
                && nowTicks < on.DueTicks && on.Attempts <= 1)
                break;
            int server = Preferred(nowTicks);
            if (_servers[server].InFlight >= _options.MaxInFlightPerServer)
                break;
            _ready.Dequeue();
            record.State = AccountingRecordState.InFlight;
            record.Server = server;
            record.AttemptsOnServer = 0;
            _servers[server].InFlight++;
            Send(record, now);
            if (record.Kind == AccountingRecordKind.AccountingOn)
                _onBarrier = record;
        }
        ArmTimer(nowTicks);
    }

    private void Send(AccountingRecord record, DateTimeOffset now)
    {
        uint delay = (uint)Math.Clamp((now - record.EventTime).TotalSeconds, 0, uint.MaxValue);
        record.Attempts++;
        record.AttemptsOnServer++;
        record.BackoffAttempts++;
        TimeSpan wait = Backoff(record.BackoffAttempts, record.Server);
        record.SentTicks = now.UtcTicks;
        record.DueTicks = now.UtcTicks + wait.Ticks;
        _due.Enqueue(record, record.DueTicks);
        _transport.Transmit(record, record.Server, delay);
    }

    /// <summary>The wait after the <paramref name="attempts"/>-th transmission: initial × 2^(n-1), capped, at least the server's timeout.</summary>
    private TimeSpan Backoff(int attempts, int server)
    {
        double factor = Math.Pow(2, Math.Min(attempts - 1, 30));
        TimeSpan wait = TimeSpan.FromTicks((long)Math.Min(_options.RetransmitInitial.Ticks * factor, _options.RetransmitMaximum.Ticks));
        TimeSpan timeout = _transport.ServerTimeout(server);
        return wait < timeout ? timeout : wait;
    }

    private void ArmTimer(long nowTicks)
    {
        long next = long.MaxValue;
        while (_due.TryPeek(out AccountingRecord? r, out long due) && (r.State != AccountingRecordState.InFlight || r.DueTicks != due))
            _due.Dequeue();
        if (_due.TryPeek(out _, out long first))
            next = first;
        if (_pending.Count > 0)
            next = Math.Min(next, _nextSweepTicks);
        if (next == _timerDueTicks)
            return;
        _timerDueTicks = next;
        _timer.Change(next == long.MaxValue ? Timeout.InfiniteTimeSpan : TimeSpan.FromTicks(Math.Max(1, next - nowTicks)), Timeout.InfiniteTimeSpan);
    }

    private void GiveUp(AccountingRecord record, DateTimeOffset now)
    {
        _expired++;
        _log?.Write(PixSeverity.Error, string.Create(CultureInfo.InvariantCulture,
            $"accounting {record.Kind} of session '{record.SessionKey}' at {record.EventTime:u} given up: no server of aaa-server group {_group} acknowledged it in {(now - record.EventTime).TotalHours:0.#} h ({record.Attempts} transmissions); {Describe(record)}"));
        Finish(record);
    }

    private void MarkDead(int server, long nowTicks)
    {
        ServerState s = _servers[server];
        if (s.DeadUntilTicks <= nowTicks)
            _log?.Write(PixSeverity.Warning, $"AAA Marking accounting server {_transport.ServerName(server)} in aaa-server group {_group} as FAILED");
        s.DeadUntilTicks = nowTicks + _options.DeadTime.Ticks;
    }

    /// <summary>The first live server in configuration order; the first one when all are dead.</summary>
    private int Preferred(long nowTicks)
    {
        for (int i = 0; i < _servers.Length; i++)
        {
            if (_servers[i].DeadUntilTicks <= nowTicks)
                return i;
        }
        return 0;
    }

    /// <summary>The next live server after <paramref name="current"/> (wrapping); the next in order when all are dead.</summary>
    private int NextServer(int current, long nowTicks)
    {
        for (int i = 1; i < _servers.Length; i++)
        {
            int candidate = (current + i) % _servers.Length;
            if (_servers[candidate].DeadUntilTicks <= nowTicks)
                return candidate;
        }
        return (current + 1) % _servers.Length;
    }

    private static TimeSpan Max0(TimeSpan t) => t < TimeSpan.Zero ? TimeSpan.Zero : t;
}
