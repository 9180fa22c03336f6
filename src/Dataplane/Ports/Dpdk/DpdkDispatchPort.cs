using PptpGw.Dataplane.Buffers;
using PptpGw.Dataplane.Ethernet;
using PptpGw.Dataplane.Packets;
using PptpGw.Dataplane.Sessions;

namespace PptpGw.Dataplane.Ports.Dpdk;

/// <summary>
/// Worker 0's port on one side of the DPDK backend with several workers: it does the side's I/O for every worker
/// (the "I/O lcore" of DPDK's load_balancer sample application) and steers each received IPv4 packet to the worker
/// that owns its session, over that worker's <see cref="DpdkRing"/>; packets of its own sessions, of unknown ones and
/// anything it cannot parse stay with worker 0 (whose worker counts the drop). What the other workers send comes back
/// over one multi-producer ring and goes out through the Ethernet layer here, so ARP, the neighbour cache and the TX
/// queue have one owner, and GRE numbering and MPPE state stay with the session's worker.
/// </summary>
/// <remarks>
/// The owner: outside, the session of (outer IPv4 source, GRE key call id: RFC 2637 §4.1); inside, the session of the
/// IPv4 destination (the client's tunnel address). Looked up in the session table on worker 0's thread inside its
/// burst (the table's epoch rules hold: the slot is read at once and not kept). A full ring drops and counts.
/// </remarks>
public sealed class DpdkDispatchPort : IPacketPort
{
    private readonly EthernetPort _link;
    private readonly bool _outside;
    private readonly DpdkRing?[] _toWorkers;
    private readonly DpdkRing _fromWorkers;
    private readonly PacketPool _pool;
    private readonly PacketHandle[][] _staged;
    private readonly int[] _stagedCount;
    private readonly PacketHandle[] _handedBack = new PacketHandle[PacketBurst.Size];
    private SessionTable? _sessions;

    /// <summary>Creates the port.</summary>
    /// <param name="link">The side's Ethernet layer (worker 0's queue pair of the device).</param>
    /// <param name="outside">True for the outside (GRE), false for the inside (plain IPv4).</param>
    /// <param name="toWorkers">Ring to worker i at index i (index 0 unused).</param>
    /// <param name="fromWorkers">The ring the other workers transmit through.</param>
    /// <param name="pool">Where dropped packets go.</param>
    /// <param name="counters">This side's hand-off counters.</param>
    public DpdkDispatchPort(EthernetPort link, bool outside, DpdkRing?[] toWorkers, DpdkRing fromWorkers, PacketPool pool, DpdkSteeringCounters counters)
    {
        ArgumentNullException.ThrowIfNull(link);
        ArgumentNullException.ThrowIfNull(toWorkers);
        ArgumentNullException.ThrowIfNull(fromWorkers);
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(counters);
        _link = link;
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
    public DpdkSteeringCounters Counters { get; }

    /// <summary>The table that says which worker owns a session (bound before the workers start).</summary>
    public void Bind(SessionTable sessions) => _sessions = sessions;

    /// <inheritdoc/>
    public int ReceiveBurst(Span<PacketHandle> destination)
    {
        // What the other workers want sent, first: the wire is this thread's.
        int back = _fromWorkers.Dequeue(_handedBack);
        if (back != 0)
            _ = _link.TransmitBurst(_handedBack.AsSpan(0, back));

        int n = _link.ReceiveBurst(destination);
        SessionTable? sessions = _sessions;
        if (n == 0 || sessions is null)
            return n;
        int kept = 0;
        for (int i = 0; i < n; i++)
        {
            PacketHandle packet = destination[i];
            int owner = OwnerOf(sessions, packet.Data);
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
            int queued = _toWorkers[w]!.Enqueue(staged);
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
    public int TransmitBurst(ReadOnlySpan<PacketHandle> packets) => _link.TransmitBurst(packets);

    private int OwnerOf(SessionTable sessions, ReadOnlySpan<byte> data)
    {
        // RFC 791 header; the worker verifies it again (and counts what is wrong): here only the owner matters.
        if (Ipv4Header.TryParse(data, out Ipv4Header ip, verifyChecksum: false) != Ipv4Error.None)
            return -1;
        int slot;
        if (_outside)
        {
            if (ip.Protocol != Ipv4Header.ProtocolGre || ip.IsFragment
                || EnhancedGrePacket.TryParse(ip.Payload, out EnhancedGrePacket gre) != EnhancedGreError.None
                || !sessions.TryLookupOutside(ip.SourceAddress, gre.CallId, out slot))
                return -1;
        }
        else if (!sessions.TryLookupInside(ip.DestinationAddress, out slot))
        {
            return -1;
        }

        return sessions.GetConfig(slot).Worker;
    }
}
