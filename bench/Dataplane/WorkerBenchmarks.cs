using System.Security.Cryptography;
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
/// in: each session's peer call id and peer address are its own and both MPPE directions share one key, so the GRE
/// packets it encapsulates are valid GRE for it to receive (sequence numbers and coherency counts in order) and the
/// IPv4 datagrams it delivers (tunnel address → tunnel address) are valid to send again. One operation is one packet
/// decapsulated + decrypted and one encrypted + encapsulated (two RC4 passes over Size octets).</item>
/// </list>
/// <see cref="Sessions"/>: the 32 packets of a burst belong to 1 session (nothing to interleave for stateful MPPE:
/// one stream cannot run beside itself) or to 32 sessions, one packet each (the burst stage pairs independent streams).
/// Run: <c>./build.sh bench --filter *WorkerBenchmarks*</c>; the same paths with a plain per-packet MPPE are
/// <see cref="WorkerPlainBaselineBenchmarks"/>.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(PacketRateConfig))]
public class WorkerBenchmarks
{
    private WorkerRig _rig = null!;

    /// <summary>IPv4 datagram size.</summary>
    [Params(64, 512, 1400)]
    public int Size { get; set; }

    /// <summary>MPPE stateless (a key change per packet) or stateful (every 256).</summary>
    [Params(true, false)]
    public bool Stateless { get; set; }

    /// <summary>Sessions the burst's packets are spread over (round robin).</summary>
    [Params(1, 32)]
    public int Sessions { get; set; }

    [GlobalSetup(Target = nameof(EncryptEncapsulate))]
    public void Setup() => _rig = new WorkerRig(Size, Sessions, mppe: true, Stateless);

    [GlobalSetup(Target = nameof(DecapsulateDecryptAndBack))]
    public void SetupLoop()
    {
        Setup();
        _rig.PrimeLoop();
    }

    [GlobalCleanup]
    public void Cleanup() => _rig.Dispose();

    [Benchmark(OperationsPerInvoke = PacketBurst.Size, Description = "inside → encrypt + encapsulate → outside")]
    public int EncryptEncapsulate() => _rig.EncryptEncapsulate();

    [Benchmark(OperationsPerInvoke = PacketBurst.Size, Description = "outside → decapsulate + decrypt → inside, and back")]
    public int DecapsulateDecryptAndBack() => _rig.Loop();
}

/// <summary>
/// The baseline for the stateless aim: the same worker paths as <see cref="WorkerBenchmarks"/> with MPPE off (PPP
/// carries IPv4 in clear, protocol 0x0021), plus, for every packet that would have been encrypted or decrypted, the
/// straightforward stateless MPPE-128 step written plainly (RFC 3078 §7.3): one <c>SHA1.HashData</c> over the
/// 112-octet GetNewKeyFromSHA input, <c>Rc4.SetKey</c> with the interim key, RC4 over it to get the new session key,
/// <c>Rc4.SetKey</c> with that and RC4 over Size octets (a per-session scratch buffer, since the worker's own packet
/// must stay clear for the pipeline; the scratch is as hot in cache as the packet would be). So this is "the worker
/// with a per-packet implementation instead of ours" minus the 2-octet MPPE header, which favours the baseline by a
/// hair. One plain step per operation for <see cref="EncryptEncapsulatePlain"/>, two for
/// <see cref="DecapsulateDecryptAndBackPlain"/> (decrypt and encrypt), as in <see cref="WorkerBenchmarks"/>.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(PacketRateConfig))]
public class WorkerPlainBaselineBenchmarks
{
    private WorkerRig _rig = null!;
    private byte[][] _startKeys = [];
    private byte[][] _sessionKeys = [];
    private byte[][] _scratch = [];
    private readonly byte[] _input = new byte[112];
    private readonly byte[] _digest = new byte[20];
    private Rc4 _rc4;
    private int _next;

    [Params(64, 512, 1400)]
    public int Size { get; set; }

    [Params(1, 32)]
    public int Sessions { get; set; }

    [GlobalSetup(Target = nameof(EncryptEncapsulatePlain))]
    public void Setup()
    {
        _rig = new WorkerRig(Size, Sessions, mppe: false, stateless: true);
        _startKeys = new byte[Sessions][];
        _sessionKeys = new byte[Sessions][];
        _scratch = new byte[Sessions][];
        for (int s = 0; s < Sessions; s++)
        {
            _startKeys[s] = new byte[16];
            new Random(100 + s).NextBytes(_startKeys[s]);
            _sessionKeys[s] = new byte[16];
            MppeKeySchedule.DeriveInitialSessionKey(_startKeys[s], MppeKeyStrength.Bits128, _sessionKeys[s]);
            _scratch[s] = new byte[Size];
            new Random(200 + s).NextBytes(_scratch[s]);
        }
    }

    [GlobalSetup(Target = nameof(DecapsulateDecryptAndBackPlain))]
    public void SetupLoop()
    {
        Setup();
        _rig.PrimeLoop();
    }

    [GlobalCleanup]
    public void Cleanup() => _rig.Dispose();

    [Benchmark(OperationsPerInvoke = PacketBurst.Size, Description = "inside → plain stateless MPPE + encapsulate → outside")]
    public int EncryptEncapsulatePlain()
    {
        int work = _rig.EncryptEncapsulate();
        for (int k = 0; k < PacketBurst.Size; k++)
            PlainStateless();
        return work;
    }

    [Benchmark(OperationsPerInvoke = PacketBurst.Size, Description = "outside → decapsulate + plain stateless MPPE → inside, and back")]
    public int DecapsulateDecryptAndBackPlain()
    {
        int work = _rig.Loop();
        for (int k = 0; k < 2 * PacketBurst.Size; k++)
            PlainStateless();
        return work;
    }

    /// <summary>One stateless MPPE-128 packet, written plainly (see the type's summary).</summary>
    private void PlainStateless()
    {
        int s = _next;
        _next = s + 1 == _sessionKeys.Length ? 0 : s + 1;
        byte[] sessionKey = _sessionKeys[s];
        Span<byte> input = _input;
        _startKeys[s].CopyTo(input);
        input.Slice(16, 40).Clear();
        sessionKey.CopyTo(input[56..]);
        input[72..].Fill(0xF2);
        SHA1.HashData(input, _digest);
        _rc4.SetKey(_digest.AsSpan(0, 16));
        _rc4.Transform(_digest.AsSpan(0, 16), sessionKey);
        _rc4.SetKey(sessionKey);
        _rc4.Transform(_scratch[s]);
    }
}

/// <summary>A dataplane with one worker on memory ports and <c>sessions</c> sessions, driven by the benchmarks above.</summary>
internal sealed class WorkerRig : IDisposable
{
    private const uint Peer = 0xC6120A00;    // 198.18.10.0 + session
    private const uint Tunnel = 0xC6130A00;  // 198.19.10.0 + session

    private readonly DataplaneHost _host;
    private readonly Worker _worker;

    /// <summary>The one worker (the metrics scrape benchmark reads its counters from another thread).</summary>
    public Worker Worker => _worker;

    /// <summary>The dataplane's counters (the worker-probe counts packets with them).</summary>
    public DataplaneCounters Counters => _host.GetCounters();
    private readonly MemoryPort _outside;
    private readonly MemoryPort _inside;
    private readonly PacketCache _cache;
    private readonly byte[][] _datagrams;
    private readonly PacketHandle[] _burst = new PacketHandle[PacketBurst.Size];

    public WorkerRig(int size, int sessions, bool mppe, bool stateless)
    {
        var ports = new MemoryPortFactory(ringCapacity: 256);
        _host = new DataplaneHost(new DataplaneOptions { SessionCapacity = 64, PoolCapacity = 4096, HashSeed = 1 }, ports, new NullSink());
        _worker = _host.Workers[0];
        _outside = ports.PeerOutside(0);
        _inside = ports.PeerInside(0);
        _cache = _host.Pool.CreateCache();
        _datagrams = new byte[sessions][];
        for (int s = 0; s < sessions; s++)
        {
            // Peer call id = our call id, so what the worker sends is addressed to itself (the loop benchmark).
            ushort callId = (ushort)(0x1234 + s);
            if (_host.TryOpen(new DataplaneSessionSpec(Peer + (uint)s, callId, callId, 64, 64), out SessionHandle session) != SessionInstallError.None)
                throw new InvalidOperationException("install failed");
            uint tunnel = Tunnel + (uint)s;
            _ = _host.SetNetwork(session, tunnel, transmitAcfc: false, transmitPfc: false, requireEncryption: mppe);
            if (mppe)
            {
                byte[] key = new byte[16];
                new Random(100 + s).NextBytes(key);
                _ = _host.SetMppe(session, new MppeParameters(MppeKeyStrength.Bits128, stateless, key, key));
            }

            byte[] datagram = new byte[size];
            _ = Ipv4HeaderWriter.TryWriteHeader(datagram, tunnel, tunnel, Ipv4Header.ProtocolUdp, size - Ipv4Header.MinHeaderLength, 1, 64);
            new Random(2 + s).NextBytes(datagram.AsSpan(Ipv4Header.MinHeaderLength));
            _datagrams[s] = datagram;
        }

        _ = _worker.RunOnce();
    }

    /// <summary>One burst in flight each way.</summary>
    public void PrimeLoop()
    {
        FillInside();
        _ = _worker.RunOnce();
        FillInside();
    }

    public int EncryptEncapsulate()
    {
        FillInside();
        int work = _worker.RunOnce();
        Span<PacketHandle> burst = _burst;
        int n = _outside.ReceiveBurst(burst);
        _cache.FreeBurst(burst[..n]);
        return work;
    }

    public int Loop()
    {
        int work = _worker.RunOnce();
        Span<PacketHandle> burst = _burst;
        int n = _outside.ReceiveBurst(burst);
        _ = _outside.TransmitBurst(burst[..n]);
        n = _inside.ReceiveBurst(burst);
        _ = _inside.TransmitBurst(burst[..n]);
        return work;
    }

    private void FillInside()
    {
        Span<PacketHandle> burst = _burst;
        for (int k = 0; k < burst.Length; k++)
        {
            byte[] datagram = _datagrams[k % _datagrams.Length];
            _ = _cache.TryAllocate(out burst[k]);
            _ = burst[k].TryAppend(datagram.Length, out Span<byte> data);
            datagram.CopyTo(data);
        }

        _ = _inside.TransmitBurst(burst);
    }

    public void Dispose()
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
