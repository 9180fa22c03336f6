namespace PptpGw.Gateway.Orchestration;

/// <summary>
/// Idle-Timeout for one call (RFC 2865 §5.28: "the maximum number of consecutive seconds of idle connection allowed to the
/// user before termination of the session"). Activity is the client's data as the dataplane counts it
/// (<see cref="Dataplane.Control.SessionCounters.DataPacketsIn"/>: packets from the client other than PPP control frames),
/// read on a timer: the fast path does nothing more than the counter increment it already does, and takes no lock.
/// </summary>
/// <remarks>
/// Only what the client sends counts, as in accel-ppp (its idle timer watches the PPP interface's receive counter) and
/// for the same reason: traffic towards the client (a port scan of its address, a chatty server) is not the user's, and
/// must not keep an abandoned session billed. LCP echoes do not count either (they prove the link, not its use).
/// The counter is sampled every <see cref="CheckInterval"/>, so a session ends between <c>limit</c> and
/// <c>limit + 2 × interval</c> after the client's last packet, never earlier.
/// </remarks>
internal sealed class IdleTimeoutMonitor : IDisposable
{
    private readonly TimeProvider _time;
    private readonly Func<ulong?> _dataPacketsIn;
    private readonly Action _onIdle;
    private readonly Lock _lock = new();
    private readonly ITimer _timer;
    private TimeSpan _limit;
    private ulong _lastCount;
    private long _lastActive;
    private bool _done;

    /// <param name="time">The clock (a fake one in tests).</param>
    /// <param name="limit">The Idle-Timeout.</param>
    /// <param name="dataPacketsIn">Reads the session's data-packet counter; null once the dataplane session is gone.</param>
    /// <param name="onIdle">Ends the call; called at most once, on a timer thread.</param>
    public IdleTimeoutMonitor(TimeProvider time, TimeSpan limit, Func<ulong?> dataPacketsIn, Action onIdle)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(limit, TimeSpan.Zero);
        _time = time;
        _limit = limit;
        _dataPacketsIn = dataPacketsIn;
        _onIdle = onIdle;
        _lastCount = dataPacketsIn() ?? 0;
        _lastActive = time.GetTimestamp();
        TimeSpan interval = CheckInterval(limit);
        _timer = time.CreateTimer(static s => ((IdleTimeoutMonitor)s!).Check(), this, interval, interval);
    }

    /// <summary>The Idle-Timeout this call runs under.</summary>
    public TimeSpan Limit
    {
        get
        {
            lock (_lock)
                return _limit;
        }
    }

    /// <summary>
    /// A new Idle-Timeout (a RADIUS CoA-Request): the client's idle time so far counts against it, so a limit below that
    /// ends the call at the next check. False once the monitor is done.
    /// </summary>
    public bool ChangeLimit(TimeSpan limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(limit, TimeSpan.Zero);
        lock (_lock)
        {
            if (_done)
                return false;
            _limit = limit;
            TimeSpan interval = CheckInterval(limit);
            _timer.Change(interval, interval);
            return true;
        }
    }

    /// <summary>
    /// How often the counter is read: a quarter of the limit, at least 1 s and at most 30 s (accel-ppp reads every 60 s).
    /// At 100,000 sessions with a 600 s limit that is 3,300 counter reads a second, each a few loads.
    /// </summary>
    public static TimeSpan CheckInterval(TimeSpan limit) =>
        TimeSpan.FromTicks(Math.Clamp(limit.Ticks / 4, TimeSpan.TicksPerSecond, 30 * TimeSpan.TicksPerSecond));

    /// <summary>How long the client has sent no data, as last observed.</summary>
    public TimeSpan Idle
    {
        get
        {
            lock (_lock)
                return _time.GetElapsedTime(_lastActive);
        }
    }

    private void Check()
    {
        lock (_lock)
        {
            if (_done)
                return;
            if (_dataPacketsIn() is not { } count)
                return; // the dataplane session is going: the call's release stops this monitor
            long now = _time.GetTimestamp();
            if (count != _lastCount)
            {
                _lastCount = count;
                _lastActive = now;
                return;
            }
            if (_time.GetElapsedTime(_lastActive, now) < _limit)
                return;
            _done = true;
            _timer.Dispose();
        }
        _onIdle();
    }

    /// <summary>Stops watching (the call ended).</summary>
    public void Dispose()
    {
        lock (_lock)
            _done = true;
        _timer.Dispose();
    }
}
