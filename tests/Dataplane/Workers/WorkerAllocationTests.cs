using System.Buffers.Binary;
using System.Security.Cryptography;
using Microsoft.Extensions.Time.Testing;
using PptpGw.Dataplane.Buffers;
using PptpGw.Dataplane.Control;
using PptpGw.Dataplane.Mppe;
using PptpGw.Dataplane.Packets;
using PptpGw.Dataplane.Ports;
using PptpGw.Dataplane.Sessions;
using PptpGw.Dataplane.Workers;

namespace PptpGw.Tests.Dataplane.Workers;

/// <summary>
/// The "done when": a memory-port run of 1,000,000 packets through 1,000 sessions both ways with zero managed
/// allocations on the hot path. The worker is stepped on the test thread, so
/// <see cref="GC.GetAllocatedBytesForCurrentThread"/> around the loop covers the worker's whole loop (and the test
/// peer, which is written allocation-free too: it builds and checks packets in pool buffers with the codecs).
/// </summary>
public sealed class WorkerAllocationTests
{
    private const int Sessions = 1000;
    private const int PacketsEachWay = 500_000; // 1,000,000 in all
    private const int IpLength = 64;

    [Fact]
    public void A_million_packets_through_a_thousand_MPPE_sessions_allocate_nothing()
    {
        var time = new FakeTimeProvider(); // no timer fires: every acknowledgment rides on data
        var ports = new MemoryPortFactory(ringCapacity: 1024);
        var sink = new RecordingSink();
        using var host = new DataplaneHost(new DataplaneOptions { SessionCapacity = Sessions, PoolCapacity = 8192, HashSeed = 11, Time = time }, ports, sink);
        var run = new Run(host, ports);

        run.Exchange(20_000); // warm-up: JIT tiers, caches filled
        long before = GC.GetAllocatedBytesForCurrentThread();
        run.Exchange(PacketsEachWay);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(0, run.Errors);
        long total = PacketsEachWay + 20_000;
        Assert.Equal(total, run.InsideSeen);
        Assert.Equal(total, run.OutsideSeen);
        DataplaneCounters counters = host.GetCounters();
        Assert.Equal(0UL, counters.TotalDropped);
        Assert.Equal((ulong)total, counters.Traffic.InsideDelivered);
        Assert.Equal((ulong)total, counters.Traffic.OutsideSent);

        ulong packetsIn = 0;
        ulong packetsOut = 0;
        foreach (SessionHandle handle in run.Handles)
        {
            Assert.True(host.TryGetCounters(handle, out SessionCounters c));
            packetsIn += c.PacketsIn;
            packetsOut += c.PacketsOut;
            Assert.Equal(0UL, c.Dropped);
        }

        Assert.Equal((ulong)total, packetsIn);
        Assert.Equal((ulong)total, packetsOut);
    }

    /// <summary>The test's side of the wire: 1,000 clients (MPPE-128 stateful, client role) and the inside network.</summary>
    private sealed unsafe class Run
    {
        private readonly Worker _worker;
        private readonly MemoryPort _outside;
        private readonly MemoryPort _inside;
        private readonly PacketCache _cache;
        private readonly MppeSender[] _senders = new MppeSender[Sessions];
        private readonly MppeReceiver[] _receivers = new MppeReceiver[Sessions];
        private readonly uint[] _nextSequence = new uint[Sessions];
        private readonly uint[] _peer = new uint[Sessions];
        private readonly uint[] _tunnel = new uint[Sessions];
        private readonly PacketHandle[] _burst = new PacketHandle[PacketBurst.Size];
        private readonly byte[] _payload = new byte[IpLength - Ipv4Header.MinHeaderLength];
        private readonly uint _server = WorkerTestPeer.Address("198.19.255.1");
        private int _next;

        public Run(DataplaneHost host, MemoryPortFactory ports)
        {
            _worker = host.Workers[0];
            _outside = ports.PeerOutside(0);
            _inside = ports.PeerInside(0);
            _cache = host.Pool.CreateCache();
            new Random(5).NextBytes(_payload);
            Handles = new SessionHandle[Sessions];
            for (int s = 0; s < Sessions; s++)
            {
                _peer[s] = WorkerTestPeer.Address("198.18.0.0") + (uint)(s / 4) + 1;  // four calls per client address
                _tunnel[s] = WorkerTestPeer.Address("198.19.0.0") + (uint)s + 2;
                Assert.Equal(SessionInstallError.None,
                    host.TryOpen(new DataplaneSessionSpec(_peer[s], CallId(s), PeerCallId(s), 64, 64), out SessionHandle handle));
                Handles[s] = handle;
                byte[] send = RandomNumberGenerator.GetBytes(16);
                byte[] receive = RandomNumberGenerator.GetBytes(16);
                Assert.True(host.SetNetwork(handle, _tunnel[s], transmitAcfc: s % 2 == 0, transmitPfc: s % 3 == 0, requireEncryption: true));
                Assert.True(host.SetMppe(handle, new MppeParameters(MppeKeyStrength.Bits128, Stateless: false, send, receive)));
                _senders[s].Initialize(receive, MppeKeyStrength.Bits128, stateless: false);
                _receivers[s].Initialize(send, MppeKeyStrength.Bits128, stateless: false);
                if (s % 512 == 511)
                    DrainCommands();
            }

            DrainCommands();
        }

        public SessionHandle[] Handles { get; }
        public long InsideSeen { get; private set; }
        public long OutsideSeen { get; private set; }
        public int Errors { get; private set; }

        private static ushort CallId(int s) => (ushort)(s + 1);
        private static ushort PeerCallId(int s) => (ushort)(0x8000 + s);

        private void DrainCommands()
        {
            while (_worker.RunOnce() != 0)
            {
            }
        }

        /// <summary>Sends <paramref name="count"/> packets each way, a burst of each per worker turn, and checks what comes out.</summary>
        public void Exchange(int count)
        {
            for (int done = 0; done < count; done += PacketBurst.Size)
            {
                int n = Math.Min(PacketBurst.Size, count - done);
                int first = _next;
                Span<PacketHandle> burst = _burst.AsSpan(0, n);
                for (int k = 0; k < n; k++)
                    burst[k] = FromClient((first + k) % Sessions);
                Errors += n - _outside.TransmitBurst(burst);
                for (int k = 0; k < n; k++)
                    burst[k] = FromInside((first + k) % Sessions);
                Errors += n - _inside.TransmitBurst(burst);
                _next = (first + n) % Sessions;

                _worker.RunOnce();
                TakeInside();
                TakeOutside();
            }
        }

        private PacketHandle FromClient(int s)
        {
            if (!_cache.TryAllocate(out PacketHandle packet))
                throw new InvalidOperationException("pool exhausted");
            // GRE (12) | FF 03 00 FD | MPPE (2) | 00 21 | IPv4 (RFC 2637 §4.1, RFC 1662, RFC 3078 §3)
            const int ppp = 12, mppe = 16, inner = 18, ip = 20;
            Span<byte> room = packet.DataRoom;
            WriteIpv4(room.Slice(ip, IpLength), _tunnel[s], _server);
            BinaryPrimitives.WriteUInt16BigEndian(room[inner..], PppProtocol.Ipv4);
            if (_senders[s].Encrypt(room[mppe..(ip + IpLength)]) != MppeDropReason.None)
                Errors++;
            room[ppp] = 0xFF;
            room[ppp + 1] = 0x03;
            BinaryPrimitives.WriteUInt16BigEndian(room[(ppp + 2)..], PppProtocol.CompressedDatagram);
            int payload = ip + IpLength - ppp;
            _ = EnhancedGreWriter.TryWriteDataHeader(room, 0, CallId(s), payload, _nextSequence[s]++, false, 0);
            _ = packet.TryAppend(ip + IpLength, out _);
            packet.PeerAddress = _peer[s];
            return packet;
        }

        private PacketHandle FromInside(int s)
        {
            if (!_cache.TryAllocate(out PacketHandle packet))
                throw new InvalidOperationException("pool exhausted");
            _ = packet.TryAppend(IpLength, out Span<byte> data);
            WriteIpv4(data, _server, _tunnel[s]);
            return packet;
        }

        private void WriteIpv4(Span<byte> destination, uint source, uint target)
        {
            _ = Ipv4HeaderWriter.TryWriteHeader(destination, source, target, Ipv4Header.ProtocolUdp, _payload.Length, 1, 64);
            _payload.CopyTo(destination[Ipv4Header.MinHeaderLength..]);
        }

        private void TakeInside()
        {
            Span<PacketHandle> burst = _burst;
            int n;
            while ((n = _inside.ReceiveBurst(burst)) > 0)
            {
                for (int k = 0; k < n; k++)
                {
                    ReadOnlySpan<byte> ip = burst[k].Data;
                    if (ip.Length != IpLength || BinaryPrimitives.ReadUInt32BigEndian(ip[16..]) != _server
                        || !ip[Ipv4Header.MinHeaderLength..].SequenceEqual(_payload))
                        Errors++;
                    _cache.Free(burst[k]);
                }

                InsideSeen += n;
            }
        }

        private void TakeOutside()
        {
            Span<PacketHandle> burst = _burst;
            int n;
            while ((n = _outside.ReceiveBurst(burst)) > 0)
            {
                for (int k = 0; k < n; k++)
                {
                    if (!CheckFromGateway(burst[k]))
                        Errors++;
                    _cache.Free(burst[k]);
                }

                OutsideSeen += n;
            }
        }

        /// <summary>The client's receive path: GRE, PPP (per the session's ACFC/PFC), MPPE decrypt, inner IPv4.</summary>
        private bool CheckFromGateway(PacketHandle packet)
        {
            Span<byte> data = packet.Data;
            if (EnhancedGrePacket.TryParse(data, out EnhancedGrePacket gre) != EnhancedGreError.None || !gre.SequenceNumberPresent)
                return false;
            int s = gre.CallId - 0x8000;
            if ((uint)s >= Sessions || packet.PeerAddress != _peer[s])
                return false;
            Span<byte> ppp = data.Slice(gre.HeaderLength, gre.PayloadLength);
            if (PppFrame.TryParse(ppp, out PppFrame frame) != PppFrameError.None || frame.Protocol != PppProtocol.CompressedDatagram
                || frame.AddressControlPresent != (s % 2 != 0) || frame.ProtocolCompressed != (s % 3 == 0))
                return false;
            Span<byte> mppe = ppp[frame.HeaderLength..];
            if (_receivers[s].Decrypt(mppe) != MppeDropReason.None)
                return false;
            int innerLength = s % 3 == 0 ? 1 : 2;
            if ((innerLength == 1 ? mppe[2] : BinaryPrimitives.ReadUInt16BigEndian(mppe[2..])) != PppProtocol.Ipv4)
                return false;
            ReadOnlySpan<byte> ip = mppe[(2 + innerLength)..];
            return ip.Length == IpLength && BinaryPrimitives.ReadUInt32BigEndian(ip[16..]) == _tunnel[s]
                && ip[Ipv4Header.MinHeaderLength..].SequenceEqual(_payload);
        }
    }
}
