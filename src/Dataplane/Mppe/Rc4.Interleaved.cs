using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace PptpGw.Dataplane.Mppe;

/// <summary>
/// Multi-stream RC4: two independent ciphers advanced in one loop, and the MPPE-sized key schedule.
/// </summary>
/// <remarks>
/// One RC4 stream is a serial chain (each j depends on the S-box entry the previous round may just have
/// swapped), so a single stream leaves most of an out-of-order core idle. Two streams with unrelated states
/// have no dependency on each other; written in one loop body, the CPU overlaps their chains. The burst
/// paths (<see cref="MppeBurst"/>) pair packets whose streams are independent (different sessions, or
/// stateless packets, each of which has its own freshly keyed state) and call these.
/// </remarks>
public unsafe partial struct Rc4
{
    // 0, 1, ..., 255: the S-box a key schedule starts from, copied in one block move.
    private static ReadOnlySpan<byte> Identity =>
    [
        0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F,
        0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1A, 0x1B, 0x1C, 0x1D, 0x1E, 0x1F,
        0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2A, 0x2B, 0x2C, 0x2D, 0x2E, 0x2F,
        0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F,
        0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4A, 0x4B, 0x4C, 0x4D, 0x4E, 0x4F,
        0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5A, 0x5B, 0x5C, 0x5D, 0x5E, 0x5F,
        0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E, 0x6F,
        0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7A, 0x7B, 0x7C, 0x7D, 0x7E, 0x7F,
        0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x8B, 0x8C, 0x8D, 0x8E, 0x8F,
        0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F,
        0xA0, 0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7, 0xA8, 0xA9, 0xAA, 0xAB, 0xAC, 0xAD, 0xAE, 0xAF,
        0xB0, 0xB1, 0xB2, 0xB3, 0xB4, 0xB5, 0xB6, 0xB7, 0xB8, 0xB9, 0xBA, 0xBB, 0xBC, 0xBD, 0xBE, 0xBF,
        0xC0, 0xC1, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6, 0xC7, 0xC8, 0xC9, 0xCA, 0xCB, 0xCC, 0xCD, 0xCE, 0xCF,
        0xD0, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8, 0xD9, 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF,
        0xE0, 0xE1, 0xE2, 0xE3, 0xE4, 0xE5, 0xE6, 0xE7, 0xE8, 0xE9, 0xEA, 0xEB, 0xEC, 0xED, 0xEE, 0xEF,
        0xF0, 0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF7, 0xF8, 0xF9, 0xFA, 0xFB, 0xFC, 0xFD, 0xFE, 0xFF,
    ];

    /// <summary>
    /// The key schedule for an MPPE key (8 or 16 octets, RFC 3078 §7.3): the same result as <see cref="SetKey"/>,
    /// with the key index wrapped by a mask instead of a counter and the identity S-box block-copied.
    /// </summary>
    internal static void SetKeyMppe(Rc4* cipher, byte* key, int keyLength)
    {
        Debug.Assert(keyLength is 8 or 16);
        byte* s = cipher->_s;
        fixed (byte* identity = Identity)
            Unsafe.CopyBlockUnaligned(s, identity, 256);
        uint mask = (uint)keyLength - 1, j = 0;
        for (uint n = 0; n < 256; n++)
        {
            byte t = s[n];
            j = (j + t + key[n & mask]) & 0xFF;
            s[n] = s[j];
            s[j] = t;
        }
        cipher->_i = 0;
        cipher->_j = 0;
    }

    /// <summary>Two MPPE key schedules (8- or 16-octet keys) in one loop: the two j chains overlap.</summary>
    internal static void SetKeyMppe2(Rc4* a, byte* keyA, int keyLengthA, Rc4* b, byte* keyB, int keyLengthB)
    {
        Debug.Assert(a != b);
        byte* sa = a->_s;
        byte* sb = b->_s;
        fixed (byte* identity = Identity)
        {
            Unsafe.CopyBlockUnaligned(sa, identity, 256);
            Unsafe.CopyBlockUnaligned(sb, identity, 256);
        }
        uint maskA = (uint)keyLengthA - 1, maskB = (uint)keyLengthB - 1, ja = 0, jb = 0;
        for (uint n = 0; n < 256; n++)
        {
            byte ta = sa[n];
            byte tb = sb[n];
            ja = (ja + ta + keyA[n & maskA]) & 0xFF;
            jb = (jb + tb + keyB[n & maskB]) & 0xFF;
            sa[n] = sa[ja];
            sb[n] = sb[jb];
            sa[ja] = ta;
            sb[jb] = tb;
        }
        a->_i = a->_j = 0;
        b->_i = b->_j = 0;
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

    // Never inlined: inlined into a large caller (MppeBurst.Run), the JIT kept i and j in stack slots, putting a
    // store-to-load forward on every round's dependency chain (a 64-octet stateful burst of 32 sessions cost 118 ns
    // per packet instead of 93; bench/RESULTS.md). One call per packet costs nothing next to that. The key schedules
    // (SetKeyMppe, SetKeyMppe2) stay inlinable: kept out of line, the stateless 512-octet paths measured ~6 % slower.
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void Transform2(Rc4* a, byte* dataA, int lengthA, Rc4* b, byte* dataB, int lengthB)
    {
        Debug.Assert(a != b);
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
            if (!BitConverter.IsLittleEndian)
            {
                ka = BinaryPrimitives.ReverseEndianness(ka);
                kb = BinaryPrimitives.ReverseEndianness(kb);
            }
            Unsafe.WriteUnaligned(dataA + p, Unsafe.ReadUnaligned<ulong>(dataA + p) ^ ka);
            Unsafe.WriteUnaligned(dataB + p, Unsafe.ReadUnaligned<ulong>(dataB + p) ^ kb);
        }
        a->_i = ia;
        a->_j = ja;
        b->_i = ib;
        b->_j = jb;
        // The tails (the longer buffer's excess, and the last < 8 octets) one stream at a time.
        if (p < lengthA)
            a->Transform(new Span<byte>(dataA + p, (int)(lengthA - p)));
        if (p < lengthB)
            b->Transform(new Span<byte>(dataB + p, (int)(lengthB - p)));
    }

    /// <summary>Single-stream transform through a pointer (the burst paths' fallback).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)] // see Transform2
    internal static void Transform1(Rc4* cipher, byte* data, int length) =>
        cipher->Transform(new Span<byte>(data, length));
}
