using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace PptpGw.Dataplane.Mppe;

/// <summary>
/// The keystream loops (<see cref="Rc4Schedule"/>) and the key schedules over the 32-bit S-box. Each loop is its own
/// never-inlined method: inlined into a large caller (MppeBurst.Run) the JIT kept i and j in stack slots, putting a
/// store-to-load forward on every round's dependency chain (bench/RESULTS.md, "Follow-up: receive path").
/// Each loop is also compiled fully optimised at its first call (<c>AggressiveOptimization</c>): the start-up
/// measurement (<see cref="Rc4Schedules"/>) runs them before the tiered JIT would have promoted them, and must time the
/// code the dataplane runs, not tier-0 code. A leaf loop over pointers gains nothing from the tiers' profile.
/// </summary>
public unsafe partial struct Rc4
{
    /// <summary>Runs the active schedule's single-stream loop over <paramref name="length"/> octets (src may equal dst).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Transform1(Rc4* cipher, byte* source, byte* destination, int length)
    {
        switch (Rc4Schedules.Active)
        {
            case Rc4Schedule.ReadAhead:
                TransformReadAhead(cipher, source, destination, length);
                break;
            case Rc4Schedule.ReadAheadSelect:
                TransformReadAheadSelect(cipher, source, destination, length);
                break;
            default:
                TransformPlain(cipher, source, destination, length);
                break;
        }
    }

    /// <summary>In-place single-stream transform through a pointer (the burst paths' single packets).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Transform1(Rc4* cipher, byte* data, int length) => Transform1(cipher, data, data, length);

    /// <summary>Runs <paramref name="schedule"/>'s loop, whichever is active (tests, the start-up measurement).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Transform1(Rc4Schedule schedule, Rc4* cipher, byte* source, byte* destination, int length)
    {
        switch (schedule)
        {
            case Rc4Schedule.ReadAhead:
                TransformReadAhead(cipher, source, destination, length);
                break;
            case Rc4Schedule.ReadAheadSelect:
                TransformReadAheadSelect(cipher, source, destination, length);
                break;
            case Rc4Schedule.Plain:
                TransformPlain(cipher, source, destination, length);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(schedule), schedule, "Not an RC4 schedule.");
        }
    }

    /// <summary>
    /// <see cref="Rc4Schedule.Plain"/>: the textbook round order (i, S[i], j, S[j], swap, output), eight rounds
    /// gathered into one 64-bit word XORed with eight input octets.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    internal static void TransformPlain(Rc4* cipher, byte* src, byte* dst, nint length)
    {
        uint* s = cipher->_s;
        uint i = cipher->_i, j = cipher->_j;
        nint p = 0;
        for (; p <= length - 8; p += 8)
        {
            ulong k = Round(s, ref i, ref j);
            k |= (ulong)Round(s, ref i, ref j) << 8;
            k |= (ulong)Round(s, ref i, ref j) << 16;
            k |= (ulong)Round(s, ref i, ref j) << 24;
            k |= (ulong)Round(s, ref i, ref j) << 32;
            k |= (ulong)Round(s, ref i, ref j) << 40;
            k |= (ulong)Round(s, ref i, ref j) << 48;
            k |= (ulong)Round(s, ref i, ref j) << 56;
            Xor8(src + p, dst + p, k);
        }
        for (; p < length; p++)
            dst[p] = (byte)(src[p] ^ Round(s, ref i, ref j));
        cipher->_i = i;
        cipher->_j = j;
    }

    /// <summary>
    /// <see cref="Rc4Schedule.ReadAhead"/>: OpenSSL's rc4-x86_64 <c>Loop8</c> order. Single rounds first until
    /// the next index is a multiple of 8, so the eight rounds of a block address S[x] ... S[x+7] with no mask; each
    /// round loads the next round's S[i+1] between its two stores (after S[j] = S[i], so when j == i + 1 the load
    /// already sees the swapped value: no fix-up), which takes that load off the next round's dependency chain.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    internal static void TransformReadAhead(Rc4* cipher, byte* src, byte* dst, nint length)
    {
        uint* s = cipher->_s;
        uint i = cipher->_i, j = cipher->_j;
        nint p = 0;
        nint lead = (nint)((0u - (i + 1)) & 7);
        if (length - lead >= 8)
        {
            for (; p < lead; p++)
                dst[p] = (byte)(src[p] ^ Round(s, ref i, ref j));
            uint x = (i + 1) & 0xFF;
            uint t = s[x];
            do
            {
                uint* sx = s + x;
                ulong k = AheadRound(s, sx + 0, sx + 1, t, ref j, out t);
                k |= (ulong)AheadRound(s, sx + 1, sx + 2, t, ref j, out t) << 8;
                k |= (ulong)AheadRound(s, sx + 2, sx + 3, t, ref j, out t) << 16;
                k |= (ulong)AheadRound(s, sx + 3, sx + 4, t, ref j, out t) << 24;
                k |= (ulong)AheadRound(s, sx + 4, sx + 5, t, ref j, out t) << 32;
                k |= (ulong)AheadRound(s, sx + 5, sx + 6, t, ref j, out t) << 40;
                k |= (ulong)AheadRound(s, sx + 6, sx + 7, t, ref j, out t) << 48;
                k |= (ulong)AheadRound(s, sx + 7, s + ((x + 8) & 0xFF), t, ref j, out t) << 56;
                Xor8(src + p, dst + p, k);
                x = (x + 8) & 0xFF;
                p += 8;
            }
            while (p <= length - 8);
            i = (x - 1) & 0xFF;
        }
        for (; p < length; p++)
            dst[p] = (byte)(src[p] ^ Round(s, ref i, ref j));
        cipher->_i = i;
        cipher->_j = j;
    }

    /// <summary>
    /// <see cref="Rc4Schedule.ReadAheadSelect"/>: as <see cref="TransformReadAhead"/>, but S[i+1] is loaded before
    /// both stores of the round and replaced by the swapped value when j == i + 1 (the order of the C probe's
    /// <c>u32-ahead</c>): the load then never waits on a store's address.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    internal static void TransformReadAheadSelect(Rc4* cipher, byte* src, byte* dst, nint length)
    {
        uint* s = cipher->_s;
        uint i = cipher->_i, j = cipher->_j;
        nint p = 0;
        nint lead = (nint)((0u - (i + 1)) & 7);
        if (length - lead >= 8)
        {
            for (; p < lead; p++)
                dst[p] = (byte)(src[p] ^ Round(s, ref i, ref j));
            uint x = (i + 1) & 0xFF;
            uint t = s[x];
            do
            {
                uint* sx = s + x;
                ulong k = SelectRound(s, sx + 0, sx + 1, t, ref j, out t);
                k |= (ulong)SelectRound(s, sx + 1, sx + 2, t, ref j, out t) << 8;
                k |= (ulong)SelectRound(s, sx + 2, sx + 3, t, ref j, out t) << 16;
                k |= (ulong)SelectRound(s, sx + 3, sx + 4, t, ref j, out t) << 24;
                k |= (ulong)SelectRound(s, sx + 4, sx + 5, t, ref j, out t) << 32;
                k |= (ulong)SelectRound(s, sx + 5, sx + 6, t, ref j, out t) << 40;
                k |= (ulong)SelectRound(s, sx + 6, sx + 7, t, ref j, out t) << 48;
                k |= (ulong)SelectRound(s, sx + 7, s + ((x + 8) & 0xFF), t, ref j, out t) << 56;
                Xor8(src + p, dst + p, k);
                x = (x + 8) & 0xFF;
                p += 8;
            }
            while (p <= length - 8);
            i = (x - 1) & 0xFF;
        }
        for (; p < length; p++)
            dst[p] = (byte)(src[p] ^ Round(s, ref i, ref j));
        cipher->_i = i;
        cipher->_j = j;
    }

    /// <summary>
    /// Two independent streams in place in one loop, in the active pair schedule (<see cref="Rc4Schedules.ActivePair"/>).
    /// <paramref name="a"/> and <paramref name="b"/> must be different states.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Transform2(Rc4* a, byte* dataA, int lengthA, Rc4* b, byte* dataB, int lengthB)
    {
        if (Rc4Schedules.ActivePair == Rc4Schedule.ReadAhead)
            Transform2ReadAhead(a, dataA, lengthA, b, dataB, lengthB);
        else
            Transform2ReadAheadSelect(a, dataA, lengthA, b, dataB, lengthB);
    }

    /// <summary>Runs the pair loop of <paramref name="schedule"/> (<see cref="Rc4Schedule.ReadAhead"/> or <see cref="Rc4Schedule.ReadAheadSelect"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Transform2(Rc4Schedule schedule, Rc4* a, byte* dataA, int lengthA, Rc4* b, byte* dataB, int lengthB)
    {
        switch (schedule)
        {
            case Rc4Schedule.ReadAhead:
                Transform2ReadAhead(a, dataA, lengthA, b, dataB, lengthB);
                break;
            case Rc4Schedule.ReadAheadSelect:
                Transform2ReadAheadSelect(a, dataA, lengthA, b, dataB, lengthB);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(schedule), schedule, "Not a pair schedule.");
        }
    }

    /// <summary>
    /// Two streams in one loop, each in <see cref="Rc4Schedule.ReadAhead"/> order (OpenSSL's): two independent dependency chains
    /// the core overlaps. <paramref name="a"/> and <paramref name="b"/> must be different states.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    internal static void Transform2ReadAhead(Rc4* a, byte* dataA, int lengthA, Rc4* b, byte* dataB, int lengthB)
    {
        nint pA = Lead(a, dataA, lengthA), pB = Lead(b, dataB, lengthB);
        nint blocks = Math.Min((lengthA - pA) >> 3, (lengthB - pB) >> 3);
        if (blocks > 0)
        {
            uint* sA = a->_s;
            uint* sB = b->_s;
            uint jA = a->_j, jB = b->_j;
            uint xA = (a->_i + 1) & 0xFF, xB = (b->_i + 1) & 0xFF;
            uint tA = sA[xA], tB = sB[xB];
            byte* dA = dataA + pA;
            byte* dB = dataB + pB;
            nint n = blocks;
            do
            {
                uint* sxA = sA + xA;
                uint* sxB = sB + xB;
                ulong kA = AheadRound(sA, sxA + 0, sxA + 1, tA, ref jA, out tA);
                ulong kB = AheadRound(sB, sxB + 0, sxB + 1, tB, ref jB, out tB);
                kA |= (ulong)AheadRound(sA, sxA + 1, sxA + 2, tA, ref jA, out tA) << 8;
                kB |= (ulong)AheadRound(sB, sxB + 1, sxB + 2, tB, ref jB, out tB) << 8;
                kA |= (ulong)AheadRound(sA, sxA + 2, sxA + 3, tA, ref jA, out tA) << 16;
                kB |= (ulong)AheadRound(sB, sxB + 2, sxB + 3, tB, ref jB, out tB) << 16;
                kA |= (ulong)AheadRound(sA, sxA + 3, sxA + 4, tA, ref jA, out tA) << 24;
                kB |= (ulong)AheadRound(sB, sxB + 3, sxB + 4, tB, ref jB, out tB) << 24;
                kA |= (ulong)AheadRound(sA, sxA + 4, sxA + 5, tA, ref jA, out tA) << 32;
                kB |= (ulong)AheadRound(sB, sxB + 4, sxB + 5, tB, ref jB, out tB) << 32;
                kA |= (ulong)AheadRound(sA, sxA + 5, sxA + 6, tA, ref jA, out tA) << 40;
                kB |= (ulong)AheadRound(sB, sxB + 5, sxB + 6, tB, ref jB, out tB) << 40;
                kA |= (ulong)AheadRound(sA, sxA + 6, sxA + 7, tA, ref jA, out tA) << 48;
                kB |= (ulong)AheadRound(sB, sxB + 6, sxB + 7, tB, ref jB, out tB) << 48;
                kA |= (ulong)AheadRound(sA, sxA + 7, sA + ((xA + 8) & 0xFF), tA, ref jA, out tA) << 56;
                kB |= (ulong)AheadRound(sB, sxB + 7, sB + ((xB + 8) & 0xFF), tB, ref jB, out tB) << 56;
                Xor8(dA, dA, kA);
                Xor8(dB, dB, kB);
                dA += 8;
                dB += 8;
                xA = (xA + 8) & 0xFF;
                xB = (xB + 8) & 0xFF;
            }
            while (--n != 0);
            a->_i = (xA - 1) & 0xFF;
            a->_j = jA;
            b->_i = (xB - 1) & 0xFF;
            b->_j = jB;
            pA += blocks * 8;
            pB += blocks * 8;
        }
        if (pA < lengthA)
            TransformReadAhead(a, dataA + pA, dataA + pA, lengthA - pA);
        if (pB < lengthB)
            TransformReadAhead(b, dataB + pB, dataB + pB, lengthB - pB);
    }

    /// <summary>
    /// Two streams in one loop, each in <see cref="Rc4Schedule.ReadAheadSelect"/> order: two independent dependency chains
    /// the core overlaps. <paramref name="a"/> and <paramref name="b"/> must be different states.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    internal static void Transform2ReadAheadSelect(Rc4* a, byte* dataA, int lengthA, Rc4* b, byte* dataB, int lengthB)
    {
        nint pA = Lead(a, dataA, lengthA), pB = Lead(b, dataB, lengthB);
        nint blocks = Math.Min((lengthA - pA) >> 3, (lengthB - pB) >> 3);
        if (blocks > 0)
        {
            uint* sA = a->_s;
            uint* sB = b->_s;
            uint jA = a->_j, jB = b->_j;
            uint xA = (a->_i + 1) & 0xFF, xB = (b->_i + 1) & 0xFF;
            uint tA = sA[xA], tB = sB[xB];
            byte* dA = dataA + pA;
            byte* dB = dataB + pB;
            nint n = blocks;
            do
            {
                uint* sxA = sA + xA;
                uint* sxB = sB + xB;
                ulong kA = SelectRound(sA, sxA + 0, sxA + 1, tA, ref jA, out tA);
                ulong kB = SelectRound(sB, sxB + 0, sxB + 1, tB, ref jB, out tB);
                kA |= (ulong)SelectRound(sA, sxA + 1, sxA + 2, tA, ref jA, out tA) << 8;
                kB |= (ulong)SelectRound(sB, sxB + 1, sxB + 2, tB, ref jB, out tB) << 8;
                kA |= (ulong)SelectRound(sA, sxA + 2, sxA + 3, tA, ref jA, out tA) << 16;
                kB |= (ulong)SelectRound(sB, sxB + 2, sxB + 3, tB, ref jB, out tB) << 16;
                kA |= (ulong)SelectRound(sA, sxA + 3, sxA + 4, tA, ref jA, out tA) << 24;
                kB |= (ulong)SelectRound(sB, sxB + 3, sxB + 4, tB, ref jB, out tB) << 24;
                kA |= (ulong)SelectRound(sA, sxA + 4, sxA + 5, tA, ref jA, out tA) << 32;
                kB |= (ulong)SelectRound(sB, sxB + 4, sxB + 5, tB, ref jB, out tB) << 32;
                kA |= (ulong)SelectRound(sA, sxA + 5, sxA + 6, tA, ref jA, out tA) << 40;
                kB |= (ulong)SelectRound(sB, sxB + 5, sxB + 6, tB, ref jB, out tB) << 40;
                kA |= (ulong)SelectRound(sA, sxA + 6, sxA + 7, tA, ref jA, out tA) << 48;
                kB |= (ulong)SelectRound(sB, sxB + 6, sxB + 7, tB, ref jB, out tB) << 48;
                kA |= (ulong)SelectRound(sA, sxA + 7, sA + ((xA + 8) & 0xFF), tA, ref jA, out tA) << 56;
                kB |= (ulong)SelectRound(sB, sxB + 7, sB + ((xB + 8) & 0xFF), tB, ref jB, out tB) << 56;
                Xor8(dA, dA, kA);
                Xor8(dB, dB, kB);
                dA += 8;
                dB += 8;
                xA = (xA + 8) & 0xFF;
                xB = (xB + 8) & 0xFF;
            }
            while (--n != 0);
            a->_i = (xA - 1) & 0xFF;
            a->_j = jA;
            b->_i = (xB - 1) & 0xFF;
            b->_j = jB;
            pA += blocks * 8;
            pB += blocks * 8;
        }
        if (pA < lengthA)
            TransformReadAheadSelect(a, dataA + pA, dataA + pA, lengthA - pA);
        if (pB < lengthB)
            TransformReadAheadSelect(b, dataB + pB, dataB + pB, lengthB - pB);
    }

    /// <summary>Single rounds in place until the stream's next index is a multiple of 8 (at most 7); returns how many ran.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nint Lead(Rc4* cipher, byte* data, int length)
    {
        nint lead = Math.Min((nint)((0u - (cipher->_i + 1)) & 7), length);
        uint* s = cipher->_s;
        uint i = cipher->_i, j = cipher->_j;
        for (nint p = 0; p < lead; p++)
            data[p] ^= (byte)Round(s, ref i, ref j);
        cipher->_i = i;
        cipher->_j = j;
        return lead;
    }

    /// <summary>
    /// One round in OpenSSL's order: j += S[i]; load S[j]; S[j] = S[i]; load the next round's S[i+1]
    /// (<paramref name="next"/>); S[i] = old S[j]; output S[S[i] + S[j]].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint AheadRound(uint* s, uint* at, uint* next, uint si, ref uint j, out uint nextSi)
    {
        j = (j + si) & 0xFF;
        uint sj = s[j];
        s[j] = si;
        nextSi = *next;
        *at = sj;
        return s[(si + sj) & 0xFF];
    }

    /// <summary>One round with S[i+1] loaded before both stores and fixed up when j == i + 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint SelectRound(uint* s, uint* at, uint* next, uint si, ref uint j, out uint nextSi)
    {
        j = (j + si) & 0xFF;
        uint sj = s[j];
        uint n = *next;
        *at = sj;
        s[j] = si;
        nextSi = s + j == next ? si : n;
        return s[(si + sj) & 0xFF];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Xor8(byte* src, byte* dst, ulong keystream)
    {
        if (!BitConverter.IsLittleEndian)
            keystream = BinaryPrimitives.ReverseEndianness(keystream);
        Unsafe.WriteUnaligned(dst, Unsafe.ReadUnaligned<ulong>(src) ^ keystream);
    }

    /// <summary>S[n] = n for n = 0..255, eight or sixteen entries per store.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FillIdentity(uint* s)
    {
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<uint> v = Vector256.Create(0u, 1, 2, 3, 4, 5, 6, 7);
            Vector256<uint> step = Vector256.Create(8u);
            for (int n = 0; n < 256; n += 8)
            {
                v.Store(s + n);
                v += step;
            }
        }
        else
        {
            for (uint n = 0; n < 256; n++)
                s[n] = n;
        }
    }
}
