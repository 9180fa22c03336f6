using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace PptpGw.Dataplane.Mppe;

/// <summary>
/// Multi-stream RC4: independent ciphers advanced in one loop, and the MPPE-sized key schedules.
/// </summary>
/// <remarks>
/// One RC4 stream is a serial chain (each j depends on the S-box entry the previous round may just have
/// swapped), so a single stream leaves most of an out-of-order core idle. Streams with unrelated states
/// have no dependency on each other; written in one loop body, the CPU overlaps their chains. The burst
/// paths (<see cref="MppeBurst"/>) group packets whose streams are independent (different sessions, or
/// stateless packets, each of which has its own freshly keyed state) and call these.
/// </remarks>
public unsafe partial struct Rc4
{
    /// <summary>
    /// The key schedule for an MPPE key (8 or 16 octets, RFC 3078 §7.3; any power of two up to 256 works): the same
    /// result as the textbook schedule, with the key index wrapped by a mask, the identity S-box written by vectors,
    /// and the next round's S[n+1] loaded ahead so that round n+1's j does not wait on round n's stores. In which order
    /// that load goes (<see cref="Rc4Schedules.ActiveKeySchedule"/>) is measured at start-up like the keystream loop.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void SetKeyMppe(Rc4* cipher, byte* key, int keyLength)
    {
        if (Rc4Schedules.ActiveKeySchedule == Rc4Schedule.ReadAhead)
            SetKeyMppe(cipher, key, keyLength, select: false);
        else
            SetKeyMppe(cipher, key, keyLength, select: true);
    }

    /// <summary>Two MPPE key schedules (8- or 16-octet keys) in one loop: the two j chains overlap.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void SetKeyMppe2(Rc4* a, byte* keyA, int keyLengthA, Rc4* b, byte* keyB, int keyLengthB)
    {
        if (Rc4Schedules.ActiveKeySchedule == Rc4Schedule.ReadAhead)
            SetKeyMppe2(a, keyA, keyLengthA, b, keyB, keyLengthB, select: false);
        else
            SetKeyMppe2(a, keyA, keyLengthA, b, keyB, keyLengthB, select: true);
    }

    /// <summary>
    /// <see cref="SetKeyMppe(Rc4*, byte*, int)"/> in a given order: <paramref name="select"/> loads S[n+1] before
    /// round n's stores and takes the swapped value when j == n + 1 (<see cref="Rc4Schedule.ReadAheadSelect"/>);
    /// otherwise it is loaded after S[j] = S[n] and needs no fix-up (<see cref="Rc4Schedule.ReadAhead"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void SetKeyMppe(Rc4* cipher, byte* key, int keyLength, bool select)
    {
        Debug.Assert(keyLength > 0 && (keyLength & (keyLength - 1)) == 0 && keyLength <= MaxKeyLength);
        if (select && keyLength >= 8)
        {
            SetKeyMppeSelect(cipher, key, keyLength);
            return;
        }
        uint* s = cipher->_s;
        FillIdentity(s);
        uint mask = (uint)keyLength - 1, j = 0, t = 0;
        for (uint n = 0; n < 256; n++)
            t = KsaRound(s, n, t, ref j, key[n & mask], select);
        cipher->_i = 0;
        cipher->_j = 0;
    }

    /// <summary><see cref="SetKeyMppe2(Rc4*, byte*, int, Rc4*, byte*, int)"/> in a given order (see the single one).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void SetKeyMppe2(Rc4* a, byte* keyA, int keyLengthA, Rc4* b, byte* keyB, int keyLengthB, bool select)
    {
        Debug.Assert(a != b);
        if (select && keyLengthA >= 8 && keyLengthB >= 8)
        {
            SetKeyMppe2Select(a, keyA, keyLengthA, b, keyB, keyLengthB);
            return;
        }
        uint* sA = a->_s;
        uint* sB = b->_s;
        FillIdentity(sA);
        FillIdentity(sB);
        uint maskA = (uint)keyLengthA - 1, maskB = (uint)keyLengthB - 1, jA = 0, jB = 0, tA = 0, tB = 0;
        for (uint n = 0; n < 256; n++)
        {
            tA = KsaRound(sA, n, tA, ref jA, keyA[n & maskA], select);
            tB = KsaRound(sB, n, tB, ref jB, keyB[n & maskB], select);
        }
        a->_i = a->_j = 0;
        b->_i = b->_j = 0;
    }

    /// <summary>Key-schedule round n with S[n] = <paramref name="t"/> already loaded; returns S[n+1] after the swap.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint KsaRound(uint* s, uint n, uint t, ref uint j, uint k, bool select)
    {
        j = (j + k + t) & 0xFF;
        uint u = s[j];
        if (select)
        {
            uint next = s[(n + 1) & 0xFF];
            s[n] = u;
            s[j] = t;
            return j == n + 1 ? t : next;
        }
        s[j] = t;
        uint ahead = s[(n + 1) & 0xFF];
        s[n] = u;
        return ahead;
    }

    /// <summary>
    /// The <see cref="Rc4Schedule.ReadAheadSelect"/> key schedule for keys of 8 or more octets (a power of two): rounds
    /// in blocks of eight (the key octets of a block are key[n & mask .. +7]), S[n+1] loaded before both stores of round
    /// n, and the rare j == n + 1 (1 round in 256) fixed up by a branch that reloads S[n+1] after the stores, instead of a
    /// conditional select: the select put a compare and a cmov on the chain from one round's j to the next, the branch
    /// leaves one add on it (j is kept unmasked, only its low octet indexes; k + S[n+1] is summed off the chain).
    /// bench/RESULTS.md (issue 16): 1.5 × the select form for one key, and two interleaved keys are then no faster than
    /// one after the other (the loop is bound by its instruction count, not by the chain).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void SetKeyMppeSelect(Rc4* cipher, byte* key, int keyLength)
    {
        uint* s = cipher->_s;
        FillIdentity(s);
        uint mask = (uint)keyLength - 1, j = 0, t = 0;
        for (uint n = 0; n < 256; n += 8)
        {
            byte* kp = key + (n & mask);
            uint* sx = s + n;
            KsaStep(s, sx + 0, sx + 1, kp[0], ref j, ref t);
            KsaStep(s, sx + 1, sx + 2, kp[1], ref j, ref t);
            KsaStep(s, sx + 2, sx + 3, kp[2], ref j, ref t);
            KsaStep(s, sx + 3, sx + 4, kp[3], ref j, ref t);
            KsaStep(s, sx + 4, sx + 5, kp[4], ref j, ref t);
            KsaStep(s, sx + 5, sx + 6, kp[5], ref j, ref t);
            KsaStep(s, sx + 6, sx + 7, kp[6], ref j, ref t);
            KsaStep(s, sx + 7, s + ((n + 8) & 0xFF), kp[7], ref j, ref t);
        }
        cipher->_i = 0;
        cipher->_j = 0;
    }

    /// <summary>Two <see cref="SetKeyMppeSelect"/> schedules in one loop (keys of 8 or more octets, powers of two).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void SetKeyMppe2Select(Rc4* a, byte* keyA, int keyLengthA, Rc4* b, byte* keyB, int keyLengthB)
    {
        uint* sA = a->_s;
        uint* sB = b->_s;
        FillIdentity(sA);
        FillIdentity(sB);
        uint maskA = (uint)keyLengthA - 1, maskB = (uint)keyLengthB - 1, jA = 0, jB = 0, tA = 0, tB = 0;
        for (uint n = 0; n < 256; n += 8)
        {
            byte* kA = keyA + (n & maskA);
            byte* kB = keyB + (n & maskB);
            uint* xA = sA + n;
            uint* xB = sB + n;
            uint w = (n + 8) & 0xFF;
            KsaStep(sA, xA + 0, xA + 1, kA[0], ref jA, ref tA);
            KsaStep(sB, xB + 0, xB + 1, kB[0], ref jB, ref tB);
            KsaStep(sA, xA + 1, xA + 2, kA[1], ref jA, ref tA);
            KsaStep(sB, xB + 1, xB + 2, kB[1], ref jB, ref tB);
            KsaStep(sA, xA + 2, xA + 3, kA[2], ref jA, ref tA);
            KsaStep(sB, xB + 2, xB + 3, kB[2], ref jB, ref tB);
            KsaStep(sA, xA + 3, xA + 4, kA[3], ref jA, ref tA);
            KsaStep(sB, xB + 3, xB + 4, kB[3], ref jB, ref tB);
            KsaStep(sA, xA + 4, xA + 5, kA[4], ref jA, ref tA);
            KsaStep(sB, xB + 4, xB + 5, kB[4], ref jB, ref tB);
            KsaStep(sA, xA + 5, xA + 6, kA[5], ref jA, ref tA);
            KsaStep(sB, xB + 5, xB + 6, kB[5], ref jB, ref tB);
            KsaStep(sA, xA + 6, xA + 7, kA[6], ref jA, ref tA);
            KsaStep(sB, xB + 6, xB + 7, kB[6], ref jB, ref tB);
            KsaStep(sA, xA + 7, sA + w, kA[7], ref jA, ref tA);
            KsaStep(sB, xB + 7, sB + w, kB[7], ref jB, ref tB);
        }
        a->_i = a->_j = 0;
        b->_i = b->_j = 0;
    }

    /// <summary>
    /// One key-schedule round at <paramref name="at"/> = S + n with t = S[n]: j += k + S[n], swap S[n] and S[j], t becomes
    /// S[n+1] after the swap (<paramref name="next"/>; reloaded when the swap wrote it, j == n + 1).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void KsaStep(uint* s, uint* at, uint* next, uint k, ref uint j, ref uint t)
    {
        uint kt = t + k;
        j = kt + j;
        uint* sj = s + (j & 0xFF);
        uint u = *sj;
        uint ahead = *next;
        *at = u;
        *sj = t;
        if (sj == next)
            ahead = *next;
        t = ahead;
    }

    /// <summary>
    /// Transforms two buffers in place with two independent ciphers in one loop (see the type's remarks).
    /// <paramref name="a"/> and <paramref name="b"/> must be different states.
    /// </summary>
    public static void Transform2(ref Rc4 a, Span<byte> dataA, ref Rc4 b, Span<byte> dataB)
    {
        if (Unsafe.AreSame(ref a, ref b))
            throw new ArgumentException("The two streams must be different cipher states.", nameof(b));
        fixed (Rc4* pa = &a)
        fixed (Rc4* pb = &b)
        fixed (byte* da = dataA)
        fixed (byte* db = dataB)
            Transform2(pa, da, dataA.Length, pb, db, dataB.Length);
    }
}
