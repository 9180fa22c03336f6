using PptpGw.Dataplane.Buffers;

namespace PptpGw.Dataplane.Ports.Dpdk;

/// <summary>The DPDK backend's hand-off ring: an rte_ring (<see cref="DpdkRing"/>).</summary>
public readonly struct DpdkHandOff(DpdkRing ring) : IHandOffRing
{
    /// <inheritdoc/>
    public int Enqueue(ReadOnlySpan<PacketHandle> packets) => ring.Enqueue(packets);

    /// <inheritdoc/>
    public int Dequeue(Span<PacketHandle> destination) => ring.Dequeue(destination);
}
