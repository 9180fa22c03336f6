using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PptpGw.Dataplane.Buffers;

/// <summary>
/// A bounded single-producer/single-consumer ring (capacity a power of two) with burst operations:
/// the link between one worker and another, or between the control plane and a worker (frames
/// handed up or down, session installs). Exactly one thread may enqueue and exactly one thread may
/// dequeue at a time; the two may differ.
/// </summary>
/// <remarks>
/// The producer publishes with a release write of <c>tail</c> after storing the elements; the
/// consumer reads <c>tail</c> with acquire before loading them (and symmetrically for <c>head</c>),
/// so no locks or interlocked operations are needed. Each side keeps a private copy of the other
/// side's cursor and re-reads the shared one only when the copy says the ring is full (empty), so
/// the cache line of the other side is touched about once per lap rather than once per call.
/// Cursors are free-running 64-bit counters (no wrap in practice).
/// </remarks>
/// <typeparam name="T">Element type; reference-typed slots are cleared on dequeue so the ring does not keep garbage alive.</typeparam>
public sealed class SpscRing<T>
{
    // Generic classes cannot have explicit layout, so the padded cursors live in a non-generic struct.
    private readonly T[] _slots;
    private readonly long _mask;
    private SpscCursors _cursors;

    /// <summary>Creates an empty ring.</summary>
    /// <param name="capacity">A power of two, at least 2.</param>
    public SpscRing(int capacity)
    {
        if (capacity < 2 || (capacity & (capacity - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "The capacity must be a power of two, at least 2.");
        }

        _slots = new T[capacity];
        _mask = capacity - 1;
    }

    /// <summary>Number of slots.</summary>
    public int Capacity => _slots.Length;

    /// <summary>Elements in the ring (a snapshot: exact only when called by the producer or the consumer while the other is idle).</summary>
    public int Count
    {
        get
        {
            long head = Volatile.Read(ref _cursors.Head);
            long tail = Volatile.Read(ref _cursors.Tail);
            return (int)Math.Clamp(tail - head, 0, _slots.Length);
        }
    }

    /// <summary>True when no element is published (a snapshot).</summary>
    public bool IsEmpty => Count == 0;

    /// <summary>Producer: appends one element; false when the ring is full.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryEnqueue(T item)
    {
        long tail = _cursors.Tail; // only the producer writes it
        if (tail - _cursors.ProducerCachedHead >= _slots.Length)
        {
            _cursors.ProducerCachedHead = Volatile.Read(ref _cursors.Head);
            if (tail - _cursors.ProducerCachedHead >= _slots.Length)
            {
                return false;
            }
        }

        _slots[tail & _mask] = item;
        Volatile.Write(ref _cursors.Tail, tail + 1);
        return true;
    }

    /// <summary>Consumer: removes the oldest element; false when the ring is empty.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryDequeue([MaybeNullWhen(false)] out T item)
    {
        long head = _cursors.Head; // only the consumer writes it
        if (head >= _cursors.ConsumerCachedTail)
        {
            _cursors.ConsumerCachedTail = Volatile.Read(ref _cursors.Tail);
            if (head >= _cursors.ConsumerCachedTail)
            {
                item = default;
                return false;
            }
        }

        ref T slot = ref _slots[head & _mask];
        item = slot;
        if (RuntimeHelpers.IsReferenceOrContainsReferences<T>())
        {
            slot = default!;
        }

        Volatile.Write(ref _cursors.Head, head + 1);
        return true;
    }

    /// <summary>Producer: appends as many of <paramref name="items"/> as fit, in order; returns how many.</summary>
    public int EnqueueBurst(ReadOnlySpan<T> items)
    {
        long tail = _cursors.Tail;
        long free = _slots.Length - (tail - _cursors.ProducerCachedHead);
        if (free < items.Length)
        {
            _cursors.ProducerCachedHead = Volatile.Read(ref _cursors.Head);
            free = _slots.Length - (tail - _cursors.ProducerCachedHead);
        }

        int n = (int)Math.Min(free, items.Length);
        if (n <= 0)
        {
            return 0;
        }

        // At most two contiguous pieces: up to the end of the array, then from its start.
        int start = (int)(tail & _mask);
        int first = Math.Min(n, _slots.Length - start);
        items[..first].CopyTo(_slots.AsSpan(start, first));
        items[first..n].CopyTo(_slots.AsSpan(0, n - first));
        Volatile.Write(ref _cursors.Tail, tail + n);
        return n;
    }

    /// <summary>Consumer: removes up to <paramref name="destination"/>.Length of the oldest elements; returns how many.</summary>
    public int DequeueBurst(Span<T> destination)
    {
        long head = _cursors.Head;
        long available = _cursors.ConsumerCachedTail - head;
        if (available < destination.Length)
        {
            _cursors.ConsumerCachedTail = Volatile.Read(ref _cursors.Tail);
            available = _cursors.ConsumerCachedTail - head;
        }

        int n = (int)Math.Min(available, destination.Length);
        if (n <= 0)
        {
            return 0;
        }

        int start = (int)(head & _mask);
        int first = Math.Min(n, _slots.Length - start);
        Span<T> a = _slots.AsSpan(start, first);
        Span<T> b = _slots.AsSpan(0, n - first);
        a.CopyTo(destination);
        b.CopyTo(destination[first..]);
        if (RuntimeHelpers.IsReferenceOrContainsReferences<T>())
        {
            a.Clear();
            b.Clear();
        }

        Volatile.Write(ref _cursors.Head, head + n);
        return n;
    }
}

/// <summary>
/// The cursors of an <see cref="SpscRing{T}"/>, each side's on its own 128-byte block so the
/// producer and the consumer never write the same cache line (nor an adjacent-line prefetch pair).
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 384)]
internal struct SpscCursors
{
    /// <summary>Next slot to write; written by the producer only.</summary>
    [FieldOffset(128)] public long Tail;

    /// <summary>The producer's last view of <see cref="Head"/>.</summary>
    [FieldOffset(136)] public long ProducerCachedHead;

    /// <summary>Next slot to read; written by the consumer only.</summary>
    [FieldOffset(256)] public long Head;

    /// <summary>The consumer's last view of <see cref="Tail"/>.</summary>
    [FieldOffset(264)] public long ConsumerCachedTail;
}
