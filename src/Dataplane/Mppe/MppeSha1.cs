using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace PptpGw.Dataplane.Mppe;

/// <summary>
/// SHA-1 for the per-packet MPPE key change (GetNewKeyFromSHA, RFC 3079 §2.4/§3.4, RFC 3078 §7.3), which in
/// stateless mode runs once per packet and dominates its cost.
/// </summary>
/// <remarks>
/// Options measured (bench/ShaBenchmarks.cs, 112-octet input):
/// <list type="bullet">
/// <item><c>SHA1.HashData</c>: .NET's one-shot goes through the platform's EVP layer (an EVP_MD_CTX per call
/// on Linux), 0.6-1.3 µs of overhead for two compression-function blocks.</item>
/// <item>A reused <c>IncrementalHash</c>: saves the context allocation but still walks EVP; it also is an object,
/// which the worker would have to own.</item>
/// <item>libcrypto's low-level <c>SHA1_Init/SHA1_Update/SHA1_Final</c> (deprecated in OpenSSL 3 but exported,
/// no provider fetch; it uses the SHA-NI instructions where the CPU has them) with the context on our stack:
/// about 0.1-0.2 µs. This is what <see cref="Hash"/> uses when libcrypto.so.3 loads. (OpenSSL 3's one-shot
/// <c>SHA1()</c> is not used: it is implemented over EVP_Q_digest and fetches the algorithm on every call.)</item>
/// <item>Managed SHA-NI: .NET exposes no SHA intrinsics (System.Runtime.Intrinsics.X86 has no Sha class), so a
/// managed SHA-1 would be a scalar implementation — slower than libcrypto's SHA-NI path.</item>
/// </list>
/// The calls are marked <c>SuppressGCTransition</c>: each is a few hundred cycles of pure computation on memory
/// we pass, never blocks and never calls back, which is the case that attribute exists for. Without libcrypto,
/// <see cref="Hash"/> falls back to <c>SHA1.HashData</c>.
/// </remarks>
internal static unsafe class MppeSha1
{
    /// <summary>Octets in a SHA-1 digest.</summary>
    public const int DigestLength = 20;

    // SHA_CTX is 24 32-bit words (h0..h4, Nl, Nh, data[16], num) = 96 octets; leave room.
    private const int ContextSize = 128;

    private static readonly delegate* unmanaged[SuppressGCTransition]<void*, int> s_init;
    private static readonly delegate* unmanaged[SuppressGCTransition]<void*, byte*, nuint, int> s_update;
    private static readonly delegate* unmanaged[SuppressGCTransition]<byte*, void*, int> s_final;

    static MppeSha1()
    {
        if (NativeLibrary.TryLoad(OpenSslRc4.LibraryName, out nint handle)
            && NativeLibrary.TryGetExport(handle, "SHA1_Init", out nint init)
            && NativeLibrary.TryGetExport(handle, "SHA1_Update", out nint update)
            && NativeLibrary.TryGetExport(handle, "SHA1_Final", out nint final))
        {
            s_init = (delegate* unmanaged[SuppressGCTransition]<void*, int>)init;
            s_update = (delegate* unmanaged[SuppressGCTransition]<void*, byte*, nuint, int>)update;
            s_final = (delegate* unmanaged[SuppressGCTransition]<byte*, void*, int>)final;
        }
    }

    /// <summary>True when libcrypto's SHA1_Init/Update/Final are in use.</summary>
    public static bool IsNative => s_init != null;

    /// <summary>SHA-1 of <paramref name="length"/> octets at <paramref name="input"/> into 20 octets at <paramref name="digest"/>.</summary>
    public static void Hash(byte* input, int length, byte* digest)
    {
        if (s_init != null)
            HashNative(input, length, digest);
        else
            HashManaged(input, length, digest);
    }

    /// <summary>libcrypto SHA1_Init/Update/Final; only when <see cref="IsNative"/>.</summary>
    public static void HashNative(byte* input, int length, byte* digest)
    {
        byte* context = stackalloc byte[ContextSize];
        s_init(context);
        s_update(context, input, (nuint)length);
        s_final(digest, context);
        // The context holds the last input block, i.e. key material.
        new Span<byte>(context, ContextSize).Clear();
    }

    /// <summary>The .NET one-shot (the fallback, and the benchmark baseline).</summary>
    public static void HashManaged(byte* input, int length, byte* digest) =>
        SHA1.HashData(new ReadOnlySpan<byte>(input, length), new Span<byte>(digest, DigestLength));
}
