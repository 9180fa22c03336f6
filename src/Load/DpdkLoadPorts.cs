using PptpGw.Dataplane.Buffers;
using PptpGw.Dataplane.Ethernet;
using PptpGw.Dataplane.Ports;
using PptpGw.Dataplane.Ports.Dpdk;

namespace PptpGw.Load;

/// <summary>
/// What the load tool's DPDK transport opened (<see cref="DpdkLoadSettings"/>): the EAL, an mbuf pool over the tool's
/// packet slab, the device towards the gateway and a TAP into this namespace's kernel, each with one queue pair, and
/// the gateway's own Ethernet layer (<see cref="EthernetPort"/>, outside role) in front: GRE to the PACs' address goes
/// up to the client-role worker, everything else (the TCP control connections, ARP the port does not answer) to the
/// kernel, whose frames go out unchanged. The same parts as the gateway's DPDK backend, mirrored.
/// </summary>
internal sealed class DpdkLoadPorts : IDisposable
{
    private readonly List<IDisposable> _owned;

    private DpdkLoadPorts(EthernetPort outside, DpdkEthDevice device, DpdkEthDevice tap, DpdkQueuePort queue, List<IDisposable> owned)
    {
        Outside = outside;
        Device = device;
        Tap = tap;
        Queue = queue;
        _owned = owned;
    }

    /// <summary>Layer 2 towards the gateway (what the worker polls).</summary>
    public EthernetPort Outside { get; }

    /// <summary>The device towards the gateway.</summary>
    public DpdkEthDevice Device { get; }

    /// <summary>The exception path's device.</summary>
    public DpdkEthDevice Tap { get; }

    /// <summary>The device's queue pair.</summary>
    public DpdkQueuePort Queue { get; }

    /// <exception cref="PortSetupException">libdpdk or the shim is missing, or a DPDK call failed.</exception>
    public static DpdkLoadPorts Open(DpdkLoadSettings settings, PacketPool pool)
    {
        var owned = new List<IDisposable>();
        try
        {
            DpdkEal eal = DpdkEal.Initialize(DpdkEal.WithDefaults(settings.EalArguments));
            owned.Add(eal);
            var mbufs = new DpdkMbufPool(pool, "pgwload_mbufs");
            owned.Add(mbufs);
            DpdkEthDevice device = DpdkEthDevice.Open(settings.PortDevargs, 1, mbufs);
            owned.Add(device);
            DpdkEthDevice tap = DpdkEthDevice.Open($"net_tap_pgwload0,iface={settings.TapName},mac={device.Mac}", 1, mbufs);
            owned.Add(tap);
            KernelInterface.Configure(settings.TapName, AddressConversion.ToIPAddress(settings.Address), settings.PrefixLength);
            if (settings.AddressCount > 1)
                CheckLocal(settings.Address + (uint)(settings.AddressCount - 1));
            var queue = new DpdkQueuePort(device, 0, mbufs, 0);
            owned.Add(queue);
            var tapQueue = new DpdkQueuePort(tap, 0, mbufs, 1);
            owned.Add(tapQueue);
            var outside = new EthernetPort(queue, new EthernetPortOptions
            {
                LocalMac = device.Mac,
                LocalAddress = settings.Address,
                LocalAddressCount = settings.AddressCount,
                PrefixLength = settings.PrefixLength,
                Role = EthernetRole.Outside,
            }, pool, tapQueue);
            return new DpdkLoadPorts(outside, device, tap, queue, owned);
        }
        catch
        {
            for (int i = owned.Count - 1; i >= 0; i--)
                owned[i].Dispose();
            throw;
        }
    }

    /// <summary>
    /// The TCP control connections bind to each PAC's address: the kernel must hold the range as local (the TAP has only
    /// the first). Binding the last one tells; refused with EADDRNOTAVAIL, the run would fail call by call instead.
    /// </summary>
    private static void CheckLocal(uint address)
    {
        using var probe = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream,
            System.Net.Sockets.ProtocolType.Tcp);
        try
        {
            probe.Bind(new System.Net.IPEndPoint(AddressConversion.ToIPAddress(address), 0));
        }
        catch (System.Net.Sockets.SocketException e)
        {
            throw new PortSetupException($"the PACs' address {AddressConversion.ToIPAddress(address)} is not local here ({e.SocketErrorCode}): "
                + "route --sources to this namespace as local (ip route add local PREFIX dev lo), as for the kernel transport");
        }
    }

    public void Dispose()
    {
        Outside.ReleaseHeld();
        for (int i = _owned.Count - 1; i >= 0; i--)
            _owned[i].Dispose();
    }
}
