using PptpGw.Dataplane.Buffers;
using PptpGw.Dataplane.Packets;
using PptpGw.Dataplane.Ports;
using PptpGw.Dataplane.Sessions;

namespace PptpGw.Tests.Dataplane.Ports;

/// <summary>
/// The shared steering ports (<see cref="DispatchPort{TDevice, TRing}"/>, <see cref="RingPort{TRing}"/>) in their kernel
/// flavour over a memory port (a real device and rte_rings are the DPDK flavour's, covered by DpdkIntegrationTests):
/// worker 0 keeps its own and unknown packets, steers the rest by session, sends what the others hand back, drops and
/// counts on a full ring, and allocates nothing per burst.
/// </summary>
public sealed class SteeringPortTests
{
    private const uint Peer = 0xC6120002; // 198.18.0.2
    private const uint Gateway = 0xC6120001;

    [Fact]
    public void Inside_packets_go_to_their_sessions_worker_and_come_back_through_worker_0()
    {
        using var bed = new Bed(workers: 3, outside: false, ringCapacity: 64);
        bed.Inject(Tunnel(0), Tunnel(1), Tunnel(2), Tunnel(1), 0xC6130063 /* no session */);

        var got = new PacketHandle[PacketBurst.Size];
        int kept = bed.Dispatch.ReceiveBurst(got);

        Assert.Equal(2, kept); // worker 0's session and the unknown destination stay
        Assert.Equal(new[] { Tunnel(0), 0xC6130063u }, Destinations(got.AsSpan(0, kept)));
        Assert.Equal(2, bed.Workers[1].ReceiveBurst(got.AsSpan(kept)));
        Assert.Equal(new[] { Tunnel(1), Tunnel(1) }, Destinations(got.AsSpan(kept, 2)));
        Assert.Equal(1, bed.Workers[2].ReceiveBurst(got.AsSpan(kept + 2)));
        Assert.Equal(new[] { Tunnel(2) }, Destinations(got.AsSpan(kept + 2, 1)));
        Assert.Equal(3, bed.Counters.Steered);

        // Worker 1 transmits (hands back); worker 0's next burst sends it on the device.
        Assert.Equal(2, bed.Workers[1].TransmitBurst(got.AsSpan(kept, 2)));
        Assert.Equal(2, bed.Counters.HandedBack);
        Assert.Equal(0, bed.Dispatch.ReceiveBurst(got.AsSpan(kept, 2)));
        Assert.Equal(2, bed.Wire.ReceiveBurst(got.AsSpan(kept, 2)));
        Assert.Equal(new[] { Tunnel(1), Tunnel(1) }, Destinations(got.AsSpan(kept, 2)));
        Assert.Equal(0, bed.Counters.HandBackDropped);

        bed.Pool.FreeBurst(got.AsSpan(0, kept + 3));
        Assert.Equal(bed.Pool.Capacity, bed.Pool.AvailableCount);
    }

    [Fact]
    public void Outside_packets_are_steered_by_peer_and_call_id()
    {
        using var bed = new Bed(workers: 2, outside: true, ringCapacity: 64);
        PacketHandle mine = bed.Gre(Peer, CallId(0));
        PacketHandle theirs = bed.Gre(Peer, CallId(1));
        PacketHandle otherPeer = bed.Gre(Peer + 1, CallId(1));
        Assert.Equal(3, bed.Wire.TransmitBurst([mine, theirs, otherPeer]));

        var got = new PacketHandle[PacketBurst.Size];
        Assert.Equal(2, bed.Dispatch.ReceiveBurst(got));
        Assert.Equal(mine, got[0]);
        Assert.Equal(otherPeer, got[1]);
        Assert.Equal(1, bed.Workers[1].ReceiveBurst(got.AsSpan(2)));
        Assert.Equal(theirs, got[2]);
        bed.Pool.FreeBurst(got.AsSpan(0, 3));
    }

    [Fact]
    public void A_full_ring_drops_and_counts_both_ways()
    {
        using var bed = new Bed(workers: 2, outside: false, ringCapacity: 4);
        uint[] burst = Enumerable.Repeat(Tunnel(1), 10).ToArray();
        bed.Inject(burst);
        var got = new PacketHandle[PacketBurst.Size];
        Assert.Equal(0, bed.Dispatch.ReceiveBurst(got));
        Assert.Equal(4, bed.Counters.Steered);
        Assert.Equal(6, bed.Counters.SteerRingFull);
        Assert.Equal(4, bed.Workers[1].ReceiveBurst(got));

        // Back: the ring takes 4 of 6; the port still takes all (the rest is dropped, counted and freed).
        Assert.Equal(2, bed.Pool.AllocateBurst(got.AsSpan(4, 2)));
        Assert.Equal(6, bed.Workers[1].TransmitBurst(got.AsSpan(0, 6)));
        Assert.Equal(4, bed.Counters.HandedBack);
        Assert.Equal(2, bed.Counters.HandBackDropped);
        Assert.Equal(0, bed.Dispatch.ReceiveBurst(got));
        Assert.Equal(4, bed.Wire.Drain(bed.Pool));
        Assert.Equal(bed.Pool.Capacity, bed.Pool.AvailableCount);
    }

    [Fact]
    public void Steering_and_handing_back_allocate_nothing()
    {
        using var bed = new Bed(workers: 3, outside: false, ringCapacity: 256);
        var got = new PacketHandle[PacketBurst.Size];
        var round = new uint[PacketBurst.Size];
        for (int i = 0; i < round.Length; i++)
            round[i] = Tunnel(i % 3);

        void Rounds(int count)
        {
            for (int r = 0; r < count; r++)
            {
                bed.Inject(round);
                int kept = bed.Dispatch.ReceiveBurst(got);
                int steered = 0;
                for (int w = 1; w < 3; w++)
                    steered += bed.Workers[w].ReceiveBurst(got.AsSpan(kept + steered));
                bed.Workers[1].TransmitBurst(got.AsSpan(kept, steered)); // worker 1 sends them all back
                bed.Pool.FreeBurst(got.AsSpan(0, kept));
                _ = bed.Dispatch.ReceiveBurst(got); // sends the hand-back; nothing new arrives
                bed.Wire.Drain(bed.Pool);
            }
        }

        Rounds(1_000); // warm-up: JIT tiers
        long before = GC.GetAllocatedBytesForCurrentThread();
        Rounds(10_000);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        long steeredPerRound = round.Count(address => address != Tunnel(0));
        Assert.Equal(11_000 * steeredPerRound, bed.Counters.Steered);
        Assert.Equal(11_000 * steeredPerRound, bed.Counters.HandedBack);
        Assert.Equal(0, bed.Counters.SteerRingFull + bed.Counters.HandBackDropped);
        Assert.Equal(bed.Pool.Capacity, bed.Pool.AvailableCount);
    }

    private static uint Tunnel(int worker) => 0xC6130000u + (uint)worker + 1;

    private static ushort CallId(int worker) => (ushort)(100 + worker);

    private static uint[] Destinations(ReadOnlySpan<PacketHandle> packets)
    {
        var destinations = new uint[packets.Length];
        for (int i = 0; i < packets.Length; i++)
        {
            Assert.Equal(Ipv4Error.None, Ipv4Header.TryParse(packets[i].Data, out Ipv4Header ip));
            destinations[i] = ip.DestinationAddress;
        }

        return destinations;
    }

    /// <summary>A kernel-flavoured steering side over a memory port: the dispatch port, one ring port per other worker.</summary>
    private sealed class Bed : IDisposable
    {
        private readonly PacketHandle[] _inject = new PacketHandle[PacketBurst.Size];

        public Bed(int workers, bool outside, int ringCapacity)
        {
            Pool = new PacketPool(1024);
            (Wire, WireSide) = MemoryPort.CreatePair(1024);
            var sessions = new SessionTable(16, workerCount: workers, seed: 1);
            for (int w = 0; w < workers; w++)
                Assert.Equal(SessionInstallError.None,
                    sessions.TryInstall(new SessionConfig(Peer, CallId(w), (ushort)(200 + w), Tunnel(w), (ushort)w), out _));
            var to = new SpscRing<PacketHandle>?[workers];
            var from = new SpscRing<PacketHandle>?[workers];
            Workers = new KernelRingPort[workers];
            for (int w = 1; w < workers; w++)
            {
                to[w] = new SpscRing<PacketHandle>(ringCapacity);
                from[w] = new SpscRing<PacketHandle>(ringCapacity);
            }

            Dispatch = new KernelDispatchPort(WireSide, outside, to, from, Pool, Counters);
            Dispatch.Bind(sessions);
            for (int w = 1; w < workers; w++)
                Workers[w] = new KernelRingPort(to[w]!, from[w]!, Pool, Counters);
        }

        public PacketPool Pool { get; }

        /// <summary>The test's end of the wire: what it transmits, the dispatch port receives, and the other way round.</summary>
        public MemoryPort Wire { get; }

        /// <summary>The device the dispatch port does its I/O on.</summary>
        public MemoryPort WireSide { get; }

        public SteeringCounters Counters { get; } = new();

        public KernelDispatchPort Dispatch { get; }

        /// <summary>Index i: worker i's ring port (0 unused).</summary>
        public KernelRingPort[] Workers { get; }

        /// <summary>Sends inside packets (IPv4 to each address) to the dispatch port.</summary>
        public void Inject(params ReadOnlySpan<uint> destinations)
        {
            // Checked without Assert: the allocation test runs this in its measured loop.
            Span<PacketHandle> packets = _inject.AsSpan(0, destinations.Length);
            if (Pool.AllocateBurst(packets) != packets.Length)
                throw new InvalidOperationException("The pool ran dry.");
            for (int i = 0; i < packets.Length; i++)
            {
                if (!packets[i].TryAppend(Ipv4Header.MinHeaderLength + 8, out Span<byte> data)
                    || Ipv4HeaderWriter.TryWriteHeader(data, Gateway, destinations[i], 17, 8, 1, 64) != Ipv4Header.MinHeaderLength)
                    throw new InvalidOperationException("The test packet does not fit.");
            }

            if (Wire.TransmitBurst(packets) != packets.Length)
                throw new InvalidOperationException("The wire is full.");
        }

        /// <summary>An outside packet as the raw GRE socket delivers it: GRE (an acknowledgment), the peer recorded.</summary>
        public PacketHandle Gre(uint peer, ushort callId)
        {
            Assert.True(Pool.TryAllocate(out PacketHandle packet));
            Assert.True(packet.TryAppend(EnhancedGrePacket.MinHeaderLength + 4, out Span<byte> data));
            Assert.Equal(data.Length, EnhancedGreWriter.TryWriteAcknowledgment(data, callId, 1));
            packet.PeerAddress = peer;
            return packet;
        }

        public void Dispose() => Pool.Dispose();
    }
}
