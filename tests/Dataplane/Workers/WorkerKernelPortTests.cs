using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using PptpGw.Dataplane.Buffers;
using PptpGw.Dataplane.Control;
using PptpGw.Dataplane.Mppe;
using PptpGw.Dataplane.Packets;
using PptpGw.Dataplane.Ports;
using PptpGw.Dataplane.Sessions;
using PptpGw.Dataplane.Workers;
using PptpGw.Tests.Shared;

namespace PptpGw.Tests.Dataplane.Workers;

/// <summary>
/// The workers on the kernel backend, between two throw-away network namespaces joined by a veth pair
/// (198.18.0.0/15 only): a fake PPTP client in one sends GRE with an MPPE-encrypted ping to the gateway's raw socket
/// in the other; the ping comes out of the TUN decrypted, the kernel answers it, and the answer comes back through
/// the TUN, encrypted and encapsulated, to the client.
/// </summary>
[Collection(HostRawGre.Name)]
public sealed class WorkerKernelPortTests
{
    [KernelFact(needsTun: true)]
    public void A_ping_through_the_tunnel_reaches_the_TUN_decrypted_and_its_reply_comes_back_encrypted()
    {
        using var gw = NetworkNamespace.Create();
        using var client = NetworkNamespace.Create();
        gw.Ip($"link add pgw-a type veth peer name pgw-b netns {client.Name}");
        gw.Ip("addr add 198.18.5.1/24 dev pgw-a");
        gw.Ip("link set pgw-a up");
        client.Ip("addr add 198.18.5.2/24 dev pgw-b");
        client.Ip("link set pgw-b up");

        uint clientOutside = WorkerTestPeer.Address("198.18.5.2");
        uint gatewayInside = WorkerTestPeer.Address("198.19.5.1");
        uint clientTunnel = WorkerTestPeer.Address("198.19.5.2");
        var ports = new KernelPortFactory(IPAddress.Parse("198.18.5.1"), "pptpgw%d", IPAddress.Parse("198.19.5.1"), 24);
        var sink = new RecordingSink();
        using DataplaneHost host = gw.Run(() => new DataplaneHost(new DataplaneOptions { SessionCapacity = 16, PoolCapacity = 2048 }, ports, sink));
        using var clientPool = new PacketPool(256);
        using RawGreSocket raw = client.Run(() => new RawGreSocket(clientPool, IPAddress.Parse("198.18.5.2")));

        Assert.StartsWith("pptpgw", host.InsideDeviceName);
        Assert.Equal(SessionInstallError.None, host.TryOpen(new DataplaneSessionSpec(clientOutside, 0x1111, 0x2222, 64, 64), out SessionHandle session));
        byte[] send = RandomNumberGenerator.GetBytes(16);
        byte[] receive = RandomNumberGenerator.GetBytes(16);
        Assert.True(host.SetNetwork(session, clientTunnel, transmitAcfc: false, transmitPfc: false, requireEncryption: true));
        Assert.True(host.SetMppe(session, new MppeParameters(MppeKeyStrength.Bits128, Stateless: true, send, receive)));
        var me = new TestClient { Handle = session, Worker = 0, PeerAddress = clientOutside, CallId = 0x1111, PeerCallId = 0x2222, TunnelAddress = clientTunnel, Mppe = true };
        me.Sender[0].Initialize(receive, MppeKeyStrength.Bits128, stateless: true);
        me.Receiver[0].Initialize(send, MppeKeyStrength.Bits128, stateless: true);
        host.Start();
        try
        {
            byte[] ping = EchoRequest(clientTunnel, gatewayInside, identifier: 0x4242, sequence: 1);
            byte[]? reply = null;
            var clock = Stopwatch.StartNew();
            Span<PacketHandle> burst = stackalloc PacketHandle[PacketBurst.Size];
            while (reply is null && clock.Elapsed < TimeSpan.FromSeconds(10))
            {
                byte[] gre = WorkerTestPeer.Gre(me.CallId, me.NextSequence++, WorkerTestPeer.PppIpv4(me, ping, encrypt: true));
                Assert.True(clientPool.TryAllocate(out PacketHandle packet));
                Assert.True(packet.TryAppend(gre.Length, out Span<byte> data));
                gre.CopyTo(data);
                packet.PeerAddress = WorkerTestPeer.Address("198.18.5.1");
                Assert.Equal(1, raw.TransmitBurst([packet]));
                var wait = Stopwatch.StartNew();
                while (reply is null && wait.ElapsedMilliseconds < 500)
                {
                    _ = raw.WaitReadable(50);
                    int n = raw.ReceiveBurst(burst);
                    for (int k = 0; k < n; k++)
                    {
                        reply ??= TryOpenReply(me, burst[k]);
                        clientPool.Free(burst[k]);
                    }
                }
            }

            Assert.NotNull(reply);
            // The kernel's echo reply to the client's tunnel address, carrying the request's identifier and data.
            Assert.Equal(gatewayInside, BinaryPrimitives.ReadUInt32BigEndian(reply.AsSpan(12)));
            Assert.Equal(clientTunnel, BinaryPrimitives.ReadUInt32BigEndian(reply.AsSpan(16)));
            Assert.Equal(0, reply[20]); // ICMP echo reply (RFC 792)
            Assert.Equal(ping.AsSpan(24).ToArray(), reply.AsSpan(24).ToArray());
            Assert.True(ports.Port!.Inside.Counters.TxPackets >= 1);  // the decrypted ping was written to the TUN
            Assert.True(ports.Port.Inside.Counters.RxPackets >= 1);   // and the reply read from it
            Assert.Equal(0UL, host.GetCounters()[DataplaneDropReason.MppeDecryptFailed]);
        }
        finally
        {
            host.Stop();
        }
    }

    /// <summary>The client's receive path for a GRE packet from its raw socket: the decrypted inner IPv4, or null for anything else (e.g. an acknowledgment-only packet).</summary>
    private static byte[]? TryOpenReply(TestClient me, PacketHandle packet)
    {
        if (packet.PeerAddress != WorkerTestPeer.Address("198.18.5.1"))
            return null;
        if (EnhancedGrePacket.TryParse(packet.Data, out EnhancedGrePacket gre) != EnhancedGreError.None
            || gre.CallId != me.PeerCallId || gre.PayloadLength == 0)
            return null;
        (ushort protocol, byte[] ip, MppeHeader? mppe) = WorkerTestPeer.Open(me, gre.Payload.ToArray());
        Assert.NotNull(mppe);
        Assert.Equal(PppProtocol.Ipv4, protocol);
        return ip;
    }

    private static byte[] EchoRequest(uint source, uint destination, ushort identifier, ushort sequence)
    {
        byte[] packet = WorkerTestPeer.Ipv4(source, destination, 8 + 32, seed: identifier, Ipv4Header.ProtocolIcmp);
        Span<byte> icmp = packet.AsSpan(20);
        icmp[0] = 8; // echo request
        icmp[1] = 0;
        icmp[2] = icmp[3] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(icmp[4..], identifier);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[6..], sequence);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], InternetChecksum.Compute(icmp));
        return packet;
    }
}
