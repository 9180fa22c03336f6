using System.Collections.Concurrent;
using System.Globalization;
using PptpGw.ControlPlane.Aaa.Radius;
using PptpGw.ControlPlane.Logging;

namespace PptpGw.ControlPlane.Aaa.Accounting;

/// <summary>
/// Accounting of one AAA server group, whatever its protocol: the durable <see cref="AccountingQueue"/> over the
/// group's transport, the protocol's record format, and the sessions. <see cref="Open"/> replays the spool after
/// Accounting-On; <see cref="ShutdownAsync"/> queues the Stops (Admin-Reboot), then Accounting-Off, waits up to
/// <see cref="AccountingQueueOptions.ShutdownWait"/> for them, and leaves what is left in the spool (logged, never dropped).
/// </summary>
public sealed class AccountingService : IAsyncDisposable
{
    private readonly IAccountingTransport _transport;
    private readonly IAccountingRecordFormat _format;
    private readonly AccountingQueueOptions _options;
    private readonly TimeSpan? _interim;
    private readonly ConcurrentDictionary<AccountingSession, byte> _sessions = new();
    private Task<int>? _shutdown;

    private AccountingService(AccountingQueue queue, IAccountingTransport transport, IAccountingRecordFormat format, AccountingQueueOptions options,
        TimeSpan? interim, GatewayLog? log, TimeProvider time)
    {
        Queue = queue;
        _transport = transport;
        _format = format;
        _options = options;
        _interim = interim;
        Log = log;
        Time = time;
    }

    /// <summary>The group's queue.</summary>
    public AccountingQueue Queue { get; }

    /// <summary>Sessions started and not yet stopped.</summary>
    public int ActiveSessions => _sessions.Count;

    internal GatewayLog? Log { get; }
    internal TimeProvider Time { get; }

    /// <summary>
    /// Opens the spool of <paramref name="group"/> in <see cref="AccountingQueueOptions.SpoolDirectory"/> (memory only,
    /// with an error line, when it cannot be used), queues Accounting-On ahead of the replayed records and starts sending.
    /// Takes ownership of <paramref name="transport"/>.
    /// </summary>
    /// <param name="interim">The configured interim interval; null for none unless a server sends Acct-Interim-Interval.</param>
    public static AccountingService Open(string group, IAccountingTransport transport, IAccountingRecordFormat format, AccountingQueueOptions? options = null,
        TimeSpan? interim = null, GatewayLog? log = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(format);
        options ??= new AccountingQueueOptions();
        TimeProvider time = timeProvider ?? TimeProvider.System;
        AccountingSpool spool;
        List<SpooledRecord> replay = [];
        if (options.SpoolDirectory is { } directory)
        {
            try
            {
                spool = AccountingSpool.Open(directory, group, options.SpoolSyncInterval, log, out replay);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                log?.Write(PixSeverity.Error, $"accounting spool in {directory} for aaa-server group {group} unusable ({ex.Message}): "
                    + "records are kept in memory only and a restart loses those not yet acknowledged");
                spool = AccountingSpool.InMemory();
            }
        }
        else
        {
            spool = AccountingSpool.InMemory();
        }
        var queue = new AccountingQueue(group, transport, spool, replay, options, format, log, time);
        var service = new AccountingService(queue, transport, format, options, interim, log, time);
        service.EnqueueSystem(AccountingRecordKind.AccountingOn);
        queue.Start();
        log?.Write(PixSeverity.Informational, string.Create(CultureInfo.InvariantCulture,
            $"accounting for aaa-server group {group}: spool {spool.Path ?? "in memory"}, {queue.Count} records queued (Accounting-On first)"));
        return service;
    }

    /// <summary>
    /// A session of <paramref name="data"/>; call <see cref="AccountingSession.Start"/>. <paramref name="serverInterimInterval"/>
    /// (the Access-Accept's Acct-Interim-Interval, RFC 2869 §5.16) wins over the configured interval, raised to 60 s.
    /// </summary>
    public AccountingSession Begin(AccountingSessionData data, Func<AccountingCounters> counters, uint? serverInterimInterval = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(counters);
        TimeSpan? interval = serverInterimInterval is { } s && s > 0
            ? TimeSpan.FromSeconds(Math.Max(s, AccountingSession.MinimumServerInterimInterval.TotalSeconds))
            : _interim;
        var session = new AccountingSession(this, data, counters, interval);
        _sessions[session] = 0;
        return session;
    }

    /// <summary>Queues Stop for every running session with <paramref name="cause"/>.</summary>
    public void StopAll(AcctTerminateCause cause = AcctTerminateCause.AdminReboot)
    {
        foreach (AccountingSession session in _sessions.Keys)
            session.Stop(cause);
    }

    /// <summary>
    /// Clean shutdown: Stops (Admin-Reboot) for what still runs, Accounting-Off after them, then waits up to the
    /// shutdown time; returns how many records were left in the spool for the next start.
    /// </summary>
    public Task<int> ShutdownAsync()
    {
        lock (_sessions)
            return _shutdown ??= ShutdownCoreAsync();
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync() => await ShutdownAsync().ConfigureAwait(false);

    internal AccountingRecord Enqueue(AccountingEvent accountingEvent) =>
        Queue.Enqueue(accountingEvent.Kind, accountingEvent.Kind is AccountingRecordKind.AccountingOn or AccountingRecordKind.AccountingOff ? "" : accountingEvent.SessionId,
            accountingEvent.Time, _format.Encode(accountingEvent));

    internal void Forget(AccountingSession session) => _sessions.TryRemove(session, out _);

    private AccountingRecord EnqueueSystem(AccountingRecordKind kind) =>
        Enqueue(new AccountingEvent(kind, Time.GetUtcNow(), AccountingSession.NewSessionId()));

    private async Task<int> ShutdownCoreAsync()
    {
        StopAll(AcctTerminateCause.AdminReboot);
        EnqueueSystem(AccountingRecordKind.AccountingOff);
        bool empty = await Queue.WaitUntilEmptyAsync(_options.ShutdownWait).ConfigureAwait(false);
        int left = Queue.Count;
        if (!empty)
        {
            string where = Queue.Spool.IsDurable ? $"left in the spool {Queue.Spool.Path} for the next start" : "the spool is in memory, so they are lost";
            Log?.Write(PixSeverity.Warning, string.Create(CultureInfo.InvariantCulture,
                $"accounting: {left} records of aaa-server group {Queue.Group} not acknowledged within {_options.ShutdownWait.TotalSeconds:0.#} s of shutdown; {where}"));
        }
        Queue.Dispose();
        await _transport.DisposeAsync().ConfigureAwait(false);
        Queue.Spool.Dispose();
        return left;
    }
}
