using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using PptpGw.Dataplane.Buffers;
using PptpGw.Dataplane.Ports.Dpdk;

namespace PptpGw.Bench.Dpdk;

/// <summary>
/// A C# forwarder over the gateway's DPDK shim, the counterpart of <c>dpdk-testpmd --forward-mode=io|macswap
/// --tx-first</c> on the same two ports (bench/dpdk-forward.sh runs both in one go): one thread, registered as an EAL
/// thread, moves bursts of 32 from port 0 to port 1 and back. With a memif pair in one process (net_memif0 server,
/// net_memif1 client, one socket) the packets injected first circulate, and the rate is the forwarder's own.
/// </summary>
/// <remarks>
/// Modes: <c>raw</c> — rte_eth_rx_burst/tx_burst of mbuf pointers through the shim (pgw_eth_rx_burst/tx_burst), what
/// testpmd's io mode does; <c>port</c> — the gateway's port layer (<see cref="DpdkQueuePort"/>: pgw_rx_burst binds each
/// mbuf to its slab descriptor, pgw_tx_burst writes the window back), no packet touched; <c>macswap</c> — <c>port</c>
/// plus swapping each frame's Ethernet addresses through its span (touching every packet, as testpmd's macswap).
/// Prints one line a second (<c>pps N</c>), then the median of the samples after the first and the packets per second of
/// the forwarding thread's own CPU time (<c>CLOCK_THREAD_CPUTIME_ID</c>).
/// </remarks>
internal static unsafe partial class DpdkForward
{
    private const int ClockThreadCpuTime = 3; // CLOCK_THREAD_CPUTIME_ID (clock_gettime(2))

    private const int Burst = PacketBurst.Size;
    private const int FrameLength = 64;

    private static long _forwarded;
    private static long _windowPackets;
    private static double _windowCpuSeconds;
    private static volatile bool _stop;

    public static int Run(string[] args)
    {
        string mode = "raw";
        int seconds = 5;
        int inflight = Burst;
        var eal = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--mode": mode = args[++i]; break;
                case "--seconds": seconds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--inflight": inflight = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--": eal.AddRange(args[(i + 1)..]); i = args.Length; break;
                default: Console.Error.WriteLine($"dpdk-forward: unknown argument {args[i]}"); return 2;
            }
        }
        if (mode is not ("raw" or "port" or "macswap"))
        {
            Console.Error.WriteLine("dpdk-forward: --mode raw|port|macswap");
            return 2;
        }

        using var pool = new PacketPool(1024 + 8192, DpdkPortOptions.BufferSize, externalCount: 8192);
        using DpdkEal e = DpdkEal.Initialize(DpdkEal.WithDefaults(eal));
        using var mbufs = new DpdkMbufPool(pool, "bench_mbufs");
        using DpdkEthDevice a = DpdkEthDevice.Open("net_memif0", 1, mbufs);
        using DpdkEthDevice b = DpdkEthDevice.Open("net_memif1", 1, mbufs);
        using var qa = new DpdkQueuePort(a, 0, mbufs, 0);
        using var qb = new DpdkQueuePort(b, 0, mbufs, 1);
        var clock = Stopwatch.StartNew();
        while (!(a.IsLinkUp && b.IsLinkUp))
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(10))
            {
                Console.Error.WriteLine("dpdk-forward: the memif link did not come up in 10 s");
                return 1;
            }
            Thread.Sleep(10);
        }

        var thread = new Thread(() => Forward(mode, qa, qb, mbufs, inflight)) { Name = "dpdk-forward", IsBackground = true };
        thread.Start();
        var samples = new List<double>();
        long last = 0;
        var tick = Stopwatch.StartNew();
        for (int s = 0; s < seconds; s++)
        {
            Thread.Sleep(1000);
            long now = Volatile.Read(ref _forwarded);
            double pps = (now - last) / tick.Elapsed.TotalSeconds;
            tick.Restart();
            last = now;
            samples.Add(pps);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"pps {pps:0}"));
        }
        _stop = true;
        thread.Join();
        double[] kept = [.. samples.Skip(1).Order()];
        double median = kept.Length == 0 ? 0 : kept[kept.Length / 2];
        // Packets per second of the forwarding thread's own CPU time: what it does when it runs, whatever share of a core
        // the machine's other load left it (the wall rate above depends on that share).
        double perCpu = _windowCpuSeconds > 0 ? _windowPackets / _windowCpuSeconds : 0;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"dpdk-forward mode={mode} seconds={seconds} median_pps={median:0} packets={_windowPackets} cpu_seconds={_windowCpuSeconds:0.000} per_cpu_pps={perCpu:0}"));
        return 0;
    }

    private static void Forward(string mode, DpdkQueuePort qa, DpdkQueuePort qb, DpdkMbufPool mbufs, int inflight)
    {
        DpdkEal.RegisterThread();
        try
        {
            Inject(qa, mbufs, inflight);
            Inject(qb, mbufs, inflight);
            double cpu0 = ThreadCpuSeconds();
            if (mode == "raw")
                ForwardRaw(qa.Device.PortId, qb.Device.PortId);
            else
                ForwardPorts(qa, qb, mode == "macswap");
            _windowCpuSeconds = ThreadCpuSeconds() - cpu0;
            _windowPackets = Volatile.Read(ref _forwarded);
        }
        finally
        {
            DpdkEal.UnregisterThread();
        }
    }

    private static double ThreadCpuSeconds()
    {
        Timespec t;
        return ClockGetTime(ClockThreadCpuTime, &t) == 0 ? t.Seconds + (t.Nanoseconds / 1e9) : 0;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, Timespec* time);

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    // testpmd's --tx-first: one burst of 64-octet frames (Ethernet + IPv4 + UDP, RFC 2544's smallest) on each port.
    private static void Inject(DpdkQueuePort port, DpdkMbufPool mbufs, int count)
    {
        var packets = new PacketHandle[count];
        int n = 0;
        for (; n < count && mbufs.TryAllocate(out PacketHandle p); n++)
        {
            _ = p.TryAppend(FrameLength, out Span<byte> f);
            f.Clear();
            // 02:00:00:00:00:02 <- 02:00:00:00:00:01, IPv4 198.18.0.1 -> 198.18.0.2 UDP 9 -> 9 (discard)
            f[0] = 2; f[5] = 2; f[6] = 2; f[11] = 1;
            BinaryPrimitives.WriteUInt16BigEndian(f[12..], 0x0800);
            f[14] = 0x45;
            BinaryPrimitives.WriteUInt16BigEndian(f[16..], FrameLength - 14);
            f[22] = 64;
            f[23] = 17;
            BinaryPrimitives.WriteUInt32BigEndian(f[26..], 0xC6120001);
            BinaryPrimitives.WriteUInt32BigEndian(f[30..], 0xC6120002);
            BinaryPrimitives.WriteUInt16BigEndian(f[34..], 9);
            BinaryPrimitives.WriteUInt16BigEndian(f[36..], 9);
            BinaryPrimitives.WriteUInt16BigEndian(f[38..], FrameLength - 34);
            packets[n] = p;
        }
        _ = port.TransmitBurst(packets.AsSpan(0, n));
    }

    private static void ForwardRaw(ushort a, ushort b)
    {
        nint* burst = stackalloc nint[Burst];
        long forwarded = 0;
        while (!_stop)
        {
            forwarded += Move(a, b, burst) + Move(b, a, burst);
            Volatile.Write(ref _forwarded, forwarded);
        }
    }

    private static int Move(ushort from, ushort to, nint* burst)
    {
        int n = DpdkNative.EthRxBurst(from, 0, burst, Burst);
        if (n == 0)
            return 0;
        int sent = DpdkNative.EthTxBurst(to, 0, burst, (ushort)n);
        if (sent < n)
            DpdkNative.FreeBulk(burst + sent, (uint)(n - sent));
        return sent;
    }

    private static void ForwardPorts(DpdkQueuePort a, DpdkQueuePort b, bool touch)
    {
        var burst = new PacketHandle[Burst];
        long forwarded = 0;
        while (!_stop)
        {
            forwarded += Move(a, b, burst, touch) + Move(b, a, burst, touch);
            Volatile.Write(ref _forwarded, forwarded);
        }
    }

    private static int Move(DpdkQueuePort from, DpdkQueuePort to, PacketHandle[] burst, bool touch)
    {
        int n = from.ReceiveBurst(burst);
        if (n == 0)
            return 0;
        if (touch)
        {
            for (int i = 0; i < n; i++)
            {
                // Swap destination and source MAC (octets 0-5 and 6-11), as testpmd's macswap.
                Span<byte> f = burst[i].Data;
                ulong d = BinaryPrimitives.ReadUInt64LittleEndian(f);
                ulong s = BinaryPrimitives.ReadUInt64LittleEndian(f[6..]);
                BinaryPrimitives.WriteUInt64LittleEndian(f[6..], (s & 0xFFFF_0000_0000_0000UL) | (d & 0x0000_FFFF_FFFF_FFFFUL));
                BinaryPrimitives.WriteUInt16LittleEndian(f, (ushort)s);
                BinaryPrimitives.WriteUInt32LittleEndian(f[2..], (uint)(s >> 16));
            }
        }
        long before = to.Counters.TransmitDropped;
        _ = to.TransmitBurst(burst.AsSpan(0, n));
        return n - (int)(to.Counters.TransmitDropped - before);
    }
}
