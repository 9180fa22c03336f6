using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using PptpGw.Dataplane.Buffers;
using PptpGw.Dataplane.Control;
using PptpGw.Dataplane.Mppe;
using PptpGw.Dataplane.Packets;
using PptpGw.Dataplane.Ports;
using PptpGw.Dataplane.Sessions;
using PptpGw.Dataplane.Workers;

namespace PptpGw.Bench.Dataplane;

/// <summary>
/// The worker's full paths through memory ports, MPPE-128, per packet:
/// <list type="bullet">
/// <item><see cref="EncryptEncapsulate"/>: an IPv4 burst from the inside → session lookup → PPP → MPPE encrypt →
/// GRE → outside (the benchmark refills the inside burst from a template each time: one copy of the datagram).</item>
/// <item><see cref="DecapsulateDecryptAndBack"/>: a closed loop in which every packet the worker sends out comes back
/// in: the session's peer call id and peer address are its own and both MPPE directions share one key, so the GRE
/// packets it encapsulates are valid GRE for it to receive (sequence numbers and coherency counts in order) and the
/// IPv4 datagrams it delivers (tunnel address → tunnel address) are valid to send again. One operation is one packet
/// decapsulated + decrypted and one encrypted + encapsulated; half of it is the decap path.</item>
/// </list>
/// Run: <c>./build.sh bench --filter *WorkerBenchmarks*</c>.
/// </summary>
[MemoryDiagnoser]
public class WorkerBenchmarks
{
    private static readonly uint Peer = 0xC6120A0A;    // 198.18.10.10
    private static readonly uint Tunnel = 0xC6130A02;  // 198.19.10.2

    private DataplaneHost _host = null!;
    private Worker _worker = null!;
    private MemoryPort _outside = null!;
    private MemoryPort _inside = null!;
    private PacketCache _cache = null!;
    private byte[] _datagram = [];
    private readonly PacketHandle[] _burst = new PacketHandle[PacketBurst.Size];

    /// <summary>IPv4 datagram size.</summary>
    [Params(64, 512, 1400)]
    public int Size { get; set; }

    /// <summary>MPPE stateless (a key change per packet) or stateful (every 256).</summary>
    [Params(true, false)]
    public bool Stateless { get; set; }

    [GlobalSetup(Target = nameof(EncryptEncapsulate))]
    public void Setup()
    {
        var ports = new MemoryPortFactory(ringCapacity: 256);
        _host = new DataplaneHost(new DataplaneOptions { SessionCapacity = 16, PoolCapacity = 4096, HashSeed = 1 }, ports, new NullSink());
        _worker = _host.Workers[0];
        _outside = ports.PeerOutside(0);
        _inside = ports.PeerInside(0);
        _cache = _host.Pool.CreateCache();
        if (_host.TryOpen(new DataplaneSessionSpec(Peer, 0x1234, 0x1234, 64, 64), out SessionHandle session) != SessionInstallError.None)
            throw new InvalidOperationException("install failed");
        byte[] key = new byte[16];
        new Random(1).NextBytes(key);
        _ = _host.SetNetwork(session, Tunnel, transmitAcfc: false, transmitPfc: false, requireEncryption: true);
        _ = _host.SetMppe(session, new MppeParameters(MppeKeyStrength.Bits128, Stateless, key, key));
        _ = _worker.RunOnce();

        _datagram = new byte[Size];
        _ = Ipv4HeaderWriter.TryWriteHeader(_datagram, Tunnel, Tunnel, Ipv4Header.ProtocolUdp, Size - Ipv4Header.MinHeaderLength, 1, 64);
        new Random(2).NextBytes(_datagram.AsSpan(Ipv4Header.MinHeaderLength));
    }

    [GlobalSetup(Target = nameof(DecapsulateDecryptAndBack))]
    public void SetupLoop()
    {
        Setup();
        // Prime the loop: one burst in flight each way.
        FillInside();
        _ = _worker.RunOnce();
        FillInside();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        // A benchmark of a path that drops would measure the drop path: refuse the result.
        DataplaneCounters counters = _host.GetCounters();
        if (counters.TotalDropped != 0 || counters.Traffic.OutsideSent == 0)
            throw new InvalidOperationException($"The benchmarked path dropped packets: {counters}");
        _ = _outside.Drain(_cache);
        _ = _inside.Drain(_cache);
        _cache.Flush();
        _host.Dispose();
    }

    [Benchmark(OperationsPerInvoke = PacketBurst.Size, Description = "inside → encrypt + encapsulate → outside")]
    public int EncryptEncapsulate()
    {
        FillInside();
        int work = _worker.RunOnce();
        int n = TakeOutsideInto(null);
        _cache.FreeBurst(_burst.AsSpan(0, n));
        return work;
    }

    [Benchmark(OperationsPerInvoke = PacketBurst.Size, Description = "outside → decapsulate + decrypt → inside, and back")]
    public int DecapsulateDecryptAndBack()
    {
        int work = _worker.RunOnce();
        _ = TakeOutsideInto(_outside);
        Span<PacketHandle> burst = _burst;
        int n = _inside.ReceiveBurst(burst);
        _ = _inside.TransmitBurst(burst[..n]);
        return work;
    }

    private int TakeOutsideInto(MemoryPort? loop)
    {
        Span<PacketHandle> burst = _burst;
        int n = _outside.ReceiveBurst(burst);
        if (loop is not null)
            _ = loop.TransmitBurst(burst[..n]);
        return n;
    }

    private void FillInside()
    {
        Span<PacketHandle> burst = _burst;
        for (int k = 0; k < burst.Length; k++)
        {
            _ = _cache.TryAllocate(out burst[k]);
            _ = burst[k].TryAppend(_datagram.Length, out Span<byte> data);
            _datagram.CopyTo(data);
        }

        _ = _inside.TransmitBurst(burst);
    }

    private sealed class NullSink : IControlFrameSink
    {
        public void OnControlFrame(SessionHandle session, ReadOnlySpan<byte> pppFrame)
        {
        }

        public void OnResetRequestNeeded(SessionHandle session)
        {
        }
    }
}
