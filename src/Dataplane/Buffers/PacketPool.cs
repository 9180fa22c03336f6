using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PptpGw.Dataplane.Buffers;

/// <summary>
/// All packet buffers of the process (or of one NUMA node) in one pinned native slab: a dense
/// array of <see cref="PacketBuffer"/> descriptors (one cache line each) followed by
/// <see cref="Capacity"/> buffers of <see cref="BufferSize"/> bytes, each starting with
/// <see cref="Headroom"/> free bytes so GRE/PPP/MPPE headers are prepended in place.
/// </summary>
/// <remarks>
/// <para>Free list: a shared lock-free MPMC ring of buffer indices (<c>rte_ring</c>-style, one CAS per
/// burst) plus per-thread <see cref="PacketCache"/>s that take and return bursts of it, exactly as
/// DPDK's mempool does. Any thread may free any packet, so packets can cross workers (rx on one,
/// tx on another, MemoryPort pairs) without return rings. Workers should go through their own
/// cache; the pool's own methods are thread-safe but touch the shared ring every call.</para>
/// <para><b>External buffers.</b> The last <see cref="ExternalCount"/> buffers of the slab can be lent to a backend
/// that owns their free list itself (the DPDK port: an mbuf pool whose pinned external data buffers are these, see
/// src/Dataplane/Ports/Dpdk/DpdkMbufPool.cs). They are never on this pool's free list; the backend binds a received
/// buffer to its descriptor (setting <see cref="PacketBuffer.Native"/>), and freeing such a packet here, or into any
/// cache of this pool, hands it back to the backend through <see cref="AttachExternalFree"/>'s function. So every
/// packet a worker sees still has a descriptor in the one dense array (the GRE sequencer names packets by index).</para>
/// <para>The slab is native memory, released by <see cref="Dispose"/> only: handles are raw
/// pointers, so the pool must outlive every port, ring and worker that may hold one (there is no
/// finalizer on purpose: freeing the slab while a ring still holds handles would be worse than
/// leaking it at process exit).</para>
/// </remarks>
public sealed unsafe class PacketPool : IPacketAllocator, IDisposable
{
    /// <summary>Default buffer size, headroom included (DPDK's RTE_MBUF_DEFAULT_DATAROOM).</summary>
    public const int DefaultBufferSize = 2048;

    /// <summary>Default headroom: room for outer headers (IPv4 20 + GRE 16 + PPP 4 + MPPE 2) with margin (RTE_PKTMBUF_HEADROOM).</summary>
    public const int DefaultHeadroom = 128;

    internal const int StateFree = 0;
    internal const int StateAllocated = 0x0A110C;

    private readonly MpmcIndexRing _free;
    private byte* _slab;
    private readonly PacketBuffer* _descriptors;
    private readonly byte* _buffers;
    private delegate* unmanaged<nint, void> _externalFree;

    /// <summary>Creates the slab and puts every buffer on the free list.</summary>
    /// <param name="capacity">Number of packet buffers (1 .. 2^24).</param>
    /// <param name="bufferSize">Bytes per buffer, headroom included: a multiple of 64, at most 65,472 (descriptor offsets are 16-bit as in rte_mbuf).</param>
    /// <param name="headroom">Bytes left free in front of received or allocated data.</param>
    /// <param name="externalCount">How many of the <paramref name="capacity"/> buffers (the last ones) are kept off the free list for an external owner (see the remarks).</param>
    public PacketPool(int capacity, int bufferSize = DefaultBufferSize, int headroom = DefaultHeadroom, int externalCount = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, 1 << 24);
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferSize, 64);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bufferSize, ushort.MaxValue - 63);
        if (bufferSize % 64 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(bufferSize), bufferSize, "The buffer size must be a multiple of 64 (cache-line aligned buffers).");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(headroom);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(headroom, bufferSize);
        ArgumentOutOfRangeException.ThrowIfNegative(externalCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(externalCount, capacity);
        ExternalCount = externalCount;

        Capacity = capacity;
        BufferSize = bufferSize;
        Headroom = headroom;

        nuint descriptorBytes = (nuint)capacity * PacketBuffer.Size;
        nuint total = descriptorBytes + (nuint)capacity * (nuint)bufferSize;
        _slab = (byte*)NativeMemory.AlignedAlloc(total, 4096);
        _descriptors = (PacketBuffer*)_slab;
        _buffers = _slab + descriptorBytes;
        NativeMemory.Clear(_descriptors, descriptorBytes);

        _free = new MpmcIndexRing((int)BitOperations.RoundUpToPowerOf2((uint)capacity));
        Span<int> chunk = stackalloc int[256];
        for (int i = 0; i < capacity; i += chunk.Length)
        {
            int n = Math.Min(chunk.Length, capacity - i);
            for (int j = 0; j < n; j++)
            {
                int index = i + j;
                PacketBuffer* d = _descriptors + index;
                d->BufferAddress = _buffers + ((nuint)index * (nuint)bufferSize);
                d->BufferLength = (ushort)bufferSize;
                d->PoolIndex = index;
                d->SessionIndex = -1;
                chunk[j] = index;
            }

            int local = Math.Clamp(capacity - externalCount - i, 0, n);
            _free.Enqueue(chunk[..local]);
        }
    }

    /// <summary>Buffers lent to an external owner: indices <see cref="ExternalFirstIndex"/> to <see cref="Capacity"/> - 1.</summary>
    public int ExternalCount { get; }

    /// <summary>Index of the first external buffer.</summary>
    public int ExternalFirstIndex => Capacity - ExternalCount;

    /// <summary>The dense descriptor array (descriptor i at <c>Descriptors + i</c>).</summary>
    public PacketBuffer* Descriptors => _descriptors;

    /// <summary>Start of buffer 0; buffer i is at <c>Buffers + i * BufferSize</c>.</summary>
    public byte* Buffers => _buffers;

    /// <summary>
    /// Sets the function that takes back an externally owned packet (its <see cref="PacketBuffer.Native"/> object),
    /// called when one is freed into this pool or one of its caches. Set once, before any such packet exists.
    /// </summary>
    public void AttachExternalFree(delegate* unmanaged<nint, void> free)
    {
        if (free == null)
            throw new ArgumentNullException(nameof(free));
        _externalFree = free;
    }

    /// <summary>True (and the packet handed back to its owner) when <paramref name="packet"/> is externally owned.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool TryReleaseExternal(PacketHandle packet)
    {
        if (packet.Pointer->Native == 0)
            return false;
        ReleaseExternal(packet);
        return true;
    }

    private void ReleaseExternal(PacketHandle packet)
    {
        if (!Owns(packet))
            ThrowForeign(packet);
        PacketBuffer* d = packet.Pointer;
        if (d->State != StateAllocated)
            ThrowDoubleFree(packet);
        d->State = StateFree;
        _externalFree(d->Native);
    }

    /// <summary>Number of buffers in the slab.</summary>
    public int Capacity { get; }

    /// <summary>Bytes per buffer, headroom included.</summary>
    public int BufferSize { get; }

    /// <summary>Free bytes in front of the data of a freshly allocated packet.</summary>
    public int Headroom { get; }

    /// <summary>Buffers on the shared free list now (a snapshot; packets held in caches are not counted).</summary>
    public int AvailableCount => _free.Count;

    /// <summary>True when <paramref name="packet"/> is one of this pool's descriptors.</summary>
    public bool Owns(PacketHandle packet)
    {
        nuint offset = (nuint)((byte*)packet.Pointer - (byte*)_descriptors);
        return offset < (nuint)Capacity * PacketBuffer.Size && offset % PacketBuffer.Size == 0;
    }

    /// <summary>Takes one packet from the shared free list (thread-safe).</summary>
    /// <returns>False when the pool is exhausted.</returns>
    public bool TryAllocate(out PacketHandle packet)
    {
        Span<int> one = stackalloc int[1];
        if (_free.Dequeue(one) == 0)
        {
            packet = default;
            return false;
        }

        packet = Take(one[0]);
        return true;
    }

    /// <inheritdoc/>
    public int AllocateBurst(Span<PacketHandle> destination)
    {
        Span<int> indices = stackalloc int[PacketBurst.Size];
        int total = 0;
        while (total < destination.Length)
        {
            int n = _free.Dequeue(indices[..Math.Min(indices.Length, destination.Length - total)]);
            if (n == 0)
            {
                break;
            }

            for (int i = 0; i < n; i++)
            {
                destination[total + i] = Take(indices[i]);
            }

            total += n;
        }

        return total;
    }

    /// <summary>Returns one packet to the shared free list (thread-safe).</summary>
    public void Free(PacketHandle packet)
    {
        if (TryReleaseExternal(packet))
            return;
        Span<int> one = [Release(packet)];
        _free.Enqueue(one);
    }

    /// <inheritdoc/>
    public void FreeBurst(ReadOnlySpan<PacketHandle> packets)
    {
        Span<int> indices = stackalloc int[PacketBurst.Size];
        while (!packets.IsEmpty)
        {
            int n = Math.Min(indices.Length, packets.Length);
            int local = 0;
            for (int i = 0; i < n; i++)
            {
                if (!TryReleaseExternal(packets[i]))
                    indices[local++] = Release(packets[i]);
            }

            PutIndices(indices[..local]);
            packets = packets[n..];
        }
    }

    /// <summary>Creates a cache for one thread (a worker); see <see cref="PacketCache"/>.</summary>
    /// <remarks>
    /// Free packets parked in caches are invisible to other threads, so size the pool for the sum
    /// of all cache sizes plus the packets in flight (rings, socket bursts), as with DPDK mempools.
    /// </remarks>
    /// <param name="size">Packets the cache may hold privately (at least 2 bursts).</param>
    public PacketCache CreateCache(int size = PacketCache.DefaultSize) => new(this, size);

    /// <summary>Releases the slab. Every handle of this pool becomes invalid.</summary>
    public void Dispose()
    {
        if (_slab != null)
        {
            NativeMemory.AlignedFree(_slab);
            _slab = null;
        }
    }

    internal int TakeIndices(Span<int> destination) => _free.Dequeue(destination);

    internal void PutIndices(ReadOnlySpan<int> indices)
    {
        // The ring is sized to hold every buffer, so a short enqueue means a handle was freed twice
        // without being caught (a race between two freeing threads): a programmer error.
        if (_free.Enqueue(indices) != indices.Length)
        {
            throw new InvalidOperationException("The pool's free list overflowed: a packet was freed twice.");
        }
    }

    /// <summary>Resets the descriptor for a new owner, as rte_pktmbuf_reset does.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal PacketHandle Take(int index)
    {
        PacketBuffer* d = _descriptors + index;
        d->DataOffset = (ushort)Headroom;
        d->DataLength = 0;
        d->Port = 0;
        d->PeerAddress = 0;
        d->SessionIndex = -1;
        d->UserData = 0;
        d->State = StateAllocated;
        return new PacketHandle(d);
    }

    /// <summary>Checks ownership and marks the descriptor free; returns its index.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal int Release(PacketHandle packet)
    {
        if (!Owns(packet))
        {
            ThrowForeign(packet);
        }

        PacketBuffer* d = packet.Pointer;
        if (d->State != StateAllocated)
        {
            ThrowDoubleFree(packet);
        }

        d->State = StateFree;
        return d->PoolIndex;
    }

    private static void ThrowForeign(PacketHandle packet) =>
        throw new ArgumentException($"{packet} does not belong to this pool.", nameof(packet));

    private static void ThrowDoubleFree(PacketHandle packet) =>
        throw new InvalidOperationException($"{packet} is already free (double free).");
}
