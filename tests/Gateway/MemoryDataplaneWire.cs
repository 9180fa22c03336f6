using System.Buffers.Binary;
using PptpGw.Client;
using PptpGw.Dataplane.Buffers;
using PptpGw.Dataplane.Packets;
using PptpGw.Dataplane.Ports;
using PptpGw.Dataplane.Workers;

namespace PptpGw.Tests.Gateway;

/// <summary>
/// The real dataplane (<see cref="DataplaneHost"/>: workers, GRE, MPPE) over memory ports, wired for gateway tests: the
/// outside port to a <see cref="MemoryGreTransport"/> whose other end the client uses (packets stamped with the client's
/// address, as the raw socket would), the inside port to a stand-in inside host that answers ICMP echo requests.
/// One thread moves packets; it sleeps when there is nothing to move.
/// </summary>
internal sealed class MemoryDataplaneWire : IDisposable
{
    private readonly MemoryPortFactory _ports;
    private readonly PacketPool _pool;
    private readonly uint _peer;
    private readonly MemoryGreTransport _server;
    private readonly Thread _thread;
    private volatile bool _stopping;
    private long _echoes, _insideOther;

    private MemoryDataplaneWire(DataplaneHost host, MemoryPortFactory ports, uint peerAddress, MemoryGreTransport server, MemoryGreTransport client)
    {
        Host = host;
        _ports = ports;
        _pool = host.Pool;
        _peer = peerAddress;
        _server = server;
        Client = client;
        _thread = new Thread(Run) { IsBackground = true, Name = "test-dataplane-wire" };
    }

    public DataplaneHost Host { get; }

    /// <summary>The client's GRE transport (what it sends reaches the gateway's outside port).</summary>
    public MemoryGreTransport Client { get; }

    /// <summary>ICMP echo requests the stand-in inside host answered.</summary>
    public long EchoesAnswered => Interlocked.Read(ref _echoes);

    /// <summary>Other packets that came out of the inside port.</summary>
    public long InsideOther => Interlocked.Read(ref _insideOther);

    /// <summary>Builds the dataplane with memory ports and starts it and the wire; <paramref name="peerAddress"/> in host order.</summary>
    public static MemoryDataplaneWire Create(PptpGw.Dataplane.Control.IControlFrameSink sink, uint peerAddress, int sessions)
    {
        var ports = new MemoryPortFactory();
        var host = new DataplaneHost(new DataplaneOptions { SessionCapacity = sessions, WorkerCount = 1 }, ports, sink);
        (MemoryGreTransport client, MemoryGreTransport server) = MemoryGreTransport.CreatePair();
        var wire = new MemoryDataplaneWire(host, ports, peerAddress, server, client);
        host.Start();
        wire._thread.Start();
        return wire;
    }

    private void Run()
    {
        byte[] buffer = new byte[2048];
        var burst = new PacketHandle[32];
        while (!_stopping)
        {
            int work = 0;
            // client → gateway outside
            while (work < 64 && _server.TryReceive(buffer, out int length, 0))
            {
                work++;
                if (!_pool.TryAllocate(out PacketHandle packet))
                    continue;
                if (!packet.TrySetData(_pool.Headroom, length))
                {
                    _pool.Free(packet);
                    continue;
                }
                buffer.AsSpan(0, length).CopyTo(packet.Data);
                packet.PeerAddress = _peer;
                if (_ports.PeerOutside(0).TransmitBurst([packet]) == 0)
                    _pool.Free(packet);
            }
            // gateway outside → client
            int n = _ports.PeerOutside(0).ReceiveBurst(burst);
            for (int i = 0; i < n; i++)
            {
                _server.Send(burst[i].Data);
                _pool.Free(burst[i]);
            }
            work += n;
            // gateway inside → the inside host, which answers pings
            n = _ports.PeerInside(0).ReceiveBurst(burst);
            for (int i = 0; i < n; i++)
            {
                byte[]? reply = EchoReply(burst[i].Data);
                _pool.Free(burst[i]);
                if (reply is null)
                {
                    Interlocked.Increment(ref _insideOther);
                    continue;
                }
                if (!_pool.TryAllocate(out PacketHandle packet) || !packet.TrySetData(_pool.Headroom, reply.Length))
                    continue;
                reply.CopyTo(packet.Data);
                if (_ports.PeerInside(0).TransmitBurst([packet]) == 0)
                    _pool.Free(packet);
                else
                    Interlocked.Increment(ref _echoes);
            }
            work += n;
            if (work == 0)
                Thread.Sleep(1);
        }
    }

    /// <summary>The echo reply (RFC 792) to an IPv4 echo request, or null for anything else.</summary>
    private static byte[]? EchoReply(ReadOnlySpan<byte> packet)
    {
        if (Ipv4Header.TryParse(packet, out Ipv4Header header) != Ipv4Error.None || header.Protocol != Ipv4Header.ProtocolIcmp
            || header.Payload.Length < 8 || header.Payload[0] != 8)
            return null;
        byte[] icmp = header.Payload.ToArray();
        icmp[0] = 0;
        icmp[2] = icmp[3] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(icmp.AsSpan(2), InternetChecksum.Compute(icmp));
        byte[] reply = new byte[Ipv4Header.MinHeaderLength + icmp.Length];
        Ipv4HeaderWriter.TryWriteHeader(reply, header.DestinationAddress, header.SourceAddress, Ipv4Header.ProtocolIcmp, icmp.Length,
            header.Identification, 64);
        icmp.CopyTo(reply, Ipv4Header.MinHeaderLength);
        return reply;
    }

    public void Dispose()
    {
        _stopping = true;
        _thread.Join();
        _server.Dispose();
        Client.Dispose();
    }
}
