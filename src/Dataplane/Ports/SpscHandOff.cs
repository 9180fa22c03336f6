using PptpGw.Dataplane.Buffers;

namespace PptpGw.Dataplane.Ports;

/// <summary>The kernel backend's hand-off ring: a single-producer single-consumer <see cref="SpscRing{T}"/>.</summary>
public readonly struct SpscHandOff(SpscRing<PacketHandle> ring) : IHandOffRing
{
    /// <inheritdoc/>
    public int Enqueue(ReadOnlySpan<PacketHandle> packets) => ring.EnqueueBurst(packets);

    /// <inheritdoc/>
    public int Dequeue(Span<PacketHandle> destination) => ring.DequeueBurst(destination);
}
