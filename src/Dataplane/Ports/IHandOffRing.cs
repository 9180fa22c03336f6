using PptpGw.Dataplane.Buffers;

namespace PptpGw.Dataplane.Ports;

/// <summary>
/// A ring that moves packet descriptors between worker 0 and another worker (<see cref="DispatchPort{TDevice, TRing}"/>,
/// <see cref="RingPort{TRing}"/>). Implemented by structs over the ring, so that the generic ports are specialised per
/// ring and call it directly: no interface dispatch on the hot path.
/// </summary>
public interface IHandOffRing
{
    /// <summary>Enqueues as many packets as fit, in order; returns how many.</summary>
    int Enqueue(ReadOnlySpan<PacketHandle> packets);

    /// <summary>Dequeues up to <paramref name="destination"/>'s length; returns how many.</summary>
    int Dequeue(Span<PacketHandle> destination);
}
