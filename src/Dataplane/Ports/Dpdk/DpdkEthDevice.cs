using System.Runtime.InteropServices;
using PptpGw.Dataplane.Ethernet;

namespace PptpGw.Dataplane.Ports.Dpdk;

/// <summary>Device statistics (<c>struct rte_eth_stats</c>, the port-wide fields).</summary>
public readonly record struct DpdkDeviceStats(ulong PacketsIn, ulong PacketsOut, ulong BytesIn, ulong BytesOut,
    ulong Missed, ulong ErrorsIn, ulong ErrorsOut, ulong NoMbuf);

/// <summary>
/// One DPDK ethdev port: probed from its devargs (<c>net_af_packet0,iface=outside</c>, <c>net_tap0,iface=pgw0</c>, a
/// PCI address), configured with one RX/TX queue pair per worker over the dataplane's mbuf pool, started.
/// </summary>
public sealed unsafe class DpdkEthDevice : IDisposable
{
    /// <summary>RX and TX descriptors per queue: room for a few milliseconds of traffic while a worker is paused (a GC).</summary>
    public const int DefaultRingSize = 1024;

    private bool _started;

    private DpdkEthDevice(string devargs, string name, ushort portId, int queues, MacAddress mac)
    {
        Devargs = devargs;
        Name = name;
        PortId = portId;
        QueueCount = queues;
        Mac = mac;
        _started = true;
    }

    /// <summary>The devargs it was probed with.</summary>
    public string Devargs { get; }

    /// <summary>The device name (the devargs up to the first comma).</summary>
    public string Name { get; }

    /// <summary>The ethdev port id.</summary>
    public ushort PortId { get; }

    /// <summary>RX/TX queue pairs.</summary>
    public int QueueCount { get; }

    /// <summary>The port's MAC address.</summary>
    public MacAddress Mac { get; }

    /// <summary>Probes (hot-plugs) the device, configures <paramref name="queues"/> queue pairs and starts it.</summary>
    /// <exception cref="PortSetupException">Any step failed.</exception>
    public static DpdkEthDevice Open(string devargs, int queues, DpdkMbufPool mbufs, int ringSize = DefaultRingSize)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(devargs);
        ArgumentNullException.ThrowIfNull(mbufs);
        ArgumentOutOfRangeException.ThrowIfLessThan(queues, 1);
        string name = devargs.Split(',', 2)[0];
        ushort port;
        using (var n = new Utf8(name))
        {
            if (DpdkNative.EthDevGetPortByName(n.Pointer, &port) != 0)
            {
                using var d = new Utf8(devargs);
                int rc = DpdkNative.DevProbe(d.Pointer);
                if (rc != 0)
                    throw new PortSetupException($"rte_dev_probe({devargs}): {Strerror(rc)}");
                if (DpdkNative.EthDevGetPortByName(n.Pointer, &port) != 0)
                    throw new PortSetupException($"{devargs}: probed, but no ethdev port is named {name}");
            }
        }

        byte* conf = (byte*)NativeMemory.AllocZeroed((nuint)Math.Max(DpdkNative.EthConfSize, 64));
        try
        {
            Check(DpdkNative.EthDevConfigure(port, (ushort)queues, (ushort)queues, conf), $"rte_eth_dev_configure({name}, {queues} queues)");
        }
        finally
        {
            NativeMemory.Free(conf);
        }

        int socket = DpdkNative.EthDevSocketId(port);
        for (ushort q = 0; q < queues; q++)
        {
            Check(DpdkNative.EthRxQueueSetup(port, q, (ushort)ringSize, (uint)socket, null, mbufs.Handle), $"rte_eth_rx_queue_setup({name}, {q})");
            Check(DpdkNative.EthTxQueueSetup(port, q, (ushort)ringSize, (uint)socket, null), $"rte_eth_tx_queue_setup({name}, {q})");
        }

        Check(DpdkNative.EthDevStart(port), $"rte_eth_dev_start({name})");
        byte* mac = stackalloc byte[8];
        _ = DpdkNative.EthMacAddrGet(port, mac);
        return new DpdkEthDevice(devargs, name, port, queues, MacAddress.Read(new ReadOnlySpan<byte>(mac, 6)));
    }

    /// <summary>The device's counters (rte_eth_stats_get); zeros when it fails.</summary>
    public DpdkDeviceStats GetStats()
    {
        ulong* s = stackalloc ulong[Math.Max(DpdkNative.EthStatsSize, 64) / 8];
        if (DpdkNative.EthStatsGet(PortId, s) != 0)
            return default;
        return new DpdkDeviceStats(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]);
    }

    /// <summary>
    /// Whether the link is up now (<c>rte_eth_link_get_nowait</c>; <c>struct rte_eth_link</c> of DPDK 22.11: a 32-bit
    /// speed, then the duplex, autoneg and status bits, in that order, of the next 16-bit word). A memif client's link
    /// comes up only once it has connected to its server.
    /// </summary>
    public bool IsLinkUp
    {
        get
        {
            ulong link = 0;
            return DpdkNative.EthLinkGetNowait(PortId, &link) == 0 && ((link >> 32) & 0b100) != 0;
        }
    }

    /// <summary>Stops and closes the port (its queues give their mbufs back).</summary>
    public void Dispose()
    {
        if (!_started)
            return;
        _started = false;
        _ = DpdkNative.EthDevStop(PortId);
        _ = DpdkNative.EthDevClose(PortId);
    }

    private static void Check(int rc, string operation)
    {
        if (rc < 0)
            throw new PortSetupException($"{operation}: {Strerror(rc)}");
    }

    private static string Strerror(int rc)
    {
        int errno = rc < 0 ? -rc : rc;
        byte* text = DpdkNative.StrError(errno);
        return text == null ? $"error {rc}" : $"{Marshal.PtrToStringUTF8((nint)text)} ({rc})";
    }

    /// <summary>A NUL-terminated UTF-8 copy of a string in native memory.</summary>
    private readonly struct Utf8 : IDisposable
    {
        private readonly nint _p;

        public Utf8(string s) => _p = Marshal.StringToCoTaskMemUTF8(s);

        public byte* Pointer => (byte*)_p;

        public void Dispose() => Marshal.FreeCoTaskMem(_p);
    }
}
