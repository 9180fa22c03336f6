using System.Runtime.InteropServices;

namespace PptpGw.Dataplane.Buffers;

/// <summary>
/// Bounded multi-producer/multi-consumer ring of <see cref="int"/> with burst operations: the
/// algorithm of DPDK's <c>rte_ring</c> (MP/MC mode). A producer reserves a span of slots with one
/// CAS on the producer head, fills it, then publishes by moving the producer tail once the
/// producers ahead of it have published; consumers mirror this. One CAS per burst instead of per
/// element is why this, and not a per-slot-sequence queue, backs the pool's shared free list.
/// </summary>
/// <remarks>
/// Not strictly lock-free: a thread preempted between its reservation and its publication makes
/// later threads of the same side wait (as with rte_ring). Waiting yields the CPU, never sleeps.
/// Counters are free-running <see cref="uint"/>s; distances are taken modulo 2^32.
/// </remarks>
internal sealed class MpmcIndexRing
{
    [StructLayout(LayoutKind.Explicit, Size = 384)]
    private struct Cursors
    {
        // Producer and consumer cursors on separate 128-byte blocks (adjacent-line prefetch).
        [FieldOffset(128)] public uint ProducerHead;
        [FieldOffset(132)] public uint ProducerTail;
        [FieldOffset(256)] public uint ConsumerHead;
        [FieldOffset(260)] public uint ConsumerTail;
    }

    private readonly int[] _slots;
    private readonly uint _mask;
    private readonly uint _capacity;
    private Cursors _cursors;

    public MpmcIndexRing(int capacity)
    {
        if (capacity <= 0 || (capacity & (capacity - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "The capacity must be a positive power of two.");
        }

        _slots = new int[capacity];
        _capacity = (uint)capacity;
        _mask = (uint)capacity - 1;
    }

    public int Capacity => (int)_capacity;

    /// <summary>Elements published and not yet claimed (a snapshot).</summary>
    public int Count
    {
        get
        {
            uint consumer = Volatile.Read(ref _cursors.ConsumerTail);
            uint producer = Volatile.Read(ref _cursors.ProducerTail);
            uint n = producer - consumer;
            return n > _capacity ? 0 : (int)n;
        }
    }

    /// <summary>Enqueues as many of <paramref name="items"/> as fit (from the front); returns how many.</summary>
    public int Enqueue(ReadOnlySpan<int> items)
    {
        if (items.IsEmpty)
        {
            return 0;
        }

        uint head;
        uint n;
        while (true)
        {
            // Read our head before the other side's tail: a stale head makes the CAS fail below.
            head = Volatile.Read(ref _cursors.ProducerHead);
            uint consumerTail = Volatile.Read(ref _cursors.ConsumerTail);
            uint free = _capacity + consumerTail - head;
            if (free > _capacity)
            {
                continue; // stale head against a newer consumer tail
            }

            n = Math.Min(free, (uint)items.Length);
            if (n == 0)
            {
                return 0;
            }

            if (Interlocked.CompareExchange(ref _cursors.ProducerHead, head + n, head) == head)
            {
                break;
            }
        }

        for (uint i = 0; i < n; i++)
        {
            _slots[(head + i) & _mask] = items[(int)i];
        }

        Publish(ref _cursors.ProducerTail, head, head + n);
        return (int)n;
    }

    /// <summary>Dequeues up to <paramref name="destination"/>.Length elements; returns how many.</summary>
    public int Dequeue(Span<int> destination)
    {
        if (destination.IsEmpty)
        {
            return 0;
        }

        uint head;
        uint n;
        while (true)
        {
            head = Volatile.Read(ref _cursors.ConsumerHead);
            uint producerTail = Volatile.Read(ref _cursors.ProducerTail);
            uint available = producerTail - head;
            if (available > _capacity)
            {
                continue; // stale head against a newer producer tail
            }

            n = Math.Min(available, (uint)destination.Length);
            if (n == 0)
            {
                return 0;
            }

            if (Interlocked.CompareExchange(ref _cursors.ConsumerHead, head + n, head) == head)
            {
                break;
            }
        }

        for (uint i = 0; i < n; i++)
        {
            destination[(int)i] = _slots[(head + i) & _mask];
        }

        Publish(ref _cursors.ConsumerTail, head, head + n);
        return (int)n;
    }

    // Reservations complete in order: wait for the threads that reserved before us to publish.
    private static void Publish(ref uint tail, uint expected, uint next)
    {
        if (Volatile.Read(ref tail) != expected)
        {
            var spin = default(SpinWait);
            while (Volatile.Read(ref tail) != expected)
            {
                spin.SpinOnce(sleep1Threshold: -1);
            }
        }

        Volatile.Write(ref tail, next);
    }
}
