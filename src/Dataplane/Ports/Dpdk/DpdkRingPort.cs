using PptpGw.Dataplane.Buffers;

namespace PptpGw.Dataplane.Ports.Dpdk;

/// <summary>
/// The port of a worker other than worker 0 on one side of the DPDK backend: it receives what worker 0 steered to it
/// (<see cref="DpdkDispatchPort"/>) and transmits by handing packets back to worker 0 over the side's multi-producer
/// ring (a full ring drops and counts). The packets stay mbuf-backed descriptors throughout: no copy.
/// </summary>
public sealed class DpdkRingPort : IPacketPort
{
    private readonly DpdkRing _fromDispatcher;
    private readonly DpdkRing _toDispatcher;
    private readonly PacketPool _pool;
    private readonly DpdkSteeringCounters _counters;

    /// <summary>Creates the port.</summary>
    public DpdkRingPort(DpdkRing fromDispatcher, DpdkRing toDispatcher, PacketPool pool, DpdkSteeringCounters counters)
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
        _fromDispatcher.Dequeue(destination[..Math.Min(destination.Length, PacketBurst.Size)]);

    /// <inheritdoc/>
    public int TransmitBurst(ReadOnlySpan<PacketHandle> packets)
    {
        int queued = _toDispatcher.Enqueue(packets);
        // Several workers write these: Interlocked (once per burst, not per packet).
        if (queued != 0)
            Interlocked.Add(ref _counters.HandedBack, queued);
        if (queued < packets.Length)
        {
            Interlocked.Add(ref _counters.HandBackRingFull, packets.Length - queued);
            _pool.FreeBurst(packets[queued..]);
        }

        return packets.Length;
    }
}
