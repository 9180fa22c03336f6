using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using PptpGw.Dataplane.Buffers;
using PptpGw.Dataplane.Ports;
using PptpGw.Tests.Dataplane.Offload;
using PptpGw.Tests.Shared;

namespace PptpGw.Tests.Dataplane.Ports;

/// <summary>
/// A TUN device with TSO on reads (TUNSETOFFLOAD CSUM|TSO4, issue 12) against the kernel, in two network namespaces:
/// a real TCP (and UDP) sender in one (198.18.8.2) sends to 198.18.7.2, which the other routes into the TUN; the test
/// plays the receiver behind the TUN by hand. The kernel forwards the sender's TSO super-packets into the TUN whole;
/// the port must cut them into segments that a receiver accepts: each with its own correct IPv4 and TCP checksums
/// (checked by the tests' own RFC 1071 loop), at most the MSS the receiver announced, in sequence, FIN on the last.
/// UDP, whose checksum the kernel leaves partial with TUN_F_CSUM, and IPv4 fragments must come through complete.
/// </summary>
public class TunSegmentationKernelTests
{
    private const uint Receiver = 0xC6120702; // 198.18.7.2, behind the TUN
    private const uint Sender = 0xC6120802; // 198.18.8.2, in the other namespace
    private const ushort Port = 5001;
    private const int Mss = 1300;

    [KernelFact(needsTun: true)]
    public void TheSendersSuperPacketsAreCutIntoMssSegmentsThatCarryTheWholeStream()
    {
        using var pool = new PacketPool(512);
        using var topology = Topology.Create(pool);
        TunDevice tun = topology.Tun;
        byte[] data = TcpSegmentBuilder.Payload(300_000, 11);
        using Socket client = topology.Inside.Run(() => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        client.Bind(new IPEndPoint(IPAddress.Parse("198.18.8.2"), 0));
        Task connect = client.ConnectAsync(new IPEndPoint(IPAddress.Parse("198.18.7.2"), Port));

        // The SYN, answered with MSS 1300 and no other option (RFC 9293 §3.7.1), so every segment has a 40-octet header.
        byte[] syn = Receive(tun, pool, s => (s[33] & 0x02) != 0);
        ushort clientPort = BinaryPrimitives.ReadUInt16BigEndian(syn.AsSpan(20));
        uint isn = BinaryPrimitives.ReadUInt32BigEndian(syn.AsSpan(24));
        const uint OurIsn = 0x10000000;
        TunTestIo.Send(tun, pool, TcpSegmentBuilder.Build(Receiver, Sender, Port, clientPort, OurIsn, isn + 1, [], flags: 0x12, window: 65535,
            options: [2, 4, Mss >> 8, Mss & 0xFF]));
        Assert.True(connect.Wait(TimeSpan.FromSeconds(5)), "no connection");
        Task send = Task.Run(() =>
        {
            client.Send(data);
            client.Shutdown(SocketShutdown.Send);
        });

        var stream = new byte[data.Length];
        uint next = isn + 1;
        bool fin = false;
        int segments = 0;
        var rx = new PacketHandle[PacketBurst.Size];
        DateTime deadline = DateTime.UtcNow.AddSeconds(20);
        while (!fin && DateTime.UtcNow < deadline)
        {
            if (!tun.WaitReadable(100))
                continue;
            int n = tun.ReceiveBurst(rx);
            for (int i = 0; i < n; i++)
            {
                byte[] packet = rx[i].Data.ToArray();
                if (packet[9] != 6 || BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(22)) != Port)
                    continue;
                segments++;
                Assert.Equal(packet.Length, BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(2)));
                Assert.Equal(0, TcpSegmentBuilder.Checksum(packet.AsSpan(0, 20), 0));
                Assert.Equal(0, TcpSegmentBuilder.TcpChecksum(Sender, Receiver, packet.AsSpan(20)));
                int headerLength = 20 + ((packet[32] >> 4) * 4);
                int payload = packet.Length - headerLength;
                Assert.InRange(payload, 0, Mss);
                uint sequence = BinaryPrimitives.ReadUInt32BigEndian(packet.AsSpan(24));
                if (sequence != next)
                    continue; // a retransmission of what is taken, or beyond a gap: the sender repeats it
                packet.AsSpan(headerLength, payload).CopyTo(stream.AsSpan((int)(sequence - isn - 1)));
                next += (uint)payload;
                if ((packet[33] & 0x01) != 0)
                {
                    Assert.Equal((uint)data.Length, next - isn - 1); // FIN only on the segment that ends the stream
                    fin = true;
                    next++;
                }
            }

            pool.FreeBurst(rx.AsSpan(0, n));
            TunTestIo.Send(tun, pool, TcpSegmentBuilder.Build(Receiver, Sender, Port, clientPort, OurIsn + 1, next, [], window: 65535));
        }

        Assert.True(fin, $"the stream did not end: {next - isn - 1} of {data.Length} octets");
        Assert.Equal(data, stream);
        Assert.True(send.Wait(TimeSpan.FromSeconds(5)));
        PortCounters counters = tun.Counters;
        Assert.True(counters.RxSuperPackets > 0, "the kernel handed over no super-packet: TSO was not offered");
        Assert.True(counters.RxSegments > counters.RxSuperPackets);
        Assert.Equal(0, counters.RxBadSuperPackets);
        Assert.True(segments >= data.Length / Mss);
    }

    [KernelFact(needsTun: true)]
    public void UdpWithAPartialChecksumAndFragmentsComeThroughComplete()
    {
        using var pool = new PacketPool(256);
        using var topology = Topology.Create(pool);
        TunDevice tun = topology.Tun;
        using Socket udp = topology.Inside.Run(() => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
        udp.Bind(new IPEndPoint(IPAddress.Parse("198.18.8.2"), 4000));
        var destination = new IPEndPoint(IPAddress.Parse("198.18.7.2"), 4001);

        // One datagram that fits: the veth took it with its checksum partial, the port completes it.
        byte[] small = TcpSegmentBuilder.Payload(1000, 4);
        udp.SendTo(small, destination);
        byte[] datagram = Receive(tun, pool, s => s[9] == 17);
        Assert.Equal(0, TcpSegmentBuilder.Checksum(datagram.AsSpan(0, 20), 0));
        Assert.NotEqual(0, BinaryPrimitives.ReadUInt16BigEndian(datagram.AsSpan(26)));
        Assert.Equal(0, UdpChecksum(datagram.AsSpan(20)));
        Assert.Equal(small, datagram.AsSpan(28).ToArray());

        // One that does not fit the 1500-octet veth (nor the 1400-octet TUN): fragments, each a complete datagram.
        byte[] big = TcpSegmentBuilder.Payload(4000, 9);
        udp.SendTo(big, destination);
        var reassembled = new byte[8 + big.Length];
        int covered = 0;
        ushort identification = 0;
        while (covered < reassembled.Length)
        {
            byte[] fragment = Receive(tun, pool, s => s[9] == 17);
            Assert.Equal(0, TcpSegmentBuilder.Checksum(fragment.AsSpan(0, 20), 0));
            Assert.InRange(fragment.Length, 21, 1400);
            ushort flagsOffset = BinaryPrimitives.ReadUInt16BigEndian(fragment.AsSpan(6));
            Assert.True((flagsOffset & 0x2000) != 0 || (flagsOffset & 0x1FFF) != 0, "a whole datagram where fragments were due");
            ushort id = BinaryPrimitives.ReadUInt16BigEndian(fragment.AsSpan(4));
            if (covered == 0)
                identification = id;
            Assert.Equal(identification, id);
            fragment.AsSpan(20).CopyTo(reassembled.AsSpan((flagsOffset & 0x1FFF) * 8));
            covered += fragment.Length - 20;
        }

        Assert.Equal(big, reassembled.AsSpan(8).ToArray());
        Assert.Equal(0, UdpChecksum(reassembled));
        Assert.Equal(0, tun.Counters.RxBadSuperPackets); // (RxDropped may count IPv6 the kernel sends as the TUN comes up)
    }

    private static int UdpChecksum(ReadOnlySpan<byte> udp)
    {
        uint pseudo = (Sender >> 16) + (Sender & 0xFFFF) + (Receiver >> 16) + (Receiver & 0xFFFF) + 17u + (uint)udp.Length;
        return TcpSegmentBuilder.Checksum(udp, pseudo);
    }

    // The next IPv4 packet from the sender that matches.
    private static byte[] Receive(TunDevice tun, PacketPool pool, Func<byte[], bool> match) =>
        TunTestIo.Receive(tun, pool, packet => packet.Length >= 28
            && BinaryPrimitives.ReadUInt32BigEndian(packet.AsSpan(12)) == Sender && match(packet), "packet");

    private sealed class Topology : IDisposable
    {
        private readonly NetworkNamespace _gateway;

        private Topology(NetworkNamespace gateway, NetworkNamespace inside, TunDevice tun)
        {
            _gateway = gateway;
            Inside = inside;
            Tun = tun;
        }

        public NetworkNamespace Inside { get; }

        public TunDevice Tun { get; }

        public static Topology Create(PacketPool pool)
        {
            NetworkNamespace gateway = NetworkNamespace.Create();
            NetworkNamespace inside = NetworkNamespace.Create();
            try
            {
                _ = gateway.Ip($"link add gi0 type veth peer name eth0 netns {inside.Name}");
                _ = gateway.Ip("addr add 198.18.8.1/24 dev gi0");
                _ = inside.Ip("addr add 198.18.8.2/24 dev eth0");
                _ = gateway.Ip("link set gi0 up");
                _ = inside.Ip("link set eth0 up");
                _ = inside.Ip("route add 198.18.7.0/24 via 198.18.8.1");
                gateway.Run(() =>
                {
                    File.WriteAllText("/proc/sys/net/ipv4/ip_forward", "1");
                    return 0;
                });
                TunDevice tun = gateway.Run(() => new TunDevice(pool, "pgwso%d", segmentTcp: true));
                Assert.True(tun.SegmentsTcp);
                tun.Configure(IPAddress.Parse("198.18.7.1"), 24, 1400);
                return new Topology(gateway, inside, tun);
            }
            catch
            {
                inside.Dispose();
                gateway.Dispose();
                throw;
            }
        }

        public void Dispose()
        {
            Tun.Dispose();
            Inside.Dispose();
            _gateway.Dispose();
        }
    }
}
