using PptpGw.Dataplane.Buffers;

namespace PptpGw.Dataplane.Ports.Dpdk;

/// <summary>
/// The port of a worker other than worker 0 on one side of the DPDK backend: the <see cref="RingPort{TRing}"/> over the
/// rte_ring worker 0 steers to it (<see cref="DpdkDispatchPort"/>) and the side's multi-producer ring back to worker 0.
/// The packets stay mbuf-backed descriptors throughout: no copy.
/// </summary>
public sealed class DpdkRingPort : RingPort<DpdkHandOff>
{
    /// <summary>Creates the port.</summary>
    public DpdkRingPort(DpdkRing fromDispatcher, DpdkRing toDispatcher, PacketPool pool, SteeringCounters counters)
        : base(new DpdkHandOff(NotNull(fromDispatcher)), new DpdkHandOff(NotNull(toDispatcher)), pool, counters)
    {
    }

    private static DpdkRing NotNull(DpdkRing ring)
    {
        ArgumentNullException.ThrowIfNull(ring);
        return ring;
    }
}
