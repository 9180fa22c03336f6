using System.Buffers.Binary;
using Microsoft.Extensions.Time.Testing;
using PptpGw.Dataplane.Control;
using PptpGw.Dataplane.Mppe;
using PptpGw.Dataplane.Packets;
using PptpGw.Dataplane.Sessions;
using PptpGw.Dataplane.Workers;

namespace PptpGw.Tests.Dataplane.Workers;

/// <summary>The worker pipeline over memory ports, stepped on the test thread, against a test client built from the codecs.</summary>
public sealed class WorkerPipelineTests
{
    private static readonly uint Peer = WorkerTestPeer.Address("198.18.0.10");
    private static readonly uint Tunnel = WorkerTestPeer.Address("198.19.1.5");
    private static readonly uint Server = WorkerTestPeer.Address("198.19.0.1");

    private static DataplaneOptions Options(FakeTimeProvider time) =>
        new() { SessionCapacity = 64, PoolCapacity = 8192, HashSeed = 7, Time = time, RandomInitialSequenceNumbers = false };

    public static TheoryData<int, bool, bool, bool> Modes() => new()
    {
        { 0, false, false, false },
        { 0, false, true, true },
        { 40, true, false, false },
        { 40, false, true, false },
        { 56, true, false, true },
        { 128, true, false, false },
        { 128, false, false, false },
        { 128, true, true, true },
        { 128, false, true, true },
    };

    [Theory]
    [MemberData(nameof(Modes))]
    public void Data_flows_both_ways_in_every_MPPE_mode(int bits, bool stateless, bool acfc, bool pfc)
    {
        var time = new FakeTimeProvider();
        using var peer = new WorkerTestPeer(Options(time));
        MppeKeyStrength? strength = bits == 0 ? null : (MppeKeyStrength)bits;
        TestClient client = peer.Open(Peer, callId: 0x1234, peerCallId: 0x4321, Tunnel, strength, stateless, acfc, pfc);

        // 300 packets each way: stateful mode crosses a flag packet (coherency count 0xFF, RFC 3078 §7.2).
        const int count = 300;
        var sentUp = new List<byte[]>();
        var sentDown = new List<byte[]>();
        for (int i = 0; i < count; i++)
        {
            byte[] up = WorkerTestPeer.Ipv4(Tunnel, Server, 20 + (i % 50), seed: i);
            byte[] down = WorkerTestPeer.Ipv4(Server, Tunnel, 30 + (i % 70), seed: 10_000 + i);
            sentUp.Add(up);
            sentDown.Add(down);
            peer.SendFromClient(client, WorkerTestPeer.PppIpv4(client, up, encrypt: client.Mppe));
            peer.SendInside(0, down);
            if (i % 16 == 15)
                peer.Step();
        }

        peer.Step();
        Assert.Equal(sentUp, peer.TakeInside());

        List<GrePacketSeen> outside = peer.TakeOutside();
        Assert.Equal(count, outside.Count);
        for (int i = 0; i < count; i++)
        {
            GrePacketSeen gre = outside[i];
            Assert.Equal(Peer, gre.PeerAddress);
            Assert.Equal(client.PeerCallId, gre.CallId);
            Assert.Equal((uint)i, gre.Sequence);
            (ushort protocol, byte[] ip, MppeHeader? mppe) = WorkerTestPeer.Open(client, gre.Payload);
            Assert.Equal(PppProtocol.Ipv4, protocol);
            Assert.Equal(sentDown[i], ip);
            Assert.Equal(client.Mppe, mppe.HasValue);
        }

        // Data going back piggy-backs the acknowledgment of what the client sent (RFC 2637 §4.2), in order.
        uint[] acks = outside.Where(p => p.Acknowledgment.HasValue).Select(p => p.Acknowledgment!.Value).ToArray();
        Assert.Equal((uint)(count - 1), acks[^1]);
        Assert.Equal(acks.Order().ToArray(), acks);
        Assert.True(peer.Host.TryGetCounters(client.Handle, out SessionCounters counters));
        Assert.Equal((ulong)count, counters.PacketsIn);
        Assert.Equal((ulong)count, counters.PacketsOut);
        Assert.Equal((uint)(count - 1), counters.LastSequenceReceived);
        Assert.Equal((uint)count, counters.NextSequenceToSend);
        Assert.Equal(0UL, counters.Dropped);
        Assert.Equal(0UL, peer.Host.GetCounters().TotalDropped);
    }

    [Fact]
    public void Control_frames_go_up_as_received_and_come_down_numbered_with_the_data()
    {
        var time = new FakeTimeProvider();
        using var peer = new WorkerTestPeer(Options(time));
        TestClient client = peer.Open(Peer, 0x0101, 0x0202, Tunnel, MppeKeyStrength.Bits128, stateless: true);

        // Up: LCP Echo-Request (RFC 1661 §5.8), CCP Reset-Request, IPCP — as the client framed them.
        byte[][] up =
        [
            Convert.FromHexString("FF03C021090100080000ABCD"),
            Convert.FromHexString("FF0380FD0E050004"),
            Convert.FromHexString("FF038021010100040000"),
        ];
        foreach (byte[] frame in up)
            peer.SendFromClient(client, frame);
        peer.Step();
        Assert.Equal(up, peer.Sink.Frames.Select(f => f.Frame).ToArray());
        Assert.All(peer.Sink.Frames, f => Assert.Equal(client.Handle, f.Session));

        // Down: data, control, data, control — one GRE sequence for both, control frames never encrypted.
        byte[] echoReply = Convert.FromHexString("FF03C0210A0100080000DCBA");
        byte[] resetAck = Convert.FromHexString("FF0380FD0F050004");
        peer.SendInside(0, WorkerTestPeer.Ipv4(Server, Tunnel, 40, 1));
        peer.Step();
        Assert.True(peer.Host.SendControlFrame(client.Handle, echoReply));
        peer.Step();
        peer.SendInside(0, WorkerTestPeer.Ipv4(Server, Tunnel, 40, 2));
        peer.Step();
        Assert.True(peer.Host.SendControlFrame(client.Handle, resetAck));
        peer.Step();

        List<GrePacketSeen> outside = peer.TakeOutside();
        Assert.Equal([0u, 1u, 2u, 3u], outside.Select(p => p.Sequence!.Value).ToArray());
        Assert.Equal(PppProtocol.CompressedDatagram, Protocol(outside[0].Payload));
        Assert.Equal(echoReply, outside[1].Payload);
        Assert.Equal(PppProtocol.CompressedDatagram, Protocol(outside[2].Payload));
        Assert.Equal(resetAck, outside[3].Payload);
        Assert.All(outside, p => Assert.Equal(client.PeerCallId, p.CallId));
        // The first packet down acknowledges the three control frames that came up (sequence 0..2).
        Assert.Equal(2u, outside[0].Acknowledgment);
        WorkerTraffic traffic = peer.Host.GetCounters().Traffic;
        Assert.Equal(3UL, traffic.ControlFramesUp);
        Assert.Equal(2UL, traffic.ControlFramesDown);
    }

    [Fact]
    public void Anti_spoofing_drops_an_inner_source_other_than_the_tunnel_address()
    {
        using var peer = new WorkerTestPeer(Options(new FakeTimeProvider()));
        TestClient client = peer.Open(Peer, 0x0A0A, 0x0B0B, Tunnel, MppeKeyStrength.Bits128, stateless: true);
        byte[] spoofed = WorkerTestPeer.Ipv4(WorkerTestPeer.Address("198.19.1.6"), Server, 32, 3);
        byte[] genuine = WorkerTestPeer.Ipv4(Tunnel, Server, 32, 4);
        peer.SendFromClient(client, WorkerTestPeer.PppIpv4(client, spoofed, encrypt: true));
        peer.SendFromClient(client, WorkerTestPeer.PppIpv4(client, genuine, encrypt: true));
        peer.Step();

        Assert.Equal([genuine], peer.TakeInside());
        Assert.Equal(1UL, peer.Host.GetCounters()[DataplaneDropReason.SpoofedSource]);
        Assert.True(peer.Host.TryGetDropCounters(client.Handle, out SessionDropCounters? drops));
        Assert.Equal(1UL, drops[DataplaneDropReason.SpoofedSource]);
        Assert.True(peer.Host.TryGetCounters(client.Handle, out SessionCounters counters));
        Assert.Equal(1UL, counters.Dropped);
    }

    [Fact]
    public void Unknown_call_id_or_unknown_peer_is_dropped_and_counted()
    {
        using var peer = new WorkerTestPeer(Options(new FakeTimeProvider()));
        TestClient client = peer.Open(Peer, 0x0C0C, 0x0D0D, Tunnel);
        byte[] ppp = WorkerTestPeer.PppIpv4(client, WorkerTestPeer.Ipv4(Tunnel, Server, 20, 5), encrypt: false);
        peer.SendOutside(0, WorkerTestPeer.Gre(0x0C0D, 0, ppp), Peer);                                   // wrong call id
        peer.SendOutside(0, WorkerTestPeer.Gre(0x0C0C, 0, ppp), WorkerTestPeer.Address("198.18.0.11")); // right id, other peer
        peer.SendOutside(0, [0x30, 0x81, 0x88, 0x0B, 0, 0, 0x0C, 0x0C], Peer);                          // not enhanced GRE (S without room)
        peer.Step();

        Assert.Empty(peer.TakeInside());
        DataplaneCounters counters = peer.Host.GetCounters();
        Assert.Equal(2UL, counters[DataplaneDropReason.UnknownSession]);
        Assert.Equal(1UL, counters[DataplaneDropReason.GreHeaderInvalid]);
    }

    [Fact]
    public void Clear_data_is_refused_when_encryption_is_required()
    {
        using var peer = new WorkerTestPeer(Options(new FakeTimeProvider()));
        // IPCP up with "mppe required" but CCP not opened yet: nothing flows in clear either way.
        TestClient client = peer.Open(Peer, 0x0E0E, 0x0F0F, Tunnel, requireEncryption: true);
        peer.SendFromClient(client, WorkerTestPeer.PppIpv4(client, WorkerTestPeer.Ipv4(Tunnel, Server, 20, 6), encrypt: false));
        peer.SendInside(0, WorkerTestPeer.Ipv4(Server, Tunnel, 20, 7));
        peer.Step();
        Assert.Empty(peer.TakeInside());
        Assert.Empty(peer.TakeOutside());
        DataplaneCounters counters = peer.Host.GetCounters();
        Assert.Equal(1UL, counters[DataplaneDropReason.UnencryptedRefused]);
        Assert.Equal(1UL, counters[DataplaneDropReason.EncryptionNotReady]);

        // Once MPPE is on, clear IPv4 stays refused even from a session that did not require it.
        TestClient other = peer.Open(Peer, 0x1E1E, 0x1F1F, WorkerTestPeer.Address("198.19.1.6"), MppeKeyStrength.Bits40, stateless: true);
        peer.SendFromClient(other, WorkerTestPeer.PppIpv4(other, WorkerTestPeer.Ipv4(other.TunnelAddress, Server, 20, 8), encrypt: false));
        peer.Step();
        Assert.Empty(peer.TakeInside());
        Assert.Equal(2UL, peer.Host.GetCounters()[DataplaneDropReason.UnencryptedRefused]);
    }

    [Fact]
    public void Reordered_GRE_is_delivered_in_order_and_a_gap_is_given_up_after_the_wait()
    {
        var time = new FakeTimeProvider();
        using var peer = new WorkerTestPeer(Options(time));
        TestClient client = peer.Open(Peer, 0x2020, 0x2121, Tunnel, MppeKeyStrength.Bits128, stateless: true);
        var ips = Enumerable.Range(0, 6).Select(i => WorkerTestPeer.Ipv4(Tunnel, Server, 24, 100 + i)).ToArray();
        var ppp = ips.Select(ip => WorkerTestPeer.PppIpv4(client, ip, encrypt: true)).ToArray(); // encrypted in order

        // Wire order 0, 2, 3, 1: the worker holds 2 and 3 until 1 arrives.
        foreach (int i in new[] { 0, 2, 3 })
            peer.SendFromClient(client, ppp[i], sequence: (uint)i);
        peer.Step();
        Assert.Equal([ips[0]], peer.TakeInside());
        peer.SendFromClient(client, ppp[1], sequence: 1);
        peer.Step();
        Assert.Equal([ips[1], ips[2], ips[3]], peer.TakeInside());

        // 4 never comes: 5 is held for the reorder wait (3 ms by default), then delivered; 4 arriving later is too old.
        peer.SendFromClient(client, ppp[5], sequence: 5);
        peer.Step();
        Assert.Empty(peer.TakeInside());
        time.Advance(TimeSpan.FromMilliseconds(4));
        peer.Step();
        Assert.Equal([ips[5]], peer.TakeInside());
        peer.SendFromClient(client, ppp[4], sequence: 4);
        peer.Step();
        Assert.Empty(peer.TakeInside());
        Assert.Equal(1UL, peer.Host.GetCounters()[DataplaneDropReason.GreTooOld]);
        Assert.True(peer.Host.TryGetCounters(client.Handle, out SessionCounters counters));
        Assert.Equal(5u, counters.LastSequenceReceived);
        Assert.True(counters.OutOfOrder >= 1);
    }

    [Fact]
    public void An_acknowledgment_goes_alone_when_no_data_carries_it()
    {
        var time = new FakeTimeProvider();
        using var peer = new WorkerTestPeer(Options(time));
        TestClient client = peer.Open(Peer, 0x3030, 0x3131, Tunnel);
        for (int i = 0; i < 3; i++)
            peer.SendFromClient(client, WorkerTestPeer.PppIpv4(client, WorkerTestPeer.Ipv4(Tunnel, Server, 20, i), encrypt: false));
        peer.Step();
        Assert.Empty(peer.TakeOutside()); // not yet: returning data may carry it within the delay

        time.Advance(TimeSpan.FromMilliseconds(2));
        peer.Step();
        GrePacketSeen ack = Assert.Single(peer.TakeOutside());
        Assert.Null(ack.Sequence);            // RFC 2637 §4.1: S clear, A set, no payload
        Assert.Equal(2u, ack.Acknowledgment);
        Assert.Empty(ack.Payload);
        Assert.Equal(client.PeerCallId, ack.CallId);
        Assert.Equal(Peer, ack.PeerAddress);

        time.Advance(TimeSpan.FromMilliseconds(2));
        peer.Step();
        Assert.Empty(peer.TakeOutside()); // owed once, sent once
        Assert.Equal(1UL, peer.Host.GetCounters().Traffic.AcknowledgmentsSent);

        // The client's acknowledgment-only packets update our view of what it received.
        peer.SendInside(0, WorkerTestPeer.Ipv4(Server, Tunnel, 20, 9));
        peer.Step();
        _ = peer.TakeOutside();
        var clientAck = new byte[12];
        Assert.Equal(12, EnhancedGreWriter.TryWriteAcknowledgment(clientAck, client.CallId, 0));
        peer.SendOutside(0, clientAck, Peer);
        peer.Step();
        Assert.True(peer.Host.TryGetCounters(client.Handle, out SessionCounters counters));
        Assert.Equal(0u, counters.LastAcknowledgmentReceived);
        Assert.Equal(1UL, peer.Host.GetCounters().Traffic.AcknowledgmentsReceived);
    }

    [Fact]
    public void Stateful_loss_asks_for_a_reset_request_and_a_flushed_packet_resynchronises()
    {
        var time = new FakeTimeProvider();
        using var peer = new WorkerTestPeer(Options(time));
        TestClient client = peer.Open(Peer, 0x4040, 0x4141, Tunnel, MppeKeyStrength.Bits128, stateless: false);
        var ips = Enumerable.Range(0, 4).Select(i => WorkerTestPeer.Ipv4(Tunnel, Server, 28, 200 + i)).ToArray();
        byte[] first = WorkerTestPeer.PppIpv4(client, ips[0], encrypt: true);
        _ = WorkerTestPeer.PppIpv4(client, ips[1], encrypt: true); // lost on the way: its keystream is gone
        byte[] third = WorkerTestPeer.PppIpv4(client, ips[2], encrypt: true);
        peer.SendFromClient(client, first);
        peer.SendFromClient(client, third);
        peer.Step();

        Assert.Equal([ips[0]], peer.TakeInside());
        Assert.Equal(client.Handle, Assert.Single(peer.Sink.ResetRequests));
        Assert.Equal(1UL, peer.Host.GetCounters().Traffic.ResetRequestsSignalled);

        // The client gets our CCP Reset-Request and flushes (RFC 3078 §8): the next packet carries A and decrypts.
        client.Sender[0].OnResetRequestReceived();
        // The undecryptable packet's GRE number was never accounted (it could have been forged), so the flushed
        // one waits behind that gap for the reorder wait (3 ms), then goes up.
        peer.SendFromClient(client, WorkerTestPeer.PppIpv4(client, ips[3], encrypt: true));
        peer.Step();
        time.Advance(TimeSpan.FromMilliseconds(5));
        peer.Step();
        Assert.Equal([ips[3]], peer.TakeInside());
        _ = peer.TakeOutside(); // the acknowledgment owed, sent alone once its delay passed

        // And the other way: the peer's Reset-Request makes our next packet flushed.
        peer.SendInside(0, WorkerTestPeer.Ipv4(Server, Tunnel, 20, 11));
        peer.Step();
        (_, _, MppeHeader? before) = WorkerTestPeer.Open(client, peer.TakeOutside().Single().Payload);
        Assert.False(before!.Value.IsFlushed);
        Assert.True(peer.Host.OnPeerResetRequest(client.Handle));
        peer.SendInside(0, WorkerTestPeer.Ipv4(Server, Tunnel, 20, 12));
        peer.Step();
        (_, _, MppeHeader? after) = WorkerTestPeer.Open(client, peer.TakeOutside().Single().Payload);
        Assert.True(after!.Value.IsFlushed);
    }

    [Fact]
    public void After_close_packets_are_dropped_and_the_handle_is_refused_but_counters_stay()
    {
        var time = new FakeTimeProvider();
        using var peer = new WorkerTestPeer(Options(time));
        TestClient client = peer.Open(Peer, 0x5050, 0x5151, Tunnel, MppeKeyStrength.Bits128, stateless: true);
        var ips = Enumerable.Range(0, 3).Select(i => WorkerTestPeer.Ipv4(Tunnel, Server, 24, 300 + i)).ToArray();
        var ppp = ips.Select(ip => WorkerTestPeer.PppIpv4(client, ip, encrypt: true)).ToArray();
        peer.SendFromClient(client, ppp[0], sequence: 0);
        peer.SendFromClient(client, ppp[2], sequence: 2); // held behind the gap at 1
        peer.Step();
        Assert.Equal([ips[0]], peer.TakeInside());
        int available = peer.Host.Pool.AvailableCount;

        Assert.True(peer.Host.Close(client.Handle));
        peer.Step();
        // The held packet went back to the pool (through the worker's cache) and is counted.
        Assert.Equal(1UL, peer.Host.GetCounters()[DataplaneDropReason.SessionClosed]);

        peer.SendFromClient(client, ppp[1], sequence: 1);
        peer.SendInside(0, WorkerTestPeer.Ipv4(Server, Tunnel, 20, 13));
        peer.Step();
        Assert.Empty(peer.TakeInside());
        Assert.Empty(peer.TakeOutside());
        DataplaneCounters counters = peer.Host.GetCounters();
        Assert.Equal(1UL, counters[DataplaneDropReason.UnknownSession]);
        Assert.Equal(1UL, counters[DataplaneDropReason.NoSessionForDestination]);
        Assert.False(peer.Host.SendControlFrame(client.Handle, [0xFF, 0x03, 0xC0, 0x21, 0x09, 0x01, 0x00, 0x04]));
        Assert.False(peer.Host.SetNetwork(client.Handle, Tunnel, false, false, false));
        Assert.False(peer.Host.Close(client.Handle));
        Assert.True(peer.Host.TryGetCounters(client.Handle, out SessionCounters last));
        Assert.Equal(1UL, last.PacketsIn);
        Assert.True(peer.Host.Pool.AvailableCount + 1024 >= available); // nothing leaked beyond the worker caches

        // The same keys can serve a new call at once (different call id; the old slot waits for quiescence).
        TestClient again = peer.Open(Peer, 0x5052, 0x5153, Tunnel);
        peer.SendFromClient(again, WorkerTestPeer.PppIpv4(again, ips[1], encrypt: false));
        peer.Step();
        Assert.Equal([ips[1]], peer.TakeInside());
    }

    [Fact]
    public void Reusing_a_slot_gives_the_new_session_fresh_state()
    {
        using var peer = new WorkerTestPeer(new DataplaneOptions { SessionCapacity = 1, PoolCapacity = 1024, HashSeed = 3, Time = new FakeTimeProvider(), RandomInitialSequenceNumbers = false });
        TestClient first = peer.Open(Peer, 0x6060, 0x6161, Tunnel, MppeKeyStrength.Bits128, stateless: false);
        for (int i = 0; i < 5; i++)
            peer.SendFromClient(first, WorkerTestPeer.PppIpv4(first, WorkerTestPeer.Ipv4(Tunnel, Server, 20, i), encrypt: true));
        peer.Step();
        Assert.Equal(5, peer.TakeInside().Count);
        Assert.True(peer.Host.Close(first.Handle));
        peer.Step(); // the worker passes a quiescent point: the slot can be reused

        TestClient second = peer.Open(Peer, 0x6062, 0x6163, Tunnel, MppeKeyStrength.Bits128, stateless: false);
        Assert.Equal(first.Handle.Slot, second.Handle.Slot);
        Assert.False(peer.Host.TryGetCounters(first.Handle, out _));
        byte[] ip = WorkerTestPeer.Ipv4(Tunnel, Server, 20, 99);
        peer.SendFromClient(second, WorkerTestPeer.PppIpv4(second, ip, encrypt: true));
        peer.SendInside(0, WorkerTestPeer.Ipv4(Server, Tunnel, 20, 98));
        peer.Step();
        Assert.Equal([ip], peer.TakeInside());
        GrePacketSeen down = Assert.Single(peer.TakeOutside());
        Assert.Equal(0u, down.Sequence); // a fresh GRE numbering
        Assert.Equal(second.PeerCallId, down.CallId);
        Assert.True(peer.Host.TryGetCounters(second.Handle, out SessionCounters counters));
        Assert.Equal(1UL, counters.PacketsIn);
    }

    [Fact]
    public void A_port_below_IP_gets_classified_and_outer_headers_built()
    {
        uint local = WorkerTestPeer.Address("198.18.0.1");
        using var peer = new WorkerTestPeer(Options(new FakeTimeProvider()), OutsideFraming.Ipv4, local);
        TestClient client = peer.Open(Peer, 0x7070, 0x7171, Tunnel, MppeKeyStrength.Bits128, stateless: true);
        byte[] ip = WorkerTestPeer.Ipv4(Tunnel, Server, 40, 1);
        byte[] gre = WorkerTestPeer.Gre(client.CallId, 0, WorkerTestPeer.PppIpv4(client, ip, encrypt: true));

        byte[] Outer(byte protocol, bool moreFragments, uint source)
        {
            var packet = new byte[20 + gre.Length + 4]; // with trailing link-layer padding
            Assert.Equal(20, Ipv4HeaderWriter.TryWriteHeader(packet, source, local, protocol, gre.Length, 1, 64));
            if (moreFragments)
            {
                packet[6] |= 0x20;
                packet[10] = packet[11] = 0;
                BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), InternetChecksum.Compute(packet.AsSpan(0, 20)));
            }

            gre.CopyTo(packet, 20);
            return packet;
        }

        peer.SendOutside(0, Outer(Ipv4Header.ProtocolUdp, false, Peer), 0);
        peer.SendOutside(0, Outer(Ipv4Header.ProtocolGre, true, Peer), 0);
        byte[] corrupt = Outer(Ipv4Header.ProtocolGre, false, Peer);
        corrupt[8] ^= 1; // TTL changed without the checksum
        peer.SendOutside(0, corrupt, 0);
        peer.SendOutside(0, Outer(Ipv4Header.ProtocolGre, false, Peer), 0);
        peer.SendInside(0, WorkerTestPeer.Ipv4(Server, Tunnel, 20, 2));
        peer.Step();

        Assert.Equal([ip], peer.TakeInside());
        GrePacketSeen down = Assert.Single(peer.TakeOutside()); // TakeOutside checks the outer header (src local, dst peer, 47)
        Assert.Equal(Peer, down.PeerAddress);
        DataplaneCounters counters = peer.Host.GetCounters();
        Assert.Equal(1UL, counters[DataplaneDropReason.OutsideNotGre]);
        Assert.Equal(1UL, counters[DataplaneDropReason.OutsideFragment]);
        Assert.Equal(1UL, counters[DataplaneDropReason.OutsideIpv4Invalid]);
    }

    [Fact]
    public void Network_protocols_before_IPCP_are_discarded_and_unknown_control_protocols_go_up()
    {
        using var peer = new WorkerTestPeer(Options(new FakeTimeProvider()));
        TestClient client = peer.Open(Peer, 0x8080, 0x8181); // call up, IPCP not yet
        peer.SendFromClient(client, WorkerTestPeer.PppIpv4(client, WorkerTestPeer.Ipv4(Tunnel, Server, 20, 1), encrypt: false));
        peer.SendFromClient(client, Convert.FromHexString("FF030057600000000000")); // IPv6 without IPV6CP
        peer.SendFromClient(client, Convert.FromHexString("FF03C02B010100040000")); // BACP: the control plane rejects it
        peer.SendFromClient(client, Convert.FromHexString("FF04C021"));             // bad control field (RFC 1662 §3.1)
        peer.SendInside(0, WorkerTestPeer.Ipv4(Server, Tunnel, 20, 2));
        peer.Step();

        Assert.Empty(peer.TakeInside());
        (SessionHandle session, byte[] frame) = Assert.Single(peer.Sink.Frames);
        Assert.Equal(client.Handle, session);
        Assert.Equal(Convert.FromHexString("FF03C02B010100040000"), frame);
        DataplaneCounters counters = peer.Host.GetCounters();
        Assert.Equal(2UL, counters[DataplaneDropReason.NetworkProtocolNotOpen]);
        Assert.Equal(1UL, counters[DataplaneDropReason.PppFrameInvalid]);
        Assert.Equal(1UL, counters[DataplaneDropReason.NoSessionForDestination]); // no tunnel address yet
    }

    [Fact]
    public void Sessions_spread_over_workers_each_with_its_own_ports()
    {
        using var peer = new WorkerTestPeer(new DataplaneOptions { SessionCapacity = 64, PoolCapacity = 8192, WorkerCount = 3, HashSeed = 5, Time = new FakeTimeProvider() });
        var clients = Enumerable.Range(0, 24)
            .Select(i => peer.Open(Peer + (uint)i, (ushort)(100 + i), (ushort)(200 + i), Tunnel + (uint)i, MppeKeyStrength.Bits128, stateless: true))
            .ToArray();
        Assert.True(clients.Select(c => peer.Host.WorkerOf(c.Handle)).Distinct().Count() > 1);
        foreach (TestClient c in clients)
        {
            int w = c.Worker;
            peer.SendFromClient(c, WorkerTestPeer.PppIpv4(c, WorkerTestPeer.Ipv4(c.TunnelAddress, Server, 20, c.CallId), encrypt: true));
            peer.SendInside(w, WorkerTestPeer.Ipv4(Server, c.TunnelAddress, 20, c.PeerCallId));
        }

        peer.Step();
        for (int w = 0; w < 3; w++)
        {
            int owned = clients.Count(c => peer.Host.WorkerOf(c.Handle) == w);
            Assert.Equal(owned, peer.TakeInside(w).Count);
            Assert.Equal(owned, peer.TakeOutside(w).Count);
        }

        // A packet on the wrong worker's port is refused, not processed with another worker's state.
        TestClient first = clients[0];
        int wrong = (peer.Host.WorkerOf(first.Handle) + 1) % 3;
        peer.SendInside(wrong, WorkerTestPeer.Ipv4(Server, first.TunnelAddress, 20, 1));
        peer.Step();
        Assert.Equal(1UL, peer.Host.GetCounters()[DataplaneDropReason.WrongWorker]);
    }

    [Fact]
    public void Threads_carry_traffic_and_control_frames_until_stopped()
    {
        using var peer = new WorkerTestPeer(new DataplaneOptions { SessionCapacity = 16, PoolCapacity = 4096, HashSeed = 9 });
        TestClient client = peer.Open(Peer, 0x9090, 0x9191, Tunnel, MppeKeyStrength.Bits128, stateless: false);
        peer.Host.Start();
        try
        {
            var sent = new List<byte[]>();
            for (int i = 0; i < 100; i++)
            {
                byte[] ip = WorkerTestPeer.Ipv4(Tunnel, Server, 64, i);
                sent.Add(ip);
                peer.SendFromClient(client, WorkerTestPeer.PppIpv4(client, ip, encrypt: true));
            }

            peer.SendFromClient(client, Convert.FromHexString("FF03C021090100080000ABCD"));
            var received = new List<byte[]>();
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while ((received.Count < sent.Count || peer.Sink.Frames.IsEmpty) && DateTime.UtcNow < deadline)
            {
                received.AddRange(peer.TakeInside());
                Thread.Sleep(1);
            }

            Assert.Equal(sent, received);
            Assert.Single(peer.Sink.Frames);

            // With no data going back, acknowledgments go alone about 1 ms after they become owed (one may go out
            // mid-stream when the worker drained faster than the test sent), ending with the last sequence, 100.
            List<GrePacketSeen> acks = [];
            while ((acks.Count == 0 || acks[^1].Acknowledgment != 100u) && DateTime.UtcNow < deadline)
            {
                acks.AddRange(peer.TakeOutside());
                Thread.Sleep(1);
            }

            Assert.NotEmpty(acks);
            Assert.All(acks, a => Assert.Null(a.Sequence));
            uint[] numbers = acks.Select(a => a.Acknowledgment!.Value).ToArray();
            Assert.Equal(numbers.Order().ToArray(), numbers);
            Assert.Equal(100u, numbers[^1]);
        }
        finally
        {
            peer.Host.Stop();
        }

        Assert.False(peer.Host.IsRunning);
    }

    private static ushort Protocol(byte[] ppp)
    {
        Assert.Equal(PppFrameError.None, PppFrame.TryParse(ppp, out PppFrame frame));
        return frame.Protocol;
    }
}

/// <summary>Sessions opened and closed by the control plane while the worker threads carry their traffic.</summary>
public sealed class WorkerChurnTests
{
    [Fact]
    public void Open_and_close_churn_under_traffic_leaks_no_packet_and_mixes_no_state()
    {
        uint server = WorkerTestPeer.Address("198.19.0.1");
        var options = new DataplaneOptions { SessionCapacity = 4, PoolCapacity = 2048, HashSeed = 13, ReorderWait = TimeSpan.FromMilliseconds(1) };
        var peer = new WorkerTestPeer(options);
        try
        {
            peer.Host.Start();
            int delivered = 0;
            for (int round = 0; round < 200; round++)
            {
                uint tunnel = WorkerTestPeer.Address("198.19.2.0") + (uint)(round % 4) + 1;
                SessionHandle handle;
                SessionInstallError error;
                var deadline = DateTime.UtcNow.AddSeconds(5);
                // A closed slot is reusable once the worker has passed a quiescent point.
                while ((error = peer.Host.TryOpen(new DataplaneSessionSpec(WorkerTestPeer.Address("198.18.0.20"), (ushort)(round + 1), (ushort)(round + 1), 64, 64), out handle)) == SessionInstallError.AwaitingQuiescence
                    && DateTime.UtcNow < deadline)
                {
                    Thread.Sleep(1);
                }

                Assert.Equal(SessionInstallError.None, error);
                byte[] send = System.Security.Cryptography.RandomNumberGenerator.GetBytes(16);
                byte[] receive = System.Security.Cryptography.RandomNumberGenerator.GetBytes(16);
                Assert.True(peer.Host.SetNetwork(handle, tunnel, false, false, requireEncryption: true));
                Assert.True(peer.Host.SetMppe(handle, new MppeParameters(MppeKeyStrength.Bits128, true, send, receive)));
                var client = new TestClient { Handle = handle, Worker = 0, PeerAddress = WorkerTestPeer.Address("198.18.0.20"), CallId = (ushort)(round + 1), PeerCallId = (ushort)(round + 1), TunnelAddress = tunnel, Mppe = true };
                client.Sender[0].Initialize(receive, MppeKeyStrength.Bits128, true);
                // Sequence 0, then 2 (held behind the gap), then data from the inside; close while some may be held.
                peer.SendFromClient(client, WorkerTestPeer.PppIpv4(client, WorkerTestPeer.Ipv4(tunnel, server, 20, round), true), sequence: 0);
                _ = WorkerTestPeer.PppIpv4(client, WorkerTestPeer.Ipv4(tunnel, server, 20, round), true);
                peer.SendFromClient(client, WorkerTestPeer.PppIpv4(client, WorkerTestPeer.Ipv4(tunnel, server, 20, round), true), sequence: 2);
                peer.SendInside(0, WorkerTestPeer.Ipv4(server, tunnel, 20, round));
                if (round % 3 == 0)
                    Thread.Sleep(1);
                Assert.True(peer.Host.Close(handle));
                delivered += peer.TakeInside().Count;
                _ = peer.TakeOutside();
            }

            peer.Host.Stop();
            peer.Step();
            delivered += peer.TakeInside().Count;
            _ = peer.TakeOutside();
            Assert.True(delivered > 0);
            Assert.Equal(0, peer.Host.SinkErrors);
            // Nothing decrypted with another session's keys (that would yield garbage: a bad inner protocol or header).
            DataplaneCounters counters = peer.Host.GetCounters();
            Assert.Equal(0UL, counters[DataplaneDropReason.SpoofedSource]);
            Assert.Equal(0UL, counters[DataplaneDropReason.MppeInnerProtocolUnsupported]);
            Assert.Equal(0UL, counters[DataplaneDropReason.InnerIpv4Invalid]);

            // Every buffer is back: none is lost in a closed session's reorder buffer or a ring.
            foreach (Worker worker in peer.Host.Workers)
                worker.ReleaseAll();
            Assert.Equal(options.PoolCapacity, peer.Host.Pool.AvailableCount);
        }
        finally
        {
            peer.Dispose();
        }
    }
}
