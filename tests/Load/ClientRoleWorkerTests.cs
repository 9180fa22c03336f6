using System.Security.Cryptography;
using PptpGw.Dataplane.Buffers;
using PptpGw.Dataplane.Control;
using PptpGw.Dataplane.Mppe;
using PptpGw.Dataplane.Packets;
using PptpGw.Dataplane.Ports;
using PptpGw.Dataplane.Sessions;
using PptpGw.Dataplane.Workers;
using PptpGw.Tests.Dataplane.Workers;

namespace PptpGw.Tests.Load;

/// <summary>
/// One pipeline serving both roles (issue 11): a gateway-role <see cref="DataplaneHost"/> and a client-role one (the load
/// tool's, <see cref="DataplaneRole.Client"/>) wired back to back over memory ports, stepped on the test thread. Two PACs
/// from different addresses reuse the same call id; datagrams go through MPPE-128 both ways and arrive intact on the
/// other side's inside port, and the outer IPv4 headers carry each PAC's own address.
/// </summary>
public sealed class ClientRoleWorkerTests
{
    private static readonly uint Gateway = WorkerTestPeer.Address("198.18.0.1");
    private static readonly uint Server = WorkerTestPeer.Address("198.18.1.1");  // the gateway's IPCP address (echo target)

    [Fact]
    public void DatagramsCrossBothRolesOfTheSamePipelineWithMppe()
    {
        using var gateway = new WorkerTestPeer(new DataplaneOptions { SessionCapacity = 64, PoolCapacity = 4096, HashSeed = 1 }, OutsideFraming.Ipv4, Gateway);
        var clientPorts = new ClientFactory(Gateway);
        var sink = new RecordingSink();
        using var client = new DataplaneHost(new DataplaneOptions { SessionCapacity = 64, PoolCapacity = 4096, HashSeed = 2 }, clientPorts, sink);

        // Two PACs with the same call id (7): the client-role table tells them apart by their own address.
        var pacs = new[]
        {
            (Address: WorkerTestPeer.Address("198.18.8.1"), CallId: (ushort)7, GatewayCallId: (ushort)100, Tunnel: WorkerTestPeer.Address("198.18.16.1")),
            (Address: WorkerTestPeer.Address("198.18.8.2"), CallId: (ushort)7, GatewayCallId: (ushort)101, Tunnel: WorkerTestPeer.Address("198.18.16.2")),
        };
        var clientHandles = new SessionHandle[pacs.Length];
        for (int i = 0; i < pacs.Length; i++)
        {
            var p = pacs[i];
            byte[] up = RandomNumberGenerator.GetBytes(16), down = RandomNumberGenerator.GetBytes(16);
            // Gateway side: (PAC address, our call id); it encrypts with 'down' and decrypts with 'up'.
            Assert.Equal(SessionInstallError.None, gateway.Host.TryOpen(new DataplaneSessionSpec(p.Address, p.GatewayCallId, p.CallId, 64, 64), out SessionHandle g));
            Assert.True(gateway.Host.SetNetwork(g, p.Tunnel, false, false, true));
            Assert.True(gateway.Host.SetMppe(g, new MppeParameters(MppeKeyStrength.Bits128, true, down, up)));
            // Client side: (our address, our call id), the gateway's call id as the peer's; the keys the other way round.
            Assert.Equal(SessionInstallError.None, client.TryOpen(new DataplaneSessionSpec(p.Address, p.CallId, p.GatewayCallId, 64, 64), out clientHandles[i]));
            Assert.True(client.SetNetwork(clientHandles[i], p.Tunnel, false, false, true));
            Assert.True(client.SetMppe(clientHandles[i], new MppeParameters(MppeKeyStrength.Bits128, true, up, down)));
        }
        Step(gateway, client, clientPorts);

        // Up: the tool's inside sends from each tunnel address to the gateway; the gateway's inside receives them intact.
        var sentUp = new List<byte[]>();
        for (int k = 0; k < 10; k++)
        {
            foreach (var p in pacs)
            {
                byte[] ip = WorkerTestPeer.Ipv4(p.Tunnel, Server, 100 + k, seed: k * 17 + (int)(p.Address & 0xFF));
                sentUp.Add(ip);
                Assert.Equal(1, clientPorts.PeerInside!.TransmitBurst([Packet(client.Pool, ip)]));
            }
        }
        Step(gateway, client, clientPorts);
        List<byte[]> arrivedUp = gateway.TakeInside();
        Assert.Equal(sentUp.Count, arrivedUp.Count);
        for (int k = 0; k < sentUp.Count; k++)
            Assert.Equal(sentUp[k], arrivedUp[k]);
        Assert.True(clientPorts.OutsideSourcesSeen.SetEquals(pacs.Select(p => p.Address)), "each PAC sent from its own address");

        // Down: the gateway's inside answers each tunnel address; the tool's inside receives them intact.
        var sentDown = new List<byte[]>();
        foreach (var p in pacs)
        {
            byte[] ip = WorkerTestPeer.Ipv4(Server, p.Tunnel, 300, seed: (int)(p.Address & 0xFF));
            sentDown.Add(ip);
            gateway.SendInside(0, ip);
        }
        Step(gateway, client, clientPorts);
        List<byte[]> arrivedDown = TakeAll(client.Pool, clientPorts.PeerInside!);
        Assert.Equal(sentDown.Count, arrivedDown.Count);
        for (int k = 0; k < sentDown.Count; k++)
            Assert.Equal(sentDown[k], arrivedDown[k]);

        // The client role's own counters: nothing dropped, every datagram counted both ways.
        DataplaneCounters c = client.GetCounters();
        Assert.Equal(0UL, c.TotalDropped);
        Assert.Equal((ulong)sentUp.Count, c.Traffic.InsideReceived);
        Assert.Equal((ulong)sentDown.Count, c.Traffic.InsideDelivered);

        // The exception path both ways: a PPP control frame (LCP Echo-Request) from the client reaches the gateway's sink.
        byte[] lcpEcho = [0xFF, 0x03, 0xC0, 0x21, 0x09, 0x01, 0x00, 0x08, 0, 0, 0, 0];
        Assert.True(client.SendControlFrame(clientHandles[1], lcpEcho));
        Step(gateway, client, clientPorts);
        (SessionHandle from, byte[] frame) = Assert.Single(gateway.Sink.Frames);
        Assert.Equal(lcpEcho, frame);
        Assert.True(gateway.Host.Sessions.TryGetConfig(from, out SessionConfig config));
        Assert.Equal(pacs[1].Address, config.PeerAddress);
    }

    [Fact]
    public void TheClientRoleRefusesGreThatDoesNotComeFromTheServer()
    {
        var clientPorts = new ClientFactory(Gateway);
        using var client = new DataplaneHost(new DataplaneOptions { SessionCapacity = 8, PoolCapacity = 1024, HashSeed = 2 }, clientPorts, new RecordingSink());
        uint pac = WorkerTestPeer.Address("198.18.8.1");
        Assert.Equal(SessionInstallError.None, client.TryOpen(new DataplaneSessionSpec(pac, 7, 100, 64, 64), out _));
        // A GRE data packet for (pac, call id 7), but from another host than the server.
        byte[] gre = WorkerTestPeer.Gre(7, 0, [0xC0, 0x21, 0x09, 0x01, 0x00, 0x08, 0, 0, 0, 0]);
        byte[] packet = new byte[20 + gre.Length];
        Assert.Equal(20, Ipv4HeaderWriter.TryWriteHeader(packet, WorkerTestPeer.Address("198.18.0.9"), pac, Ipv4Header.ProtocolGre, gre.Length, 1, 64));
        gre.CopyTo(packet, 20);
        Assert.Equal(1, clientPorts.PeerOutside!.TransmitBurst([Packet(client.Pool, packet)]));
        client.Workers[0].RunOnce();
        Assert.Equal(1UL, client.GetCounters()[DataplaneDropReason.UnknownSession]);
        Assert.Equal(0UL, client.Workers[0].Traffic.ControlFramesUp);
    }

    [Fact]
    public void TheClientRoleNeedsIpv4Framing()
    {
        var ports = new MemoryPortFactoryWithRole(OutsideFraming.Gre);
        Assert.Throws<ArgumentException>(() => new DataplaneHost(new DataplaneOptions { SessionCapacity = 8, PoolCapacity = 256 }, ports, new RecordingSink()));
    }

    /// <summary>Steps both hosts and carries the outside packets between them (copied: each host has its own pool).</summary>
    private static void Step(WorkerTestPeer gateway, DataplaneHost client, ClientFactory clientPorts)
    {
        Span<PacketHandle> burst = stackalloc PacketHandle[32];
        for (int turn = 0; turn < 8; turn++)
        {
            int work = 0;
            work += client.Workers[0].RunOnce() + client.PollControlPlane();
            foreach (byte[] bytes in TakeAll(client.Pool, clientPorts.PeerOutside!))
            {
                Assert.Equal(Ipv4Error.None, Ipv4Header.TryParse(bytes, out Ipv4Header ip));
                Assert.Equal(Gateway, ip.DestinationAddress);
                clientPorts.OutsideSourcesSeen.Add(ip.SourceAddress);
                gateway.SendOutside(0, bytes, ip.SourceAddress);
                work++;
            }
            work += gateway.Host.Workers[0].RunOnce() + gateway.Host.PollControlPlane();
            int n;
            while ((n = gateway.Ports.PeerOutside(0).ReceiveBurst(burst)) > 0)
            {
                foreach (PacketHandle p in burst[..n])
                {
                    byte[] bytes = p.Data.ToArray();
                    gateway.Host.Pool.Free(p);
                    Assert.Equal(1, clientPorts.PeerOutside!.TransmitBurst([Packet(client.Pool, bytes)]));
                    work++;
                }
            }
            if (work == 0)
                break;
        }
    }

    private static PacketHandle Packet(PacketPool pool, byte[] bytes)
    {
        Assert.True(pool.TryAllocate(out PacketHandle packet));
        Assert.True(packet.TryAppend(bytes.Length, out Span<byte> data));
        bytes.CopyTo(data);
        return packet;
    }

    private static List<byte[]> TakeAll(PacketPool pool, MemoryPort port)
    {
        var seen = new List<byte[]>();
        Span<PacketHandle> burst = stackalloc PacketHandle[32];
        int n;
        while ((n = port.ReceiveBurst(burst)) > 0)
        {
            foreach (PacketHandle p in burst[..n])
            {
                seen.Add(p.Data.ToArray());
                pool.Free(p);
            }
        }
        return seen;
    }

    /// <summary>The load tool's port shape with memory ports: outside IPv4-framed towards the server, role Client.</summary>
    private sealed class ClientFactory(uint server) : IDataplanePortFactory
    {
        public int MaxWorkers => 1;
        public MemoryPort? PeerOutside { get; private set; }
        public MemoryPort? PeerInside { get; private set; }
        public HashSet<uint> OutsideSourcesSeen { get; } = [];

        public DataplanePortPair Create(PacketPool pool, int worker)
        {
            (MemoryPort outside, MemoryPort peerOutside) = MemoryPort.CreatePair(1024, 0, 0);
            (MemoryPort inside, MemoryPort peerInside) = MemoryPort.CreatePair(1024, 1, 1);
            PeerOutside = peerOutside;
            PeerInside = peerInside;
            return new DataplanePortPair(outside, inside, OutsideFraming.Ipv4, server) { Role = DataplaneRole.Client };
        }
    }

    private sealed class MemoryPortFactoryWithRole(OutsideFraming framing) : IDataplanePortFactory
    {
        public int MaxWorkers => 1;

        public DataplanePortPair Create(PacketPool pool, int worker)
        {
            (MemoryPort outside, _) = MemoryPort.CreatePair(64, 0, 0);
            (MemoryPort inside, _) = MemoryPort.CreatePair(64, 1, 1);
            return new DataplanePortPair(outside, inside, framing, 0) { Role = DataplaneRole.Client };
        }
    }
}
