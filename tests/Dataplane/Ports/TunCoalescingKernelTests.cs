using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using PptpGw.Dataplane.Buffers;
using PptpGw.Dataplane.Ports;
using PptpGw.Tests.Dataplane.Offload;
using PptpGw.Tests.Shared;

namespace PptpGw.Tests.Dataplane.Ports;

/// <summary>
/// A TUN device with TCP coalescing (IFF_VNET_HDR, issue 12) against the kernel, in two network namespaces: the test
/// plays a TCP client behind the TUN (198.18.7.2), the kernel forwards to a real listening socket in the other
/// namespace (198.18.8.2). The data segments go out as one GSO super-packet; the receiving socket must get every
/// octet. With checksum offload off on the forwarding veth, the kernel must segment the super-packet in software and
/// complete each segment's checksum, and the receiver's TCP verifies them (a wrong pseudo-header sum, length or IP
/// header would lose the data); with it on, the super-packet reaches the socket whole.
/// </summary>
public class TunCoalescingKernelTests
{
    private const uint Client = 0xC6120702; // 198.18.7.2, behind the TUN
    private const uint Server = 0xC6120802; // 198.18.8.2, in the other namespace
    private const ushort ClientPort = 40000;
    private const ushort ServerPort = 5001;

    [KernelFact(needsTun: true)]
    public void ASuperPacketReachesTheSocketWholeThroughAVethThatTakesGso() => ForwardASuperPacket(checksumOffload: true);

    [KernelEthtoolFact]
    public void ASuperPacketIsSegmentedAndChecksummedByTheKernelForAVethWithoutOffloads() => ForwardASuperPacket(checksumOffload: false);

    private static void ForwardASuperPacket(bool checksumOffload)
    {
        using var pool = new PacketPool(256);
        using var gateway = NetworkNamespace.Create();
        using var inside = NetworkNamespace.Create();
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
        if (!checksumOffload)
            Exec("ip", "netns", "exec", gateway.Name, "ethtool", "-K", "gi0", "tx", "off");

        using TunDevice tun = gateway.Run(() => new TunDevice(pool, "pgwco%d", coalesceTcp: true));
        Assert.True(tun.CoalescesTcp);
        tun.Configure(IPAddress.Parse("198.18.7.1"), 24, 1400);
        using Socket listener = inside.Run(() =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            s.Bind(new IPEndPoint(IPAddress.Parse("198.18.8.2"), ServerPort));
            s.Listen(1);
            return s;
        });

        // Three-way handshake, by hand, through the TUN (RFC 9293 §3.5).
        const uint Isn = 0x7FFFF000;
        TunTestIo.Send(tun, pool, TcpSegmentBuilder.Build(Client, Server, ClientPort, ServerPort, Isn, 0, [], flags: 0x02, window: 65535));
        byte[] synAck = ReceiveTcp(tun, pool, s => (s[33] & 0x12) == 0x12);
        uint serverIsn = BinaryPrimitives.ReadUInt32BigEndian(synAck.AsSpan(24));
        Assert.Equal(Isn + 1, BinaryPrimitives.ReadUInt32BigEndian(synAck.AsSpan(28)));
        TunTestIo.Send(tun, pool, TcpSegmentBuilder.Build(Client, Server, ClientPort, ServerPort, Isn + 1, serverIsn + 1, [], window: 65535));
        Assert.True(listener.Poll(TimeSpan.FromSeconds(5), SelectMode.SelectRead));
        using Socket accepted = listener.Accept();

        // Three data segments in one transmit burst: one super-packet.
        byte[][] payloads = [TcpSegmentBuilder.Payload(1300, 1), TcpSegmentBuilder.Payload(1300, 2), TcpSegmentBuilder.Payload(700, 3)];
        var burst = new PacketHandle[payloads.Length];
        Assert.Equal(payloads.Length, pool.AllocateBurst(burst));
        uint sequence = Isn + 1;
        for (int i = 0; i < payloads.Length; i++)
        {
            byte[] segment = TcpSegmentBuilder.Build(Client, Server, ClientPort, ServerPort, sequence, serverIsn + 1, payloads[i],
                flags: i == payloads.Length - 1 ? (byte)0x18 : (byte)0x10, identification: (ushort)(100 + i), window: 65535);
            Assert.True(burst[i].TryAppend(segment.Length, out Span<byte> data));
            segment.CopyTo(data);
            sequence += (uint)payloads[i].Length;
        }

        Assert.Equal(payloads.Length, tun.TransmitBurst(burst));
        Assert.Equal(1, tun.Counters.TxSuperPackets);
        Assert.Equal(3, tun.Counters.TxCoalescedSegments);
        Assert.Equal(0, tun.Counters.TxErrors);

        byte[] expected = [.. payloads[0], .. payloads[1], .. payloads[2]];
        var received = new byte[expected.Length];
        accepted.ReceiveTimeout = 5000;
        int got = 0;
        while (got < received.Length)
        {
            int n = accepted.Receive(received, got, received.Length - got, SocketFlags.None);
            Assert.True(n > 0, "the connection closed early");
            got += n;
        }

        Assert.Equal(expected, received);

        // And the kernel acknowledges all of it: it took the octets as one in-order stream.
        byte[] ack = ReceiveTcp(tun, pool, s => BinaryPrimitives.ReadUInt32BigEndian(s.AsSpan(28)) == sequence);
        Assert.Equal(0x10, ack[33] & 0x10);
    }

    // The next TCP segment from the server to the client that matches (IPv4 without options: the kernel sends none).
    private static byte[] ReceiveTcp(TunDevice tun, PacketPool pool, Func<byte[], bool> match) =>
        TunTestIo.Receive(tun, pool, packet => packet.Length >= 40 && packet[9] == 6
            && BinaryPrimitives.ReadUInt32BigEndian(packet.AsSpan(12)) == Server
            && BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(22)) == ClientPort && match(packet), "TCP segment");

    private static void Exec(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        string error = process.StandardError.ReadToEnd();
        _ = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)}: exit {process.ExitCode}: {error.Trim()}");
    }
}
