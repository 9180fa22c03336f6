using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using PptpGw.Dataplane.Mppe;

namespace PptpGw.Bench;

/// <summary>
/// The pieces of one stateless MPPE key change (RFC 3078 §7.3), each on its own: the SHA-1 over the 112-octet
/// GetNewKeyFromSHA input three ways, the RC4 key schedule (generic, MPPE-specialised, two interleaved), and the
/// whole key change (plain <see cref="MppeKeySchedule.ChangeKey(ReadOnlySpan{byte}, Span{byte}, MppeKeyStrength)"/>
/// vs the hot-path one). Run: <c>./build.sh bench --filter *MppeRekeyBenchmarks*</c>.
/// </summary>
[MemoryDiagnoser]
public unsafe class MppeRekeyBenchmarks
{
    private readonly byte[] _input = new byte[112];
    private readonly byte[] _digest = new byte[20];
    private readonly byte[] _startKey = Convert.FromHexString("8B7CDC149B993A1BA118CB153F56DCCB");
    private readonly byte[] _sessionKey = Convert.FromHexString("405CB2247A7956E6E211007AE27B22D4");
    private readonly byte[] _keyB = Convert.FromHexString("0102030405060708090A0B0C0D0E0F10");
    private IncrementalHash _incremental = null!;
    private Rc4 _a, _b;

    [GlobalSetup]
    public void Setup()
    {
        new Random(3).NextBytes(_input);
        _incremental = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        if (!MppeSha1.IsNative)
            throw new PlatformNotSupportedException("libcrypto.so.3 SHA1_Init/Update/Final not available");
    }

    [GlobalCleanup]
    public void Cleanup() => _incremental.Dispose();

    [Benchmark(Baseline = true, Description = "SHA1.HashData (112 B)")]
    public void Sha1HashData() => SHA1.HashData(_input, _digest);

    [Benchmark(Description = "IncrementalHash reused (112 B)")]
    public void Sha1Incremental()
    {
        _incremental.AppendData(_input);
        _incremental.GetHashAndReset(_digest);
    }

    [Benchmark(Description = "libcrypto SHA1_Init/Update/Final (112 B)")]
    public void Sha1Libcrypto()
    {
        fixed (byte* i = _input)
        fixed (byte* d = _digest)
            MppeSha1.HashNative(i, _input.Length, d);
    }

    [Benchmark(Description = "Rc4.SetKey (16 B)")]
    public void SetKeyGeneric() => _a.SetKey(_sessionKey);

    [Benchmark(Description = "Rc4.SetKeyMppe (16 B)")]
    public void SetKeyMppe()
    {
        fixed (Rc4* a = &_a)
        fixed (byte* k = _sessionKey)
            Rc4.SetKeyMppe(a, k, 16);
    }

    [Benchmark(Description = "2 x SetKeyMppe, sequential")]
    public void TwoKeySchedulesSequential()
    {
        fixed (Rc4* a = &_a)
        fixed (Rc4* b = &_b)
        fixed (byte* ka = _sessionKey)
        fixed (byte* kb = _keyB)
        {
            Rc4.SetKeyMppe(a, ka, 16);
            Rc4.SetKeyMppe(b, kb, 16);
        }
    }

    [Benchmark(Description = "2 x SetKeyMppe, interleaved")]
    public void TwoKeySchedulesInterleaved()
    {
        fixed (Rc4* a = &_a)
        fixed (Rc4* b = &_b)
        fixed (byte* ka = _sessionKey)
        fixed (byte* kb = _keyB)
            Rc4.SetKeyMppe2(a, ka, 16, b, kb, 16);
    }

    [Benchmark(Description = "MppeKeySchedule.ChangeKey (plain)")]
    public void ChangeKeyPlain() => MppeKeySchedule.ChangeKey(_startKey, _sessionKey, MppeKeyStrength.Bits128);

    [Benchmark(Description = "MppeRekey.ChangeKey (hot path)")]
    public void ChangeKeyFast()
    {
        fixed (byte* s = _startKey)
        fixed (byte* k = _sessionKey)
            MppeRekey.ChangeKey(s, k, 16, MppeKeyStrength.Bits128);
    }
}

/// <summary>
/// Two independent RC4 streams over Size-octet buffers: one after the other vs <see cref="Rc4.Transform2"/> in one
/// loop. OperationsPerInvoke = 2, so Mean and the rate columns are per buffer.
/// Run: <c>./build.sh bench --filter *Rc4InterleaveBenchmarks*</c>.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(PacketRateConfig))]
public class Rc4InterleaveBenchmarks
{
    private byte[] _bufferA = [], _bufferB = [];
    private Rc4 _a, _b;

    [Params(64, 512, 1400)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _bufferA = new byte[Size];
        _bufferB = new byte[Size];
        _a = new Rc4([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
        _b = new Rc4([16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = 2, Description = "2 streams, sequential")]
    public void Sequential()
    {
        _a.Transform(_bufferA);
        _b.Transform(_bufferB);
    }

    [Benchmark(OperationsPerInvoke = 2, Description = "2 streams, interleaved")]
    public void Interleaved() => Rc4.Transform2(ref _a, _bufferA, ref _b, _bufferB);
}
