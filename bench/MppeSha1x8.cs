using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace PptpGw.Bench;

/// <summary>
/// SHA-1 (FIPS 180-4 §6.1) of up to eight messages at once, one message per 32-bit lane of a <see cref="Vector256{T}"/>:
/// the multi-buffer form for the stateless key changes of a burst (GetNewKeyFromSHA, RFC 3079 §2.4/§3.4, whose input is
/// 96 or 112 octets: two blocks once padded).
/// </summary>
/// <remarks>
/// <b>A measured alternative, not on the dataplane's path</b> (bench/RESULTS.md, issue 16): with all eight lanes used it
/// took 60-72 ns per 112-octet message against libcrypto's SHA-NI path's 74-89 ns in the same runs (0.8-0.9 ×), a gain of
/// ~10 ns per stateless packet that did not show in the burst (batching the SHA-1s of a burst first, then the key
/// schedules, was no faster than the pairs of <c>MppeRekey.ChangeKey2</c>). <c>bench rc4-race</c> checks every lane
/// against <c>SHA1.HashData</c> before it times it.
/// Hand-written because no library offers a multi-message SHA-1, and .NET exposes no SHA instructions (there is no
/// <c>System.Runtime.Intrinsics.X86.Sha</c>): libcrypto's SHA-NI path (<see cref="MppeSha1"/>) does one message per call.
/// Eight lanes of the plain compression function amortise each vector instruction over eight messages; with AVX-512VL
/// the rotates are one instruction (<c>vprold</c>) and the round functions one ternary-logic instruction.  Only messages of <see cref="MinLength"/> to <see cref="MaxLength"/> octets (exactly two
/// blocks once padded).
/// </remarks>
public static unsafe class MppeSha1x8
{
    /// <summary>Messages per call.</summary>
    public const int Lanes = 8;

    /// <summary>Shortest message: its padding (0x80 and the 64-bit length) no longer fits in the first block.</summary>
    public const int MinLength = 56;

    /// <summary>Longest message that still pads into two blocks.</summary>
    public const int MaxLength = 119;

    /// <summary>True where the vector form runs in hardware (AVX2 or better).</summary>
    public static bool IsAccelerated => Avx2.IsSupported;

    /// <summary>
    /// SHA-1 of <paramref name="count"/> (1 to 8) messages: <paramref name="inputs"/>[l] of <paramref name="lengths"/>[l]
    /// octets (<see cref="MinLength"/> to <see cref="MaxLength"/>), the first <paramref name="digestLength"/> (4, 8, 12,
    /// 16 or 20) octets of the digest to <paramref name="digests"/>[l]. Lanes beyond <paramref name="count"/> are
    /// computed over zeros and discarded. Only when <see cref="IsAccelerated"/>.
    /// </summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Hash(byte** inputs, int* lengths, int count, byte** digests, int digestLength)
    {
        // Each lane's two padded blocks (FIPS 180-4 §5.1.1), then transposed: w[t] holds word t of every lane.
        byte* blocks = stackalloc byte[Lanes * 128];
        for (int l = 0; l < Lanes; l++)
        {
            byte* block = blocks + 128 * l;
            if (l < count)
            {
                int length = lengths[l];
                Unsafe.CopyBlockUnaligned(block, inputs[l], (uint)length);
                block[length] = 0x80;
                Unsafe.InitBlockUnaligned(block + length + 1, 0, (uint)(120 - length - 1));
                BinaryPrimitives.WriteUInt64BigEndian(new Span<byte>(block + 120, 8), (ulong)length * 8);
            }
            else
            {
                Unsafe.InitBlockUnaligned(block, 0, 128);
            }
        }
        Vector256<uint>* w = stackalloc Vector256<uint>[32];
        for (int t = 0; t < 32; t += 8)
            Transpose(blocks + 4 * t, w + t);

        Vector256<uint>* h = stackalloc Vector256<uint>[5];
        h[0] = Vector256.Create(0x67452301u);
        h[1] = Vector256.Create(0xEFCDAB89u);
        h[2] = Vector256.Create(0x98BADCFEu);
        h[3] = Vector256.Create(0x10325476u);
        h[4] = Vector256.Create(0xC3D2E1F0u);
        Vector256<uint>* schedule = stackalloc Vector256<uint>[80];
        Compress(w, h, schedule);
        Compress(w + 16, h, schedule);

        uint* out32 = (uint*)h;
        for (int l = 0; l < count; l++)
        {
            byte* digest = digests[l];
            for (int n = 0; n < digestLength; n += 4)
                BinaryPrimitives.WriteUInt32BigEndian(new Span<byte>(digest + n, 4), out32[(n >> 2) * Lanes + l]);
        }
        // Key material: the messages (start and session keys), the schedule and the digests (interim keys).
        Unsafe.InitBlockUnaligned(blocks, 0, Lanes * 128);
        Unsafe.InitBlockUnaligned(w, 0, (uint)(32 * sizeof(Vector256<uint>)));
        Unsafe.InitBlockUnaligned(h, 0, (uint)(5 * sizeof(Vector256<uint>)));
        Unsafe.InitBlockUnaligned(schedule, 0, (uint)(80 * sizeof(Vector256<uint>)));
    }

    /// <summary>
    /// Words t..t+7 of the eight lanes' blocks (each 128 octets apart, from <paramref name="row"/>), big-endian, into
    /// eight vectors of one word per lane: an 8 x 8 transpose in registers (a store of single words followed by a vector
    /// load of them would stall on store-to-load forwarding).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose(byte* row, Vector256<uint>* w)
    {
        var swap = Vector256.Create((byte)3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12, 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12);
        Vector256<uint> r0 = Avx2.Shuffle(Vector256.Load(row + 0 * 128), swap).AsUInt32();
        Vector256<uint> r1 = Avx2.Shuffle(Vector256.Load(row + 1 * 128), swap).AsUInt32();
        Vector256<uint> r2 = Avx2.Shuffle(Vector256.Load(row + 2 * 128), swap).AsUInt32();
        Vector256<uint> r3 = Avx2.Shuffle(Vector256.Load(row + 3 * 128), swap).AsUInt32();
        Vector256<uint> r4 = Avx2.Shuffle(Vector256.Load(row + 4 * 128), swap).AsUInt32();
        Vector256<uint> r5 = Avx2.Shuffle(Vector256.Load(row + 5 * 128), swap).AsUInt32();
        Vector256<uint> r6 = Avx2.Shuffle(Vector256.Load(row + 6 * 128), swap).AsUInt32();
        Vector256<uint> r7 = Avx2.Shuffle(Vector256.Load(row + 7 * 128), swap).AsUInt32();
        Vector256<ulong> t0 = Avx2.UnpackLow(r0, r1).AsUInt64(), t1 = Avx2.UnpackHigh(r0, r1).AsUInt64();
        Vector256<ulong> t2 = Avx2.UnpackLow(r2, r3).AsUInt64(), t3 = Avx2.UnpackHigh(r2, r3).AsUInt64();
        Vector256<ulong> t4 = Avx2.UnpackLow(r4, r5).AsUInt64(), t5 = Avx2.UnpackHigh(r4, r5).AsUInt64();
        Vector256<ulong> t6 = Avx2.UnpackLow(r6, r7).AsUInt64(), t7 = Avx2.UnpackHigh(r6, r7).AsUInt64();
        Vector256<uint> u0 = Avx2.UnpackLow(t0, t2).AsUInt32(), u1 = Avx2.UnpackHigh(t0, t2).AsUInt32();
        Vector256<uint> u2 = Avx2.UnpackLow(t1, t3).AsUInt32(), u3 = Avx2.UnpackHigh(t1, t3).AsUInt32();
        Vector256<uint> u4 = Avx2.UnpackLow(t4, t6).AsUInt32(), u5 = Avx2.UnpackHigh(t4, t6).AsUInt32();
        Vector256<uint> u6 = Avx2.UnpackLow(t5, t7).AsUInt32(), u7 = Avx2.UnpackHigh(t5, t7).AsUInt32();
        w[0] = Avx2.Permute2x128(u0, u4, 0x20);
        w[1] = Avx2.Permute2x128(u1, u5, 0x20);
        w[2] = Avx2.Permute2x128(u2, u6, 0x20);
        w[3] = Avx2.Permute2x128(u3, u7, 0x20);
        w[4] = Avx2.Permute2x128(u0, u4, 0x31);
        w[5] = Avx2.Permute2x128(u1, u5, 0x31);
        w[6] = Avx2.Permute2x128(u2, u6, 0x31);
        w[7] = Avx2.Permute2x128(u3, u7, 0x31);
    }

    /// <summary>
    /// One compression (FIPS 180-4 §6.1.2) of the 16 transposed words at <paramref name="w"/> into <paramref name="h"/>;
    /// <paramref name="schedule"/> (80 vectors) receives the message schedule first, so the rounds read W[t] at a
    /// running pointer and the schedule's loads sit off the rounds' chain.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Compress(Vector256<uint>* w, Vector256<uint>* h, Vector256<uint>* schedule)
    {
        Unsafe.CopyBlockUnaligned(schedule, w, (uint)(16 * sizeof(Vector256<uint>)));
        for (Vector256<uint>* x = schedule + 16, end = schedule + 80; x < end; x++)
            *x = Rotate1(Xor3(x[-3], x[-8], x[-14]) ^ x[-16]);

        // The round constant goes into the schedule (W[t] + K[t]), so each round adds one precomputed vector.
        var k = Vector256.Create(0x5A827999u);
        for (int t = 0; t < 20; t++)
            schedule[t] += k;
        k = Vector256.Create(0x6ED9EBA1u);
        for (int t = 20; t < 40; t++)
            schedule[t] += k;
        k = Vector256.Create(0x8F1BBCDCu);
        for (int t = 40; t < 60; t++)
            schedule[t] += k;
        k = Vector256.Create(0xCA62C1D6u);
        for (int t = 60; t < 80; t++)
            schedule[t] += k;

        Vector256<uint> a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
        Vector256<uint>* wt = schedule;
        // Five rounds per pass with the roles of a..e renamed instead of moved (FIPS 180-4 §6.1.2 step 3).
        for (Vector256<uint>* end = schedule + 20; wt < end; wt += 5)
            Rounds5(ref a, ref b, ref c, ref d, ref e, wt, Function.Ch);
        for (Vector256<uint>* end = schedule + 40; wt < end; wt += 5)
            Rounds5(ref a, ref b, ref c, ref d, ref e, wt, Function.Parity);
        for (Vector256<uint>* end = schedule + 60; wt < end; wt += 5)
            Rounds5(ref a, ref b, ref c, ref d, ref e, wt, Function.Maj);
        for (Vector256<uint>* end = schedule + 80; wt < end; wt += 5)
            Rounds5(ref a, ref b, ref c, ref d, ref e, wt, Function.Parity);
        h[0] += a;
        h[1] += b;
        h[2] += c;
        h[3] += d;
        h[4] += e;
    }

    /// <summary>
    /// Every lane against <c>SHA1.HashData</c> over random messages of every accepted length and 1 to 8 lanes (the
    /// race runs this before it times the kernel); false on the first difference.
    /// </summary>
    public static bool Verify(int trials)
    {
        var random = new Random(16);
        byte* buffer = stackalloc byte[Lanes * 128];
        byte* digest = stackalloc byte[Lanes * 20];
        byte** inputs = stackalloc byte*[Lanes];
        byte** digests = stackalloc byte*[Lanes];
        int* lengths = stackalloc int[Lanes];
        for (int trial = 0; trial < trials; trial++)
        {
            int count = 1 + trial % Lanes;
            for (int l = 0; l < count; l++)
            {
                inputs[l] = buffer + 128 * l;
                digests[l] = digest + 20 * l;
                lengths[l] = MinLength + (trial * 7 + l * 13) % (MaxLength - MinLength + 1);
                random.NextBytes(new Span<byte>(inputs[l], lengths[l]));
            }
            Hash(inputs, lengths, count, digests, 20);
            for (int l = 0; l < count; l++)
            {
                byte[] expected = System.Security.Cryptography.SHA1.HashData(new ReadOnlySpan<byte>(inputs[l], lengths[l]));
                if (!expected.AsSpan().SequenceEqual(new ReadOnlySpan<byte>(digests[l], 20)))
                    return false;
            }
        }
        return true;
    }

    private enum Function
    {
        Ch,
        Parity,
        Maj,
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Rounds5(ref Vector256<uint> a, ref Vector256<uint> b, ref Vector256<uint> c, ref Vector256<uint> d, ref Vector256<uint> e, Vector256<uint>* kw, Function f)
    {
        Round(a, ref b, c, d, ref e, kw[0], f);
        Round(e, ref a, b, c, ref d, kw[1], f);
        Round(d, ref e, a, b, ref c, kw[2], f);
        Round(c, ref d, e, a, ref b, kw[3], f);
        Round(b, ref c, d, e, ref a, kw[4], f);
    }

    /// <summary>
    /// One round with the roles renamed: e = ROTL5(a) + f(b, c, d) + e + (K + W) becomes the next a, b = ROTL30(b) the
    /// next c. Summed so that a, the newest value, is added last (e and K + W are known rounds ahead).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Round(Vector256<uint> a, ref Vector256<uint> b, Vector256<uint> c, Vector256<uint> d, ref Vector256<uint> e, Vector256<uint> kw, Function f)
    {
        Vector256<uint> value = f switch
        {
            Function.Ch => Ch(b, c, d),
            Function.Maj => Maj(b, c, d),
            _ => Xor3(b, c, d),
        };
        e = value + (e + kw) + Rotate5(a);
        b = Rotate30(b);
    }

    // ROTL by 1, 5 and 30 (each with a constant count: vprold takes an immediate).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Rotate1(Vector256<uint> x) => Avx512F.VL.IsSupported
        ? Avx512F.VL.RotateLeft(x, 1)
        : Vector256.ShiftLeft(x, 1) | Vector256.ShiftRightLogical(x, 31);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Rotate5(Vector256<uint> x) => Avx512F.VL.IsSupported
        ? Avx512F.VL.RotateLeft(x, 5)
        : Vector256.ShiftLeft(x, 5) | Vector256.ShiftRightLogical(x, 27);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Rotate30(Vector256<uint> x) => Avx512F.VL.IsSupported
        ? Avx512F.VL.RotateLeft(x, 30)
        : Vector256.ShiftLeft(x, 30) | Vector256.ShiftRightLogical(x, 2);

    // Ch = (b & c) | (~b & d), Parity = b ^ c ^ d (Xor3), Maj = (b & c) | (b & d) | (c & d) (FIPS 180-4 §4.1.1); with AVX-512VL
    // each is one vpternlogd (truth tables 0xCA, 0x96, 0xE8).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Ch(Vector256<uint> b, Vector256<uint> c, Vector256<uint> d) => Avx512F.VL.IsSupported
        ? Avx512F.VL.TernaryLogic(b, c, d, 0xCA)
        : Vector256.ConditionalSelect(b, c, d);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Maj(Vector256<uint> b, Vector256<uint> c, Vector256<uint> d) => Avx512F.VL.IsSupported
        ? Avx512F.VL.TernaryLogic(b, c, d, 0xE8)
        : (b & c) | (d & (b | c));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Xor3(Vector256<uint> x, Vector256<uint> y, Vector256<uint> z) => Avx512F.VL.IsSupported
        ? Avx512F.VL.TernaryLogic(x, y, z, 0x96)
        : x ^ y ^ z;
}
