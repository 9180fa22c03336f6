using PptpGw.Dataplane.Buffers;

namespace PptpGw.Dataplane.Ports;

/// <summary>
/// The port of a worker other than worker 0 on one side of the kernel backend with several workers: the
/// <see cref="RingPort{TRing}"/> over single-producer single-consumer rings to and from worker 0
/// (<see cref="KernelDispatchPort"/>), which owns the descriptor.
/// </summary>
public sealed class KernelRingPort : RingPort<SpscHandOff>
{
    /// <summary>Creates the port.</summary>
    public KernelRingPort(SpscRing<PacketHandle> fromDispatcher, SpscRing<PacketHandle> toDispatcher, PacketPool pool, SteeringCounters counters)
        : base(new SpscHandOff(NotNull(fromDispatcher)), new SpscHandOff(NotNull(toDispatcher)), pool, counters)
    {
    }

    private static SpscRing<PacketHandle> NotNull(SpscRing<PacketHandle> ring)
    {
        ArgumentNullException.ThrowIfNull(ring);
        return ring;
    }
}
