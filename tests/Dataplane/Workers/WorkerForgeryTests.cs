using System.Buffers.Binary;
using Microsoft.Extensions.Time.Testing;
using PptpGw.Dataplane.Gre;
using PptpGw.Dataplane.Mppe;
using PptpGw.Dataplane.Packets;
using PptpGw.Dataplane.Workers;

namespace PptpGw.Tests.Dataplane.Workers;

/// <summary>
/// Issue 9, dataplane items 1-3, against the worker: spoofed GRE sequence jumps, forged MPPE coherency counts, a real
/// client's coherency jumps, and the rekey budget. "No unauthenticated packet changes per-session state."
/// </summary>
public sealed class WorkerForgeryTests
{
    private static readonly uint Peer = WorkerTestPeer.Address("198.18.0.20");
    private static readonly uint Tunnel = WorkerTestPeer.Address("198.19.2.5");
    private static readonly uint Server = WorkerTestPeer.Address("198.19.0.1");

    private static DataplaneOptions Options(FakeTimeProvider time) =>
        new() { SessionCapacity = 64, PoolCapacity = 8192, HashSeed = 5, Time = time };

    /// <summary>A PPP frame FF 03 00 FD | MPPE header (flushed + encrypted, <paramref name="ccount"/>) | random body.</summary>
    private static byte[] ForgedMppe(Random random, int ccount, int body = 60, bool flushed = true)
    {
        var frame = new byte[4 + MppeHeader.Length + body];
        random.NextBytes(frame);
        frame[0] = 0xFF;
        frame[1] = 0x03;
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), PppProtocol.CompressedDatagram);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(4), (ushort)((flushed ? 0x9000 : 0x1000) | (ccount & 0x0FFF)));
        return frame;
    }

    /// <summary>The client sends <paramref name="count"/> datagrams; asserts the gateway delivers exactly them, in this step.</summary>
    private static void AssertPings(WorkerTestPeer peer, TestClient client, int count, int seed)
    {
        var sent = new List<byte[]>();
        for (int i = 0; i < count; i++)
        {
            byte[] ip = WorkerTestPeer.Ipv4(client.TunnelAddress, Server, 36, seed + i);
            sent.Add(ip);
            peer.SendFromClient(client, WorkerTestPeer.PppIpv4(client, ip, encrypt: client.Mppe));
        }
        peer.Step();
        Assert.Equal(sent, peer.TakeInside(client.Worker));
    }

    private static ushort NextCount(TestClient client) =>
        (ushort)((client.Sender[0].CoherencyCount + 1) & MppeHeader.CoherencyCountMask);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Spoofed_sequence_jumps_leave_a_live_MPPE_session_working(bool stateless)
    {
        var time = new FakeTimeProvider();
        using var peer = new WorkerTestPeer(Options(time));
        TestClient client = peer.Open(Peer, 0x2001, 0x3001, Tunnel, MppeKeyStrength.Bits128, stateless);
        AssertPings(peer, client, 5, 100);

        // Issue 9 item 1: spoofed packets (the client's address, the session's call id) ~100,000 ahead, consecutive,
        // some carrying acknowledgments. Before: four of them resynchronised the receiver and silenced the session.
        var random = new Random(1);
        for (uint i = 0; i < 50; i++)
            peer.SendFromClient(client, ForgedMppe(random, NextCount(client) + (int)i), sequence: client.NextSequence + 100_000 + i,
                acknowledgment: i % 2 == 0 ? i : null);
        peer.Step();
        DataplaneCounters counters = peer.Host.GetCounters();
        Assert.Equal(50UL, counters[DataplaneDropReason.MppeVerificationFailed] + counters[DataplaneDropReason.GreBeyondWindow]
            + counters[DataplaneDropReason.MppeDecryptFailed]);

        AssertPings(peer, client, 5, 200);
        Assert.True(peer.Host.TryGetCounters(client.Handle, out var session));
        Assert.Equal(50UL, session.Dropped);
    }

    [Fact]
    public void Spoofed_sequence_jumps_without_MPPE_do_not_resynchronise()
    {
        var time = new FakeTimeProvider();
        using var peer = new WorkerTestPeer(Options(time));
        TestClient client = peer.Open(Peer, 0x2002, 0x3002, Tunnel);
        AssertPings(peer, client, 5, 300);

        // Well-formed clear packets, right source, consecutive numbers far ahead: without MPPE nothing can be
        // verified, but sequence numbers alone (and acknowledgments of numbers we never sent) move nothing.
        for (uint i = 0; i < 50; i++)
        {
            byte[] ip = WorkerTestPeer.Ipv4(Tunnel, Server, 20, 5000 + (int)i);
            peer.SendFromClient(client, WorkerTestPeer.PppIpv4(client, ip, encrypt: false), sequence: client.NextSequence + 100_000 + i,
                acknowledgment: i % 2 == 0 ? 0x8000_0000 + i : null);
        }
        peer.Step();
        Assert.Equal(50UL, peer.Host.GetCounters()[DataplaneDropReason.GreBeyondWindow]);
        Assert.Empty(peer.TakeInside());
        AssertPings(peer, client, 5, 400);
    }

    [Fact]
    public void Our_numbering_starts_at_random_so_a_spoofer_cannot_echo_plausible_acknowledgments()
    {
        var time = new FakeTimeProvider();
        using var peer = new WorkerTestPeer(Options(time));
        TestClient a = peer.Open(Peer, 0x2010, 0x3010, Tunnel);
        TestClient b = peer.Open(Peer + 1, 0x2011, 0x3011, Tunnel + 1);
        AssertPings(peer, a, 2, 2000);
        peer.SendInside(0, WorkerTestPeer.Ipv4(Server, Tunnel, 20, 2100));
        peer.SendInside(0, WorkerTestPeer.Ipv4(Server, Tunnel + 1, 20, 2101));
        peer.Step();
        var first = peer.TakeOutside().Where(p => p.Sequence.HasValue).ToDictionary(p => p.CallId, p => p.Sequence!.Value);
        Assert.NotEqual(first[a.PeerCallId], first[b.PeerCallId]); // equal with probability 2^-32

        // A spoofer that guesses the usual first number (0) and acknowledges 0, 1, 2, ... far ahead: no resync.
        for (uint i = 0; i < 50; i++)
        {
            byte[] ip = WorkerTestPeer.Ipv4(Tunnel, Server, 20, 2200 + (int)i);
            peer.SendFromClient(a, WorkerTestPeer.PppIpv4(a, ip, encrypt: false), sequence: a.NextSequence + 50_000 + i, acknowledgment: i);
        }
        peer.Step();
        Assert.Empty(peer.TakeInside());
        Assert.Equal(50UL, peer.Host.GetCounters()[DataplaneDropReason.GreBeyondWindow]);
        AssertPings(peer, a, 3, 2300);
    }

    [Fact]
    public void A_real_peer_beyond_the_window_resynchronises_on_a_run_that_acknowledges_our_numbers()
    {
        var time = new FakeTimeProvider();
        using var peer = new WorkerTestPeer(Options(time));
        TestClient client = peer.Open(Peer, 0x2003, 0x3003, Tunnel);
        AssertPings(peer, client, 2, 500);
        for (int i = 0; i < 3; i++)
            peer.SendInside(0, WorkerTestPeer.Ipv4(Server, Tunnel, 20, 600 + i));
        peer.Step();
        uint lastOurs = peer.TakeOutside().Select(p => p.Sequence!.Value).Max();

        // 1000 of the client's packets lost (its numbering moved on); what it sends now acknowledges what we sent.
        client.NextSequence += 1000;
        var ips = Enumerable.Range(0, 6).Select(i => WorkerTestPeer.Ipv4(Tunnel, Server, 20, 700 + i)).ToArray();
        foreach (byte[] ip in ips)
            peer.SendFromClient(client, WorkerTestPeer.PppIpv4(client, ip, encrypt: false), acknowledgment: lastOurs);
        peer.Step();
        // The threshold (4) is reached at the fourth: it and the rest go up.
        Assert.Equal(ips[3..], peer.TakeInside());
        Assert.Equal(3UL, peer.Host.GetCounters()[DataplaneDropReason.GreBeyondWindow]);
        AssertPings(peer, client, 3, 800);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Forged_coherency_counts_in_the_window_leave_the_session_working(bool stateless)
    {
        var time = new FakeTimeProvider();
        using var peer = new WorkerTestPeer(Options(time));
        TestClient client = peer.Open(Peer, 0x2004, 0x3004, Tunnel, MppeKeyStrength.Bits128, stateless);
        AssertPings(peer, client, 5, 900);

        // Issue 9 item 2: twenty in-window packets (the forger even knows the next GRE number) with flushed +
        // encrypted bits and counts spread over the 4096 space.
        var random = new Random(2);
        for (int f = 0; f < 20; f++)
            peer.SendFromClient(client, ForgedMppe(random, NextCount(client) + (f * 205)), sequence: client.NextSequence + (uint)(f % 3));
        peer.Step();
        DataplaneCounters counters = peer.Host.GetCounters();
        Assert.Equal(20UL, counters[DataplaneDropReason.MppeVerificationFailed] + counters[DataplaneDropReason.MppeDecryptFailed]
            + counters[DataplaneDropReason.MppeRekeyBudgetExhausted]);
        Assert.True(counters[DataplaneDropReason.MppeVerificationFailed] >= 1);

        // The real client's next packets, with the very GRE numbers the forger used, go up at once.
        AssertPings(peer, client, 10, 1000);
        if (stateless)
            Assert.Empty(peer.Sink.ResetRequests);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_forgery_inside_a_burst_is_rolled_back_and_the_real_packets_go_up(bool stateless)
    {
        var time = new FakeTimeProvider();
        using var peer = new WorkerTestPeer(Options(time));
        TestClient client = peer.Open(Peer, 0x2005, 0x3005, Tunnel, MppeKeyStrength.Bits56, stateless);
        AssertPings(peer, client, 3, 1100);

        var ips = Enumerable.Range(0, 4).Select(i => WorkerTestPeer.Ipv4(Tunnel, Server, 44, 1200 + i)).ToArray();
        byte[] first = WorkerTestPeer.PppIpv4(client, ips[0], encrypt: true);
        uint firstSequence = client.NextSequence++;
        // The forger guesses everything but the key: the next GRE number and the next coherency count, not flushed.
        byte[] forged = ForgedMppe(new Random(3), NextCount(client), flushed: false);
        peer.SendFromClient(client, first, sequence: firstSequence);
        peer.SendFromClient(client, forged, sequence: client.NextSequence);
        for (int i = 1; i < 4; i++)
            peer.SendFromClient(client, WorkerTestPeer.PppIpv4(client, ips[i], encrypt: true));
        peer.Step();

        Assert.Equal(ips, peer.TakeInside());
        Assert.Equal(1UL, peer.Host.GetCounters()[DataplaneDropReason.MppeVerificationFailed]);
        Assert.Equal(1UL, peer.Host.Workers[client.Worker].MppeRollbacks);
        AssertPings(peer, client, 5, 1300);
    }

    /// <summary>
    /// Stateful rollbacks both ways: without a copy of the receiver (the stream run backwards over the burst's packets,
    /// <see cref="MppeReceiver.RewindDecrypted"/>), and with one when the burst also holds a flag packet (count low
    /// octet 0xFF: a key change, which cannot be run backwards), the forgery before or after it. The session keeps
    /// working either way, several times over. (Forged before the flag packet, the flag packet is no longer the next
    /// count in the burst: it goes the single path after the rollback, and the burst is undone by running RC4 backwards.)
    /// </summary>
    [Theory]
    [InlineData(0x40, false)]
    [InlineData(0xFE, false)]
    [InlineData(0xFD, true)]
    public void A_stateful_forgery_is_rolled_back_with_or_without_a_flag_packet_in_the_burst(int firstCount, bool forgeBeforeFlag)
    {
        var time = new FakeTimeProvider();
        using var peer = new WorkerTestPeer(Options(time));
        TestClient client = peer.Open(Peer, 0x2006, 0x3006, Tunnel, MppeKeyStrength.Bits128, stateless: false);
        for (int round = 0; round < 3; round++)
        {
            // Bring the client's next count to firstCount (of this round's 256-block).
            for (int gap = (firstCount - NextCount(client)) & 0xFF; gap > 0;)
            {
                int n = Math.Min(20, gap);
                AssertPings(peer, client, n, 2000 + round * 300 + gap);
                gap -= n;
            }

            var ips = Enumerable.Range(0, 5).Select(i => WorkerTestPeer.Ipv4(Tunnel, Server, 50 + i, 1400 + round * 10 + i)).ToArray();
            int forgedAt = forgeBeforeFlag ? 1 : 2;
            for (int i = 0; i < ips.Length; i++)
            {
                if (i == forgedAt)
                    peer.SendFromClient(client, ForgedMppe(new Random(round), NextCount(client), flushed: false), sequence: client.NextSequence);
                peer.SendFromClient(client, WorkerTestPeer.PppIpv4(client, ips[i], encrypt: true));
            }
            peer.Step();
            Assert.Equal(ips, peer.TakeInside());
            Assert.Equal((ulong)(round + 1), peer.Host.Workers[client.Worker].MppeRollbacks);
            AssertPings(peer, client, 4, 1600 + round * 10);
        }
        Assert.Equal(3UL, peer.Host.GetCounters()[DataplaneDropReason.MppeVerificationFailed]);
    }

    [Fact]
    public void A_client_coherency_jump_of_2000_repeated_20_times_is_followed_at_once_by_delivery()
    {
        var time = new FakeTimeProvider();
        using var peer = new WorkerTestPeer(Options(time));
        TestClient client = peer.Open(Peer, 0x2006, 0x3006, Tunnel, MppeKeyStrength.Bits128, stateless: true);
        AssertPings(peer, client, 3, 1400);
        var scratch = new byte[64];
        for (int jump = 0; jump < 20; jump++)
        {
            // Issue 9 item 3: 2000 packets lost in a row (a Windows-like client's burst): the coherency count and the
            // GRE numbering both jump, so the next packet lies beyond the GRE window too.
            for (int lost = 0; lost < 1999; lost++)
                Assert.Equal(MppeDropReason.None, client.Sender[0].Encrypt(scratch));
            client.NextSequence += 1999;
            AssertPings(peer, client, 2, 1500 + (jump * 10));
            time.Advance(TimeSpan.FromMilliseconds(250)); // a ping interval: the session's rekey budget refills
        }

        Assert.Equal(0UL, peer.Host.GetCounters().TotalDropped);
        Assert.True(peer.Host.Workers[client.Worker].TentativeKeyChanges >= 20 * 2000);
    }

    [Theory]
    [InlineData(2000)]
    [InlineData(3000)] // more than half the coherency space: Linux would take the flushed answer as late
    public void A_stateful_client_loss_burst_repeated_20_times_recovers_at_the_flushed_answer(int lost)
    {
        var time = new FakeTimeProvider();
        using var peer = new WorkerTestPeer(Options(time));
        TestClient client = peer.Open(Peer, 0x2007, 0x3007, Tunnel, MppeKeyStrength.Bits128, stateless: false);
        AssertPings(peer, client, 3, 2500);
        var scratch = new byte[64];
        for (int jump = 0; jump < 20; jump++)
        {
            for (int n = 0; n < lost - 1; n++)
                Assert.Equal(MppeDropReason.None, client.Sender[0].Encrypt(scratch));
            client.NextSequence += (uint)(lost - 1);
            int signalled = peer.Sink.ResetRequests.Count;

            // The first packet after the loss cannot be decrypted (RFC 3078 §8.2): dropped, Reset-Request asked for.
            byte[] undecryptable = WorkerTestPeer.Ipv4(Tunnel, Server, 36, 2600 + jump);
            peer.SendFromClient(client, WorkerTestPeer.PppIpv4(client, undecryptable, encrypt: true));
            peer.Step();
            Assert.Empty(peer.TakeInside());
            Assert.Equal(signalled + 1, peer.Sink.ResetRequests.Count);

            // The client flushes: its next packets go up at once.
            client.Sender[0].OnResetRequestReceived();
            AssertPings(peer, client, 3, 2700 + (jump * 10));
            time.Advance(TimeSpan.FromMilliseconds(250));
        }

        DataplaneCounters counters = peer.Host.GetCounters();
        Assert.Equal(20UL, counters.TotalDropped); // the 20 undecryptable packets, nothing else
        Assert.Equal(20UL, counters[DataplaneDropReason.MppeDecryptFailed]);
    }

    [Fact]
    public void A_long_coherency_walk_is_done_after_the_other_sessions_packets_of_the_burst_went_inside()
    {
        var time = new FakeTimeProvider();
        using var peer = new WorkerTestPeer(Options(time));
        TestClient jumper = peer.Open(Peer, 0x2020, 0x3020, Tunnel, MppeKeyStrength.Bits128, stateless: true);
        TestClient other = peer.Open(Peer + 1, 0x2021, 0x3021, Tunnel + 1, MppeKeyStrength.Bits128, stateless: true);
        AssertPings(peer, jumper, 2, 2400);
        AssertPings(peer, other, 2, 2410);

        // The jumper lost 2000 packets; its next one arrives first in the burst, the other session's after it.
        var scratch = new byte[64];
        for (int lost = 0; lost < 1999; lost++)
            Assert.Equal(MppeDropReason.None, jumper.Sender[0].Encrypt(scratch));
        jumper.NextSequence += 1999;
        byte[] jumped = WorkerTestPeer.Ipv4(Tunnel, Server, 36, 2420);
        byte[] jumpedNext = WorkerTestPeer.Ipv4(Tunnel, Server, 36, 2421);
        byte[] waiting = WorkerTestPeer.Ipv4(Tunnel + 1, Server, 36, 2422);
        peer.SendFromClient(jumper, WorkerTestPeer.PppIpv4(jumper, jumped, encrypt: true));
        peer.SendFromClient(other, WorkerTestPeer.PppIpv4(other, waiting, encrypt: true));
        peer.SendFromClient(jumper, WorkerTestPeer.PppIpv4(jumper, jumpedNext, encrypt: true));
        peer.Step();

        // All delivered, the jumper's in its own order, but after the other session's.
        Assert.Equal([waiting, jumped, jumpedNext], peer.TakeInside(0));
        Assert.Equal(0UL, peer.Host.GetCounters().TotalDropped);
    }

    [Fact]
    public void The_rekey_budget_bounds_a_flood_of_forged_far_counts_and_counts_what_it_refuses()
    {
        var time = new FakeTimeProvider();
        using var peer = new WorkerTestPeer(Options(time));
        var clients = Enumerable.Range(0, 8).Select(i => peer.Open(Peer + (uint)i, (ushort)(0x2100 + i), (ushort)(0x3100 + i),
            Tunnel + (uint)i, MppeKeyStrength.Bits128, stateless: true)).ToArray();
        Assert.All(clients, c => Assert.Equal(0, c.Worker));
        foreach (TestClient c in clients)
            AssertPings(peer, c, 2, 1700 + c.CallId);

        // Every session flooded with far counts (about 3000 ahead: each would cost ~3000 key changes to try).
        Worker worker = peer.Host.Workers[0];
        ulong before = worker.TentativeKeyChanges;
        var random = new Random(4);
        for (int round = 0; round < 10; round++)
        {
            foreach (TestClient c in clients)
                peer.SendFromClient(c, ForgedMppe(random, NextCount(c) + 2900 + random.Next(100)), sequence: c.NextSequence);
            peer.Step();
        }

        // No time passed: the worker's bucket (4096) is all the rekeying the whole flood got.
        ulong spent = worker.TentativeKeyChanges - before;
        RekeyBudget budget = RekeyBudget.Default;
        Assert.InRange(spent, 1UL, (ulong)(budget.PerWorkerBurst + 80));
        DataplaneCounters counters = peer.Host.GetCounters();
        Assert.True(counters[DataplaneDropReason.MppeRekeyBudgetExhausted] >= 78);
        Assert.Equal(80UL, counters[DataplaneDropReason.MppeRekeyBudgetExhausted] + counters[DataplaneDropReason.MppeVerificationFailed]);

        // Meanwhile every session's real traffic (the next count: the fast path, outside the budget) goes on.
        foreach (TestClient c in clients)
            AssertPings(peer, c, 3, 1800 + c.CallId);

        // And a real jump recovers once the budget has refilled (at most a second).
        time.Advance(TimeSpan.FromSeconds(1));
        var scratch = new byte[64];
        for (int lost = 0; lost < 2999; lost++)
            Assert.Equal(MppeDropReason.None, clients[0].Sender[0].Encrypt(scratch));
        AssertPings(peer, clients[0], 2, 1900);
    }
}
