using PptpGw.Dataplane.Buffers;

namespace PptpGw.Dataplane.Ports;

/// <summary>
/// The port of a worker other than worker 0 on one side of a backend with several workers: it receives what worker 0
/// steered to it (<see cref="DispatchPort{TDevice, TRing}"/>) and transmits by handing packets back to worker 0, which
/// owns the device. The packets stay the same descriptors throughout (mbuf-backed with DPDK): no copy. The ring is a
/// struct type parameter (<see cref="KernelRingPort"/>, <see cref="Dpdk.DpdkRingPort"/>): direct calls per burst.
/// </summary>
/// <typeparam name="TRing">The hand-off ring.</typeparam>
public class RingPort<TRing> : IPacketPort
    where TRing : struct, IHandOffRing
{
    private readonly TRing _fromDispatcher;
    private readonly TRing _toDispatcher;
    private readonly PacketPool _pool;
    private readonly SteeringCounters _counters;

    /// <summary>Creates the port.</summary>
    protected RingPort(TRing fromDispatcher, TRing toDispatcher, PacketPool pool, SteeringCounters counters)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(counters);
        _fromDispatcher = fromDispatcher;
        _toDispatcher = toDispatcher;
        _pool = pool;
        _counters = counters;
    }

    /// <inheritdoc/>
    public int ReceiveBurst(Span<PacketHandle> destination) =>
        _fromDispatcher.Dequeue(destination[..Math.Min(destination.Length, PacketBurst.Size)]);

    /// <inheritdoc/>
    /// <remarks>Takes every packet: what the ring has no room for is dropped and counted (a worker must not stall).</remarks>
    public int TransmitBurst(ReadOnlySpan<PacketHandle> packets)
    {
        int queued = _toDispatcher.Enqueue(packets);
        // Several workers write these counters: Interlocked (once per burst, not per packet).
        if (queued != 0)
            Interlocked.Add(ref _counters.HandedBack, queued);
        if (queued < packets.Length)
        {
            Interlocked.Add(ref _counters.HandBackDropped, packets.Length - queued);
            _pool.FreeBurst(packets[queued..]);
        }

        return packets.Length;
    }
}
