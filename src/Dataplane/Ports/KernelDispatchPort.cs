using PptpGw.Dataplane.Buffers;
using PptpGw.Dataplane.Packets;
using PptpGw.Dataplane.Sessions;

namespace PptpGw.Dataplane.Ports;

/// <summary>
/// Worker 0's port on one side of the kernel backend with several workers (<c>gateway dataplane workers N</c>, issue 12):
/// it does the side's I/O (the raw GRE socket or the TUN device), keeps what belongs to worker 0's sessions, steers the
/// rest to their session's worker over single-producer rings, and sends what the other workers hand back
/// (<see cref="KernelRingPort"/>). The same design as the DPDK backend's (DpdkDispatchPort), and for the same reasons:
/// the kernel's own spreading does not follow the session table — a raw socket sees every GRE packet (one socket per
/// worker would need a filter per placement), and a multi-queue TUN picks its queue by flow hash, not by session
/// (steering it needs an eBPF program, TUNSETSTEERINGEBPF) — and one owner per descriptor keeps the batching
/// (recvmmsg/sendmmsg bursts, TSO and coalescing on the TUN) in one thread. What moves to the other workers is the GRE,
/// PPP and MPPE work; the system calls stay on worker 0.
/// </summary>
/// <remarks>
/// The owner: outside, the session of (the datagram's source address, GRE key call id: RFC 2637 §4.1); inside, the
/// session of the IPv4 destination (the client's tunnel address). Looked up on worker 0's thread inside its burst (the
/// table's epoch rules hold: the slot is read at once and not kept). Packets of no session stay with worker 0, whose
/// worker counts and drops them (or hands PPTP's control-plane frames on). A full ring drops and counts.
/// </remarks>
public sealed class KernelDispatchPort : IPacketPort
{
    private readonly IPacketPort _port;
    private readonly bool _outside;
    private readonly SpscRing<PacketHandle>?[] _toWorkers;
    private readonly SpscRing<PacketHandle>?[] _fromWorkers;
    private readonly PacketPool _pool;
    private readonly PacketHandle[][] _staged;
    private readonly int[] _stagedCount;
    private readonly PacketHandle[] _handedBack = new PacketHandle[PacketBurst.Size];
    private SessionTable? _sessions;

    /// <summary>Creates the port.</summary>
    /// <param name="port">The side's kernel port (RawGreSocket: packets start at GRE; TunDevice: at IPv4).</param>
    /// <param name="outside">True for the outside (GRE), false for the inside (IPv4).</param>
    /// <param name="toWorkers">Ring to worker i at index i (index 0 unused).</param>
    /// <param name="fromWorkers">Ring from worker i at index i (index 0 unused).</param>
    /// <param name="pool">Where dropped packets go.</param>
    /// <param name="counters">This side's hand-off counters.</param>
    public KernelDispatchPort(IPacketPort port, bool outside, SpscRing<PacketHandle>?[] toWorkers, SpscRing<PacketHandle>?[] fromWorkers,
        PacketPool pool, KernelSteeringCounters counters)
    {
        ArgumentNullException.ThrowIfNull(port);
        ArgumentNullException.ThrowIfNull(toWorkers);
        ArgumentNullException.ThrowIfNull(fromWorkers);
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(counters);
        _port = port;
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
    public KernelSteeringCounters Counters { get; }

    /// <summary>The table that says which worker owns a session (bound before the workers start).</summary>
    public void Bind(SessionTable sessions) => _sessions = sessions;

    /// <inheritdoc/>
    public int ReceiveBurst(Span<PacketHandle> destination)
    {
        // What the other workers want sent, first: the descriptor is this thread's.
        for (int w = 1; w < _fromWorkers.Length; w++)
        {
            int back = _fromWorkers[w]!.DequeueBurst(_handedBack);
            if (back == 0)
                continue;
            int sent = _port.TransmitBurst(_handedBack.AsSpan(0, back));
            if (sent < back)
            {
                Counters.HandBackDropped += back - sent; // a full socket or device queue: dropped, as the kernel would
                _pool.FreeBurst(_handedBack.AsSpan(sent, back - sent));
            }
        }

        int n = _port.ReceiveBurst(destination);
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
            int queued = _toWorkers[w]!.EnqueueBurst(staged);
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
    public int TransmitBurst(ReadOnlySpan<PacketHandle> packets) => _port.TransmitBurst(packets);

    private int OwnerOf(SessionTable sessions, PacketHandle packet)
    {
        int slot;
        if (_outside)
        {
            // The raw socket strips the outer IPv4 header and records its source (RawGreSocket).
            if (EnhancedGrePacket.TryParse(packet.Data, out EnhancedGrePacket gre) != EnhancedGreError.None
                || !sessions.TryLookupOutside(packet.PeerAddress, gre.CallId, out slot))
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
