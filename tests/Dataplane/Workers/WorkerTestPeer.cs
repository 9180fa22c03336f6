using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using PptpGw.Dataplane.Buffers;
using PptpGw.Dataplane.Control;
using PptpGw.Dataplane.Mppe;
using PptpGw.Dataplane.Packets;
using PptpGw.Dataplane.Sessions;
using PptpGw.Dataplane.Workers;

namespace PptpGw.Tests.Dataplane.Workers;

/// <summary>What the control plane would receive: control frames and reset signals, in order.</summary>
internal sealed class RecordingSink : IControlFrameSink
{
    public ConcurrentQueue<(SessionHandle Session, byte[] Frame)> Frames { get; } = new();
    public ConcurrentQueue<SessionHandle> ResetRequests { get; } = new();

    public void OnControlFrame(SessionHandle session, ReadOnlySpan<byte> pppFrame) => Frames.Enqueue((session, pppFrame.ToArray()));

    public void OnResetRequestNeeded(SessionHandle session) => ResetRequests.Enqueue(session);
}

/// <summary>A GRE packet the gateway sent, parsed by the test with the colleagues' codecs.</summary>
internal sealed record GrePacketSeen(uint PeerAddress, ushort CallId, uint? Sequence, uint? Acknowledgment, byte[] Payload);

/// <summary>One PPTP client as the test plays it: its call ids, GRE numbering and MPPE state in the client role.</summary>
internal sealed class TestClient
{
    public required SessionHandle Handle { get; init; }
    public required uint PeerAddress { get; init; }
    public required ushort CallId { get; init; }      // ours (the gateway's): the key of what the client sends
    public required ushort PeerCallId { get; init; }  // the client's: the key of what the gateway sends
    public required int Worker { get; init; }
    public uint TunnelAddress { get; set; }
    public uint NextSequence { get; set; }
    public bool Mppe { get; set; }
    public bool Acfc { get; set; }
    public bool Pfc { get; set; }
    public MppeSender[] Sender { get; } = new MppeSender[1];
    public MppeReceiver[] Receiver { get; } = new MppeReceiver[1];
}

/// <summary>
/// Drives a <see cref="DataplaneHost"/> over memory ports: the outside ends play the PPTP clients (GRE + PPP + MPPE
/// built with <see cref="EnhancedGreWriter"/>, <see cref="PppFrameWriter"/>, <see cref="MppeSender"/>), the inside
/// ends play the inside network. The workers are stepped on the test thread.
/// </summary>
internal sealed class WorkerTestPeer : IDisposable
{
    public WorkerTestPeer(DataplaneOptions? options = null, OutsideFraming framing = OutsideFraming.Gre, uint localAddress = 0)
    {
        Ports = new MemoryPortFactory(4096, framing, localAddress);
        Host = new DataplaneHost(options ?? new DataplaneOptions { SessionCapacity = 64, PoolCapacity = 8192, HashSeed = 1 }, Ports, Sink);
        Framing = framing;
        LocalAddress = localAddress;
    }

    public RecordingSink Sink { get; } = new();
    public MemoryPortFactory Ports { get; }
    public DataplaneHost Host { get; }
    public OutsideFraming Framing { get; }
    public uint LocalAddress { get; }

    public static uint Address(string dotted) => BinaryPrimitives.ReadUInt32BigEndian(System.Net.IPAddress.Parse(dotted).GetAddressBytes());

    /// <summary>Installs a call and, optionally, brings IPCP (and CCP with MPPE) up.</summary>
    public TestClient Open(uint peer, ushort callId, ushort peerCallId, uint tunnelAddress = 0,
        MppeKeyStrength? mppe = null, bool stateless = true, bool acfc = false, bool pfc = false, bool requireEncryption = false)
    {
        Assert.Equal(SessionInstallError.None, Host.TryOpen(new DataplaneSessionSpec(peer, callId, peerCallId, 64, 64), out SessionHandle handle));
        var client = new TestClient { Handle = handle, Worker = Host.WorkerOf(handle), PeerAddress = peer, CallId = callId, PeerCallId = peerCallId, Acfc = acfc, Pfc = pfc };
        if (tunnelAddress != 0)
        {
            Assert.True(Host.SetNetwork(handle, tunnelAddress, acfc, pfc, requireEncryption));
            client.TunnelAddress = tunnelAddress;
        }

        if (mppe is { } strength)
        {
            int length = MppeKeySchedule.SessionKeyLength(strength);
            byte[] gatewaySend = RandomNumberGenerator.GetBytes(length);
            byte[] gatewayReceive = RandomNumberGenerator.GetBytes(length);
            Assert.True(Host.SetMppe(handle, new MppeParameters(strength, stateless, gatewaySend, gatewayReceive)));
            // The client's send key is the gateway's receive key and vice versa (RFC 3079 §3.4).
            client.Sender[0].Initialize(gatewayReceive, strength, stateless);
            client.Receiver[0].Initialize(gatewaySend, strength, stateless);
            client.Mppe = true;
        }

        Step();
        return client;
    }

    /// <summary>Runs every worker once and drains what went up; repeats while there is work.</summary>
    public void Step(int turns = 4)
    {
        for (int t = 0; t < turns; t++)
        {
            int work = 0;
            foreach (Worker worker in Host.Workers)
                work += worker.RunOnce();
            work += Host.PollControlPlane();
            if (work == 0)
                break;
        }
    }

    // ---- the client side (outside) ----

    /// <summary>An IPv4 datagram (ICMP-like payload of <paramref name="payloadLength"/> octets from <paramref name="seed"/>).</summary>
    public static byte[] Ipv4(uint source, uint destination, int payloadLength, int seed, byte protocol = Ipv4Header.ProtocolIcmp)
    {
        var packet = new byte[Ipv4Header.MinHeaderLength + payloadLength];
        Assert.Equal(20, Ipv4HeaderWriter.TryWriteHeader(packet, source, destination, protocol, payloadLength, (ushort)seed, 64));
        new Random(seed).NextBytes(packet.AsSpan(20));
        return packet;
    }

    /// <summary>Frames an IPv4 datagram as the client would: PPP 0x0021, or MPPE 0x00FD around it when <paramref name="encrypt"/>.</summary>
    public static byte[] PppIpv4(TestClient client, byte[] ip, bool encrypt)
    {
        var buffer = new byte[8 + ip.Length];
        int start;
        if (encrypt)
        {
            // [FF 03] 00 FD | MPPE header | 00 21 | datagram — encrypted from the inner protocol on (RFC 3078 §3).
            int inner = 6;
            BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(inner), PppProtocol.Ipv4);
            ip.CopyTo(buffer.AsSpan(inner + 2));
            Assert.Equal(MppeDropReason.None, client.Sender[0].Encrypt(buffer.AsSpan(inner - MppeHeader.Length)));
            start = PppFrameWriter.TryPrependHeader(buffer, inner - MppeHeader.Length, PppProtocol.CompressedDatagram, client.Acfc, client.Pfc);
        }
        else
        {
            ip.CopyTo(buffer.AsSpan(8));
            start = PppFrameWriter.TryPrependHeader(buffer, 8, PppProtocol.Ipv4, client.Acfc, client.Pfc);
        }

        return buffer[start..];
    }

    /// <summary>GRE data packet (S set, optional ack) around a PPP frame.</summary>
    public static byte[] Gre(ushort callId, uint sequence, byte[] ppp, uint? acknowledgment = null)
    {
        var buffer = new byte[16 + ppp.Length];
        int length = EnhancedGreWriter.TryWriteDataHeader(buffer, 0, callId, ppp.Length, sequence, acknowledgment.HasValue, acknowledgment ?? 0);
        ppp.CopyTo(buffer.AsSpan(length));
        return buffer[..(length + ppp.Length)];
    }

    /// <summary>Sends the client's next data packet (its own GRE numbering) carrying <paramref name="ppp"/>.</summary>
    public void SendFromClient(TestClient client, byte[] ppp, uint? sequence = null, uint? acknowledgment = null)
    {
        uint seq = sequence ?? client.NextSequence++;
        SendOutside(client.Worker, Gre(client.CallId, seq, ppp, acknowledgment), client.PeerAddress);
    }

    /// <summary>Puts raw bytes (starting at GRE, or at IPv4 with <see cref="OutsideFraming.Ipv4"/>) on a worker's outside port.</summary>
    public void SendOutside(int worker, byte[] bytes, uint peerAddress)
    {
        PacketHandle packet = Packet(bytes);
        packet.PeerAddress = peerAddress;
        Assert.Equal(1, Ports.PeerOutside(worker).TransmitBurst([packet]));
    }

    /// <summary>Puts an IPv4 datagram on a worker's inside port (the inside network sends it).</summary>
    public void SendInside(int worker, byte[] ip) => Assert.Equal(1, Ports.PeerInside(worker).TransmitBurst([Packet(ip)]));

    private PacketHandle Packet(byte[] bytes)
    {
        Assert.True(Host.Pool.TryAllocate(out PacketHandle packet));
        Assert.True(packet.TryAppend(bytes.Length, out Span<byte> data));
        bytes.CopyTo(data);
        return packet;
    }

    /// <summary>Everything the gateway sent out of a worker's outside port, parsed (and freed).</summary>
    public List<GrePacketSeen> TakeOutside(int worker = 0)
    {
        var seen = new List<GrePacketSeen>();
        Span<PacketHandle> burst = stackalloc PacketHandle[32];
        int n;
        while ((n = Ports.PeerOutside(worker).ReceiveBurst(burst)) > 0)
        {
            foreach (PacketHandle packet in burst[..n])
            {
                ReadOnlySpan<byte> data = packet.Data;
                uint peer = packet.PeerAddress;
                if (Framing == OutsideFraming.Ipv4)
                {
                    Assert.Equal(Ipv4Error.None, Ipv4Header.TryParse(data, out Ipv4Header ip));
                    Assert.Equal(Ipv4Header.ProtocolGre, ip.Protocol);
                    Assert.Equal(LocalAddress, ip.SourceAddress);
                    Assert.Equal(peer, ip.DestinationAddress);
                    data = ip.Payload;
                }

                Assert.Equal(EnhancedGreError.None, EnhancedGrePacket.TryParse(data, out EnhancedGrePacket gre));
                Assert.Equal(gre.HeaderLength + gre.PayloadLength, data.Length);
                seen.Add(new GrePacketSeen(peer, gre.CallId,
                    gre.SequenceNumberPresent ? gre.SequenceNumber : null,
                    gre.AcknowledgmentNumberPresent ? gre.AcknowledgmentNumber : null,
                    gre.Payload.ToArray()));
                Host.Pool.Free(packet);
            }
        }

        return seen;
    }

    /// <summary>Everything the gateway delivered to a worker's inside port (and frees it).</summary>
    public List<byte[]> TakeInside(int worker = 0)
    {
        var seen = new List<byte[]>();
        Span<PacketHandle> burst = stackalloc PacketHandle[32];
        int n;
        while ((n = Ports.PeerInside(worker).ReceiveBurst(burst)) > 0)
        {
            foreach (PacketHandle packet in burst[..n])
            {
                seen.Add(packet.Data.ToArray());
                Host.Pool.Free(packet);
            }
        }

        return seen;
    }

    /// <summary>
    /// The client's view of a PPP frame from the gateway: checks the framing agreed (ACFC/PFC) and returns the
    /// protocol and information; an MPPE datagram is decrypted and its inner protocol returned.
    /// </summary>
    public static (ushort Protocol, byte[] Information, MppeHeader? Mppe) Open(TestClient client, byte[] ppp)
    {
        Assert.Equal(PppFrameError.None, PppFrame.TryParse(ppp, out PppFrame frame));
        if (frame.Protocol != PppProtocol.Lcp)
        {
            Assert.Equal(!client.Acfc, frame.AddressControlPresent);
            Assert.Equal(client.Pfc && frame.Protocol < 0xFF, frame.ProtocolCompressed);
        }

        if (frame.Protocol != PppProtocol.CompressedDatagram)
            return (frame.Protocol, frame.Information.ToArray(), null);

        byte[] data = frame.Information.ToArray();
        Assert.Equal(MppeHeaderError.None, MppeHeader.TryRead(data, out MppeHeader header));
        Assert.Equal(MppeDropReason.None, client.Receiver[0].Decrypt(data));
        int innerLength = (data[2] & 1) != 0 ? 1 : 2;
        Assert.Equal(client.Pfc ? 1 : 2, innerLength);
        ushort inner = innerLength == 1 ? data[2] : BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(2));
        return (inner, data[(2 + innerLength)..], header);
    }

    public void Dispose() => Host.Dispose();
}
