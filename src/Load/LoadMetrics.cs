using System.Collections.Concurrent;
using System.Diagnostics;
using HdrHistogram;

namespace PptpGw.Load;

/// <summary>
/// What a run counts while it goes: set-up latencies (HdrHistogram, microseconds, 3 significant digits), sessions up,
/// in flight and failed, failures by <see cref="SetupFailure.Key"/>. Thread-safe; recording costs a lock per set-up.
/// </summary>
internal sealed class LoadMetrics
{
    private readonly LongHistogram _latency = new(TimeSpan.FromHours(1).Ticks / 10, 3); // µs up to one hour
    private readonly Lock _latencyLock = new();
    private readonly ConcurrentDictionary<string, long> _failures = new(StringComparer.Ordinal);
    private long _established, _up, _inFlight, _failed, _firstUp, _lastUp;

    public long Established => Interlocked.Read(ref _established);

    public long Up => Interlocked.Read(ref _up);

    public long InFlight => Interlocked.Read(ref _inFlight);

    public long Failed => Interlocked.Read(ref _failed);

    /// <summary><see cref="Stopwatch"/> timestamps of the first and last link-up (0 before any).</summary>
    public (long First, long Last) UpSpan => (Interlocked.Read(ref _firstUp), Interlocked.Read(ref _lastUp));

    public IReadOnlyDictionary<string, long> Failures => new SortedDictionary<string, long>(_failures, StringComparer.Ordinal);

    public void Started() => Interlocked.Increment(ref _inFlight);

    public void SetupSucceeded(long dispatchTimestamp, long upTimestamp)
    {
        long micros = (long)Stopwatch.GetElapsedTime(dispatchTimestamp, upTimestamp).TotalMicroseconds;
        lock (_latencyLock)
            _latency.RecordValue(Math.Clamp(micros, 1, _latency.HighestTrackableValue));
        Interlocked.CompareExchange(ref _firstUp, upTimestamp, 0);
        long last;
        while ((last = Interlocked.Read(ref _lastUp)) < upTimestamp && Interlocked.CompareExchange(ref _lastUp, upTimestamp, last) != last)
        {
        }
        Interlocked.Increment(ref _established);
        Interlocked.Increment(ref _up);
        Interlocked.Decrement(ref _inFlight);
    }

    public void SetupFailed(SetupFailure failure)
    {
        Interlocked.Decrement(ref _inFlight);
        CountFailure(failure);
    }

    /// <summary>A session that was up went down before the tool hung up.</summary>
    public void Dropped(SetupFailure failure)
    {
        Interlocked.Decrement(ref _up);
        CountFailure(failure with { Phase = SetupPhase.Up });
    }

    /// <summary>A session the tool hung up.</summary>
    public void Closed() => Interlocked.Decrement(ref _up);

    private void CountFailure(SetupFailure failure)
    {
        Interlocked.Increment(ref _failed);
        _failures.AddOrUpdate(failure.Key, 1, static (_, n) => n + 1);
    }

    /// <summary>Latency percentiles in milliseconds: p50, p90, p99, p99.9, max (all 0 without a sample).</summary>
    public LatencySummary Latency()
    {
        lock (_latencyLock)
        {
            if (_latency.TotalCount == 0)
                return new LatencySummary(0, 0, 0, 0, 0, 0);
            return new LatencySummary(_latency.TotalCount, Ms(_latency.GetValueAtPercentile(50)), Ms(_latency.GetValueAtPercentile(90)),
                Ms(_latency.GetValueAtPercentile(99)), Ms(_latency.GetValueAtPercentile(99.9)), Ms(_latency.GetMaxValue()));
        }

        static double Ms(long micros) => Math.Round(micros / 1000.0, 3);
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _setupShapes = new();

    /// <summary>
    /// Set-up diagnostics: how many calls had each (PPP frames sent, received, discarded) shape, apart for set-ups slower
    /// than a PPP restart interval (they waited for a retransmission: the shape says whose frame was lost). Descriptive
    /// keys for the report, never parsed.
    /// </summary>
    public void SetupShape(bool slow, (int Sent, int Received, long Discarded) frames) =>
        _setupShapes.AddOrUpdate($"{(slow ? "slow" : "fast")} sent={frames.Sent} received={frames.Received} discarded={frames.Discarded}", 1, (_, n) => n + 1);

    public IReadOnlyDictionary<string, long> SetupShapes => new SortedDictionary<string, long>(_setupShapes, StringComparer.Ordinal);
}
