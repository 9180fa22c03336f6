using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace PptpGw.Dataplane.Mppe;

/// <summary>
/// GetNewKeyFromSHA (RFC 3079 §2.4/§3.4) of up to 16 key changes at once: SHA-1 (FIPS 180-4 §6.1) of
/// StartKey | 40 x 00 | SessionKey | 40 x F2 with one message per 32-bit lane: 16 lanes of a <see cref="Vector512{T}"/>
/// with AVX-512F, else 8 lanes of a <see cref="Vector256{T}"/> with AVX2.
/// </summary>
/// <remarks>
/// <para>Hand-written because it must be fast and no library offers a multi-message SHA-1; .NET 10 has no x86 SHA
/// intrinsics (System.Runtime.Intrinsics.X86 has no Sha class; only Arm.Sha1/Arm.Sha256 exist), so libcrypto's SHA-NI
/// path (<see cref="MppeSha1"/>) hashes one message per call, ~80-95 ns for these two blocks through three P/Invokes.</para>
/// <para>The message has a fixed shape, so no byte buffer is padded or transposed: each lane's 16-octet start key
/// and session key are loaded as one 32-octet row, eight rows transposed in registers, and every other message
/// word (the zero and F2 pads, FIPS 180-4 §5.1.1's 0x80 and bit length) is a constant chosen per lane by its key
/// length (16 octets: 112-octet message; 8 octets: 96; both exactly two blocks). The rounds keep a..e in locals with
/// no reference taken, so the JIT keeps them in registers; with AVX-512 the rotates are one <c>vprold</c> and the
/// round functions one <c>vpternlogd</c>. One generic body serves both widths (static abstract lane operations).</para>
/// </remarks>
internal static unsafe class MppeSha1x8
{
    /// <summary>Key changes per call: 16 with AVX-512F, else 8.</summary>
    public static int Lanes => Avx512F.IsSupported && Vector512.IsHardwareAccelerated ? 16 : 8;

    /// <summary>True where the vector form runs in hardware (AVX2 or better); otherwise use <see cref="MppeSha1"/>.</summary>
    public static bool IsAccelerated => Avx2.IsSupported;

    private const uint Pad2 = 0xF2F2F2F2u;      // RFC 3079 §2.4 SHApad2
    private const uint EndMarker = 0x80000000u; // FIPS 180-4 §5.1.1: the 1 bit after the message

    /// <summary>
    /// The interim keys of <paramref name="count"/> (1 to <see cref="Lanes"/>) key changes: lane l hashes
    /// <paramref name="startKeys"/>[l] and <paramref name="sessionKeys"/>[l] (16 readable octets each, of which
    /// <paramref name="keyLengths"/>[l], 8 or 16, are the key) and writes 16 octets to <paramref name="interim"/> +
    /// 16 l: the first 16 digest octets, or for an 8-octet key its 8 interim octets twice (the form
    /// <see cref="Rc4.SetKeyMppe4"/> takes). Only when <see cref="IsAccelerated"/>.
    /// </summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GetNewKeysFromSha(byte** startKeys, byte** sessionKeys, int* keyLengths, int count, byte* interim) =>
        GetNewKeysFromSha(startKeys, sessionKeys, keyLengths, count, interim, wide: Lanes == 16);

    /// <summary>As the public form; <paramref name="wide"/> false forces the 8-lane form (tests: both widths on one host).</summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void GetNewKeysFromSha(byte** startKeys, byte** sessionKeys, int* keyLengths, int count, byte* interim, bool wide)
    {
        const int MaxLanes = 16;
        int* lengths = stackalloc int[MaxLanes];
        uint* h = stackalloc uint[4 * MaxLanes];
        Vector512<uint>* w = stackalloc Vector512<uint>[80]; // 80 x 64 octets: also 80 x 2 Vector256 for 8 lanes
        int lanes;
        if (wide)
        {
            lanes = 16;
            Blocks8(startKeys, sessionKeys, keyLengths, count, 0, lengths, (Vector256<uint>*)w, 2);
            Blocks8(startKeys, sessionKeys, keyLengths, count, 8, lengths, (Vector256<uint>*)w + 1, 2);
            Hash<Vector512<uint>, Ops512>(w, (Vector512<uint>*)h);
        }
        else
        {
            lanes = 8;
            Blocks8(startKeys, sessionKeys, keyLengths, count, 0, lengths, (Vector256<uint>*)w, 1);
            Hash<Vector256<uint>, Ops256>((Vector256<uint>*)w, (Vector256<uint>*)h);
        }

        // H0..H3 back to one row per lane, big-endian octets; an 8-octet interim key is written twice.
        for (int l = 0; l < count; l++)
        {
            uint* key = (uint*)(interim + 16 * l);
            bool shortKey = lengths[l] == MppeKeySchedule.ShortKeyLength;
            uint h0 = ToBigEndian(h[l]), h1 = ToBigEndian(h[lanes + l]);
            key[0] = h0;
            key[1] = h1;
            key[2] = shortKey ? h0 : ToBigEndian(h[2 * lanes + l]);
            key[3] = shortKey ? h1 : ToBigEndian(h[3 * lanes + l]);
        }
        // Key material: the schedule (start and session keys mixed) and the digests (interim keys).
        Unsafe.InitBlockUnaligned(w, 0, (uint)(80 * sizeof(Vector512<uint>)));
        Unsafe.InitBlockUnaligned(h, 0, 4 * MaxLanes * sizeof(uint));
    }

    // Both blocks: the 32 words at w (block 1, then block 2); H0..H3 to h[0..3]. Not inlinable (stackalloc), so
    // compiled fully optimised at the first call (no tier-0 pass over the hot loop), as the RC4 kernels are.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Hash<TV, TOps>(TV* w, TV* h)
        where TV : unmanaged
        where TOps : ILaneOps<TV>
    {
        TV a = TOps.Create(0x67452301u), b = TOps.Create(0xEFCDAB89u), c = TOps.Create(0x98BADCFEu);
        TV d = TOps.Create(0x10325476u), e = TOps.Create(0xC3D2E1F0u);
        // The schedule of block 1 is expanded in place over w[16..79], so block 2's words move there first.
        TV* second = stackalloc TV[16];
        Unsafe.CopyBlockUnaligned(second, w + 16, (uint)(16 * sizeof(TV)));
        Compress<TV, TOps>(w, ref a, ref b, ref c, ref d, ref e);
        Unsafe.CopyBlockUnaligned(w, second, (uint)(16 * sizeof(TV)));
        Unsafe.InitBlockUnaligned(second, 0, (uint)(16 * sizeof(TV)));
        Compress<TV, TOps>(w, ref a, ref b, ref c, ref d, ref e);
        h[0] = a;
        h[1] = b;
        h[2] = c;
        h[3] = d;
    }

    /// <summary>
    /// The two message blocks (FIPS 180-4 §5.2.1, 32 words) of lanes <paramref name="laneBase"/> to +7, word t of every
    /// lane to <paramref name="w"/>[t * <paramref name="stride"/>] (stride 2: the half of a 16-lane vector).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Blocks8(byte** startKeys, byte** sessionKeys, int* keyLengths, int count, int laneBase, int* lengths, Vector256<uint>* w, int stride)
    {
        // Rows: lane l's start key words 0-3 and session key words 0-3, big-endian (FIPS 180-4 §3.1).
        var swap = Vector256.Create((byte)3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12, 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12);
        Vector256<uint> r0 = Row(startKeys, sessionKeys, keyLengths, count, laneBase + 0, lengths, swap);
        Vector256<uint> r1 = Row(startKeys, sessionKeys, keyLengths, count, laneBase + 1, lengths, swap);
        Vector256<uint> r2 = Row(startKeys, sessionKeys, keyLengths, count, laneBase + 2, lengths, swap);
        Vector256<uint> r3 = Row(startKeys, sessionKeys, keyLengths, count, laneBase + 3, lengths, swap);
        Vector256<uint> r4 = Row(startKeys, sessionKeys, keyLengths, count, laneBase + 4, lengths, swap);
        Vector256<uint> r5 = Row(startKeys, sessionKeys, keyLengths, count, laneBase + 5, lengths, swap);
        Vector256<uint> r6 = Row(startKeys, sessionKeys, keyLengths, count, laneBase + 6, lengths, swap);
        Vector256<uint> r7 = Row(startKeys, sessionKeys, keyLengths, count, laneBase + 7, lengths, swap);
        Vector256<ulong> t0 = Avx2.UnpackLow(r0, r1).AsUInt64(), t1 = Avx2.UnpackHigh(r0, r1).AsUInt64();
        Vector256<ulong> t2 = Avx2.UnpackLow(r2, r3).AsUInt64(), t3 = Avx2.UnpackHigh(r2, r3).AsUInt64();
        Vector256<ulong> t4 = Avx2.UnpackLow(r4, r5).AsUInt64(), t5 = Avx2.UnpackHigh(r4, r5).AsUInt64();
        Vector256<ulong> t6 = Avx2.UnpackLow(r6, r7).AsUInt64(), t7 = Avx2.UnpackHigh(r6, r7).AsUInt64();
        Vector256<uint> u0 = Avx2.UnpackLow(t0, t2).AsUInt32(), u1 = Avx2.UnpackHigh(t0, t2).AsUInt32();
        Vector256<uint> u2 = Avx2.UnpackLow(t1, t3).AsUInt32(), u3 = Avx2.UnpackHigh(t1, t3).AsUInt32();
        Vector256<uint> u4 = Avx2.UnpackLow(t4, t6).AsUInt32(), u5 = Avx2.UnpackHigh(t4, t6).AsUInt32();
        Vector256<uint> u6 = Avx2.UnpackLow(t5, t7).AsUInt32(), u7 = Avx2.UnpackHigh(t5, t7).AsUInt32();
        Vector256<uint> s0 = Avx2.Permute2x128(u0, u4, 0x20); // start key word 0 of every lane
        Vector256<uint> s1 = Avx2.Permute2x128(u1, u5, 0x20);
        Vector256<uint> s2 = Avx2.Permute2x128(u2, u6, 0x20);
        Vector256<uint> s3 = Avx2.Permute2x128(u3, u7, 0x20);
        Vector256<uint> k0 = Avx2.Permute2x128(u0, u4, 0x31); // session key word 0 of every lane
        Vector256<uint> k1 = Avx2.Permute2x128(u1, u5, 0x31);
        Vector256<uint> k2 = Avx2.Permute2x128(u2, u6, 0x31);
        Vector256<uint> k3 = Avx2.Permute2x128(u3, u7, 0x31);

        // Lanes with an 8-octet key (40/56-bit MPPE): a 96-octet message, laid out differently.
        Vector256<uint> isShort = Vector256.Equals(Vector256.Load(lengths + laneBase), Vector256.Create(MppeKeySchedule.ShortKeyLength)).AsUInt32();
        Vector256<uint> zero = Vector256<uint>.Zero, pad2 = Vector256.Create(Pad2), end = Vector256.Create(EndMarker);


        // Block 1. Long: S0-S3, 10 x 0, K0 K1. Short: S0 S1, 10 x 0, K0 K1, F2 F2.
        w[0 * stride] = s0;
        w[1 * stride] = s1;
        w[2 * stride] = Vector256.AndNot(s2, isShort);
        w[3 * stride] = Vector256.AndNot(s3, isShort);
        for (int t = 4; t < 12; t++)
            w[t * stride] = zero;
        w[12 * stride] = k0 & isShort;
        w[13 * stride] = k1 & isShort;
        w[14 * stride] = Vector256.ConditionalSelect(isShort, pad2, k0);
        w[15 * stride] = Vector256.ConditionalSelect(isShort, pad2, k1);
        // Block 2. Long: K2 K3, 10 x F2, 0x80.., 0, 0, 896 bits. Short: 8 x F2, 0x80.., 6 x 0, 768 bits.
        w[16 * stride] = Vector256.ConditionalSelect(isShort, pad2, k2);
        w[17 * stride] = Vector256.ConditionalSelect(isShort, pad2, k3);
        for (int t = 2; t < 8; t++)
            w[(16 + t) * stride] = pad2;
        w[24 * stride] = Vector256.ConditionalSelect(isShort, end, pad2);
        w[25 * stride] = Vector256.AndNot(pad2, isShort);
        w[26 * stride] = w[25 * stride];
        w[27 * stride] = w[25 * stride];
        w[28 * stride] = Vector256.AndNot(end, isShort);
        w[29 * stride] = zero;
        w[30 * stride] = zero;
        w[31 * stride] = Vector256.ConditionalSelect(isShort, Vector256.Create(96u * 8), Vector256.Create(112u * 8));

    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Row(byte** startKeys, byte** sessionKeys, int* keyLengths, int count, int lane, int* lengths, Vector256<byte> swap)
    {
        int l = lane < count ? lane : 0; // unused lanes hash lane 0's message again, discarded
        lengths[lane] = keyLengths[l];
        Vector256<byte> row = Vector256.Create(Vector128.Load(startKeys[l]), Vector128.Load(sessionKeys[l]));
        return Avx2.Shuffle(row, swap).AsUInt32();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint ToBigEndian(uint value) => BitConverter.IsLittleEndian ? System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(value) : value;

    /// <summary>
    /// One compression (FIPS 180-4 §6.1.2) of the 16 words at <paramref name="w"/> (80 vectors: the schedule is
    /// expanded in place, K added) into the chaining value a..e.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Compress<TV, TOps>(TV* w, ref TV h0, ref TV h1, ref TV h2, ref TV h3, ref TV h4)
        where TV : unmanaged
        where TOps : ILaneOps<TV>
    {
        for (int t = 16; t < 80; t++)
            w[t] = TOps.Rotate(TOps.Xor(TOps.Xor3(w[t - 3], w[t - 8], w[t - 14]), w[t - 16]), 1);

        // Each round is summed so that ROTL5(a), a being the newest value, comes last: the chain from one round to the
        // next is one rotate and one add.
        TV a = h0, b = h1, c = h2, d = h3, e = h4;
        Rounds20<TV, TOps>(w, ChFunction, TOps.Create(0x5A827999u), ref a, ref b, ref c, ref d, ref e);
        Rounds20<TV, TOps>(w + 20, ParityFunction, TOps.Create(0x6ED9EBA1u), ref a, ref b, ref c, ref d, ref e);
        Rounds20<TV, TOps>(w + 40, MajFunction, TOps.Create(0x8F1BBCDCu), ref a, ref b, ref c, ref d, ref e);
        Rounds20<TV, TOps>(w + 60, ParityFunction, TOps.Create(0xCA62C1D6u), ref a, ref b, ref c, ref d, ref e);
        h0 = TOps.Add(h0, a);
        h1 = TOps.Add(h1, b);
        h2 = TOps.Add(h2, c);
        h3 = TOps.Add(h3, d);
        h4 = TOps.Add(h4, e);
    }

    private const int ChFunction = 0, ParityFunction = 1, MajFunction = 2;

    // Twenty rounds with one round function and constant (FIPS 180-4 §6.1.2 step 3), five per pass with the roles of
    // a..e renamed instead of moved; inlined with a constant function, so the choice folds away.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Rounds20<TV, TOps>(TV* w, int function, TV k, ref TV ha, ref TV hb, ref TV hc, ref TV hd, ref TV he)
        where TV : unmanaged
        where TOps : ILaneOps<TV>
    {
        TV a = ha, b = hb, c = hc, d = hd, e = he;
        for (int t = 0; t < 20; t += 5)
        {
            e = TOps.Add(TOps.Add(TOps.Add(e, TOps.Add(w[t], k)), F<TV, TOps>(function, b, c, d)), TOps.Rotate(a, 5)); b = TOps.Rotate(b, 30);
            d = TOps.Add(TOps.Add(TOps.Add(d, TOps.Add(w[t + 1], k)), F<TV, TOps>(function, a, b, c)), TOps.Rotate(e, 5)); a = TOps.Rotate(a, 30);
            c = TOps.Add(TOps.Add(TOps.Add(c, TOps.Add(w[t + 2], k)), F<TV, TOps>(function, e, a, b)), TOps.Rotate(d, 5)); e = TOps.Rotate(e, 30);
            b = TOps.Add(TOps.Add(TOps.Add(b, TOps.Add(w[t + 3], k)), F<TV, TOps>(function, d, e, a)), TOps.Rotate(c, 5)); d = TOps.Rotate(d, 30);
            a = TOps.Add(TOps.Add(TOps.Add(a, TOps.Add(w[t + 4], k)), F<TV, TOps>(function, c, d, e)), TOps.Rotate(b, 5)); c = TOps.Rotate(c, 30);
        }
        (ha, hb, hc, hd, he) = (a, b, c, d, e);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV F<TV, TOps>(int function, TV x, TV y, TV z)
        where TV : unmanaged
        where TOps : ILaneOps<TV> =>
        function == ChFunction ? TOps.Ch(x, y, z) : function == MajFunction ? TOps.Maj(x, y, z) : TOps.Xor3(x, y, z);


    /// <summary>The lane arithmetic <see cref="Compress{TV, TOps}"/> needs, for one vector width (static: no virtual call).</summary>
    private interface ILaneOps<TV>
        where TV : unmanaged
    {
        static abstract TV Create(uint value);

        static abstract TV Add(TV x, TV y);

        static abstract TV Xor(TV x, TV y);

        static abstract TV Rotate(TV x, [ConstantExpected] byte count);

        // FIPS 180-4 §4.1.1: Ch (t 0-19), Parity (20-39, 60-79), Maj (40-59); one vpternlogd each with AVX-512(VL).
        static abstract TV Ch(TV x, TV y, TV z);

        static abstract TV Xor3(TV x, TV y, TV z);

        static abstract TV Maj(TV x, TV y, TV z);
    }

    private readonly struct Ops256 : ILaneOps<Vector256<uint>>
    {
        public static Vector256<uint> Create(uint value) => Vector256.Create(value);

        public static Vector256<uint> Add(Vector256<uint> x, Vector256<uint> y) => x + y;

        public static Vector256<uint> Xor(Vector256<uint> x, Vector256<uint> y) => x ^ y;

        public static Vector256<uint> Rotate(Vector256<uint> x, [ConstantExpected] byte count) => Avx512F.VL.IsSupported
            ? Avx512F.VL.RotateLeft(x, count)
            : Vector256.ShiftLeft(x, count) | Vector256.ShiftRightLogical(x, 32 - count);

        public static Vector256<uint> Ch(Vector256<uint> x, Vector256<uint> y, Vector256<uint> z) => Avx512F.VL.IsSupported
            ? Avx512F.VL.TernaryLogic(x, y, z, 0xCA)
            : z ^ (x & (y ^ z));

        public static Vector256<uint> Xor3(Vector256<uint> x, Vector256<uint> y, Vector256<uint> z) => Avx512F.VL.IsSupported
            ? Avx512F.VL.TernaryLogic(x, y, z, 0x96)
            : x ^ y ^ z;

        public static Vector256<uint> Maj(Vector256<uint> x, Vector256<uint> y, Vector256<uint> z) => Avx512F.VL.IsSupported
            ? Avx512F.VL.TernaryLogic(x, y, z, 0xE8)
            : (x & y) | (z & (x | y));
    }

    private readonly struct Ops512 : ILaneOps<Vector512<uint>>
    {
        public static Vector512<uint> Create(uint value) => Vector512.Create(value);

        public static Vector512<uint> Add(Vector512<uint> x, Vector512<uint> y) => x + y;

        public static Vector512<uint> Xor(Vector512<uint> x, Vector512<uint> y) => x ^ y;

        public static Vector512<uint> Rotate(Vector512<uint> x, [ConstantExpected] byte count) => Avx512F.RotateLeft(x, count);

        public static Vector512<uint> Ch(Vector512<uint> x, Vector512<uint> y, Vector512<uint> z) => Avx512F.TernaryLogic(x, y, z, 0xCA);

        public static Vector512<uint> Xor3(Vector512<uint> x, Vector512<uint> y, Vector512<uint> z) => Avx512F.TernaryLogic(x, y, z, 0x96);

        public static Vector512<uint> Maj(Vector512<uint> x, Vector512<uint> y, Vector512<uint> z) => Avx512F.TernaryLogic(x, y, z, 0xE8);
    }
}
