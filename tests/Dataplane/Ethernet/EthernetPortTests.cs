using Microsoft.Extensions.Time.Testing;
using PptpGw.Dataplane.Buffers;
using PptpGw.Dataplane.Ethernet;
using PptpGw.Dataplane.Packets;
using PptpGw.Dataplane.Ports;

namespace PptpGw.Tests.Dataplane.Ethernet;

/// <summary>The Ethernet/ARP layer over memory links: the test plays the wire (a client's NIC) and the kernel's TAP.</summary>
public sealed class EthernetPortTests : IDisposable
{
    private const uint Gateway = 0xC6120A01;   // 198.18.10.1
    private const uint Client = 0xC6120A02;    // 198.18.10.2
    private const uint Router = 0xC61214FE;    // 198.18.20.254 (inside tests)
    private static readonly MacAddress GatewayMac = new(0x02AA00000001);
    private static readonly MacAddress ClientMac = new(0x0A1B2C3D4E5F);

    private readonly PacketPool _pool = new(256);
    private readonly FakeTimeProvider _clock = new();
    private readonly MemoryPort _wire;   // the client's end of the link
    private readonly MemoryPort _kernel; // the kernel's end of the exception path
    private readonly EthernetPort _port;
    private readonly PacketHandle[] _burst = new PacketHandle[PacketBurst.Size];

    public EthernetPortTests()
    {
        (MemoryPort link, MemoryPort wire) = MemoryPort.CreatePair(64);
        (MemoryPort tap, MemoryPort kernel) = MemoryPort.CreatePair(64);
        _wire = wire;
        _kernel = kernel;
        _port = new EthernetPort(link, new EthernetPortOptions
        {
            LocalMac = GatewayMac,
            LocalAddress = Gateway,
            PrefixLength = 24,
            Role = EthernetRole.Outside,
        }, _pool, tap, _clock);
    }

    public void Dispose()
    {
        _port.ReleaseHeld();
        _wire.Drain(_pool);
        _kernel.Drain(_pool);
        Assert.Equal(_pool.Capacity, _pool.AvailableCount); // every packet accounted for
        _pool.Dispose();
    }

    [Fact]
    public void An_arp_request_for_the_gateway_is_answered_in_place_and_teaches_the_sender()
    {
        Send(_wire, Convert.FromHexString(EthernetCodecTests.CapturedArpRequest));
        Assert.Equal(0, _port.ReceiveBurst(_burst));

        byte[] reply = ReceiveOne(_wire);
        Assert.Equal(EthernetError.None, EthernetFrame.TryParse(reply, out EthernetFrame eth));
        Assert.Equal((ClientMac, GatewayMac, EthernetFrame.EtherTypeArp), (eth.Destination, eth.Source, eth.EtherType));
        Assert.Equal(ArpError.None, ArpPacket.TryParse(eth.Payload, out ArpPacket arp));
        Assert.Equal(ArpOperation.Reply, arp.Operation);
        Assert.Equal((GatewayMac, Gateway, ClientMac, Client),
            (arp.SenderHardwareAddress, arp.SenderProtocolAddress, arp.TargetHardwareAddress, arp.TargetProtocolAddress));
        Assert.Equal(1, _port.Counters.ArpRequestsAnswered);
        Assert.Equal(0, _kernel.PendingReceive);

        // The sender is now known: an IPv4 packet to it goes out at once, with its MAC.
        Transmit(Ipv4(Gateway, Client, Ipv4Header.ProtocolGre, 8));
        byte[] frame = ReceiveOne(_wire);
        Assert.Equal(EthernetError.None, EthernetFrame.TryParse(frame, out eth));
        Assert.Equal((ClientMac, GatewayMac, EthernetFrame.EtherTypeIpv4), (eth.Destination, eth.Source, eth.EtherType));
        Assert.Equal(0, _port.Counters.ArpRequestsSent);
    }

    [Fact]
    public void Gre_to_the_gateway_goes_up_without_its_ethernet_header_and_the_rest_goes_to_the_kernel()
    {
        byte[] gre = Frame(GatewayMac, ClientMac, Ipv4(Client, Gateway, Ipv4Header.ProtocolGre, 16));
        byte[] tcp = Frame(GatewayMac, ClientMac, Ipv4(Client, Gateway, Ipv4Header.ProtocolTcp, 20));
        byte[] icmp = Frame(GatewayMac, ClientMac, Ipv4(Client, Gateway, Ipv4Header.ProtocolIcmp, 8));
        byte[] greElsewhere = Frame(GatewayMac, ClientMac, Ipv4(Client, 0xC6120A07, Ipv4Header.ProtocolGre, 16));
        foreach (byte[] f in new[] { gre, tcp, icmp, greElsewhere })
            Send(_wire, f);

        Assert.Equal(1, _port.ReceiveBurst(_burst));
        Assert.Equal(gre.AsSpan(EthernetFrame.HeaderLength).ToArray(), _burst[0].Data.ToArray());
        _pool.Free(_burst[0]);

        Assert.Equal(tcp, ReceiveOne(_kernel));
        Assert.Equal(icmp, ReceiveOne(_kernel));
        Assert.Equal(greElsewhere, ReceiveOne(_kernel));
        Assert.Equal(3, _port.Counters.ToKernel);

        // What the kernel sends (its TCP 1723 answer) goes out on the wire unchanged.
        byte[] answer = Frame(ClientMac, GatewayMac, Ipv4(Gateway, Client, Ipv4Header.ProtocolTcp, 20));
        Send(_kernel, answer);
        Assert.Equal(0, _port.ReceiveBurst(_burst));
        Assert.Equal(answer, ReceiveOne(_wire));
        Assert.Equal(1, _port.Counters.FromKernel);
    }

    [Fact]
    public void A_packet_to_an_unknown_neighbour_waits_for_the_arp_reply()
    {
        Transmit(Ipv4(Gateway, Client, Ipv4Header.ProtocolGre, 8));
        byte[] request = ReceiveOne(_wire);
        Assert.Equal(EthernetFrame.MinimumLength, request.Length);
        Assert.Equal(EthernetError.None, EthernetFrame.TryParse(request, out EthernetFrame eth));
        Assert.True(eth.Destination.IsBroadcast);
        Assert.Equal(ArpError.None, ArpPacket.TryParse(eth.Payload, out ArpPacket arp));
        Assert.Equal((ArpOperation.Request, Gateway, Client), (arp.Operation, arp.SenderProtocolAddress, arp.TargetProtocolAddress));
        Assert.Equal(0, _wire.PendingReceive);

        // A second packet within the retry time sends no second request and replaces the held one.
        Transmit(Ipv4(Gateway, Client, Ipv4Header.ProtocolGre, 9));
        Assert.Equal(0, _wire.PendingReceive);

        byte[] reply = new byte[EthernetFrame.MinimumLength];
        EthernetFrameWriter.TryWriteHeader(reply, GatewayMac, ClientMac, EthernetFrame.EtherTypeArp);
        ArpPacketWriter.TryWrite(reply.AsSpan(14), ArpOperation.Reply, ClientMac, Client, GatewayMac, Gateway);
        Send(_wire, reply);
        Assert.Equal(0, _port.ReceiveBurst(_burst));

        byte[] held = ReceiveOne(_wire);
        Assert.Equal(EthernetError.None, EthernetFrame.TryParse(held, out eth));
        Assert.Equal(ClientMac, eth.Destination);
        Assert.Equal(Ipv4Header.MinHeaderLength + 9, eth.Payload.Length); // the latest packet
        Assert.Equal(reply, ReceiveOne(_kernel)); // the kernel may have asked too
        Assert.Equal(1, _port.Neighbours.HeldDropped);
    }

    [Fact]
    public void Frames_for_other_macs_and_malformed_frames_are_dropped_and_counted()
    {
        Send(_wire, Frame(new MacAddress(0x02BB00000009), ClientMac, Ipv4(Client, Gateway, Ipv4Header.ProtocolGre, 16)));
        Send(_wire, new byte[10]);
        byte[] badArp = Convert.FromHexString(EthernetCodecTests.CapturedArpRequest);
        badArp[15] = 6; // hardware type 6
        Send(_wire, badArp);
        Assert.Equal(0, _port.ReceiveBurst(_burst));
        Assert.Equal(1, _port.Counters.DroppedNotForUs);
        Assert.Equal(2, _port.Counters.DroppedMalformed);
        Assert.Equal(0, _kernel.PendingReceive);
        Assert.Equal(0, _wire.PendingReceive);
    }

    [Fact]
    public void Random_frames_never_throw_and_leak_nothing()
    {
        var random = new Random(7);
        for (int round = 0; round < 200; round++)
        {
            for (int i = 0; i < 8; i++)
            {
                var frame = new byte[random.Next(0, 100)];
                random.NextBytes(frame);
                if (frame.Length >= 14 && random.Next(2) == 0)
                {
                    GatewayMac.Write(frame);
                    frame[12] = 0x08;
                    frame[13] = (byte)(random.Next(2) == 0 ? 0x00 : 0x06);
                }

                Send(_wire, frame);
            }

            int up = _port.ReceiveBurst(_burst);
            _pool.FreeBurst(_burst.AsSpan(0, up));
            _wire.Drain(_pool);
            _kernel.Drain(_pool);
        }
    }

    [Fact]
    public void Inside_destinations_off_the_subnet_go_to_the_next_hop_or_are_dropped()
    {
        (MemoryPort link, MemoryPort wire) = MemoryPort.CreatePair(64);
        var noRoute = new EthernetPort(link, new EthernetPortOptions
        {
            LocalMac = GatewayMac, LocalAddress = 0xC6121401, PrefixLength = 24, Role = EthernetRole.Inside,
        }, _pool, null, _clock);
        PacketHandle p = Packet(Ipv4(0xC6130A0A, 0x08080808, Ipv4Header.ProtocolIcmp, 8));
        Assert.Equal(1, noRoute.TransmitBurst([p]));
        Assert.Equal(1, noRoute.Counters.DroppedNoRoute);
        Assert.Equal(0, wire.PendingReceive);

        // To the gateway's own inside address (a client pinging it through the tunnel): no ARP for ourselves; without
        // an exception port it is dropped as unhandled.
        Assert.Equal(1, noRoute.TransmitBurst([Packet(Ipv4(0xC6130A0A, 0xC6121401, Ipv4Header.ProtocolIcmp, 8))]));
        Assert.Equal(1, noRoute.Counters.DroppedUnhandled);
        Assert.Equal(0, noRoute.Counters.ArpRequestsSent);
        Assert.Equal(0, wire.PendingReceive);

        // Inside: IPv4 for others goes up; for the gateway itself (no exception port) it is dropped.
        Send(wire, Frame(GatewayMac, ClientMac, Ipv4(0xC6121402, 0xC6130A0A, Ipv4Header.ProtocolIcmp, 8)));
        Send(wire, Frame(GatewayMac, ClientMac, Ipv4(0xC6121402, 0xC6121401, Ipv4Header.ProtocolIcmp, 8)));
        Assert.Equal(1, noRoute.ReceiveBurst(_burst));
        _pool.Free(_burst[0]);
        Assert.Equal(2, noRoute.Counters.DroppedUnhandled);

        (MemoryPort link2, MemoryPort wire2) = MemoryPort.CreatePair(64);
        var routed = new EthernetPort(link2, new EthernetPortOptions
        {
            LocalMac = GatewayMac, LocalAddress = 0xC6121401, PrefixLength = 24, NextHop = Router, Role = EthernetRole.Inside,
        }, _pool, null, _clock);
        routed.Resolve(Router);
        byte[] request = ReceiveOne(wire2);
        Assert.Equal(EthernetError.None, EthernetFrame.TryParse(request, out EthernetFrame eth));
        Assert.Equal(ArpError.None, ArpPacket.TryParse(eth.Payload, out ArpPacket arp));
        Assert.Equal(Router, arp.TargetProtocolAddress);
        routed.ReleaseHeld();
        noRoute.ReleaseHeld();
    }

    /// <summary>
    /// The inside exception path: what the workers send to the gateway's inside address (a client pinging it through its
    /// tunnel) and what inside hosts send to it reach the kernel's TAP as frames to the port's own MAC; the kernel's
    /// NOARP frames are routed here: to the inside LAN by ARP, off the LAN (a pool address: the reply to that client) up to
    /// the workers without the Ethernet header; anything not IPv4 is dropped and counted.
    /// </summary>
    [Fact]
    public void The_inside_exception_path_reaches_the_kernel_and_routes_its_replies()
    {
        const uint inside = 0xC6121401;     // 198.18.20.1
        const uint host = 0xC6121402;       // 198.18.20.2
        const uint tunnelClient = 0xC6130A0A; // 198.19.10.10, a pool address
        (MemoryPort link, MemoryPort wire) = MemoryPort.CreatePair(64);
        (MemoryPort tap, MemoryPort kernel) = MemoryPort.CreatePair(64);
        var port = new EthernetPort(link, new EthernetPortOptions
        {
            LocalMac = GatewayMac, LocalAddress = inside, PrefixLength = 24, Role = EthernetRole.Inside,
        }, _pool, tap, _clock);

        // From the tunnel to the gateway: an Ethernet header to the port's (and the TAP's) own MAC is added.
        byte[] ping = Ipv4(tunnelClient, inside, Ipv4Header.ProtocolIcmp, 8);
        Assert.Equal(1, port.TransmitBurst([Packet(ping)]));
        byte[] toKernel = ReceiveOne(kernel);
        Assert.Equal(EthernetError.None, EthernetFrame.TryParse(toKernel, out EthernetFrame eth));
        Assert.Equal((GatewayMac, EthernetFrame.EtherTypeIpv4), (eth.Destination, eth.EtherType));
        Assert.Equal(ping, eth.Payload.ToArray());
        Assert.Equal(0, wire.PendingReceive);

        // From the inside LAN to the gateway: to the kernel unchanged.
        Send(wire, Frame(GatewayMac, ClientMac, Ipv4(host, inside, Ipv4Header.ProtocolIcmp, 8)));
        Assert.Equal(0, port.ReceiveBurst(_burst));
        Assert.Equal(1, kernel.PendingReceive);
        _ = ReceiveOne(kernel);

        // The kernel's reply to the client (routed into the TAP by the pool's route) goes up; its reply to the host is
        // resolved on the LAN (an ARP request, the packet held); its IPv6 is dropped.
        byte[] reply = Ipv4(inside, tunnelClient, Ipv4Header.ProtocolIcmp, 8);
        Send(kernel, Frame(GatewayMac, GatewayMac, reply));
        Send(kernel, Frame(GatewayMac, GatewayMac, Ipv4(inside, host, Ipv4Header.ProtocolIcmp, 8)));
        byte[] ipv6 = Frame(GatewayMac, GatewayMac, new byte[40]);
        ipv6[12] = 0x86;
        ipv6[13] = 0xDD;
        Send(kernel, ipv6);
        Assert.Equal(1, port.ReceiveBurst(_burst));
        Assert.Equal(reply, _burst[0].Data.ToArray());
        _pool.Free(_burst[0]);
        Assert.Equal(3, port.Counters.FromKernel);
        Assert.Equal(1, port.Counters.DroppedUnhandled);
        Assert.Equal(1, port.Counters.ArpRequestsSent);
        byte[] request = ReceiveOne(wire);
        Assert.Equal(EthernetError.None, EthernetFrame.TryParse(request, out eth));
        Assert.Equal(ArpError.None, ArpPacket.TryParse(eth.Payload, out ArpPacket arp));
        Assert.Equal(host, arp.TargetProtocolAddress);
        port.ReleaseHeld();
    }

    private void Transmit(byte[] ipv4) => Assert.Equal(1, _port.TransmitBurst([Packet(ipv4)]));

    private PacketHandle Packet(byte[] bytes)
    {
        Assert.True(_pool.TryAllocate(out PacketHandle p));
        Assert.True(p.TryAppend(bytes.Length, out Span<byte> data));
        bytes.CopyTo(data);
        return p;
    }

    private void Send(MemoryPort end, byte[] frame) => Assert.Equal(1, end.TransmitBurst([Packet(frame)]));

    private byte[] ReceiveOne(MemoryPort end)
    {
        var one = new PacketHandle[1];
        Assert.Equal(1, end.ReceiveBurst(one));
        byte[] bytes = one[0].Data.ToArray();
        _pool.Free(one[0]);
        return bytes;
    }

    /// <summary>
    /// A port that owns a range (the load tool's DPDK transport: one address per PAC, <c>--sources</c>): ARP for any of
    /// them is answered with that address, GRE to any of them goes up, and addresses past the range are not its own.
    /// </summary>
    [Fact]
    public void A_port_with_an_address_range_answers_arp_and_takes_gre_for_each_address_of_it()
    {
        const uint First = 0xC6120A40; // 198.18.10.64 .. .71
        (MemoryPort link, MemoryPort wire) = MemoryPort.CreatePair(64);
        (MemoryPort tap, MemoryPort kernel) = MemoryPort.CreatePair(64);
        var port = new EthernetPort(link, new EthernetPortOptions
        {
            LocalMac = GatewayMac,
            LocalAddress = First,
            LocalAddressCount = 8,
            PrefixLength = 24,
            Role = EthernetRole.Outside,
        }, _pool, tap, _clock);
        try
        {
            foreach (uint asked in new[] { First, First + 5, First + 7 })
            {
                Send(wire, ArpFrame(ArpOperation.Request, MacAddress.Broadcast, ClientMac, Client, MacAddress.Zero, asked));
                Assert.Equal(0, port.ReceiveBurst(_burst));
                Assert.Equal(EthernetError.None, EthernetFrame.TryParse(ReceiveOne(wire), out EthernetFrame eth));
                Assert.Equal(ArpError.None, ArpPacket.TryParse(eth.Payload, out ArpPacket arp));
                Assert.Equal((ArpOperation.Reply, GatewayMac, asked, ClientMac, Client),
                    (arp.Operation, arp.SenderHardwareAddress, arp.SenderProtocolAddress, arp.TargetHardwareAddress, arp.TargetProtocolAddress));
            }

            Assert.Equal(3, port.Counters.ArpRequestsAnswered);
            // Past the range: someone else's address, the kernel's business.
            byte[] other = ArpFrame(ArpOperation.Request, MacAddress.Broadcast, ClientMac, Client, MacAddress.Zero, First + 8);
            Send(wire, other);
            Assert.Equal(0, port.ReceiveBurst(_burst));
            Assert.Equal(other, ReceiveOne(kernel));
            Assert.Equal(0, wire.PendingReceive);

            // GRE to any address of the range goes up; past it, to the kernel.
            byte[] gre = Frame(GatewayMac, ClientMac, Ipv4(Client, First + 6, Ipv4Header.ProtocolGre, 16));
            byte[] beyond = Frame(GatewayMac, ClientMac, Ipv4(Client, First + 8, Ipv4Header.ProtocolGre, 16));
            Send(wire, gre);
            Send(wire, beyond);
            Assert.Equal(1, port.ReceiveBurst(_burst));
            Assert.Equal(gre.AsSpan(EthernetFrame.HeaderLength).ToArray(), _burst[0].Data.ToArray());
            _pool.Free(_burst[0]);
            Assert.Equal(beyond, ReceiveOne(kernel));

            // The reply to the kernel's ARP from one of the range's addresses teaches the port and reaches the kernel.
            byte[] reply = ArpFrame(ArpOperation.Reply, GatewayMac, ClientMac, Client, GatewayMac, First + 3);
            Send(wire, reply);
            Assert.Equal(0, port.ReceiveBurst(_burst));
            Assert.Equal(reply, ReceiveOne(kernel));
            Assert.Equal(NeighbourState.Reachable, port.Neighbours.Lookup(Client, _clock.GetTimestamp(), out MacAddress learnt));
            Assert.Equal(ClientMac, learnt);
        }
        finally
        {
            port.ReleaseHeld();
            wire.Drain(_pool);
            kernel.Drain(_pool);
        }

        Assert.Throws<ArgumentException>(() => new EthernetPort(link, new EthernetPortOptions
        {
            LocalMac = GatewayMac, LocalAddress = 0xC6120AFE, LocalAddressCount = 4, PrefixLength = 24, Role = EthernetRole.Outside,
        }, _pool, tap, _clock));
    }

    private static byte[] ArpFrame(ArpOperation operation, MacAddress to, MacAddress senderMac, uint sender, MacAddress targetMac, uint target)
    {
        byte[] frame = new byte[EthernetFrame.MinimumLength];
        EthernetFrameWriter.TryWriteHeader(frame, to, senderMac, EthernetFrame.EtherTypeArp);
        ArpPacketWriter.TryWrite(frame.AsSpan(EthernetFrame.HeaderLength), operation, senderMac, sender, targetMac, target);
        return frame;
    }

    private static byte[] Ipv4(uint source, uint destination, byte protocol, int payload)
    {
        var packet = new byte[Ipv4Header.MinHeaderLength + payload];
        Assert.Equal(20, Ipv4HeaderWriter.TryWriteHeader(packet, source, destination, protocol, payload, 1, 64));
        return packet;
    }

    private static byte[] Frame(MacAddress to, MacAddress from, byte[] ipv4)
    {
        var frame = new byte[EthernetFrame.HeaderLength + ipv4.Length];
        EthernetFrameWriter.TryWriteHeader(frame, to, from, EthernetFrame.EtherTypeIpv4);
        ipv4.CopyTo(frame, EthernetFrame.HeaderLength);
        return frame;
    }
}
