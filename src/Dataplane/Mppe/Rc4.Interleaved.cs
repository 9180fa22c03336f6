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
