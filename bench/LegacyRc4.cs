using System.Runtime.CompilerServices;

namespace PptpGw.Bench;

/// <summary>
/// The RC4 schedule the dataplane ran before issue 16, kept for side-by-side measurement only: octet S-box entries,
/// textbook round order, eight keystream octets gathered into one 64-bit word; and its two-stream interleave.
/// Little-endian hosts only (the bench machine).
/// </summary>
public unsafe struct LegacyRc4
{
    private fixed byte _s[256];
    private uint _i;
    private uint _j;

    public LegacyRc4(ReadOnlySpan<byte> key) => SetKey(key);

    public void SetKey(ReadOnlySpan<byte> key)
    {
        fixed (byte* s = _s)
        fixed (byte* k = key)
        {
            for (uint n = 0; n < 256; n++)
                s[n] = (byte)n;
            uint j = 0;
            int keyLength = key.Length, ki = 0;
            for (uint n = 0; n < 256; n++)
            {
                byte t = s[n];
                j = (j + t + k[ki]) & 0xFF;
                if (++ki == keyLength)
                    ki = 0;
                s[n] = s[j];
                s[j] = t;
            }
        }
        _i = 0;
        _j = 0;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Transform(LegacyRc4* c, byte* src, byte* dst, nint length)
    {
        byte* s = c->_s;
        uint i = c->_i, j = c->_j;
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
            Unsafe.WriteUnaligned(dst + p, Unsafe.ReadUnaligned<ulong>(src + p) ^ k);
        }
        for (; p < length; p++)
            dst[p] = (byte)(src[p] ^ Round(s, ref i, ref j));
        c->_i = i;
        c->_j = j;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Transform2(LegacyRc4* a, byte* dataA, int lengthA, LegacyRc4* b, byte* dataB, int lengthB)
    {
        byte* sa = a->_s;
        byte* sb = b->_s;
        uint ia = a->_i, ja = a->_j, ib = b->_i, jb = b->_j;
        nint common = Math.Min(lengthA, lengthB), p = 0;
        for (; p <= common - 8; p += 8)
        {
            ulong ka = Round(sa, ref ia, ref ja);
            ulong kb = Round(sb, ref ib, ref jb);
            ka |= (ulong)Round(sa, ref ia, ref ja) << 8;
            kb |= (ulong)Round(sb, ref ib, ref jb) << 8;
            ka |= (ulong)Round(sa, ref ia, ref ja) << 16;
            kb |= (ulong)Round(sb, ref ib, ref jb) << 16;
            ka |= (ulong)Round(sa, ref ia, ref ja) << 24;
            kb |= (ulong)Round(sb, ref ib, ref jb) << 24;
            ka |= (ulong)Round(sa, ref ia, ref ja) << 32;
            kb |= (ulong)Round(sb, ref ib, ref jb) << 32;
            ka |= (ulong)Round(sa, ref ia, ref ja) << 40;
            kb |= (ulong)Round(sb, ref ib, ref jb) << 40;
            ka |= (ulong)Round(sa, ref ia, ref ja) << 48;
            kb |= (ulong)Round(sb, ref ib, ref jb) << 48;
            ka |= (ulong)Round(sa, ref ia, ref ja) << 56;
            kb |= (ulong)Round(sb, ref ib, ref jb) << 56;
            Unsafe.WriteUnaligned(dataA + p, Unsafe.ReadUnaligned<ulong>(dataA + p) ^ ka);
            Unsafe.WriteUnaligned(dataB + p, Unsafe.ReadUnaligned<ulong>(dataB + p) ^ kb);
        }
        a->_i = ia;
        a->_j = ja;
        b->_i = ib;
        b->_j = jb;
        if (p < lengthA)
            Transform(a, dataA + p, dataA + p, lengthA - p);
        if (p < lengthB)
            Transform(b, dataB + p, dataB + p, lengthB - p);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Round(byte* s, ref uint i, ref uint j)
    {
        i = (i + 1) & 0xFF;
        uint si = s[i];
        j = (j + si) & 0xFF;
        uint sj = s[j];
        s[i] = (byte)sj;
        s[j] = (byte)si;
        return s[(si + sj) & 0xFF];
    }
}
