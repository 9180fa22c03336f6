using Microsoft.Extensions.Time.Testing;
using PptpGw.Dataplane.Mppe;
using PptpGw.Dataplane.Packets;
using PptpGw.Dataplane.Workers;
using PptpGw.Tests.Dataplane.Packets;

namespace PptpGw.Tests.Dataplane.Workers;

/// <summary>
/// The MSS clamp as a stage of the worker, on an MPPE-128 session: the client's SYN arrives inside clamped, the inside
/// host's SYN-ACK reaches the client (decrypted) clamped, both with valid checksums; without a clamp (0) nothing changes.
/// </summary>
public sealed class WorkerMssClampTests
{
    private static readonly uint Peer = WorkerTestPeer.Address("198.18.0.10");
    private static readonly uint Tunnel = WorkerTestPeer.Address("198.19.1.5");
    private static readonly uint Server = WorkerTestPeer.Address("198.19.0.1");

    private static WorkerTestPeer NewPeer() => new(new DataplaneOptions
    {
        SessionCapacity = 16, PoolCapacity = 4096, HashSeed = 5, Time = new FakeTimeProvider(), RandomInitialSequenceNumbers = false,
    });

    [Theory]
    [InlineData(1360, 1360)]
    [InlineData(0, 1460)]
    public void Syns_are_clamped_both_ways_through_the_tunnel(ushort clamp, ushort expected)
    {
        using WorkerTestPeer peer = NewPeer();
        TestClient client = peer.Open(Peer, 0x0101, 0x0202, Tunnel, MppeKeyStrength.Bits128, stateless: true);
        Assert.True(peer.Host.SetNetwork(client.Handle, Tunnel, false, false, requireEncryption: true, tcpMss: clamp));
        peer.Step();

        // Client → inside: a SYN with MSS 1460 (Linux's for a 1500 MTU).
        byte[] syn = TcpMssClampTests.Segment(TcpMssClampTests.Syn, TcpMssClampTests.MssOption(1460), source: Tunnel, destination: Server);
        peer.SendFromClient(client, WorkerTestPeer.PppIpv4(client, syn, encrypt: true));
        peer.Step();
        byte[] inside = Assert.Single(peer.TakeInside());
        Assert.Equal(expected, TcpMssClampTests.Mss(inside, 0));
        TcpMssClampTests.AssertChecksumValid(inside);

        // Inside → client: the SYN-ACK with MSS 1460, encrypted after the clamp.
        byte[] synAck = TcpMssClampTests.Segment(TcpMssClampTests.Syn | TcpMssClampTests.Ack, [1, .. TcpMssClampTests.MssOption(1460), 1, 1, 1],
            source: Server, destination: Tunnel);
        peer.SendInside(0, synAck);
        peer.Step();
        GrePacketSeen seen = Assert.Single(peer.TakeOutside(), p => p.Payload.Length > 0);
        (ushort protocol, byte[] datagram, MppeHeader? mppe) = WorkerTestPeer.Open(client, seen.Payload);
        Assert.NotNull(mppe);
        Assert.Equal(PppProtocol.Ipv4, protocol);
        Assert.Equal(expected, TcpMssClampTests.Mss(datagram, 1));
        TcpMssClampTests.AssertChecksumValid(datagram);
    }
}
