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
/// The state is a value (256 S-box entries + i + j): assigning an <see cref="Rc4"/> copies the whole keystream
/// position, which stateful MPPE (RFC 3078 §7) uses to keep one stream going across packets, and which lets a
/// caller snapshot and restore it (a tentative copy for verify-before-commit is a plain assignment). Pass it by
/// <c>ref</c>; a copy made by accident advances independently.
/// </para>
/// <para>
/// The S-box entries are 32-bit (OpenSSL's <c>RC4_INT</c> on x86-64): with octet entries some hosts ran the loop
/// at half speed (a C build too, bench/RESULTS.md); with 32-bit entries and the next round's S[i] loaded ahead the
/// loop holds on both kinds of host measured (which order of that load is fastest differs: see <see cref="Rc4Schedules"/>).
/// The cost is memory: 1032 octets per state instead of 264.
/// Which keystream loop runs is <see cref="Rc4Schedules.Active"/>, picked once at start-up (see there).
/// </para>
/// </remarks>
[StructLayout(LayoutKind.Sequential)]
public unsafe partial struct Rc4
{
    /// <summary>Longest key RC4 accepts: one octet per S-box entry.</summary>
    public const int MaxKeyLength = 256;

    private fixed uint _s[256];
    private uint _i;
    private uint _j;

    /// <summary>Creates a cipher keyed with <paramref name="key"/> (see <see cref="SetKey"/>).</summary>
    public Rc4(ReadOnlySpan<byte> key) => SetKey(key);

    /// <summary>The key-scheduling algorithm: resets the S-box and i = j = 0, then mixes in the 1 to 256 key octets.</summary>
    public void SetKey(ReadOnlySpan<byte> key)
    {
        if (key.IsEmpty || key.Length > MaxKeyLength)
            throw new ArgumentOutOfRangeException(nameof(key), key.Length, "RC4 keys are 1 to 256 octets.");
        fixed (Rc4* self = &this)
        fixed (byte* k = key)
        {
            if (key.Length is 8 or 16)
                SetKeyMppe(self, k, key.Length);
            else
                SetKeyAny(self, k, key.Length);
        }
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
        fixed (Rc4* self = &this)
        fixed (byte* src = source)
        fixed (byte* dst = destination)
            Transform1(self, src, dst, source.Length);
    }

    /// <summary>Advances the keystream by <paramref name="count"/> octets without producing output.</summary>
    public void Skip(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        fixed (uint* s = _s)
        {
            uint i = _i, j = _j;
            for (int n = 0; n < count; n++)
                Round(s, ref i, ref j);
            _i = i;
            _j = j;
        }
    }

    /// <summary>
    /// Runs the keystream backwards over <paramref name="data"/>, last octet first: undoes a
    /// <see cref="Transform(Span{byte})"/> of exactly these octets made since the last key schedule, restoring both the
    /// octets and the state (S-box, i, j) to what they were before it. Several transforms are undone by rewinding their
    /// buffers in reverse order.
    /// </summary>
    /// <remarks>
    /// RC4's output step is a permutation of its state, so it can be run backwards: given i, j and S after a step, the
    /// octet it produced is S[S[i] + S[j]], and the step before is S[i] ↔ S[j], j −= S[i] (the value swapped back),
    /// i −= 1. The receive path uses this to roll a stateful stream back when a packet of the burst fails verification
    /// (issue 9), instead of copying the whole 1 KB state before every burst.
    /// </remarks>
    public void Rewind(Span<byte> data)
    {
        fixed (Rc4* self = &this)
        fixed (byte* d = data)
            Rewind(self, d, data.Length);
    }

    /// <summary><see cref="Rewind(Span{byte})"/> through a pointer (the worker's rollback).</summary>
    internal static void Rewind(Rc4* cipher, byte* data, int length)
    {
        uint* s = cipher->_s;
        uint i = cipher->_i, j = cipher->_j;
        for (nint p = length - 1; p >= 0; p--)
        {
            uint si = s[i];
            uint sj = s[j];
            data[p] ^= (byte)s[(si + sj) & 0xFF];
            s[i] = sj;
            s[j] = si;
            j = (j - sj) & 0xFF; // sj is S[i] again after the swap back: the value the forward step added to j
            i = (i - 1) & 0xFF;
        }
        cipher->_i = i;
        cipher->_j = j;
    }

    /// <summary>The general key schedule (any key length 1-256), textbook form.</summary>
    private static void SetKeyAny(Rc4* cipher, byte* key, int keyLength)
    {
        uint* s = cipher->_s;
        FillIdentity(s);
        uint j = 0;
        int ki = 0;
        for (uint n = 0; n < 256; n++)
        {
            uint t = s[n];
            j = (j + t + key[ki]) & 0xFF;
            if (++ki == keyLength)
                ki = 0;
            s[n] = s[j];
            s[j] = t;
        }
        cipher->_i = 0;
        cipher->_j = 0;
    }

    /// <summary>One PRGA step: i += 1, j += S[i], swap, output S[S[i] + S[j]].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Round(uint* s, ref uint i, ref uint j)
    {
        i = (i + 1) & 0xFF;
        uint si = s[i];
        j = (j + si) & 0xFF;
        uint sj = s[j];
        s[i] = sj;
        s[j] = si;
        return s[(si + sj) & 0xFF];
    }
}
