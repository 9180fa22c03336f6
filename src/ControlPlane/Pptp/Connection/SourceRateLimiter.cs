using System.Net;

namespace PptpGw.ControlPlane.Pptp.Connection;

/// <summary>
/// New TCP connections per source address, as accel-ppp's <c>connlimit</c> module counts them: a source may open
/// <see cref="Burst"/> connections at once, then one per <see cref="Interval"/> (a token bucket refilled at one token
/// per interval, holding at most <see cref="Burst"/>). A connection over the limit is closed at once, before it costs
/// more than the accepted socket.
/// </summary>
/// <remarks>
/// Memory is bounded: a source whose bucket has refilled completely holds no state that matters and is forgotten by
/// the periodic sweep, so the table holds only sources seen within the last <c>Burst × Interval</c>, and at most
/// <see cref="MaxSources"/> of them (beyond that the oldest-refilled are dropped first, which can only favour a
/// source, never refuse one that is within its limit). Not thread-safe: the listener's accept loop is its only caller.
/// </remarks>
public sealed class SourceRateLimiter
{
    /// <summary>Most sources tracked at once; the sweep keeps the table at or below it.</summary>
    public const int MaxSources = 262_144;

    private const int SweepEvery = 4096;

    private readonly TimeProvider _time;
    private readonly long _intervalTicks;
    private readonly Dictionary<IPAddress, Bucket> _buckets = [];
    private int _sinceSweep;

    /// <summary>Creates a limiter allowing <paramref name="burst"/> connections at once, then one per <paramref name="interval"/>.</summary>
    public SourceRateLimiter(int burst, TimeSpan interval, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(burst, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        Burst = burst;
        Interval = interval;
        _time = time ?? TimeProvider.System;
        _intervalTicks = Math.Max(1, (long)(interval.TotalSeconds * _time.TimestampFrequency));
    }

    /// <summary>Connections a source may open at once.</summary>
    public int Burst { get; }

    /// <summary>After the burst, one connection per interval.</summary>
    public TimeSpan Interval { get; }

    /// <summary>Sources in the table.</summary>
    public int TrackedSources => _buckets.Count;

    /// <summary>Takes one token for <paramref name="source"/>: true when the connection is within the limit.</summary>
    public bool TryAcquire(IPAddress source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.IsIPv4MappedToIPv6)
            source = source.MapToIPv4();
        long now = _time.GetTimestamp();
        if (++_sinceSweep >= SweepEvery || _buckets.Count >= MaxSources)
            Sweep(now);
        if (!_buckets.TryGetValue(source, out Bucket bucket))
            bucket = new Bucket(Burst, now);
        // Refill: one token per whole interval elapsed, the remainder carried in the stamp.
        long elapsed = now - bucket.Stamp;
        if (elapsed >= _intervalTicks)
        {
            long tokens = elapsed / _intervalTicks;
            if (bucket.Tokens + tokens >= Burst)
                bucket = new Bucket(Burst, now);
            else
                bucket = new Bucket(bucket.Tokens + (int)tokens, bucket.Stamp + tokens * _intervalTicks);
        }
        bool allowed = bucket.Tokens > 0;
        if (allowed)
            bucket = bucket with { Tokens = bucket.Tokens - 1 };
        _buckets[source] = bucket;
        return allowed;
    }

    /// <summary>Forgets sources whose bucket is full again (they would start afresh anyway).</summary>
    private void Sweep(long now)
    {
        _sinceSweep = 0;
        long full = _intervalTicks * Burst;
        List<IPAddress>? forget = null;
        foreach ((IPAddress source, Bucket bucket) in _buckets)
        {
            if (now - bucket.Stamp >= full - bucket.Tokens * _intervalTicks)
                (forget ??= []).Add(source);
        }
        if (forget is not null)
            foreach (IPAddress source in forget)
                _buckets.Remove(source);
        if (_buckets.Count >= MaxSources)
        {
            // Still full of active sources: drop those that refill soonest.
            foreach (IPAddress source in _buckets.OrderBy(b => b.Value.Stamp).Take(_buckets.Count - MaxSources / 2).Select(b => b.Key).ToList())
                _buckets.Remove(source);
        }
    }

    private readonly record struct Bucket(int Tokens, long Stamp);
}
