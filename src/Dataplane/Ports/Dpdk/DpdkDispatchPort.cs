using PptpGw.Dataplane.Buffers;
using PptpGw.Dataplane.Ethernet;

namespace PptpGw.Dataplane.Ports.Dpdk;

/// <summary>
/// Worker 0's port on one side of the DPDK backend with several workers: the <see cref="DispatchPort{TDevice, TRing}"/>
/// over the side's Ethernet layer (worker 0's queue pair of the device) and rte_rings. What the other workers send comes
/// back over one multi-producer ring and goes out through the Ethernet layer here, so ARP, the neighbour cache and the
/// TX queue have one owner (<see cref="DpdkRingPort"/>).
/// </summary>
public sealed class DpdkDispatchPort : DispatchPort<DpdkSteeringDevice, DpdkHandOff>
{
    /// <summary>Creates the port.</summary>
    /// <param name="link">The side's Ethernet layer (worker 0's queue pair of the device).</param>
    /// <param name="outside">True for the outside (GRE), false for the inside (plain IPv4).</param>
    /// <param name="toWorkers">Ring to worker i at index i (index 0 unused).</param>
    /// <param name="fromWorkers">The ring the other workers transmit through.</param>
    /// <param name="pool">Where dropped packets go.</param>
    /// <param name="counters">This side's hand-off counters.</param>
    public DpdkDispatchPort(EthernetPort link, bool outside, DpdkRing?[] toWorkers, DpdkRing fromWorkers, PacketPool pool, SteeringCounters counters)
        : base(new DpdkSteeringDevice(NotNull(link)), outside, ToWorkers(toWorkers), [new DpdkHandOff(NotNull(fromWorkers))], pool, counters)
    {
    }

    private static T NotNull<T>(T value)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(value);
        return value;
    }

    private static DpdkHandOff[] ToWorkers(DpdkRing?[] rings)
    {
        ArgumentNullException.ThrowIfNull(rings);
        var handOffs = new DpdkHandOff[rings.Length];
        for (int w = 1; w < rings.Length; w++)
            handOffs[w] = new DpdkHandOff(rings[w] ?? throw new ArgumentException($"No ring to worker {w}.", nameof(rings)));
        return handOffs;
    }
}
