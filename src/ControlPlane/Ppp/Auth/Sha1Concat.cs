using System.Buffers;
using System.Security.Cryptography;

namespace PptpGw.ControlPlane.Ppp.Auth;

/// <summary>SHA-1 over the concatenation of up to four parts, without a heap allocation for small inputs.</summary>
internal static class Sha1Concat
{
    private const int StackLimit = 512;

    public static void Hash(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, ReadOnlySpan<byte> c, ReadOnlySpan<byte> d, Span<byte> digest)
    {
        int total = a.Length + b.Length + c.Length + d.Length;
        byte[]? rented = null;
        Span<byte> buffer = total <= StackLimit
            ? stackalloc byte[StackLimit]
            : (rented = ArrayPool<byte>.Shared.Rent(total));
        buffer = buffer[..total];
        a.CopyTo(buffer);
        b.CopyTo(buffer[a.Length..]);
        c.CopyTo(buffer[(a.Length + b.Length)..]);
        d.CopyTo(buffer[(a.Length + b.Length + c.Length)..]);
        SHA1.HashData(buffer, digest);
        // The parts are key material: leave none of it behind in the stack or the pool.
        CryptographicOperations.ZeroMemory(buffer);
        if (rented is not null)
            ArrayPool<byte>.Shared.Return(rented);
    }
}
