using Microsoft.Extensions.Time.Testing;
using PptpGw.Dataplane.Mppe;
using PptpGw.Dataplane.Packets;
using PptpGw.Dataplane.Workers;

namespace PptpGw.Tests.Dataplane.Workers;

/// <summary>
/// The worker's MPPE burst stage (<see cref="MppeBurst"/> over the packets of a burst) against a client that encrypts
/// and decrypts one packet at a time with <see cref="MppeSender"/> / <see cref="MppeReceiver"/>: bursts that mix
/// sessions of every mode, several packets of one session per burst, a stateful loss in the middle of a burst.
/// </summary>
public sealed class WorkerMppeBurstTests
{
    private static readonly uint Peer = WorkerTestPeer.Address("198.18.0.40");
    private static readonly uint Tunnel = WorkerTestPeer.Address("198.19.4.1");
    private static readonly uint Server = WorkerTestPeer.Address("198.19.0.1");

    private static DataplaneOptions Options(FakeTimeProvider? time = null) =>
        new() { SessionCapacity = 64, PoolCapacity = 8192, HashSeed = 11, Time = time ?? new FakeTimeProvider(), RandomInitialSequenceNumbers = false };

    // (bits, stateless, acfc, pfc) per session: every strength, both modes, both framings.
    private static readonly (MppeKeyStrength Strength, bool Stateless, bool Acfc, bool Pfc)[] Modes =
    [
        (MppeKeyStrength.Bits128, true, false, false),
        (MppeKeyStrength.Bits128, false, false, false),
        (MppeKeyStrength.Bits40, true, true, false),
        (MppeKeyStrength.Bits56, false, false, true),
        (MppeKeyStrength.Bits128, true, true, true),
        (MppeKeyStrength.Bits128, false, true, true),
        (MppeKeyStrength.Bits40, false, false, false),
        (MppeKeyStrength.Bits56, true, false, false),
    ];

    private static TestClient[] OpenAll(WorkerTestPeer peer) =>
        Modes.Select((m, i) => peer.Open(Peer + (uint)i, (ushort)(0x100 + i), (ushort)(0x200 + i), Tunnel + (uint)i,
            m.Strength, m.Stateless, m.Acfc, m.Pfc, requireEncryption: true)).ToArray();

    private static uint SourceOf(byte[] ip) => System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(ip.AsSpan(12));

    [Fact]
    public void Mixed_bursts_decrypt_and_encrypt_as_one_packet_at_a_time_would()
    {
        using var peer = new WorkerTestPeer(Options());
        TestClient[] clients = OpenAll(peer);
        int workers = peer.Host.Workers.Count;
        var random = new Random(5);
        var up = clients.Select(_ => new List<byte[]>()).ToArray();
        var down = clients.Select(_ => new List<byte[]>()).ToArray();

        // ~400 packets per session each way, so every stateful session crosses a flag packet (coherency count low
        // octet 0xFF, RFC 3078 §7.2) inside a burst; a burst of 32 holds ~4 packets of each session.
        const int total = 3200;
        for (int n = 0; n < total; n++)
        {
            int s = random.Next(clients.Length);
            byte[] ip = WorkerTestPeer.Ipv4(clients[s].TunnelAddress, Server, 20 + random.Next(1400), seed: n);
            up[s].Add(ip);
            peer.SendFromClient(clients[s], WorkerTestPeer.PppIpv4(clients[s], ip, encrypt: true));

            int d = random.Next(clients.Length);
            byte[] back = WorkerTestPeer.Ipv4(Server, clients[d].TunnelAddress, 20 + random.Next(1400), seed: 100_000 + n);
            down[d].Add(back);
            peer.SendInside(clients[d].Worker, back);
            if (n % 32 == 31)
                peer.Step();
        }

        peer.Step();

        var inside = Enumerable.Range(0, workers).SelectMany(w => peer.TakeInside(w)).ToList();
        var outside = Enumerable.Range(0, workers).SelectMany(w => peer.TakeOutside(w)).ToList();
        for (int s = 0; s < clients.Length; s++)
        {
            TestClient client = clients[s];
            // Outside → inside: every datagram, in the order sent (the inner source names the session).
            Assert.Equal(up[s], inside.Where(ip => SourceOf(ip) == client.TunnelAddress).ToList());

            // Inside → outside: the client's one-packet-at-a-time receiver decrypts every packet in GRE order.
            var mine = outside.Where(p => p.CallId == client.PeerCallId && p.Sequence.HasValue).ToList(); // not acknowledgment-only packets
            Assert.Equal(down[s].Count, mine.Count);
            for (int k = 0; k < mine.Count; k++)
            {
                Assert.Equal((uint)k, mine[k].Sequence);
                (ushort protocol, byte[] ip, MppeHeader? mppe) = WorkerTestPeer.Open(client, mine[k].Payload);
                Assert.Equal(PppProtocol.Ipv4, protocol);
                Assert.Equal(down[s][k], ip);
                Assert.Equal((ushort)k, mppe!.Value.CoherencyCount);
                Assert.Equal(Modes[s].Stateless || (k & 0xFF) == 0xFF, mppe.Value.IsFlushed);
            }
        }

        Assert.Equal(0UL, peer.Host.GetCounters().TotalDropped);
    }

    [Fact]
    public void A_stateful_loss_in_the_middle_of_a_burst_touches_only_its_session()
    {
        var time = new FakeTimeProvider();
        using var peer = new WorkerTestPeer(Options(time));
        TestClient[] clients = OpenAll(peer);
        TestClient lossy = clients[1]; // stateful
        Assert.False(Modes[1].Stateless);
        int worker = lossy.Worker;
        TestClient[] others = clients.Where(c => c.Worker == worker && c != lossy).ToArray();
        Assert.NotEmpty(others);

        // One burst: the lossy session's packets 0, 2, 3 (1 is lost: its keystream is gone), others' in between.
        byte[][] lossyIps = Enumerable.Range(0, 5).Select(i => WorkerTestPeer.Ipv4(lossy.TunnelAddress, Server, 40, 300 + i)).ToArray();
        byte[][] lossyFrames = lossyIps.Take(4).Select(ip => WorkerTestPeer.PppIpv4(lossy, ip, encrypt: true)).ToArray();
        var expectedOthers = new List<byte[]>();
        var order = new List<(TestClient Client, byte[] Frame)>();
        foreach (int k in new[] { 0, 2, 3 })
        {
            order.Add((lossy, lossyFrames[k]));
            foreach (TestClient other in others)
            {
                byte[] ip = WorkerTestPeer.Ipv4(other.TunnelAddress, Server, 60, 400 + (k * 16) + other.CallId);
                expectedOthers.Add(ip);
                order.Add((other, WorkerTestPeer.PppIpv4(other, ip, encrypt: true)));
            }
        }

        Assert.True(order.Count <= 32);
        foreach ((TestClient client, byte[] frame) in order)
            peer.SendFromClient(client, frame); // GRE numbering has no gap: only the MPPE coherency count jumps
        peer.Step();

        List<byte[]> delivered = peer.TakeInside(worker);
        Assert.Equal([lossyIps[0]], delivered.Where(ip => SourceOf(ip) == lossy.TunnelAddress).ToList());
        Assert.Equal(expectedOthers, delivered.Where(ip => SourceOf(ip) != lossy.TunnelAddress).ToList());
        Assert.Equal(lossy.Handle, Assert.Single(peer.Sink.ResetRequests));
        Assert.Equal(2UL, peer.Host.GetCounters()[DataplaneDropReason.MppeDecryptFailed]);

        // The client answers our Reset-Request with a flushed packet (RFC 3078 §8.2): the stream resumes.
        // The undecryptable packets' GRE numbers were never accounted (they could have been forged): the flushed
        // packet waits behind that gap for the reorder wait, then goes up.
        lossy.Sender[0].OnResetRequestReceived();
        peer.SendFromClient(lossy, WorkerTestPeer.PppIpv4(lossy, lossyIps[4], encrypt: true));
        peer.Step();
        time.Advance(TimeSpan.FromMilliseconds(5));
        peer.Step();
        Assert.Equal([lossyIps[4]], peer.TakeInside(worker));
    }
}
