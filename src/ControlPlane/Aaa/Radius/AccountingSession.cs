using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Net;
using System.Security.Cryptography;
using PptpGw.ControlPlane.Logging;

namespace PptpGw.ControlPlane.Aaa.Radius;

/// <summary>Traffic counters of a session at one instant, as the dataplane reports them.</summary>
public readonly record struct AccountingCounters(ulong InputOctets, ulong OutputOctets, ulong InputPackets, ulong OutputPackets);

/// <summary>What stays the same in every Accounting-Request of a session (RFC 2866 §5).</summary>
/// <param name="SessionId">Acct-Session-Id: unique per gateway and session (<see cref="AccountingSession.NewSessionId"/>).</param>
public sealed record AccountingSessionInfo(string SessionId, string? UserName)
{
    /// <summary>NAS-Port (the PPTP call id).</summary>
    public uint? NasPort { get; init; }
    /// <summary>Framed-IP-Address given to the client.</summary>
    public IPAddress? FramedIpAddress { get; init; }
    /// <summary>Calling-Station-Id (the client's outside address).</summary>
    public string? CallingStationId { get; init; }
    /// <summary>Called-Station-Id.</summary>
    public string? CalledStationId { get; init; }
    /// <summary>Class attributes of the Access-Accept, echoed in every request (RFC 2865 §5.25).</summary>
    public ImmutableArray<ReadOnlyMemory<byte>> Classes { get; init; } = [];
    /// <summary>Acct-Authentic: RADIUS when the session was authenticated by RADIUS, Local for vpdn usernames.</summary>
    public AcctAuthentic Authentic { get; init; } = AcctAuthentic.Radius;
}

/// <summary>
/// The accounting life of one session (RFC 2866, RFC 2869 §2.1): Start, Interim-Updates on a timer, and exactly one
/// Stop. Created by <see cref="AccountingSessionTracker"/>, which stops whatever is still running on shutdown, so
/// every Start gets its Stop. The clock is the <see cref="TimeProvider"/> (Acct-Session-Time and the interim timer).
/// </summary>
public sealed class AccountingSession : IAsyncDisposable
{
    /// <summary>RFC 2869 §5.16: the interim interval "SHOULD NOT be smaller than 60" seconds; server values are raised to it.</summary>
    public static readonly TimeSpan MinimumServerInterimInterval = TimeSpan.FromSeconds(60);

    private static long s_sequence = RandomNumberGenerator.GetInt32(int.MaxValue);

    private readonly RadiusClient _client;
    private readonly Func<AccountingCounters> _counters;
    private readonly TimeProvider _time;
    private readonly GatewayLog? _log;
    private readonly Action<AccountingSession>? _onStopped;
    private readonly Lock _lock = new();
    private DateTimeOffset _startTime;
    private ITimer? _timer;
    private Task<RadiusAccountingResult>? _stop;
    private int _interimRunning;
    private bool _started;

    internal AccountingSession(RadiusClient client, AccountingSessionInfo info, Func<AccountingCounters> counters, TimeSpan? interimInterval,
        TimeProvider time, GatewayLog? log, Action<AccountingSession>? onStopped)
    {
        _client = client;
        Info = info;
        _counters = counters;
        InterimInterval = interimInterval;
        _time = time;
        _log = log;
        _onStopped = onStopped;
    }

    /// <summary>A fresh Acct-Session-Id: 16 hex digits, the start second and a per-process sequence (unique per gateway).</summary>
    public static string NewSessionId() =>
        $"{(uint)DateTimeOffset.UtcNow.ToUnixTimeSeconds():X8}{(uint)Interlocked.Increment(ref s_sequence):X8}";

    /// <summary>The session's constant attributes.</summary>
    public AccountingSessionInfo Info { get; }

    /// <summary>The interim interval in effect; null: no Interim-Updates.</summary>
    public TimeSpan? InterimInterval { get; }

    /// <summary>True once Stop has been sent (or is being sent).</summary>
    public bool IsStopped
    {
        get
        {
            lock (_lock)
            {
                return _stop is not null;
            }
        }
    }

    /// <summary>Sends Start and arms the interim timer. Called once.</summary>
    public async Task<RadiusAccountingResult> StartAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (_started)
                throw new InvalidOperationException("Accounting Start was already sent for this session.");
            _started = true;
            _startTime = _time.GetUtcNow();
            if (InterimInterval is { } interval && interval > TimeSpan.Zero)
                _timer = _time.CreateTimer(static s => ((AccountingSession)s!).OnInterimTimer(), this, interval, interval);
        }
        return await _client.AccountAsync(Build(AcctStatusType.Start, null, _startTime), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends an Interim-Update with the current counters now.</summary>
    public Task<RadiusAccountingResult> SendInterimAsync(CancellationToken cancellationToken = default) =>
        _client.AccountAsync(Build(AcctStatusType.InterimUpdate, null, _time.GetUtcNow()), cancellationToken);

    /// <summary>
    /// Stops the timer and sends Stop with <paramref name="cause"/>, the final counters and Acct-Session-Time. Only
    /// the first call sends; later calls return the same task.
    /// </summary>
    public Task<RadiusAccountingResult> StopAsync(AcctTerminateCause cause, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (_stop is not null)
                return _stop;
            _timer?.Dispose();
            _timer = null;
            _stop = StopCoreAsync(cause, cancellationToken);
            return _stop;
        }
    }

    private async Task<RadiusAccountingResult> StopCoreAsync(AcctTerminateCause cause, CancellationToken cancellationToken)
    {
        try
        {
            return await _client.AccountAsync(Build(AcctStatusType.Stop, cause, _time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _onStopped?.Invoke(this);
        }
    }

    /// <summary>Stops with Admin-Reboot (the gateway is going down) if the session is still running.</summary>
    public async ValueTask DisposeAsync()
    {
        bool started;
        lock (_lock)
        {
            started = _started;
        }
        if (started)
            await StopAsync(AcctTerminateCause.AdminReboot).ConfigureAwait(false);
    }

    private void OnInterimTimer()
    {
        if (IsStopped || Interlocked.Exchange(ref _interimRunning, 1) != 0)
            return; // the previous update is still being retransmitted; skip this tick
        _ = RunInterimAsync();
    }

    private async Task RunInterimAsync()
    {
        try
        {
            await SendInterimAsync().ConfigureAwait(false);
        }
#pragma warning disable CA1031 // a timer callback has nobody to throw to; the session goes on
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _log?.Debug(DebugClasses.PppUauth, $"radius: interim update for session {Info.SessionId} failed: {ex.Message}");
        }
        finally
        {
            Volatile.Write(ref _interimRunning, 0);
        }
    }

    private RadiusAccountingRequest Build(AcctStatusType type, AcctTerminateCause? cause, DateTimeOffset now)
    {
        var request = new RadiusAccountingRequest(type, Info.SessionId)
        {
            UserName = Info.UserName,
            NasPort = Info.NasPort,
            FramedIpAddress = Info.FramedIpAddress,
            CallingStationId = Info.CallingStationId,
            CalledStationId = Info.CalledStationId,
            Classes = Info.Classes,
            Authentic = Info.Authentic,
            EventTime = now,
        };
        if (type == AcctStatusType.Start)
            return request;
        var c = _counters();
        return request with
        {
            SessionTimeSeconds = (uint)Math.Max(0, (now - _startTime).TotalSeconds),
            InputOctets = c.InputOctets,
            OutputOctets = c.OutputOctets,
            InputPackets = c.InputPackets,
            OutputPackets = c.OutputPackets,
            TerminateCause = cause,
        };
    }
}

/// <summary>
/// Keeps every running <see cref="AccountingSession"/> of a RADIUS group so that each Start gets its Stop: sessions
/// leave the set when their Stop is sent, and <see cref="StopAllAsync"/> (or disposal, on gateway shutdown) stops
/// the rest with Admin-Reboot.
/// </summary>
public sealed class AccountingSessionTracker : IAsyncDisposable
{
    private readonly RadiusClient _client;
    private readonly TimeSpan? _interimInterval;
    private readonly TimeProvider _time;
    private readonly GatewayLog? _log;
    private readonly ConcurrentDictionary<AccountingSession, byte> _sessions = new();

    /// <param name="interimInterval">The configured interim interval; null for none unless a server sends Acct-Interim-Interval.</param>
    public AccountingSessionTracker(RadiusClient client, TimeSpan? interimInterval = null, TimeProvider? timeProvider = null, GatewayLog? log = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        _interimInterval = interimInterval;
        _time = timeProvider ?? TimeProvider.System;
        _log = log;
    }

    /// <summary>Sessions started and not yet stopped.</summary>
    public int ActiveCount => _sessions.Count;

    /// <summary>
    /// Registers a session and sends its Start. <paramref name="serverInterimInterval"/> (the Access-Accept's
    /// Acct-Interim-Interval, RFC 2869 §5.16) wins over the configured interval, raised to 60 s if smaller.
    /// The session is registered before Start is sent, so even a Start nobody answered is followed by a Stop.
    /// </summary>
    public async Task<AccountingSession> StartSessionAsync(AccountingSessionInfo info, Func<AccountingCounters> counters,
        uint? serverInterimInterval = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(info);
        ArgumentNullException.ThrowIfNull(counters);
        TimeSpan? interval = serverInterimInterval is { } s && s > 0
            ? TimeSpan.FromSeconds(Math.Max(s, AccountingSession.MinimumServerInterimInterval.TotalSeconds))
            : _interimInterval;
        var session = new AccountingSession(_client, info, counters, interval, _time, _log, s => _sessions.TryRemove(s, out _));
        _sessions[session] = 0;
        await session.StartAsync(cancellationToken).ConfigureAwait(false);
        return session;
    }

    /// <summary>Sends Stop for every running session with <paramref name="cause"/>, concurrently.</summary>
    public async Task StopAllAsync(AcctTerminateCause cause = AcctTerminateCause.AdminReboot, CancellationToken cancellationToken = default)
    {
        var stops = new List<Task>();
        foreach (var session in _sessions.Keys)
            stops.Add(session.StopAsync(cause, cancellationToken));
        await Task.WhenAll(stops).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync() => await StopAllAsync().ConfigureAwait(false);
}
