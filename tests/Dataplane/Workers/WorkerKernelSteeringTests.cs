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
/// The kernel backend with two workers (<c>gateway dataplane workers 2</c>, issue 12), between two network namespaces:
/// sixteen MPPE sessions whose placement spreads them over both workers each send pings through the gateway's raw
/// socket; worker 0 reads every packet and steers each to its session's worker (<see cref="KernelDispatchPort"/>), the
/// owner decrypts it into the TUN, the kernel answers, worker 0 reads the answer from the TUN and steers it again, the
/// owner encrypts it and hands it back to worker 0 to send. Each client must get its own reply, decryptable with its
/// own keys; both workers must have carried traffic, and both sides must have steered.
/// </summary>
[Collection(HostRawGre.Name)]
public sealed class WorkerKernelSteeringTests
{
    private const int Sessions = 16;

    [KernelFact(needsTun: true)]
    public void Pings_of_sessions_on_both_workers_come_back_each_to_its_own_client()
    {
        using var gw = NetworkNamespace.Create();
        using var client = NetworkNamespace.Create();
        gw.Ip($"link add pgw-a type veth peer name pgw-b netns {client.Name}");
        gw.Ip("addr add 198.18.6.1/24 dev pgw-a");
        gw.Ip("link set pgw-a up");
        client.Ip("addr add 198.18.6.2/24 dev pgw-b");
        client.Ip("link set pgw-b up");

        uint clientOutside = WorkerTestPeer.Address("198.18.6.2");
        uint gatewayInside = WorkerTestPeer.Address("198.19.6.1");
        var ports = new KernelPortFactory(new KernelPortOptions
        {
            OutsideAddress = IPAddress.Parse("198.18.6.1"),
            InsideInterfaceName = "pptpgw%d",
            InsideAddress = IPAddress.Parse("198.19.6.1"),
            InsidePrefixLength = 24,
            Workers = 2,
        });
        var sink = new RecordingSink();
        using DataplaneHost host = gw.Run(() => new DataplaneHost(
            new DataplaneOptions { SessionCapacity = 64, PoolCapacity = 4096, WorkerCount = 2 }, ports, sink));
        using var clientPool = new PacketPool(512);
        using RawGreSocket raw = client.Run(() => new RawGreSocket(clientPool, IPAddress.Parse("198.18.6.2")));

        var clients = new TestClient[Sessions];
        var workersUsed = new HashSet<int>();
        for (int i = 0; i < Sessions; i++)
        {
            ushort callId = (ushort)(0x3000 + i), peerCallId = (ushort)(0x5000 + i);
            uint tunnel = gatewayInside + 1 + (uint)i;
            Assert.Equal(SessionInstallError.None, host.TryOpen(new DataplaneSessionSpec(clientOutside, callId, peerCallId, 64, 64), out SessionHandle session));
            byte[] send = RandomNumberGenerator.GetBytes(16);
            byte[] receive = RandomNumberGenerator.GetBytes(16);
            Assert.True(host.SetNetwork(session, tunnel, transmitAcfc: false, transmitPfc: false, requireEncryption: true));
            Assert.True(host.SetMppe(session, new MppeParameters(MppeKeyStrength.Bits128, Stateless: true, send, receive)));
            Assert.True(host.Sessions.TryGetConfig(session, out SessionConfig config));
            workersUsed.Add(config.Worker);
            clients[i] = new TestClient { Handle = session, Worker = config.Worker, PeerAddress = clientOutside, CallId = callId, PeerCallId = peerCallId, TunnelAddress = tunnel, Mppe = true };
            clients[i].Sender[0].Initialize(receive, MppeKeyStrength.Bits128, stateless: true);
            clients[i].Receiver[0].Initialize(send, MppeKeyStrength.Bits128, stateless: true);
        }

        Assert.Equal(2, workersUsed.Count); // sixteen hashed placements over two workers: both get some
        host.Start();
        try
        {
            var replied = new bool[Sessions];
            var clock = Stopwatch.StartNew();
            Span<PacketHandle> burst = stackalloc PacketHandle[PacketBurst.Size];
            while (Array.IndexOf(replied, false) >= 0 && clock.Elapsed < TimeSpan.FromSeconds(15))
            {
                for (int i = 0; i < Sessions; i++)
                {
                    if (replied[i])
                        continue;
                    TestClient me = clients[i];
                    byte[] ping = EchoRequest(me.TunnelAddress, gatewayInside, identifier: (ushort)(0x4200 + i), sequence: (ushort)me.NextSequence);
                    byte[] gre = WorkerTestPeer.Gre(me.CallId, me.NextSequence++, WorkerTestPeer.PppIpv4(me, ping, encrypt: true));
                    Assert.True(clientPool.TryAllocate(out PacketHandle packet));
                    Assert.True(packet.TryAppend(gre.Length, out Span<byte> data));
                    gre.CopyTo(data);
                    packet.PeerAddress = WorkerTestPeer.Address("198.18.6.1");
                    Assert.Equal(1, raw.TransmitBurst([packet]));
                }

                var wait = Stopwatch.StartNew();
                while (wait.ElapsedMilliseconds < 500 && Array.IndexOf(replied, false) >= 0)
                {
                    _ = raw.WaitReadable(50);
                    int n = raw.ReceiveBurst(burst);
                    for (int k = 0; k < n; k++)
                    {
                        MarkReply(clients, replied, burst[k], gatewayInside);
                        clientPool.Free(burst[k]);
                    }
                }
            }

            Assert.All(replied, Assert.True);
            Assert.True(ports.OutsideSteering!.Steered > 0, "no GRE was steered to worker 1");
            Assert.True(ports.InsideSteering!.Steered > 0, "no reply was steered to worker 1");
            Assert.True(ports.OutsideSteering.HandedBack > 0, "worker 1 sent nothing through worker 0");
            Assert.Equal(0, ports.OutsideSteering.SteerRingFull + ports.InsideSteering.SteerRingFull);
            Assert.Equal(0, ports.OutsideSteering.HandBackDropped + ports.InsideSteering.HandBackDropped);
            Assert.True(host.Workers[0].Traffic.OutsideReceived > 0);
            Assert.True(host.Workers[1].Traffic.OutsideReceived > 0);
            Assert.True(host.Workers[1].Traffic.OutsideSent > 0);
            Assert.Equal(0UL, host.GetCounters()[DataplaneDropReason.MppeDecryptFailed]);
        }
        finally
        {
            host.Stop();
        }
    }

    // A GRE packet for one of the clients: decrypted with that client's keys; its echo reply (to that client's tunnel
    // address, with that client's identifier) marks it answered.
    private static void MarkReply(TestClient[] clients, bool[] replied, PacketHandle packet, uint gatewayInside)
    {
        if (packet.PeerAddress != WorkerTestPeer.Address("198.18.6.1")
            || EnhancedGrePacket.TryParse(packet.Data, out EnhancedGrePacket gre) != EnhancedGreError.None || gre.PayloadLength == 0)
            return;
        int i = gre.CallId - 0x5000;
        if (i < 0 || i >= clients.Length)
            return;
        (ushort protocol, byte[] ip, MppeHeader? mppe) = WorkerTestPeer.Open(clients[i], gre.Payload.ToArray());
        Assert.NotNull(mppe);
        Assert.Equal(PppProtocol.Ipv4, protocol);
        Assert.Equal(gatewayInside, BinaryPrimitives.ReadUInt32BigEndian(ip.AsSpan(12)));
        Assert.Equal(clients[i].TunnelAddress, BinaryPrimitives.ReadUInt32BigEndian(ip.AsSpan(16)));
        Assert.Equal(0, ip[20]); // echo reply
        Assert.Equal((ushort)(0x4200 + i), BinaryPrimitives.ReadUInt16BigEndian(ip.AsSpan(24)));
        replied[i] = true;
    }

    private static byte[] EchoRequest(uint source, uint destination, ushort identifier, ushort sequence)
    {
        byte[] packet = WorkerTestPeer.Ipv4(source, destination, 8 + 32, seed: identifier, Ipv4Header.ProtocolIcmp);
        Span<byte> icmp = packet.AsSpan(20);
        icmp[0] = 8;
        icmp[1] = 0;
        icmp[2] = icmp[3] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(icmp[4..], identifier);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[6..], sequence);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], InternetChecksum.Compute(icmp));
        return packet;
    }
}
