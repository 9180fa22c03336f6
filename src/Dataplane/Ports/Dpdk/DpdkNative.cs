using System.Runtime.InteropServices;

namespace PptpGw.Dataplane.Ports.Dpdk;

/// <summary>
/// libdpdk (Debian's DPDK 22.11) as function pointers, loaded through the shim <c>libpgwdpdk.so</c> (native/), which
/// links every <c>librte_*</c> library: the EAL, ethdev, mempool and ring set-up are DPDK's own exported functions
/// called directly; only what DPDK defines <c>static inline</c> (rx/tx burst, mbuf alloc, ring bursts, the data
/// window, thread-local rte_errno) goes through the shim's <c>pgw_*</c> exports.
/// </summary>
/// <remarks>
/// Loaded explicitly (not <c>DllImport</c>) so a machine without libdpdk still runs the kernel port, and the error says
/// which library and which Debian package is missing (<see cref="TryLoad"/>).
/// </remarks>
internal static unsafe class DpdkNative
{
    /// <summary>The shim's file name (built by native/build.sh into artifacts/native, copied next to pptpgw).</summary>
    public const string ShimFileName = "libpgwdpdk.so";

    /// <summary>The environment variable that names the shim explicitly.</summary>
    public const string ShimEnvironmentVariable = "PPTPGW_DPDK_SHIM";

    /// <summary>The shim ABI version this code speaks (<c>pgw_abi()[0]</c>).</summary>
    private const int AbiVersion = 1;

    private static readonly Lock Gate = new();
    private static bool _loaded;
    private static string? _error;

    // EAL (librte_eal)
    public static delegate* unmanaged<int, byte**, int> EalInit;
    public static delegate* unmanaged<int> EalCleanup;
    public static delegate* unmanaged<int> ThreadRegister;
    public static delegate* unmanaged<void> ThreadUnregister;
    public static delegate* unmanaged<int, byte*> StrError;
    public static delegate* unmanaged<byte*, int> DevProbe;

    // ethdev (librte_ethdev)
    public static delegate* unmanaged<byte*, ushort*, int> EthDevGetPortByName;
    public static delegate* unmanaged<ushort, ushort, ushort, void*, int> EthDevConfigure;
    public static delegate* unmanaged<ushort, ushort, ushort, uint, void*, nint, int> EthRxQueueSetup;
    public static delegate* unmanaged<ushort, ushort, ushort, uint, void*, int> EthTxQueueSetup;
    public static delegate* unmanaged<ushort, int> EthDevStart;
    public static delegate* unmanaged<ushort, int> EthDevStop;
    public static delegate* unmanaged<ushort, int> EthDevClose;
    public static delegate* unmanaged<ushort, byte*, int> EthMacAddrGet;
    public static delegate* unmanaged<ushort, int> EthPromiscuousEnable;
    public static delegate* unmanaged<ushort, void*, int> EthStatsGet;
    public static delegate* unmanaged<ushort, int> EthDevSocketId;
    public static delegate* unmanaged<ushort, void*, int> EthLinkGetNowait;

    // mbuf / mempool (librte_mbuf, librte_mempool)
    public static delegate* unmanaged<byte*, uint, uint, ushort, ushort, int, nint> PktMbufPoolCreate;
    public static delegate* unmanaged<byte*, uint, uint, ushort, ushort, int, ExtMem*, uint, nint> PktMbufPoolCreateExtbuf;
    public static delegate* unmanaged<nint, void> MempoolFree;
    public static delegate* unmanaged<nint, uint> MempoolAvailCount;

    // ring (librte_ring)
    public static delegate* unmanaged<byte*, uint, int, uint, nint> RingCreate;
    public static delegate* unmanaged<nint, void> RingFree;

    // The shim (native/pgw_dpdk.c). The per-burst calls skip the GC transition (SuppressGCTransition: no switch to
    // preemptive mode and back on every call): each is a short, non-blocking loop over at most 64 mbufs that never
    // calls back into .NET, as the attribute requires. Free stays an ordinary unmanaged pointer (PacketPool's hook).
    public static delegate* unmanaged[SuppressGCTransition]<ushort, ushort, nint, ushort, nint*, ushort, ushort> RxBurst;
    public static delegate* unmanaged[SuppressGCTransition]<ushort, ushort, nint*, ushort, ushort> TxBurst;
    public static delegate* unmanaged[SuppressGCTransition]<nint, nint, nint*, ushort, int> AllocBulk;
    public static delegate* unmanaged<nint, void> Free;
    public static delegate* unmanaged[SuppressGCTransition]<nint*, uint, void> FreeBulk;
    public static delegate* unmanaged<int> Errno;
    public static delegate* unmanaged<uint> LcoreId;
    public static delegate* unmanaged[SuppressGCTransition]<ushort, ushort, nint*, ushort, ushort> EthRxBurst;
    public static delegate* unmanaged[SuppressGCTransition]<ushort, ushort, nint*, ushort, ushort> EthTxBurst;
    public static delegate* unmanaged[SuppressGCTransition]<nint, nint*, uint, int> MbufAllocBulk;
    public static delegate* unmanaged[SuppressGCTransition]<nint, byte*> MbufData;
    public static delegate* unmanaged[SuppressGCTransition]<nint, uint> MbufLength;
    public static delegate* unmanaged[SuppressGCTransition]<nint, ushort, ushort, void> MbufSetWindow;
    public static delegate* unmanaged[SuppressGCTransition]<nint, nint*, uint, uint> RingEnqueueBurst;
    public static delegate* unmanaged[SuppressGCTransition]<nint, nint*, uint, uint> RingDequeueBurst;
    public static delegate* unmanaged[SuppressGCTransition]<nint, uint> RingCount;

    /// <summary><c>sizeof(struct rte_eth_conf)</c> as the shim was compiled (a zeroed one is the default configuration).</summary>
    public static int EthConfSize { get; private set; }

    /// <summary><c>sizeof(struct rte_eth_stats)</c>.</summary>
    public static int EthStatsSize { get; private set; }

    /// <summary><c>RTE_PKTMBUF_HEADROOM</c>.</summary>
    public static int MbufHeadroom { get; private set; }

    /// <summary>Loads the shim and libdpdk once; false with a message naming what is missing and where to get it.</summary>
    public static bool TryLoad(out string? error)
    {
        lock (Gate)
        {
            if (!_loaded && _error is null)
                _error = Load();
            error = _error;
            return _loaded;
        }
    }

    /// <summary>The error text of the DPDK thread-local <c>rte_errno</c>.</summary>
    public static string LastError()
    {
        int errno = Errno();
        byte* text = StrError(errno);
        return text == null ? $"rte_errno {errno}" : $"{Marshal.PtrToStringUTF8((nint)text)} (rte_errno {errno})";
    }

    private static string? Load()
    {
        string? path = FindShim();
        if (path is null)
        {
            return $"the DPDK shim {ShimFileName} was not found (next to pptpgw, in artifacts/native, or ${ShimEnvironmentVariable}): "
                + "install libdpdk (Debian packages 'dpdk' and 'libdpdk-dev': apt-get install dpdk libdpdk-dev) and run ./build.sh build";
        }

        nint handle;
        try
        {
            handle = NativeLibrary.Load(path);
        }
        catch (DllNotFoundException ex)
        {
            // One line for the log: the runtime's message spans several (the dlerror text, which names the library, last).
            return $"libdpdk could not be loaded through {path} ({string.Join(' ', ex.Message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))}): "
                + "install the Debian package 'dpdk' (librte_eal.so.23 and the PMDs; apt-get install dpdk)";
        }
        catch (BadImageFormatException ex)
        {
            return $"{path} is not a loadable shim ({ex.Message}): rebuild it with ./build.sh build";
        }

        try
        {
            EalInit = (delegate* unmanaged<int, byte**, int>)Export(handle, "rte_eal_init");
            EalCleanup = (delegate* unmanaged<int>)Export(handle, "rte_eal_cleanup");
            ThreadRegister = (delegate* unmanaged<int>)Export(handle, "rte_thread_register");
            ThreadUnregister = (delegate* unmanaged<void>)Export(handle, "rte_thread_unregister");
            StrError = (delegate* unmanaged<int, byte*>)Export(handle, "rte_strerror");
            DevProbe = (delegate* unmanaged<byte*, int>)Export(handle, "rte_dev_probe");
            EthDevGetPortByName = (delegate* unmanaged<byte*, ushort*, int>)Export(handle, "rte_eth_dev_get_port_by_name");
            EthDevConfigure = (delegate* unmanaged<ushort, ushort, ushort, void*, int>)Export(handle, "rte_eth_dev_configure");
            EthRxQueueSetup = (delegate* unmanaged<ushort, ushort, ushort, uint, void*, nint, int>)Export(handle, "rte_eth_rx_queue_setup");
            EthTxQueueSetup = (delegate* unmanaged<ushort, ushort, ushort, uint, void*, int>)Export(handle, "rte_eth_tx_queue_setup");
            EthDevStart = (delegate* unmanaged<ushort, int>)Export(handle, "rte_eth_dev_start");
            EthDevStop = (delegate* unmanaged<ushort, int>)Export(handle, "rte_eth_dev_stop");
            EthDevClose = (delegate* unmanaged<ushort, int>)Export(handle, "rte_eth_dev_close");
            EthMacAddrGet = (delegate* unmanaged<ushort, byte*, int>)Export(handle, "rte_eth_macaddr_get");
            EthPromiscuousEnable = (delegate* unmanaged<ushort, int>)Export(handle, "rte_eth_promiscuous_enable");
            EthStatsGet = (delegate* unmanaged<ushort, void*, int>)Export(handle, "rte_eth_stats_get");
            EthDevSocketId = (delegate* unmanaged<ushort, int>)Export(handle, "rte_eth_dev_socket_id");
            EthLinkGetNowait = (delegate* unmanaged<ushort, void*, int>)Export(handle, "rte_eth_link_get_nowait");
            PktMbufPoolCreate = (delegate* unmanaged<byte*, uint, uint, ushort, ushort, int, nint>)Export(handle, "rte_pktmbuf_pool_create");
            PktMbufPoolCreateExtbuf = (delegate* unmanaged<byte*, uint, uint, ushort, ushort, int, ExtMem*, uint, nint>)Export(handle, "rte_pktmbuf_pool_create_extbuf");
            MempoolFree = (delegate* unmanaged<nint, void>)Export(handle, "rte_mempool_free");
            MempoolAvailCount = (delegate* unmanaged<nint, uint>)Export(handle, "rte_mempool_avail_count");
            RingCreate = (delegate* unmanaged<byte*, uint, int, uint, nint>)Export(handle, "rte_ring_create");
            RingFree = (delegate* unmanaged<nint, void>)Export(handle, "rte_ring_free");

            RxBurst = (delegate* unmanaged[SuppressGCTransition]<ushort, ushort, nint, ushort, nint*, ushort, ushort>)Export(handle, "pgw_rx_burst");
            TxBurst = (delegate* unmanaged[SuppressGCTransition]<ushort, ushort, nint*, ushort, ushort>)Export(handle, "pgw_tx_burst");
            AllocBulk = (delegate* unmanaged[SuppressGCTransition]<nint, nint, nint*, ushort, int>)Export(handle, "pgw_alloc_bulk");
            Free = (delegate* unmanaged<nint, void>)Export(handle, "pgw_free");
            FreeBulk = (delegate* unmanaged[SuppressGCTransition]<nint*, uint, void>)Export(handle, "pgw_free_bulk");
            Errno = (delegate* unmanaged<int>)Export(handle, "pgw_errno");
            LcoreId = (delegate* unmanaged<uint>)Export(handle, "pgw_lcore_id");
            EthRxBurst = (delegate* unmanaged[SuppressGCTransition]<ushort, ushort, nint*, ushort, ushort>)Export(handle, "pgw_eth_rx_burst");
            EthTxBurst = (delegate* unmanaged[SuppressGCTransition]<ushort, ushort, nint*, ushort, ushort>)Export(handle, "pgw_eth_tx_burst");
            MbufAllocBulk = (delegate* unmanaged[SuppressGCTransition]<nint, nint*, uint, int>)Export(handle, "pgw_mbuf_alloc_bulk");
            MbufData = (delegate* unmanaged[SuppressGCTransition]<nint, byte*>)Export(handle, "pgw_mbuf_data");
            MbufLength = (delegate* unmanaged[SuppressGCTransition]<nint, uint>)Export(handle, "pgw_mbuf_length");
            MbufSetWindow = (delegate* unmanaged[SuppressGCTransition]<nint, ushort, ushort, void>)Export(handle, "pgw_mbuf_set_window");
            RingEnqueueBurst = (delegate* unmanaged[SuppressGCTransition]<nint, nint*, uint, uint>)Export(handle, "pgw_ring_enqueue_burst");
            RingDequeueBurst = (delegate* unmanaged[SuppressGCTransition]<nint, nint*, uint, uint>)Export(handle, "pgw_ring_dequeue_burst");
            RingCount = (delegate* unmanaged[SuppressGCTransition]<nint, uint>)Export(handle, "pgw_ring_count");

            var abi = (delegate* unmanaged<int*, int, int>)Export(handle, "pgw_abi");
            int* v = stackalloc int[16];
            int count = abi(v, 16);
            if (count < 10 || v[0] != AbiVersion || v[1] != Buffers.PacketBuffer.Size || v[2] != 128 || v[3] != 16 || v[4] != 36 || v[5] != 40
                || v[6] != sizeof(ShimMap))
            {
                return $"{path} does not match this build (ABI {v[0]}, descriptor {v[1]} bytes, rte_mbuf {v[2]} bytes): rebuild it with ./build.sh build";
            }

            MbufHeadroom = v[7];
            EthConfSize = v[8];
            EthStatsSize = v[9];
        }
        catch (EntryPointNotFoundException ex)
        {
            return $"{path} lacks a DPDK function ({ex.Message}): libdpdk 22.11 (Debian 'dpdk') is required; rebuild the shim with ./build.sh build";
        }

        _loaded = true;
        return null;
    }

    private static nint Export(nint handle, string name) => NativeLibrary.GetExport(handle, name);

    private static string? FindShim()
    {
        if (Environment.GetEnvironmentVariable(ShimEnvironmentVariable) is { Length: > 0 } explicitPath)
            return File.Exists(explicitPath) ? explicitPath : null;
        string beside = Path.Combine(AppContext.BaseDirectory, ShimFileName);
        if (File.Exists(beside))
            return beside;
        // A test or benchmark build: the repository's artifacts/native above the output directory.
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "artifacts", "native", ShimFileName);
            if (File.Exists(candidate))
                return candidate;
        }

        return null;
    }

    /// <summary><c>struct rte_pktmbuf_extmem</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct ExtMem
    {
        public nint BufferPointer;
        public ulong BufferIova;
        public nuint BufferLength;
        public ushort ElementSize;
    }

    /// <summary><c>struct pgw_map</c> of the shim: where the mbufs' external buffers and their descriptors are.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct ShimMap
    {
        public nint Descriptors;
        public nint Buffers;
        public uint BufferSize;
        public int StateAllocated;
    }
}
