namespace PptpGw.Dataplane.Gre;

/// <summary>
/// A per-worker set of session indices, each with the tick at which it joined, kept in joining order: an
/// intrusive doubly-linked list over preallocated arrays. With a fixed delay after joining (acknowledgment
/// delay, reorder wait) joining order is deadline order, so the due sessions are always at the head and
/// finding them costs O(due), never a scan of every session; joining, leaving and re-joining are O(1).
/// </summary>
/// <remarks>
/// 16 octets per session of capacity (1.6 MB for 100,000). Not thread-safe: one worker owns it. Callers pass
/// non-decreasing ticks; if they do not, order (and so timeliness) degrades but nothing breaks.
/// </remarks>
public sealed class SessionDeadlineList
{
    private const int None = -1;
    private const int NotListed = -2;

    private readonly int[] _next;
    private readonly int[] _previous;
    private readonly long[] _since;
    private int _head = None;
    private int _tail = None;

    /// <summary>Creates an empty list for session indices 0 .. <paramref name="capacity"/> - 1.</summary>
    public SessionDeadlineList(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _next = new int[capacity];
        _previous = new int[capacity];
        _since = new long[capacity];
        _next.AsSpan().Fill(NotListed);
    }

    /// <summary>Session indices this list can hold.</summary>
    public int Capacity => _next.Length;
    /// <summary>Sessions listed.</summary>
    public int Count { get; private set; }

    /// <summary>True when <paramref name="session"/> is listed.</summary>
    public bool Contains(int session) => _next[session] != NotListed;

    /// <summary>When <paramref name="session"/> joined (valid only when <see cref="Contains"/>).</summary>
    public long SinceTicks(int session) => _since[session];

    /// <summary>Lists <paramref name="session"/> at the tail with time <paramref name="sinceTicks"/>, moving it
    /// there if it was already listed.</summary>
    public void Add(int session, long sinceTicks)
    {
        if (_next[session] != NotListed)
            Unlink(session);
        _since[session] = sinceTicks;
        _next[session] = None;
        _previous[session] = _tail;
        if (_tail == None)
            _head = session;
        else
            _next[_tail] = session;
        _tail = session;
        Count++;
    }

    /// <summary>Unlists <paramref name="session"/>; returns false when it was not listed.</summary>
    public bool Remove(int session)
    {
        if (_next[session] == NotListed)
            return false;
        Unlink(session);
        return true;
    }

    /// <summary>The session listed longest and its time; false when empty.</summary>
    public bool TryPeekOldest(out int session, out long sinceTicks)
    {
        session = _head;
        if (session == None)
        {
            sinceTicks = 0;
            return false;
        }
        sinceTicks = _since[session];
        return true;
    }

    /// <summary>Unlists and returns the oldest session if it joined at or before <paramref name="cutoffTicks"/>.</summary>
    public bool TryTakeOldest(long cutoffTicks, out int session)
    {
        session = _head;
        if (session == None || _since[session] > cutoffTicks)
        {
            session = None;
            return false;
        }
        Unlink(session);
        return true;
    }

    private void Unlink(int session)
    {
        int next = _next[session];
        int previous = _previous[session];
        if (previous == None)
            _head = next;
        else
            _next[previous] = next;
        if (next == None)
            _tail = previous;
        else
            _previous[next] = previous;
        _next[session] = NotListed;
        Count--;
    }
}
