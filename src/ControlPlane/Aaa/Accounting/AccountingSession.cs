using System.Security.Cryptography;
using PptpGw.ControlPlane.Aaa.Radius;
using PptpGw.ControlPlane.Logging;

namespace PptpGw.ControlPlane.Aaa.Accounting;

/// <summary>
/// The accounting life of one session (RFC 2866, RFC 2869 §2.1, RFC 8907 §7): one Start, Interim-Updates on a timer,
/// exactly one Stop, each a record of the group's <see cref="AccountingQueue"/> (durable, retransmitted until
/// acknowledged). Made by <see cref="AccountingService.Begin"/>, which stops whatever still runs at shutdown. Thread-safe.
/// </summary>
public sealed class AccountingSession
{
    /// <summary>RFC 2869 §5.16: the interim interval "SHOULD NOT be smaller than 60" seconds; server values are raised to it.</summary>
    public static readonly TimeSpan MinimumServerInterimInterval = TimeSpan.FromSeconds(60);

    private static long s_sequence = RandomNumberGenerator.GetInt32(int.MaxValue);

    private readonly AccountingService _owner;
    private readonly Func<AccountingCounters> _counters;
    private readonly Lock _lock = new();
    private DateTimeOffset _startTime;
    private ITimer? _timer;
    private AccountingRecord? _start;
    private AccountingRecord? _stop;
    private bool _stopped;

    internal AccountingSession(AccountingService owner, AccountingSessionData data, Func<AccountingCounters> counters, TimeSpan? interimInterval)
    {
        _owner = owner;
        Data = data;
        _counters = counters;
        InterimInterval = interimInterval;
    }

    /// <summary>A fresh Acct-Session-Id: 16 hex digits, the start second and a per-process sequence (unique per gateway).</summary>
    public static string NewSessionId() =>
        $"{(uint)DateTimeOffset.UtcNow.ToUnixTimeSeconds():X8}{(uint)Interlocked.Increment(ref s_sequence):X8}";

    /// <summary>The session's constant data.</summary>
    public AccountingSessionData Data { get; }

    /// <summary>The interim interval in effect; null: no Interim-Updates.</summary>
    public TimeSpan? InterimInterval { get; }

    /// <summary>The Start record (after <see cref="Start"/>): its <see cref="AccountingRecord.Acknowledged"/> says when a server took it.</summary>
    public AccountingRecord? StartRecord
    {
        get { lock (_lock) return _start; }
    }

    /// <summary>The Stop record, once <see cref="Stop"/> ran.</summary>
    public AccountingRecord? StopRecord
    {
        get { lock (_lock) return _stop; }
    }

    /// <summary>True once Stop was queued.</summary>
    public bool IsStopped
    {
        get { lock (_lock) return _stopped; }
    }

    /// <summary>Queues Start (spooled before this returns) and arms the interim timer. Once.</summary>
    public AccountingRecord Start()
    {
        lock (_lock)
        {
            if (_start is not null || _stopped)
                throw new InvalidOperationException("Accounting Start was already sent for this session.");
            _startTime = _owner.Time.GetUtcNow();
            _start = _owner.Enqueue(new AccountingEvent(AccountingRecordKind.Start, _startTime, Data.SessionId) { Session = Data, SessionStart = _startTime });
            if (InterimInterval is { } interval && interval > TimeSpan.Zero)
                _timer = _owner.Time.CreateTimer(static s => ((AccountingSession)s!).SendInterim(), this, interval, interval);
            return _start;
        }
    }

    /// <summary>Queues an Interim-Update with the counters now (it replaces one of this session not yet sent); null once stopped.</summary>
    public AccountingRecord? SendInterim()
    {
        lock (_lock)
        {
            if (_stopped || _start is null)
                return null;
            var now = _owner.Time.GetUtcNow();
            try
            {
                return _owner.Enqueue(Counted(AccountingRecordKind.Interim, now, null));
            }
            catch (ObjectDisposedException)
            {
                return null; // shutting down: the Stop says it all
            }
        }
    }

    /// <summary>
    /// Stops the timer and queues Stop with <paramref name="cause"/>, the final counters and Acct-Session-Time. Only the
    /// first call queues; later ones return the same record. Null when the session never started.
    /// </summary>
    public AccountingRecord? Stop(AcctTerminateCause cause)
    {
        lock (_lock)
        {
            if (_stopped)
                return _stop;
            _stopped = true;
            _timer?.Dispose();
            _timer = null;
            if (_start is null)
                return null;
            try
            {
                _stop = _owner.Enqueue(Counted(AccountingRecordKind.Stop, _owner.Time.GetUtcNow(), cause));
            }
            catch (ObjectDisposedException)
            {
                _owner.Log?.Write(PixSeverity.Error, $"accounting Stop of session {Data.SessionId} user {Data.UserName} after the queue closed: not recorded");
            }
        }
        _owner.Forget(this);
        return _stop;
    }

    private AccountingEvent Counted(AccountingRecordKind kind, DateTimeOffset now, AcctTerminateCause? cause) =>
        new(kind, now, Data.SessionId) { Session = Data, SessionStart = _startTime, Counters = _counters(), Cause = cause };
}
