using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using PptpGw.Dataplane.Mppe;

namespace PptpGw.Bench;

/// <summary>
/// MPPE-128 per packet, one session, one core: stateful and stateless, encrypt and decrypt, at 64, 512 and 1400
/// octets of protected data (PPP protocol + information). One operation = one packet; Mpps and Gbit/s columns are
/// derived from Mean (see <see cref="PacketRateConfig"/>).
/// <para>Decrypt needs a genuine stream: 1024 packets are encrypted in setup; each operation copies the next one
/// into a work buffer (a memcpy of Size octets, included in the time) and decrypts it; after the 1024th the receiver
/// is re-initialised (one SHA-1 per 1024 packets, amortised).</para>
/// <para><c>StatelessPlain</c> is the straightforward stateless cost written out with the stock building blocks:
/// one <c>SHA1.HashData</c>, two RC4 key schedules (interim key, then the new session key) and the RC4 pass — what
/// our stateless path does with the libcrypto SHA-1 and the MPPE key schedule instead.</para>
/// Run: <c>./build.sh bench --filter *MppeBenchmarks*</c>.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(PacketRateConfig))]
public class MppeBenchmarks
{
    private const int Ring = 1024;
    private static readonly byte[] StartKey = Convert.FromHexString("8B7CDC149B993A1BA118CB153F56DCCB"); // RFC 3079 §3.5.3

    private readonly MppeSender[] _stateful = new MppeSender[1];
    private readonly MppeSender[] _stateless = new MppeSender[1];
    private readonly MppeReceiver[] _statefulReceiver = new MppeReceiver[1];
    private readonly MppeReceiver[] _statelessReceiver = new MppeReceiver[1];
    private byte[][] _statefulRing = [];
    private byte[][] _statelessRing = [];
    private byte[] _packet = [];
    private byte[] _work = [];
    private int _statefulNext, _statelessNext;

    // StatelessPlain's state.
    private readonly byte[] _plainSessionKey = new byte[16];
    private readonly byte[] _plainInput = new byte[112];
    private readonly byte[] _plainDigest = new byte[20];
    private Rc4 _plainRc4;

    [Params(64, 512, 1400)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _packet = new byte[MppeHeader.Length + Size];
        new Random(42).NextBytes(_packet);
        _work = new byte[_packet.Length];
        _stateful[0].Initialize(StartKey, MppeKeyStrength.Bits128, stateless: false);
        _stateless[0].Initialize(StartKey, MppeKeyStrength.Bits128, stateless: true);
        _statefulRing = EncryptRing(stateless: false);
        _statelessRing = EncryptRing(stateless: true);
        _statefulReceiver[0].Initialize(StartKey, MppeKeyStrength.Bits128, stateless: false);
        _statelessReceiver[0].Initialize(StartKey, MppeKeyStrength.Bits128, stateless: true);
        MppeKeySchedule.DeriveInitialSessionKey(StartKey, MppeKeyStrength.Bits128, _plainSessionKey);
    }

    private byte[][] EncryptRing(bool stateless)
    {
        var sender = new MppeSender[1];
        sender[0].Initialize(StartKey, MppeKeyStrength.Bits128, stateless);
        var ring = new byte[Ring][];
        for (int n = 0; n < Ring; n++)
        {
            ring[n] = (byte[])_packet.Clone();
            if (sender[0].Encrypt(ring[n]) != MppeDropReason.None)
                throw new InvalidOperationException("setup: encrypt failed");
        }
        return ring;
    }

    [Benchmark(Description = "Stateful encrypt")]
    public MppeDropReason StatefulEncrypt() => _stateful[0].Encrypt(_packet);

    [Benchmark(Description = "Stateless encrypt")]
    public MppeDropReason StatelessEncrypt() => _stateless[0].Encrypt(_packet);

    [Benchmark(Description = "Stateful decrypt (+copy)")]
    public MppeDropReason StatefulDecrypt()
    {
        _statefulRing[_statefulNext].CopyTo(_work, 0);
        MppeDropReason result = _statefulReceiver[0].Decrypt(_work);
        if (++_statefulNext == Ring)
        {
            _statefulNext = 0;
            _statefulReceiver[0].Initialize(StartKey, MppeKeyStrength.Bits128, stateless: false);
        }
        return result;
    }

    [Benchmark(Description = "Stateless decrypt (+copy)")]
    public MppeDropReason StatelessDecrypt()
    {
        _statelessRing[_statelessNext].CopyTo(_work, 0);
        MppeDropReason result = _statelessReceiver[0].Decrypt(_work);
        if (++_statelessNext == Ring)
        {
            _statelessNext = 0;
            _statelessReceiver[0].Initialize(StartKey, MppeKeyStrength.Bits128, stateless: true);
        }
        return result;
    }

    [Benchmark(Baseline = true, Description = "Stateless plain (SHA1.HashData + 2 KSA + RC4)")]
    public void StatelessPlain()
    {
        // RFC 3078 §7.3 written out: InterimKey = SHA-1(StartKey | 40x00 | SessionKey | 40xF2)[0..16];
        // SessionKey = RC4(InterimKey, InterimKey); then RC4 keyed with SessionKey over the packet.
        Span<byte> input = _plainInput;
        StartKey.CopyTo(input);
        input.Slice(16, 40).Clear();
        _plainSessionKey.CopyTo(input[56..]);
        input[72..].Fill(0xF2);
        SHA1.HashData(input, _plainDigest);
        _plainRc4.SetKey(_plainDigest.AsSpan(0, 16));
        _plainRc4.Transform(_plainDigest.AsSpan(0, 16), _plainSessionKey);
        _plainRc4.SetKey(_plainSessionKey);
        _plainRc4.Transform(_packet.AsSpan(MppeHeader.Length));
    }
}
