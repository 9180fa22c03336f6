using System.Globalization;

namespace PptpGw.ControlPlane.Pptp.Connection;

/// <summary>
/// Reports listener-level events (refused, rate-limited or shed connections, accept errors) without one line per
/// connection: the first event of a kind is reported at once, then at most one summary per <see cref="Interval"/>
/// with how many more there were and the last one's text (so a flood of 10,000 connections costs a few lines, each
/// with its reason). Thread-safe.
/// </summary>
internal sealed class FloodReporter
{
    private readonly IPptpEventSink _events;
    private readonly TimeProvider _time;
    private readonly long _intervalTicks;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _entries = [];

    public FloodReporter(IPptpEventSink events, TimeProvider time, TimeSpan interval)
    {
        _events = events;
        _time = time;
        Interval = interval;
        _intervalTicks = Math.Max(1, (long)(interval.TotalSeconds * time.TimestampFrequency));
    }

    public TimeSpan Interval { get; }

    /// <summary>
    /// Reports <paramref name="detail"/> now, or counts it towards the next summary of <paramref name="key"/>.
    /// <paramref name="errno"/> (an accept error's socket error, as a value) goes to <see cref="IPptpEventSink.AcceptFailed"/>
    /// so the PIX 213001 line carries it without anyone parsing it out of the text.
    /// </summary>
    public void Report(string key, PptpErrorKind kind, string detail, int? errno = null)
    {
        bool now;
        lock (_gate)
        {
            long stamp = _time.GetTimestamp();
            if (!_entries.TryGetValue(key, out Entry? entry))
                _entries[key] = entry = new Entry(kind, errno) { LastReport = stamp - _intervalTicks };
            now = entry.Suppressed == 0 && stamp - entry.LastReport >= _intervalTicks;
            if (now)
            {
                entry.LastReport = stamp;
            }
            else
            {
                entry.Suppressed++;
                entry.LastDetail = detail;
                if (entry.Flush is null)
                {
                    long due = Math.Max(0, entry.LastReport + _intervalTicks - stamp);
                    entry.Flush = _time.CreateTimer(static state =>
                    {
                        var (self, k) = ((FloodReporter, string))state!;
                        self.Flush(k);
                    }, (this, key), TimeSpan.FromSeconds((double)due / _time.TimestampFrequency), Timeout.InfiniteTimeSpan);
                }
            }
        }
        if (now)
            Emit(kind, errno, detail);
    }

    private void Emit(PptpErrorKind kind, int? errno, string detail)
    {
        if (errno is { } value)
            _events.AcceptFailed(value, detail);
        else
            _events.Error(0, kind, detail);
    }

    private void Flush(string key)
    {
        int count;
        string detail;
        PptpErrorKind kind;
        int? errno;
        lock (_gate)
        {
            if (!_entries.TryGetValue(key, out Entry? entry) || entry.Suppressed == 0)
                return;
            count = entry.Suppressed;
            detail = entry.LastDetail!;
            kind = entry.Kind;
            errno = entry.Errno;
            entry.Suppressed = 0;
            entry.LastReport = _time.GetTimestamp();
            entry.Flush?.Dispose();
            entry.Flush = null;
        }
        Emit(kind, errno, string.Create(CultureInfo.InvariantCulture,
            $"{count} more in the last {Interval.TotalSeconds:0.#} s, the last: {detail}"));
    }

    private sealed class Entry(PptpErrorKind kind, int? errno)
    {
        public PptpErrorKind Kind { get; } = kind;
        public int? Errno { get; } = errno;
        public long LastReport { get; set; }
        public int Suppressed { get; set; }
        public string? LastDetail { get; set; }
        public ITimer? Flush { get; set; }
    }
}
