using PptpGw.Dataplane.Buffers;
using PptpGw.Dataplane.Ethernet;

namespace PptpGw.Dataplane.Ports.Dpdk;

/// <summary>What the DPDK backend opened, closed in reverse order: Ethernet ports, queues, devices, the mbuf pool, the EAL.</summary>
public sealed class DpdkPortSet : IDisposable
{
    private readonly List<IDisposable> _owned;
    private readonly List<DpdkRing> _rings = [];
    private DpdkDispatchPort? _outsideDispatch;
    private DpdkDispatchPort? _insideDispatch;
    private DpdkRingPort?[] _outsideRingPorts = [];
    private DpdkRingPort?[] _insideRingPorts = [];
    private bool _disposed;

    private DpdkPortSet(DpdkEal eal, DpdkMbufPool mbufs, DpdkEthDevice outsideDevice, DpdkEthDevice insideDevice, DpdkEthDevice exceptionDevice,
        DpdkQueuePort outsideQueue, DpdkQueuePort insideQueue, DpdkQueuePort exceptionQueue, EthernetPort outside, EthernetPort inside,
        string exceptionInterface, DpdkEthDevice? insideExceptionDevice, DpdkQueuePort? insideExceptionQueue, List<IDisposable> owned)
    {
        Eal = eal;
        Mbufs = mbufs;
        OutsideDevice = outsideDevice;
        InsideDevice = insideDevice;
        ExceptionDevice = exceptionDevice;
        OutsideQueue = outsideQueue;
        InsideQueue = insideQueue;
        ExceptionQueue = exceptionQueue;
        Outside = outside;
        Inside = inside;
        ExceptionInterface = exceptionInterface;
        InsideExceptionDevice = insideExceptionDevice;
        InsideExceptionQueue = insideExceptionQueue;
        _owned = owned;
    }

    /// <summary>The EAL.</summary>
    public DpdkEal Eal { get; }

    /// <summary>The mbuf pool.</summary>
    public DpdkMbufPool Mbufs { get; }

    /// <summary>The outside device.</summary>
    public DpdkEthDevice OutsideDevice { get; }

    /// <summary>The inside device.</summary>
    public DpdkEthDevice InsideDevice { get; }

    /// <summary>The exception path's device (a TAP into the kernel).</summary>
    public DpdkEthDevice ExceptionDevice { get; }

    /// <summary>Worker 0's queue on the outside device.</summary>
    public DpdkQueuePort OutsideQueue { get; }

    /// <summary>Worker 0's queue on the inside device.</summary>
    public DpdkQueuePort InsideQueue { get; }

    /// <summary>Worker 0's queue on the exception device.</summary>
    public DpdkQueuePort ExceptionQueue { get; }

    /// <summary>Layer 2 of the outside port (what the worker polls).</summary>
    public EthernetPort Outside { get; }

    /// <summary>Layer 2 of the inside port.</summary>
    public EthernetPort Inside { get; }

    /// <summary>The kernel interface of the exception path (it carries the outside address: TCP 1723 is served there).</summary>
    public string ExceptionInterface { get; }

    /// <summary>The inside exception path's device (a TAP into the kernel with the inside address), or null when disabled.</summary>
    public DpdkEthDevice? InsideExceptionDevice { get; }

    /// <summary>Worker 0's queue on the inside exception device, or null.</summary>
    public DpdkQueuePort? InsideExceptionQueue { get; }

    /// <summary>
    /// The kernel interface of the inside exception path (the inside address; the pool is routed into it, so the kernel
    /// answers a client pinging the gateway's tunnel address), or null.
    /// </summary>
    public string? InsideExceptionInterface { get; private init; }

    /// <summary>Dataplane workers the set feeds (1: worker 0 polls the Ethernet ports directly).</summary>
    public int Workers { get; private set; } = 1;

    /// <summary>The outside hand-offs between workers (zeros with one worker).</summary>
    public SteeringCounters OutsideSteering { get; } = new();

    /// <summary>The inside hand-offs between workers.</summary>
    public SteeringCounters InsideSteering { get; } = new();

    /// <summary>Packets waiting in the hand-off rings now (every ring of the set).</summary>
    public int RingOccupancy
    {
        get
        {
            int n = 0;
            foreach (DpdkRing r in _rings)
                n += r.Count;
            return n;
        }
    }

    /// <summary>The ports worker <paramref name="worker"/> polls: the Ethernet ports, the dispatch ports (worker 0 of several) or ring ports.</summary>
    public (IPacketPort Outside, IPacketPort Inside) PortsOf(int worker)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(worker);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(worker, Workers);
        if (Workers == 1)
            return (Outside, Inside);
        if (worker == 0)
            return (_outsideDispatch!, _insideDispatch!);
        return (_outsideRingPorts[worker]!, _insideRingPorts[worker]!);
    }

    /// <summary>Gives the dispatch ports the session table they steer by (before the workers start).</summary>
    public void Bind(Sessions.SessionTable sessions)
    {
        _outsideDispatch?.Bind(sessions);
        _insideDispatch?.Bind(sessions);
    }

    /// <summary>Opens everything; on failure closes what was opened and throws.</summary>
    /// <exception cref="PortSetupException">libdpdk is missing or a DPDK call failed.</exception>
    public static DpdkPortSet Open(DpdkPortOptions options, PacketPool pool)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(pool);
        var owned = new List<IDisposable>();
        try
        {
            DpdkEal eal = DpdkEal.Initialize(DpdkEal.WithDefaults(options.EalArguments));
            owned.Add(eal);
            var mbufs = new DpdkMbufPool(pool, options.MempoolName);
            owned.Add(mbufs);
            DpdkEthDevice outsideDevice = DpdkEthDevice.Open(options.OutsideDevargs, 1, mbufs);
            owned.Add(outsideDevice);
            DpdkEthDevice insideDevice = DpdkEthDevice.Open(options.InsideDevargs, 1, mbufs);
            owned.Add(insideDevice);
            // The kernel's side of the exception path shares the outside MAC: frames pass between it and the wire unchanged.
            string exceptionDevargs = options.ExceptionDevargs
                ?? $"net_tap_pptpgw0,iface={options.ExceptionInterfaceName},mac={outsideDevice.Mac}";
            DpdkEthDevice exceptionDevice = DpdkEthDevice.Open(exceptionDevargs, 1, mbufs);
            owned.Add(exceptionDevice);
            string kernelName = options.ExceptionDevargs is null ? options.ExceptionInterfaceName : ExceptionInterfaceOf(exceptionDevargs);
            KernelInterface.Configure(kernelName, AddressConversion.ToIPAddress(options.OutsideAddress), options.OutsidePrefixLength);

            // The inside exception path (issue 13): a second TAP with the inside address and the inside port's MAC, NOARP
            // (this port does layer 2 for it: EthernetPort.FromInsideKernel). The pool's routes point into it
            // (GatewayHost, DataplanePortPair.InsideDeviceName), so what the kernel says to a client is tunnelled.
            DpdkEthDevice? insideExceptionDevice = null;
            DpdkQueuePort? insideExceptionQueue = null;
            if (options.InsideExceptionInterfaceName is { } insideKernel)
            {
                insideExceptionDevice = DpdkEthDevice.Open($"net_tap_pptpgw1,iface={insideKernel},mac={insideDevice.Mac}", 1, mbufs);
                owned.Add(insideExceptionDevice);
                KernelInterface.Configure(insideKernel, AddressConversion.ToIPAddress(options.InsideAddress), options.InsidePrefixLength, noArp: true);
            }

            var outsideQueue = new DpdkQueuePort(outsideDevice, 0, mbufs, 0);
            owned.Add(outsideQueue);
            var insideQueue = new DpdkQueuePort(insideDevice, 0, mbufs, 1);
            owned.Add(insideQueue);
            var exceptionQueue = new DpdkQueuePort(exceptionDevice, 0, mbufs, 2);
            owned.Add(exceptionQueue);
            if (insideExceptionDevice is not null)
            {
                insideExceptionQueue = new DpdkQueuePort(insideExceptionDevice, 0, mbufs, 3);
                owned.Add(insideExceptionQueue);
            }

            var outside = new EthernetPort(outsideQueue, new EthernetPortOptions
            {
                LocalMac = outsideDevice.Mac,
                LocalAddress = options.OutsideAddress,
                PrefixLength = options.OutsidePrefixLength,
                NextHop = options.OutsideNextHop,
                Role = EthernetRole.Outside,
            }, pool, exceptionQueue);
            var inside = new EthernetPort(insideQueue, new EthernetPortOptions
            {
                LocalMac = insideDevice.Mac,
                LocalAddress = options.InsideAddress,
                PrefixLength = options.InsidePrefixLength,
                NextHop = options.InsideNextHop,
                Role = EthernetRole.Inside,
            }, pool, insideExceptionQueue);
            // Resolve the inside router at once, so the first packet from a client does not wait for it.
            if (options.InsideNextHop != 0)
                inside.Resolve(options.InsideNextHop);
            var set = new DpdkPortSet(eal, mbufs, outsideDevice, insideDevice, exceptionDevice, outsideQueue, insideQueue, exceptionQueue,
                outside, inside, kernelName, insideExceptionDevice, insideExceptionQueue, owned)
            {
                InsideExceptionInterface = insideExceptionDevice is null ? null : options.InsideExceptionInterfaceName,
            };
            if (options.Workers > 1)
            {
                try
                {
                    set.CreateHandOffs(options, pool);
                }
                catch
                {
                    set._rings.ForEach(r => r.Dispose());
                    throw;
                }
            }

            return set;
        }
        catch
        {
            for (int i = owned.Count - 1; i >= 0; i--)
                owned[i].Dispose();
            throw;
        }
    }

    /// <summary>
    /// Each device's counters now (<c>rte_eth_stats_get</c>, DPDK 22.11 ethdev: rx/tx packets and bytes, imissed =
    /// frames the device dropped because its RX ring was full, errors, rx_nombuf), with the queue's own drops (TX queue
    /// full after retries) and the Ethernet layer's counters on it. Callable from any thread: the device counters are
    /// read by DPDK; the queue and Ethernet counters are 64-bit words the worker writes (a snapshot may lag).
    /// </summary>
    public IReadOnlyList<DpdkPortStatistics> GetStatistics() =>
    [
        new("outside", OutsideDevice, OutsideDevice.GetStats(), OutsideQueue.Counters.TransmitDropped, Outside.Counters, OutsideSteering, Outside.Neighbours.HeldDropped),
        new("inside", InsideDevice, InsideDevice.GetStats(), InsideQueue.Counters.TransmitDropped, Inside.Counters, InsideSteering, Inside.Neighbours.HeldDropped),
        new("exception", ExceptionDevice, ExceptionDevice.GetStats(), ExceptionQueue.Counters.TransmitDropped, null, null, 0),
        .. InsideExceptionDevice is { } d
            ? new[] { new DpdkPortStatistics("inside exception", d, d.GetStats(), InsideExceptionQueue!.Counters.TransmitDropped, null, null, 0) }
            : [],
    ];

    // Software steering (issue 13, item 4): per side, one single-producer ring from worker 0 to each other worker and one
    // multi-producer ring from them back to worker 0. If a ring cannot be created, Open closes everything.
    private void CreateHandOffs(DpdkPortOptions options, PacketPool pool)
    {
        int n = options.Workers;
        Workers = n;
        _outsideRingPorts = new DpdkRingPort?[n];
        _insideRingPorts = new DpdkRingPort?[n];
        foreach (bool outside in (ReadOnlySpan<bool>)[true, false])
        {
            string side = outside ? "o" : "i";
            SteeringCounters counters = outside ? OutsideSteering : InsideSteering;
            var toWorkers = new DpdkRing?[n];
            var back = Ring($"pgw_{side}_back", options.HandOffRingSize, singleProducer: false);
            for (int w = 1; w < n; w++)
            {
                toWorkers[w] = Ring($"pgw_{side}_w{w}", options.HandOffRingSize, singleProducer: true);
                var port = new DpdkRingPort(toWorkers[w]!, back, pool, counters);
                if (outside)
                    _outsideRingPorts[w] = port;
                else
                    _insideRingPorts[w] = port;
            }

            var dispatch = new DpdkDispatchPort(outside ? Outside : Inside, outside, toWorkers, back, pool, counters);
            if (outside)
                _outsideDispatch = dispatch;
            else
                _insideDispatch = dispatch;
        }
    }

    private DpdkRing Ring(string name, int size, bool singleProducer)
    {
        var ring = new DpdkRing(name, size, singleProducer);
        _rings.Add(ring);
        return ring;
    }

    /// <summary>Frees held packets, closes the devices, frees the mbuf pool and cleans the EAL up (rte_eal_cleanup).</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        Outside.ReleaseHeld();
        Inside.ReleaseHeld();
        // Every worker has stopped: what is still in a hand-off ring goes back to the pool, then the rings go.
        foreach (DpdkRing ring in _rings)
        {
            ring.Drain(Mbufs.Pool);
            ring.Dispose();
        }

        for (int i = _owned.Count - 1; i >= 0; i--)
            _owned[i].Dispose();
    }

    private static string ExceptionInterfaceOf(string devargs)
    {
        foreach (string part in devargs.Split(','))
        {
            if (part.StartsWith("iface=", StringComparison.Ordinal))
                return part["iface=".Length..];
        }

        throw new PortSetupException($"the exception device '{devargs}' names no kernel interface (iface=NAME)");
    }
}
