using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using PptpGw.Dataplane.Mppe;

namespace PptpGw.Bench;

/// <summary>
/// A burst of 32 packets from 32 MPPE-128 sessions, encrypted (a) with <see cref="MppeBurst.Encrypt"/>, which
/// interleaves the RC4 key schedules and keystreams of independent streams two at a time, (b) packet by packet with
/// <see cref="MppeSender.Encrypt"/> (same key changes, no interleaving), and for stateless (c) with the plain
/// per-packet formula (SHA1.HashData + 2 key schedules + RC4). OperationsPerInvoke = 32, so Mean, Mpps and Gbit/s
/// are per packet. Run: <c>./build.sh bench --filter *MppeBurstBenchmarks*</c>.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(PacketRateConfig))]
public class MppeBurstBenchmarks
{
    private const int Burst = MppeBurst.MaxPackets;

    private readonly MppeSender[] _stateless = new MppeSender[Burst];
    private readonly MppeSender[] _stateful = new MppeSender[Burst];
    private readonly MppePacket[] _packets = new MppePacket[Burst];
    private readonly MppeDropReason[] _results = new MppeDropReason[Burst];
    private byte[] _slab = [];

    private readonly byte[][] _plainStartKeys = new byte[Burst][];
    private readonly byte[][] _plainSessionKeys = new byte[Burst][];
    private readonly byte[] _plainInput = new byte[112];
    private readonly byte[] _plainDigest = new byte[20];
    private Rc4 _plainRc4;

    [Params(64, 512, 1400)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        int stride = MppeHeader.Length + Size;
        _slab = new byte[Burst * stride];
        new Random(7).NextBytes(_slab);
        for (int s = 0; s < Burst; s++)
        {
            byte[] key = new byte[16];
            new Random(100 + s).NextBytes(key);
            _stateless[s].Initialize(key, MppeKeyStrength.Bits128, stateless: true);
            _stateful[s].Initialize(key, MppeKeyStrength.Bits128, stateless: false);
            _packets[s] = new MppePacket(s, s * stride, stride);
            _plainStartKeys[s] = key;
            _plainSessionKeys[s] = new byte[16];
            MppeKeySchedule.DeriveInitialSessionKey(key, MppeKeyStrength.Bits128, _plainSessionKeys[s]);
        }
    }

    [Benchmark(OperationsPerInvoke = Burst, Description = "Stateless, burst (interleaved)")]
    public int StatelessBurst() => MppeBurst.Encrypt(_stateless, _slab, _packets, _results);

    [Benchmark(OperationsPerInvoke = Burst, Description = "Stateless, one by one")]
    public void StatelessOneByOne()
    {
        foreach (MppePacket p in _packets)
            _stateless[p.Session].Encrypt(_slab.AsSpan(p.Offset, p.Length));
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Burst, Description = "Stateless, plain formula")]
    public void StatelessPlain()
    {
        Span<byte> input = _plainInput;
        foreach (MppePacket p in _packets)
        {
            byte[] sessionKey = _plainSessionKeys[p.Session];
            _plainStartKeys[p.Session].CopyTo(input);
            input.Slice(16, 40).Clear();
            sessionKey.CopyTo(input[56..]);
            input[72..].Fill(0xF2);
            SHA1.HashData(input, _plainDigest);
            _plainRc4.SetKey(_plainDigest.AsSpan(0, 16));
            _plainRc4.Transform(_plainDigest.AsSpan(0, 16), sessionKey);
            _plainRc4.SetKey(sessionKey);
            _plainRc4.Transform(_slab.AsSpan(p.Offset + MppeHeader.Length, p.Length - MppeHeader.Length));
        }
    }

    [Benchmark(OperationsPerInvoke = Burst, Description = "Stateful, burst (interleaved)")]
    public int StatefulBurst() => MppeBurst.Encrypt(_stateful, _slab, _packets, _results);

    [Benchmark(OperationsPerInvoke = Burst, Description = "Stateful, one by one")]
    public void StatefulOneByOne()
    {
        foreach (MppePacket p in _packets)
            _stateful[p.Session].Encrypt(_slab.AsSpan(p.Offset, p.Length));
    }
}
