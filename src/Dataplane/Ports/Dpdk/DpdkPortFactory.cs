using PptpGw.Dataplane.Buffers;
using PptpGw.Dataplane.Ethernet;
using PptpGw.Dataplane.Workers;

namespace PptpGw.Dataplane.Ports.Dpdk;

/// <summary>
/// The DPDK backend: the EAL (on its own thread), one mbuf pool over the packet slab, the outside and inside devices
/// and a TAP into the kernel for the exception path, each worker's queue pairs behind <see cref="EthernetPort"/>s
/// (Ethernet, ARP, neighbour cache, exception path), workers registered as EAL threads.
/// </summary>
/// <remarks>
/// One worker for now (<see cref="MaxWorkers"/>): with several queues a device spreads GRE by its own hash (RSS,
/// af_packet fan-out), which is not the session table's placement, and the hand-off ring between workers is not built
/// yet. Every device is configured with one queue pair per worker already.
/// </remarks>
public sealed class DpdkPortFactory : IDataplanePortFactory
{
    private readonly DpdkPortOptions _options;
    private DpdkPortSet? _set;

    /// <summary>Creates the factory; nothing is opened until the dataplane is built.</summary>
    public DpdkPortFactory(DpdkPortOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
    }

    /// <inheritdoc/>
    public int MaxWorkers => 1;

    /// <inheritdoc/>
    public int ExternalBufferCount => _options.MbufCount;

    /// <summary>Everything opened, once the dataplane is built.</summary>
    public DpdkPortSet? Ports => _set;

    /// <inheritdoc/>
    public DataplanePortPair Create(PacketPool pool, int worker)
    {
        ArgumentNullException.ThrowIfNull(pool);
        if (worker != 0 || _set is not null)
            throw new InvalidOperationException("The DPDK backend has one worker.");
        DpdkPortSet set = DpdkPortSet.Open(_options, pool);
        _set = set;
        return new DataplanePortPair(set.Outside, set.Inside, OutsideFraming.Ipv4, _options.OutsideAddress, waitReadable: null, owner: set)
        {
            OnWorkerThreadStart = DpdkEal.RegisterThread,
            OnWorkerThreadExit = DpdkEal.UnregisterThread,
        };
    }
}
