using System.Runtime.InteropServices;

namespace PptpGw.Dataplane.Mppe;

/// <summary>
/// RC4 from OpenSSL's libcrypto.so.3 through its low-level <c>RC4_set_key</c> / <c>RC4</c> functions, which
/// OpenSSL 3 still exports without loading the legacy provider (only the EVP "RC4" cipher needs it).
/// Used as a reference and a benchmark baseline for <see cref="Rc4"/>.
/// </summary>
/// <remarks>
/// The <c>RC4_KEY</c> lives in native memory owned by this object (so the GC never moves it under a native
/// call); <see cref="Dispose"/> frees it. When the library or its exports are missing, <see cref="IsAvailable"/>
/// is false and the constructor throws <see cref="PlatformNotSupportedException"/>; nothing else fails.
/// </remarks>
public sealed unsafe class OpenSslRc4 : IDisposable
{
    /// <summary>The shared object loaded: OpenSSL 3's libcrypto.</summary>
    public const string LibraryName = "libcrypto.so.3";

    // sizeof(RC4_KEY) is 2 + 256 RC4_INTs: 1032 octets where RC4_INT is a 32-bit int (x86-64); allocate for
    // an 8-octet RC4_INT so no build of libcrypto can write past the block.
    private const int KeyStateSize = 258 * 8;

    private static readonly delegate* unmanaged<void*, int, byte*, void> s_setKey;
    private static readonly delegate* unmanaged<void*, nuint, byte*, byte*, void> s_rc4;

    private void* _key;

    static OpenSslRc4()
    {
        if (NativeLibrary.TryLoad(LibraryName, out nint handle)
            && NativeLibrary.TryGetExport(handle, "RC4_set_key", out nint setKey)
            && NativeLibrary.TryGetExport(handle, "RC4", out nint rc4))
        {
            s_setKey = (delegate* unmanaged<void*, int, byte*, void>)setKey;
            s_rc4 = (delegate* unmanaged<void*, nuint, byte*, byte*, void>)rc4;
        }
    }

    /// <summary>True when libcrypto.so.3 was loaded and exports RC4_set_key and RC4.</summary>
    public static bool IsAvailable => s_setKey != null && s_rc4 != null;

    /// <summary>Allocates the native key state and keys it with <paramref name="key"/> (1 to 256 octets).</summary>
    /// <exception cref="PlatformNotSupportedException">libcrypto.so.3 or its RC4 functions are not present.</exception>
    public OpenSslRc4(ReadOnlySpan<byte> key)
    {
        if (!IsAvailable)
            throw new PlatformNotSupportedException($"{LibraryName} with RC4_set_key/RC4 is not available.");
        _key = NativeMemory.AllocZeroed(KeyStateSize);
        SetKey(key);
    }

    /// <summary>RC4_set_key: resets the state to the key schedule of <paramref name="key"/>.</summary>
    public void SetKey(ReadOnlySpan<byte> key)
    {
        if (key.IsEmpty || key.Length > Rc4.MaxKeyLength)
            throw new ArgumentOutOfRangeException(nameof(key), key.Length, "RC4 keys are 1 to 256 octets.");
        fixed (byte* k = key)
            s_setKey(State, key.Length, k);
    }

    /// <summary>Encrypts or decrypts <paramref name="data"/> in place.</summary>
    public void Transform(Span<byte> data) => Transform(data, data);

    /// <summary>Writes <paramref name="source"/> XOR keystream to <paramref name="destination"/> (at least as long).</summary>
    public void Transform(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (destination.Length < source.Length)
            throw new ArgumentException("Destination is shorter than source.", nameof(destination));
        if (source.IsEmpty)
            return;
        fixed (byte* src = source)
        fixed (byte* dst = destination)
            s_rc4(State, (nuint)source.Length, src, dst);
    }

    /// <summary>Copies this cipher's keystream position into <paramref name="other"/> (the two then run in step).</summary>
    public void CopyStateTo(OpenSslRc4 other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Buffer.MemoryCopy(State, other.State, KeyStateSize, KeyStateSize);
    }

    /// <summary>Frees the native key state (zeroed first: it is key material).</summary>
    public void Dispose()
    {
        if (_key != null)
        {
            NativeMemory.Clear(_key, KeyStateSize);
            NativeMemory.Free(_key);
            _key = null;
        }
    }

    private void* State => _key != null ? _key : throw new ObjectDisposedException(nameof(OpenSslRc4));
}
