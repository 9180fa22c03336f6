using PptpGw.Dataplane.Buffers;

namespace PptpGw.Dataplane.Ports;

/// <summary>
/// The port of a worker other than worker 0 on one side of the kernel backend with several workers: it receives what
/// worker 0 steered to it (<see cref="KernelDispatchPort"/>) and transmits by handing packets back to worker 0, which
/// owns the descriptor. Both rings are single-producer single-consumer; a full ring drops and counts.
/// </summary>
public sealed class KernelRingPort : IPacketPort
{
    private readonly SpscRing<PacketHandle> _fromDispatcher;
    private readonly SpscRing<PacketHandle> _toDispatcher;
    private readonly PacketPool _pool;
    private readonly KernelSteeringCounters _counters;

    /// <summary>Creates the port.</summary>
    public KernelRingPort(SpscRing<PacketHandle> fromDispatcher, SpscRing<PacketHandle> toDispatcher, PacketPool pool, KernelSteeringCounters counters)
    {
        ArgumentNullException.ThrowIfNull(fromDispatcher);
        ArgumentNullException.ThrowIfNull(toDispatcher);
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(counters);
        _fromDispatcher = fromDispatcher;
        _toDispatcher = toDispatcher;
        _pool = pool;
        _counters = counters;
    }

    /// <inheritdoc/>
    public int ReceiveBurst(Span<PacketHandle> destination) =>
        _fromDispatcher.DequeueBurst(destination[..Math.Min(destination.Length, PacketBurst.Size)]);

    /// <inheritdoc/>
    /// <remarks>Takes every packet: what the ring has no room for is dropped and counted (a worker must not stall).</remarks>
    public int TransmitBurst(ReadOnlySpan<PacketHandle> packets)
    {
        int queued = _toDispatcher.EnqueueBurst(packets);
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
