using System.Runtime.InteropServices;
using PptpGw.Dataplane.Buffers;

namespace PptpGw.Dataplane.Ports.Dpdk;

/// <summary>
/// An <c>rte_ring</c> of packet descriptors (DPDK Programmer's Guide, "Ring Library": a fixed-size lock-free FIFO of
/// pointers), for handing packets between workers: created single-consumer, single- or multi-producer, bursts through
/// the shim (<c>rte_ring_enqueue_burst</c>/<c>dequeue_burst</c> are static inline). Objects are
/// <see cref="PacketBuffer"/> pointers; whoever dequeues a packet owns it.
/// </summary>
public sealed unsafe class DpdkRing : IDisposable
{
    private const int SingleProducer = 0x0001; // RING_F_SP_ENQ
    private const int SingleConsumer = 0x0002; // RING_F_SC_DEQ

    private nint _ring;

    /// <summary>Creates the ring (the EAL must be running).</summary>
    /// <param name="name">A memzone name unique in the process.</param>
    /// <param name="capacity">Slots, a power of two (the ring holds capacity - 1).</param>
    /// <param name="singleProducer">True when one thread only enqueues.</param>
    /// <exception cref="PortSetupException">rte_ring_create failed.</exception>
    public DpdkRing(string name, int capacity, bool singleProducer)
    {
        if (capacity < 2 || (capacity & (capacity - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "A power of two, at least 2.");
        nint n = Marshal.StringToCoTaskMemUTF8(name);
        try
        {
            _ring = DpdkNative.RingCreate((byte*)n, (uint)capacity, -1 /* SOCKET_ID_ANY */, (uint)(SingleConsumer | (singleProducer ? SingleProducer : 0)));
        }
        finally
        {
            Marshal.FreeCoTaskMem(n);
        }

        if (_ring == 0)
            throw new PortSetupException($"rte_ring_create({name}, {capacity}): {DpdkNative.LastError()}");
        Name = name;
    }

    /// <summary>The ring's name.</summary>
    public string Name { get; }

    /// <summary>Packets in the ring now.</summary>
    public int Count => _ring == 0 ? 0 : (int)DpdkNative.RingCount(_ring);

    /// <summary>Enqueues as many of <paramref name="packets"/> as fit; returns how many (the caller keeps the rest).</summary>
    public int Enqueue(ReadOnlySpan<PacketHandle> packets)
    {
        if (packets.IsEmpty)
            return 0;
        // PacketHandle is one PacketBuffer* (the same bits as the void* objects of the ring).
        fixed (PacketHandle* p = packets)
            return (int)DpdkNative.RingEnqueueBurst(_ring, (nint*)p, (uint)packets.Length);
    }

    /// <summary>Dequeues up to <paramref name="destination"/>.Length packets.</summary>
    public int Dequeue(Span<PacketHandle> destination)
    {
        if (destination.IsEmpty)
            return 0;
        fixed (PacketHandle* p = destination)
            return (int)DpdkNative.RingDequeueBurst(_ring, (nint*)p, (uint)destination.Length);
    }

    /// <summary>Frees what is still queued into <paramref name="pool"/>, then the ring (after every worker stopped).</summary>
    public void Drain(PacketPool pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        if (_ring == 0)
            return;
        Span<PacketHandle> burst = stackalloc PacketHandle[PacketBurst.Size];
        int n;
        while ((n = Dequeue(burst)) > 0)
            pool.FreeBurst(burst[..n]);
    }

    /// <summary>rte_ring_free.</summary>
    public void Dispose()
    {
        if (_ring != 0)
        {
            DpdkNative.RingFree(_ring);
            _ring = 0;
        }
    }
}
