using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace PptpGw.Dataplane.Mppe;

/// <summary>
/// GetNewKeyFromSHA (RFC 3079 §2.4/§3.4) of up to eight key changes at once: SHA-1 (FIPS 180-4 §6.1) of
/// StartKey | 40 x 00 | SessionKey | 40 x F2 with one message per 32-bit lane of a <see cref="Vector256{T}"/>.
/// </summary>
/// <remarks>
/// <para>Hand-written because it must be fast and no library offers a multi-message SHA-1; .NET 10 has no x86 SHA
/// intrinsics (System.Runtime.Intrinsics.X86 has no Sha class; only Arm.Sha1/Arm.Sha256 exist), so libcrypto's SHA-NI
/// path (<see cref="MppeSha1"/>) hashes one message per call, ~80 ns for these two blocks through three P/Invokes.</para>
/// <para>The message has a fixed shape, so no byte buffer is padded or transposed: each lane's 16-octet start key
/// and session key are loaded as one 32-octet row, the eight rows transposed in registers, and every other message
/// word (the zero and F2 pads, FIPS 180-4 §5.1.1's 0x80 and bit length) is a constant chosen per lane by its key
/// length (16 octets: 112-octet message; 8 octets: 96; both exactly two blocks). The rounds keep a..e in locals with
/// no reference taken, so the JIT keeps them in registers; with AVX-512VL the rotates are one <c>vprold</c> and the
/// round functions one <c>vpternlogd</c>.</para>
/// </remarks>
internal static unsafe class MppeSha1x8
{
    /// <summary>Key changes per call.</summary>
    public const int Lanes = 8;

    /// <summary>True where the vector form runs in hardware (AVX2 or better); otherwise use <see cref="MppeSha1"/>.</summary>
    public static bool IsAccelerated => Avx2.IsSupported;

    private const uint Pad2 = 0xF2F2F2F2u;      // RFC 3079 §2.4 SHApad2
    private const uint EndMarker = 0x80000000u; // FIPS 180-4 §5.1.1: the 1 bit after the message

    /// <summary>
    /// The interim keys of <paramref name="count"/> (1 to 8) key changes: lane l hashes
    /// <paramref name="startKeys"/>[l] and <paramref name="sessionKeys"/>[l] (16 readable octets each, of which
    /// <paramref name="keyLengths"/>[l], 8 or 16, are the key) and writes 16 octets to <paramref name="interim"/> +
    /// 16 l: the first 16 digest octets, or for an 8-octet key its 8 interim octets twice (the form
    /// <see cref="Rc4.SetKeyMppe4"/> takes). Only when <see cref="IsAccelerated"/>.
    /// </summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GetNewKeysFromSha(byte** startKeys, byte** sessionKeys, int* keyLengths, int count, byte* interim)
    {
        // Rows: lane l's start key words 0-3 and session key words 0-3, big-endian (FIPS 180-4 §3.1).
        var swap = Vector256.Create((byte)3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12, 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12);
        int* lengths = stackalloc int[Lanes];
        Vector256<uint> r0 = Row(startKeys, sessionKeys, keyLengths, count, 0, lengths, swap);
        Vector256<uint> r1 = Row(startKeys, sessionKeys, keyLengths, count, 1, lengths, swap);
        Vector256<uint> r2 = Row(startKeys, sessionKeys, keyLengths, count, 2, lengths, swap);
        Vector256<uint> r3 = Row(startKeys, sessionKeys, keyLengths, count, 3, lengths, swap);
        Vector256<uint> r4 = Row(startKeys, sessionKeys, keyLengths, count, 4, lengths, swap);
        Vector256<uint> r5 = Row(startKeys, sessionKeys, keyLengths, count, 5, lengths, swap);
        Vector256<uint> r6 = Row(startKeys, sessionKeys, keyLengths, count, 6, lengths, swap);
        Vector256<uint> r7 = Row(startKeys, sessionKeys, keyLengths, count, 7, lengths, swap);
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
        Vector256<uint> isShort = Vector256.Equals(Vector256.Load(lengths), Vector256.Create(MppeKeySchedule.ShortKeyLength)).AsUInt32();
        Vector256<uint> zero = Vector256<uint>.Zero, pad2 = Vector256.Create(Pad2), end = Vector256.Create(EndMarker);

        Vector256<uint>* w = stackalloc Vector256<uint>[80];
        // Block 1. Long: S0-S3, 10 x 0, K0 K1. Short: S0 S1, 10 x 0, K0 K1, F2 F2.
        w[0] = s0;
        w[1] = s1;
        w[2] = Vector256.AndNot(s2, isShort);
        w[3] = Vector256.AndNot(s3, isShort);
        for (int t = 4; t < 12; t++)
            w[t] = zero;
        w[12] = k0 & isShort;
        w[13] = k1 & isShort;
        w[14] = Vector256.ConditionalSelect(isShort, pad2, k0);
        w[15] = Vector256.ConditionalSelect(isShort, pad2, k1);
        Vector256<uint> a = Vector256.Create(0x67452301u), b = Vector256.Create(0xEFCDAB89u), c = Vector256.Create(0x98BADCFEu);
        Vector256<uint> d = Vector256.Create(0x10325476u), e = Vector256.Create(0xC3D2E1F0u);
        Compress(w, ref a, ref b, ref c, ref d, ref e);

        // Block 2. Long: K2 K3, 10 x F2, 0x80.., 0, 0, 896 bits. Short: 8 x F2, 0x80.., 6 x 0, 768 bits.
        w[0] = Vector256.ConditionalSelect(isShort, pad2, k2);
        w[1] = Vector256.ConditionalSelect(isShort, pad2, k3);
        for (int t = 2; t < 8; t++)
            w[t] = pad2;
        w[8] = Vector256.ConditionalSelect(isShort, end, pad2);
        w[9] = Vector256.AndNot(pad2, isShort);
        w[10] = w[9];
        w[11] = w[9];
        w[12] = Vector256.AndNot(end, isShort);
        w[13] = zero;
        w[14] = zero;
        w[15] = Vector256.ConditionalSelect(isShort, Vector256.Create(96u * 8), Vector256.Create(112u * 8));
        Compress(w, ref a, ref b, ref c, ref d, ref e);

        // H0..H3 back to one row per lane, big-endian octets; an 8-octet interim key is written twice.
        uint* h = stackalloc uint[4 * Lanes];
        Vector256.Store(a, h);
        Vector256.Store(b, h + Lanes);
        Vector256.Store(c, h + 2 * Lanes);
        Vector256.Store(d, h + 3 * Lanes);
        for (int l = 0; l < count; l++)
        {
            uint* key = (uint*)(interim + 16 * l);
            bool shortKey = lengths[l] == MppeKeySchedule.ShortKeyLength;
            uint h0 = ToBigEndian(h[l]), h1 = ToBigEndian(h[Lanes + l]);
            key[0] = h0;
            key[1] = h1;
            key[2] = shortKey ? h0 : ToBigEndian(h[2 * Lanes + l]);
            key[3] = shortKey ? h1 : ToBigEndian(h[3 * Lanes + l]);
        }
        // Key material: the schedule (start and session keys mixed) and the digests (interim keys).
        Unsafe.InitBlockUnaligned(w, 0, (uint)(80 * sizeof(Vector256<uint>)));
        Unsafe.InitBlockUnaligned(h, 0, 4 * Lanes * sizeof(uint));
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
    private static void Compress(Vector256<uint>* w, ref Vector256<uint> h0, ref Vector256<uint> h1, ref Vector256<uint> h2, ref Vector256<uint> h3, ref Vector256<uint> h4)
    {
        for (int t = 16; t < 80; t++)
            w[t] = Rotate(Xor3(w[t - 3], w[t - 8], w[t - 14]) ^ w[t - 16], 1);

        // Five rounds per pass with the roles of a..e renamed instead of moved (FIPS 180-4 §6.1.2 step 3). Summed so that
        // ROTL5(a), a being the newest value, comes last: the chain from one round to the next is one rotate and one add.
        Vector256<uint> a = h0, b = h1, c = h2, d = h3, e = h4;
        var k = Vector256.Create(0x5A827999u);
        for (int t = 0; t < 20; t += 5)
        {
            e = e + (w[t] + k) + Ch(b, c, d) + Rotate(a, 5); b = Rotate(b, 30);
            d = d + (w[t + 1] + k) + Ch(a, b, c) + Rotate(e, 5); a = Rotate(a, 30);
            c = c + (w[t + 2] + k) + Ch(e, a, b) + Rotate(d, 5); e = Rotate(e, 30);
            b = b + (w[t + 3] + k) + Ch(d, e, a) + Rotate(c, 5); d = Rotate(d, 30);
            a = a + (w[t + 4] + k) + Ch(c, d, e) + Rotate(b, 5); c = Rotate(c, 30);
        }
        k = Vector256.Create(0x6ED9EBA1u);
        for (int t = 20; t < 40; t += 5)
        {
            e = e + (w[t] + k) + Xor3(b, c, d) + Rotate(a, 5); b = Rotate(b, 30);
            d = d + (w[t + 1] + k) + Xor3(a, b, c) + Rotate(e, 5); a = Rotate(a, 30);
            c = c + (w[t + 2] + k) + Xor3(e, a, b) + Rotate(d, 5); e = Rotate(e, 30);
            b = b + (w[t + 3] + k) + Xor3(d, e, a) + Rotate(c, 5); d = Rotate(d, 30);
            a = a + (w[t + 4] + k) + Xor3(c, d, e) + Rotate(b, 5); c = Rotate(c, 30);
        }
        k = Vector256.Create(0x8F1BBCDCu);
        for (int t = 40; t < 60; t += 5)
        {
            e = e + (w[t] + k) + Maj(b, c, d) + Rotate(a, 5); b = Rotate(b, 30);
            d = d + (w[t + 1] + k) + Maj(a, b, c) + Rotate(e, 5); a = Rotate(a, 30);
            c = c + (w[t + 2] + k) + Maj(e, a, b) + Rotate(d, 5); e = Rotate(e, 30);
            b = b + (w[t + 3] + k) + Maj(d, e, a) + Rotate(c, 5); d = Rotate(d, 30);
            a = a + (w[t + 4] + k) + Maj(c, d, e) + Rotate(b, 5); c = Rotate(c, 30);
        }
        k = Vector256.Create(0xCA62C1D6u);
        for (int t = 60; t < 80; t += 5)
        {
            e = e + (w[t] + k) + Xor3(b, c, d) + Rotate(a, 5); b = Rotate(b, 30);
            d = d + (w[t + 1] + k) + Xor3(a, b, c) + Rotate(e, 5); a = Rotate(a, 30);
            c = c + (w[t + 2] + k) + Xor3(e, a, b) + Rotate(d, 5); e = Rotate(e, 30);
            b = b + (w[t + 3] + k) + Xor3(d, e, a) + Rotate(c, 5); d = Rotate(d, 30);
            a = a + (w[t + 4] + k) + Xor3(c, d, e) + Rotate(b, 5); c = Rotate(c, 30);
        }
        h0 += a;
        h1 += b;
        h2 += c;
        h3 += d;
        h4 += e;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Rotate(Vector256<uint> x, [System.Diagnostics.CodeAnalysis.ConstantExpected] byte count) => Avx512F.VL.IsSupported
        ? Avx512F.VL.RotateLeft(x, count)
        : Vector256.ShiftLeft(x, count) | Vector256.ShiftRightLogical(x, 32 - count);

    // FIPS 180-4 §4.1.1: Ch (t 0-19), Parity (20-39, 60-79), Maj (40-59); one vpternlogd each with AVX-512VL.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Ch(Vector256<uint> x, Vector256<uint> y, Vector256<uint> z) => Avx512F.VL.IsSupported
        ? Avx512F.VL.TernaryLogic(x, y, z, 0xCA)
        : z ^ (x & (y ^ z));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Xor3(Vector256<uint> x, Vector256<uint> y, Vector256<uint> z) => Avx512F.VL.IsSupported
        ? Avx512F.VL.TernaryLogic(x, y, z, 0x96)
        : x ^ y ^ z;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Maj(Vector256<uint> x, Vector256<uint> y, Vector256<uint> z) => Avx512F.VL.IsSupported
        ? Avx512F.VL.TernaryLogic(x, y, z, 0xE8)
        : (x & y) | (z & (x | y));
}
