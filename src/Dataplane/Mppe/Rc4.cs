using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PptpGw.Dataplane.Mppe;

/// <summary>
/// RC4 (the cipher MPPE uses, RFC 3078 §2): an S-box and the two indices i and j, keyed once, then applied to
/// packets in place or from a source to a destination buffer.
/// </summary>
/// <remarks>
/// Hand-written because it is the per-packet hot path: no allocation, no native call or P/Invoke transition,
/// the state is a plain value stored inline in the session, and the XOR can be fused with the copy to the
/// output buffer (src→dst) instead of being a separate pass.
/// <para>
/// The state is a value (256-octet S-box + i + j): assigning an <see cref="Rc4"/> copies the whole keystream
/// position, which stateful MPPE (RFC 3078 §7) uses to keep one stream going across packets, and which lets a
/// caller snapshot and restore it. Pass it by <c>ref</c>; a copy made by accident advances independently.
/// </para>
/// <para>
/// The S-box holds octets: measured on x64 (AMD EPYC, .NET 10, 1400-octet packets) octet entries ran about 5%
/// faster than 32-bit ones (~790 vs ~750 MB/s; a plain one-octet-at-a-time loop ~550 MB/s), and the state stays
/// one quarter the size, cheap to copy. Eight keystream octets are gathered into one 64-bit word and XORed
/// with eight input octets at once.
/// </para>
/// </remarks>
[StructLayout(LayoutKind.Sequential)]
public unsafe partial struct Rc4
{
    /// <summary>Longest key RC4 accepts: one octet per S-box entry.</summary>
    public const int MaxKeyLength = 256;

    private fixed byte _s[256];
    private uint _i;
    private uint _j;

    /// <summary>Creates a cipher keyed with <paramref name="key"/> (see <see cref="SetKey"/>).</summary>
    public Rc4(ReadOnlySpan<byte> key) => SetKey(key);

    /// <summary>The key-scheduling algorithm: resets the S-box and i = j = 0, then mixes in the 1 to 256 key octets.</summary>
    public void SetKey(ReadOnlySpan<byte> key)
    {
        if (key.IsEmpty || key.Length > MaxKeyLength)
            throw new ArgumentOutOfRangeException(nameof(key), key.Length, "RC4 keys are 1 to 256 octets.");
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

    /// <summary>Encrypts or decrypts <paramref name="data"/> in place, advancing the keystream.</summary>
    public void Transform(Span<byte> data) => Transform(data, data);

    /// <summary>
    /// Writes <paramref name="source"/> XOR keystream to <paramref name="destination"/> (at least as long),
    /// advancing the keystream by <c>source.Length</c>. The two may be the same buffer; any other overlap is not supported.
    /// </summary>
    public void Transform(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (destination.Length < source.Length)
            throw new ArgumentException("Destination is shorter than source.", nameof(destination));
        fixed (byte* s = _s)
        fixed (byte* src = source)
        fixed (byte* dst = destination)
        {
            uint i = _i, j = _j;
            nint length = source.Length, p = 0;
            for (; p <= length - 8; p += 8)
            {
                // Eight rounds, each yielding one keystream octet into k at its little-endian position.
                ulong k = Round(s, ref i, ref j);
                k |= (ulong)Round(s, ref i, ref j) << 8;
                k |= (ulong)Round(s, ref i, ref j) << 16;
                k |= (ulong)Round(s, ref i, ref j) << 24;
                k |= (ulong)Round(s, ref i, ref j) << 32;
                k |= (ulong)Round(s, ref i, ref j) << 40;
                k |= (ulong)Round(s, ref i, ref j) << 48;
                k |= (ulong)Round(s, ref i, ref j) << 56;
                if (!BitConverter.IsLittleEndian)
                    k = BinaryPrimitives.ReverseEndianness(k);
                Unsafe.WriteUnaligned(dst + p, Unsafe.ReadUnaligned<ulong>(src + p) ^ k);
            }
            for (; p < length; p++)
                dst[p] = (byte)(src[p] ^ Round(s, ref i, ref j));
            _i = i;
            _j = j;
        }
    }

    /// <summary>Advances the keystream by <paramref name="count"/> octets without producing output.</summary>
    public void Skip(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        fixed (byte* s = _s)
        {
            uint i = _i, j = _j;
            for (int n = 0; n < count; n++)
                Round(s, ref i, ref j);
            _i = i;
            _j = j;
        }
    }

    /// <summary>One PRGA step: i += 1, j += S[i], swap, output S[S[i] + S[j]].</summary>
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
