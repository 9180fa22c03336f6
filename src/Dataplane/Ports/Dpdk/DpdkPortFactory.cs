using PptpGw.Dataplane.Buffers;
using PptpGw.Dataplane.Ethernet;
using PptpGw.Dataplane.Sessions;
using PptpGw.Dataplane.Workers;

namespace PptpGw.Dataplane.Ports.Dpdk;

/// <summary>
/// The DPDK backend: the EAL (on its own thread), one mbuf pool over the packet slab, the outside and inside devices
/// and a TAP into the kernel for the exception path, one queue pair of each behind <see cref="EthernetPort"/>s
/// (Ethernet, ARP, neighbour cache, exception path), workers registered as EAL threads.
/// </summary>
/// <remarks>
/// With <see cref="DpdkPortOptions.Workers"/> &gt; 1, worker 0 does the I/O of every device (one queue pair each) and
/// steers each packet to its session's worker over rte_rings, and takes back what they send (<see cref="DpdkDispatchPort"/>):
/// the devices' own spreading (RSS, af_packet fan-out) would not follow the session table's placement, and one owner
/// of each queue keeps ARP and the neighbour cache single-threaded. The other workers spend their time on GRE and MPPE.
/// </remarks>
public sealed class DpdkPortFactory : IDataplanePortFactory
{
    private readonly DpdkPortOptions _options;
    private DpdkPortSet? _set;

    /// <summary>Creates the factory; nothing is opened until the dataplane is built.</summary>
    public DpdkPortFactory(DpdkPortOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Workers, 1);
        _options = options;
    }

    /// <inheritdoc/>
    public int MaxWorkers => _options.Workers;

    /// <inheritdoc/>
    public int ExternalBufferCount => _options.MbufCount;

    /// <summary>Everything opened, once the dataplane is built.</summary>
    public DpdkPortSet? Ports => _set;

    /// <inheritdoc/>
    public DataplanePortPair Create(PacketPool pool, int worker)
    {
        ArgumentNullException.ThrowIfNull(pool);
        if (worker == 0)
        {
            if (_set is not null)
                throw new InvalidOperationException("The DPDK ports are opened once.");
            _set = DpdkPortSet.Open(_options, pool);
        }
        else if (_set is null || worker >= _set.Workers)
        {
            throw new InvalidOperationException($"The DPDK backend feeds {_options.Workers} workers, created in order.");
        }

        (IPacketPort outside, IPacketPort inside) = _set.PortsOf(worker);
        // Worker 0's pair owns (and closes) the set; the others' ports are views of its rings.
        return new DataplanePortPair(outside, inside, OutsideFraming.Ipv4, _options.OutsideAddress, waitReadable: null, owner: worker == 0 ? _set : null,
            insideDeviceName: worker == 0 ? _set.InsideExceptionInterface : null)
        {
            OnWorkerThreadStart = DpdkEal.RegisterThread,
            OnWorkerThreadExit = DpdkEal.UnregisterThread,
        };
    }

    /// <inheritdoc/>
    public void BindSessions(SessionTable sessions)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        _set?.Bind(sessions);
    }
}
