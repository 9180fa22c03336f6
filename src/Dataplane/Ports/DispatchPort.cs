using PptpGw.Dataplane.Buffers;
using PptpGw.Dataplane.Packets;
using PptpGw.Dataplane.Sessions;

namespace PptpGw.Dataplane.Ports;

/// <summary>
/// Worker 0's port on one side of a backend with several workers: it does the side's I/O for every worker (the "I/O
/// lcore" of DPDK's load_balancer sample application), keeps what belongs to worker 0's sessions, steers each other
/// packet to the worker that owns its session over that worker's ring, and transmits what the other workers hand back
/// (<see cref="RingPort{TRing}"/>). One owner per device keeps the batching, ARP and the neighbour cache (DPDK) or the
/// system calls (kernel) in one thread; GRE numbering and MPPE state stay with the session's worker. The backends
/// differ only in the device and the ring (<see cref="KernelDispatchPort"/>, <see cref="Dpdk.DpdkDispatchPort"/>):
/// both are struct type parameters, so each backend gets its own specialised code with direct calls.
/// </summary>
/// <remarks>
/// The owner: outside, the session of (outer IPv4 source, GRE key call id: RFC 2637 §4.1); inside, the session of the
/// IPv4 destination (the client's tunnel address). Looked up on worker 0's thread inside its burst (the table's epoch
/// rules hold: the slot is read at once and not kept). Packets of no session and anything that does not parse stay
/// with worker 0, whose worker counts and drops them (or hands PPTP's control-plane frames on). A full ring drops and
/// counts.
/// </remarks>
/// <typeparam name="TDevice">The side's device.</typeparam>
/// <typeparam name="TRing">The hand-off ring.</typeparam>
public class DispatchPort<TDevice, TRing> : IPacketPort
    where TDevice : struct, ISteeringDevice
    where TRing : struct, IHandOffRing
{
    private readonly TDevice _device;
    private readonly bool _outside;
    private readonly TRing[] _toWorkers;
    private readonly TRing[] _fromWorkers;
    private readonly PacketPool _pool;
    private readonly PacketHandle[][] _staged;
    private readonly int[] _stagedCount;
    private readonly PacketHandle[] _handedBack = new PacketHandle[PacketBurst.Size];
    private SessionTable? _sessions;

    /// <summary>Creates the port.</summary>
    /// <param name="device">The side's device.</param>
    /// <param name="outside">True for the outside (GRE), false for the inside (plain IPv4).</param>
    /// <param name="toWorkers">Ring to worker i at index i (index 0 unused).</param>
    /// <param name="fromWorkers">Every ring the other workers transmit through (all drained each burst).</param>
    /// <param name="pool">Where dropped packets go.</param>
    /// <param name="counters">This side's hand-off counters.</param>
    protected DispatchPort(TDevice device, bool outside, TRing[] toWorkers, TRing[] fromWorkers, PacketPool pool, SteeringCounters counters)
    {
        ArgumentNullException.ThrowIfNull(toWorkers);
        ArgumentNullException.ThrowIfNull(fromWorkers);
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(counters);
        _device = device;
        _outside = outside;
        _toWorkers = toWorkers;
        _fromWorkers = fromWorkers;
        _pool = pool;
        Counters = counters;
        _staged = new PacketHandle[toWorkers.Length][];
        for (int i = 0; i < _staged.Length; i++)
            _staged[i] = new PacketHandle[PacketBurst.Size];
        _stagedCount = new int[toWorkers.Length];
    }

    /// <summary>This side's hand-off counters.</summary>
    public SteeringCounters Counters { get; }

    /// <summary>The table that says which worker owns a session (bound before the workers start).</summary>
    public void Bind(SessionTable sessions) => _sessions = sessions;

    /// <inheritdoc/>
    public int ReceiveBurst(Span<PacketHandle> destination)
    {
        // What the other workers want sent, first: the device is this thread's.
        foreach (TRing ring in _fromWorkers)
        {
            int back = ring.Dequeue(_handedBack);
            if (back == 0)
                continue;
            int sent = _device.TransmitBurst(_handedBack.AsSpan(0, back));
            if (sent < back)
            {
                Counters.HandBackDropped += back - sent; // a full socket or device queue: dropped, as the kernel would
                _pool.FreeBurst(_handedBack.AsSpan(sent, back - sent));
            }
        }

        int n = _device.ReceiveBurst(destination);
        SessionTable? sessions = _sessions;
        if (n == 0 || sessions is null)
            return n;
        int kept = 0;
        for (int i = 0; i < n; i++)
        {
            PacketHandle packet = destination[i];
            int owner = OwnerOf(sessions, packet);
            if (owner <= 0 || owner >= _toWorkers.Length)
            {
                destination[kept++] = packet;
                continue;
            }

            _staged[owner][_stagedCount[owner]++] = packet;
        }

        for (int w = 1; w < _staged.Length; w++)
        {
            int count = _stagedCount[w];
            if (count == 0)
                continue;
            _stagedCount[w] = 0;
            ReadOnlySpan<PacketHandle> staged = _staged[w].AsSpan(0, count);
            int queued = _toWorkers[w].Enqueue(staged);
            Counters.Steered += queued;
            if (queued < count)
            {
                Counters.SteerRingFull += count - queued;
                _pool.FreeBurst(staged[queued..]);
            }
        }

        return kept;
    }

    /// <inheritdoc/>
    public int TransmitBurst(ReadOnlySpan<PacketHandle> packets) => _device.TransmitBurst(packets);

    private int OwnerOf(SessionTable sessions, PacketHandle packet)
    {
        int slot;
        if (_outside)
        {
            if (!TDevice.TryOutsideKey(packet, out uint source, out ushort callId)
                || !sessions.TryLookupOutside(source, callId, out slot))
                return -1;
        }
        else if (Ipv4Header.TryParse(packet.Data, out Ipv4Header ip, verifyChecksum: false) != Ipv4Error.None
            || !sessions.TryLookupInside(ip.DestinationAddress, out slot))
        {
            return -1;
        }

        return sessions.GetConfig(slot).Worker;
    }
}
