using System.Runtime.InteropServices;
using PptpGw.Dataplane.Buffers;

namespace PptpGw.Dataplane.Ports.Dpdk;

/// <summary>
/// The DPDK mbuf pool of the dataplane, whose data buffers are the <see cref="PacketPool"/>'s external buffers
/// (<c>rte_pktmbuf_pool_create_extbuf</c>, pinned external buffers): a received mbuf's data already lies in the slab,
/// and its descriptor is the slab's descriptor of that buffer, so packets reach the workers without a copy and keep the
/// dense descriptor indices the GRE sequencer uses. Freeing such a packet into the pool (or a cache of it) returns the
/// mbuf through <c>rte_pktmbuf_free</c> (<see cref="PacketPool.AttachExternalFree"/>).
/// </summary>
public sealed unsafe class DpdkMbufPool : IDisposable
{
    private readonly PacketPool _pool;
    private nint _mempool;
    private DpdkNative.ShimMap* _map;

    /// <summary>Creates the mbuf pool over <paramref name="pool"/>'s external range (the EAL must be running).</summary>
    /// <param name="pool">A pool created with <see cref="PacketPool.ExternalCount"/> &gt; 0.</param>
    /// <param name="name">A memzone name unique in the process.</param>
    /// <param name="cacheSize">Per-lcore cache (DPDK's mempool cache).</param>
    public DpdkMbufPool(PacketPool pool, string name = "pptpgw_mbufs", int cacheSize = 128)
    {
        ArgumentNullException.ThrowIfNull(pool);
        if (pool.ExternalCount == 0)
            throw new ArgumentException("The packet pool lends no buffers to DPDK (ExternalCount = 0).", nameof(pool));
        if (pool.Headroom != DpdkNative.MbufHeadroom)
            throw new PortSetupException($"the packet pool's headroom ({pool.Headroom}) differs from DPDK's RTE_PKTMBUF_HEADROOM ({DpdkNative.MbufHeadroom})");
        _pool = pool;

        _map = (DpdkNative.ShimMap*)NativeMemory.AllocZeroed((nuint)sizeof(DpdkNative.ShimMap));
        _map->Descriptors = (nint)pool.Descriptors;
        _map->Buffers = (nint)pool.Buffers;
        _map->BufferSize = (uint)pool.BufferSize;
        _map->StateAllocated = PacketPool.StateAllocated;

        byte* first = pool.Buffers + ((nuint)pool.ExternalFirstIndex * (nuint)pool.BufferSize);
        var ext = new DpdkNative.ExtMem
        {
            BufferPointer = (nint)first,
            BufferIova = (ulong)(nint)first, // virtual devices do no DMA; with a NIC this memory needs rte_extmem_register + DMA mapping
            BufferLength = (nuint)pool.ExternalCount * (nuint)pool.BufferSize,
            ElementSize = (ushort)pool.BufferSize,
        };
        nint namePtr = Marshal.StringToCoTaskMemUTF8(name);
        try
        {
            _mempool = DpdkNative.PktMbufPoolCreateExtbuf((byte*)namePtr, (uint)pool.ExternalCount, (uint)cacheSize, 0,
                (ushort)pool.BufferSize, -1 /* SOCKET_ID_ANY */, &ext, 1);
        }
        finally
        {
            Marshal.FreeCoTaskMem(namePtr);
        }

        if (_mempool == 0)
        {
            string error = DpdkNative.LastError();
            NativeMemory.Free(_map);
            _map = null;
            throw new PortSetupException($"rte_pktmbuf_pool_create_extbuf({name}, {pool.ExternalCount} mbufs): {error}");
        }

        pool.AttachExternalFree(DpdkNative.Free);
        Name = name;
    }

    /// <summary>The memzone name.</summary>
    public string Name { get; }

    /// <summary>The <c>rte_mempool*</c>.</summary>
    public nint Handle => _mempool;

    /// <summary>The shim's map of buffers to descriptors.</summary>
    internal nint Map => (nint)_map;

    /// <summary>The packet pool the mbufs' buffers belong to.</summary>
    public PacketPool Pool => _pool;

    /// <summary>Free mbufs now (rte_mempool_avail_count, caches included).</summary>
    public int Available => _mempool == 0 ? 0 : (int)DpdkNative.MempoolAvailCount(_mempool);

    /// <summary>Allocates one mbuf-backed packet (data offset = headroom, length 0); false when the pool is empty.</summary>
    public bool TryAllocate(out PacketHandle packet)
    {
        nint d;
        if (DpdkNative.AllocBulk(_mempool, (nint)_map, &d, 1) != 1)
        {
            packet = default;
            return false;
        }

        packet = new PacketHandle((PacketBuffer*)d);
        return true;
    }

    /// <summary>Frees the mempool (after every port using it is closed and every mbuf is back).</summary>
    public void Dispose()
    {
        if (_mempool != 0)
        {
            DpdkNative.MempoolFree(_mempool);
            _mempool = 0;
        }

        if (_map != null)
        {
            NativeMemory.Free(_map);
            _map = null;
        }
    }
}
