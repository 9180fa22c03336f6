using System.Buffers.Binary;
using Microsoft.Extensions.Time.Testing;
using PptpGw.Dataplane.Mppe;
using PptpGw.Dataplane.Packets;
using PptpGw.Dataplane.Workers;
using PptpGw.Tests.Dataplane.Packets;

namespace PptpGw.Tests.Dataplane.Workers;

/// <summary>
/// The tunnel MTU as a stage of the worker (RFC 1191): on a session with tunnel MTU 1300 and MPPE-128 (datagrams up to
/// 1296), an inside DF datagram of 1297 octets is not tunnelled but answered through the inside port with ICMP
/// "fragmentation needed", MTU 1296, and counted as <see cref="DataplaneDropReason.TunnelMtuExceeded"/>; 1296 octets
/// pass; a larger datagram without DF leaves in RFC 791 fragments. The ICMP answers are rate-limited per worker.
/// </summary>
public sealed class WorkerTunnelMtuTests
{
    private static readonly uint Peer = WorkerTestPeer.Address("198.18.0.10");
    private static readonly uint Tunnel = WorkerTestPeer.Address("198.19.1.7");
    private static readonly uint Server = WorkerTestPeer.Address("198.18.0.5");

    private static byte[] Datagram(int length, bool dontFragment)
    {
        byte[] p = new byte[length];
        new Random(length).NextBytes(p);
        Assert.Equal(20, Ipv4HeaderWriter.TryWriteHeader(p, Server, Tunnel, Ipv4Header.ProtocolUdp, length - 20, 9, 64, dontFragment));
        return p;
    }

    private static byte[] Decrypt(TestClient client, GrePacketSeen seen)
    {
        (ushort protocol, byte[] inner, MppeHeader? mppe) = WorkerTestPeer.Open(client, seen.Payload);
        Assert.NotNull(mppe);
        Assert.Equal(PppProtocol.Ipv4, protocol);
        return inner;
    }

    [Fact]
    public void Df_datagrams_over_the_tunnel_mtu_are_answered_with_icmp_and_the_rest_are_fragmented()
    {
        var time = new FakeTimeProvider();
        using var peer = new WorkerTestPeer(new DataplaneOptions
        {
            SessionCapacity = 16, PoolCapacity = 4096, HashSeed = 5, Time = time, RandomInitialSequenceNumbers = false,
        });
        TestClient client = peer.Open(Peer, 0x0101, 0x0202, Tunnel, MppeKeyStrength.Bits128, stateless: true);
        Assert.True(peer.Host.SetNetwork(client.Handle, Tunnel, false, false, requireEncryption: true, tcpMss: 0, tunnelMtu: 1300));
        peer.Step();

        peer.SendInside(0, Datagram(1297, dontFragment: true));
        peer.Step();
        Assert.DoesNotContain(peer.TakeOutside(), p => p.Payload.Length > 0);
        byte[] icmp = Assert.Single(peer.TakeInside());
        Assert.Equal(Ipv4Error.None, Ipv4Header.TryParse(icmp, out Ipv4Header ip));
        Assert.Equal((Tunnel, Server, Ipv4Header.ProtocolIcmp), (ip.SourceAddress, ip.DestinationAddress, ip.Protocol));
        Assert.Equal((3, 4), (icmp[20], icmp[21]));
        Assert.Equal(1296, BinaryPrimitives.ReadUInt16BigEndian(icmp.AsSpan(26)));
        Assert.True(IcmpFragmentationNeededTests.ChecksumValid(icmp.AsSpan(20)));
        Assert.True(peer.Host.TryGetDropCounters(client.Handle, out SessionDropCounters? drops));
        Assert.Equal(1UL, drops[DataplaneDropReason.TunnelMtuExceeded]);

        // At the limit with DF: tunnelled as it is, decrypting to the datagram sent.
        byte[] fits = Datagram(1296, dontFragment: true);
        peer.SendInside(0, fits);
        peer.Step();
        Assert.Equal(fits, Decrypt(client, Assert.Single(peer.TakeOutside(), p => p.Payload.Length > 0)));

        // Over it without DF: RFC 791 fragments of at most 1296 octets (1272 data octets, a multiple of 8), which
        // reassemble to the datagram sent.
        byte[] large = Datagram(1400, dontFragment: false);
        peer.SendInside(0, large);
        peer.Step();
        byte[][] fragments = [.. peer.TakeOutside().Where(p => p.Payload.Length > 0).Select(p => Decrypt(client, p))];
        Assert.Equal(2, fragments.Length);
        Assert.Equal([1292, 128], fragments.Select(f => f.Length));
        byte[] reassembled = new byte[1400];
        large.AsSpan(0, 20).CopyTo(reassembled);
        foreach (byte[] f in fragments)
        {
            Assert.Equal(Ipv4Error.None, Ipv4Header.TryParse(f, out Ipv4Header h)); // checksum verified
            Assert.Equal(f.Length, h.TotalLength);
            Assert.Equal(f == fragments[0], h.MoreFragments);
            Assert.Equal(9, h.Identification);
            f.AsSpan(20).CopyTo(reassembled.AsSpan(20 + (h.FragmentOffset * 8)));
        }
        Assert.Equal(large.AsSpan(20).ToArray(), reassembled.AsSpan(20).ToArray());
        Assert.Empty(peer.TakeInside());
        Assert.Equal(1UL, peer.Host.GetCounters()[DataplaneDropReason.TunnelMtuExceeded]);

        // A flood: at most the burst is answered until the clock moves, then the rate refills it; every one is counted.
        for (int i = 0; i < 3 * Worker.IcmpBurst; i++)
        {
            peer.SendInside(0, Datagram(1400, dontFragment: true));
            if (i % 16 == 15)
                peer.Step();
        }
        peer.Step();
        int answered = peer.TakeInside().Count;
        Assert.Equal(Worker.IcmpBurst - 1, answered); // one token went to the first answer above
        time.Advance(TimeSpan.FromSeconds(1));
        peer.SendInside(0, Datagram(1400, dontFragment: true));
        peer.Step();
        Assert.Single(peer.TakeInside());
        Assert.Equal(2UL + (3 * Worker.IcmpBurst), peer.Host.GetCounters()[DataplaneDropReason.TunnelMtuExceeded]);
        Assert.DoesNotContain(peer.TakeOutside(), p => p.Payload.Length > 0);
    }
}
