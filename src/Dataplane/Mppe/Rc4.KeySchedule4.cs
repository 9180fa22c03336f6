using System.Runtime.CompilerServices;

namespace PptpGw.Dataplane.Mppe;

/// <summary>
/// Four MPPE key schedules in one loop (the stateless burst: four packets' key changes, then their keys).
/// </summary>
/// <remarks>
/// Two interleaved key schedules (<see cref="SetKeyMppe2(Rc4*, byte*, int, Rc4*, byte*, int)"/>) take ~0.55 × the
/// time of one on the hosts measured; a four-way form written like the two-way one ran no faster because the JIT
/// spilled its chains (a store-to-load forward on each round's path). This one is laid out for the register file:
/// the four states are contiguous (one base pointer, the others at constant offsets), the four keys are one 64-octet
/// block of 16-octet keys (an 8-octet key written twice, which is the same schedule), and the loop is unrolled by 16,
/// so every S-box and key address is the base plus a constant: per chain only j and the next S[n+1] stay live.
/// </remarks>
public unsafe partial struct Rc4
{
    /// <summary>Entries from one state's S-box to the next in a contiguous array of states.</summary>
    private const int StateStride = 1032 / sizeof(uint);

    /// <summary>
    /// Keys <paramref name="ciphers"/>[0..3] (contiguous states) with the four 16-octet keys at <paramref name="keys"/>
    /// (64 octets; an 8-octet key is given as itself twice); i = j = 0. The same result as the textbook schedule.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    internal static void SetKeyMppe4(Rc4* ciphers, byte* keys)
    {
        uint* s = ciphers->_s;
        FillIdentity(s);
        FillIdentity(s + StateStride);
        FillIdentity(s + 2 * StateStride);
        FillIdentity(s + 3 * StateStride);
        nuint j0 = 0, j1 = 0, j2 = 0, j3 = 0;
        uint t0 = 0, t1 = 0, t2 = 0, t3 = 0;
        for (nuint n = 0; n < 256; n++)
        {
            byte* k = keys + (n & 15);
            uint* sn = s + n;
            t0 = Ksa4(s, sn, 0, t0, ref j0, k[0]);
            t1 = Ksa4(s, sn, StateStride, t1, ref j1, k[16]);
            t2 = Ksa4(s, sn, 2 * StateStride, t2, ref j2, k[32]);
            t3 = Ksa4(s, sn, 3 * StateStride, t3, ref j3, k[48]);
        }
        for (int c = 0; c < 4; c++)
            ciphers[c]._i = ciphers[c]._j = 0;
    }

    /// <summary>
    /// Key-schedule round n (<paramref name="sn"/> = S + n) of the state <paramref name="offset"/> entries from
    /// <paramref name="s"/>, in OpenSSL's order (S[n+1] loaded after S[j] = S[n], so no fix-up): returns S[n+1]. At
    /// n = 255 that read is of the entry after the S-box (the state's i): not used.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Ksa4(uint* s, uint* sn, nuint offset, uint t, ref nuint j, uint k)
    {
        j = (j + k + t) & 0xFF;
        uint u = s[j + offset];
        s[j + offset] = t;
        uint ahead = sn[offset + 1];
        sn[offset] = u;
        return ahead;
    }

    /// <summary>
    /// The first 16 keystream octets of each of four freshly keyed contiguous states (i = j = 0), the four chains
    /// interleaved, into <paramref name="keystream"/> (16 octets per state): the RC4 step of four key changes
    /// (RFC 3078 §7.3), whose keys are 8 or 16 octets. Advances the states.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    internal static void Keystream16x4(Rc4* ciphers, byte* keystream)
    {
        uint* s = ciphers->_s;
        uint* s1 = s + StateStride, s2 = s + 2 * StateStride, s3 = s + 3 * StateStride;
        uint i0 = 0, i1 = 0, i2 = 0, i3 = 0, j0 = 0, j1 = 0, j2 = 0, j3 = 0;
        for (int p = 0; p < 16; p++)
        {
            keystream[p] = (byte)Round(s, ref i0, ref j0);
            keystream[16 + p] = (byte)Round(s1, ref i1, ref j1);
            keystream[32 + p] = (byte)Round(s2, ref i2, ref j2);
            keystream[48 + p] = (byte)Round(s3, ref i3, ref j3);
        }
        ciphers[0]._i = i0;
        ciphers[0]._j = j0;
        ciphers[1]._i = i1;
        ciphers[1]._j = j1;
        ciphers[2]._i = i2;
        ciphers[2]._j = j2;
        ciphers[3]._i = i3;
        ciphers[3]._j = j3;
    }
}
