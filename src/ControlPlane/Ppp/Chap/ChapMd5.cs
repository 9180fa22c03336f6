using System.Buffers;
using System.Security.Cryptography;

namespace PptpGw.ControlPlane.Ppp.Chap;

/// <summary>
/// The CHAP MD5 response (RFC 1994 §4.1, algorithm 5): MD5 over Identifier | secret | Challenge Value.
/// </summary>
public static class ChapMd5
{
    /// <summary>An MD5 digest, and so the Response Value, is 16 octets.</summary>
    public const int ResponseLength = 16;

    // Concatenations up to this size are hashed from the stack; longer (unusual) secrets rent a buffer.
    private const int StackLimit = 512;

    /// <summary>
    /// Computes MD5(Identifier | <paramref name="secret"/> | <paramref name="challenge"/>) into the first 16 octets of
    /// <paramref name="destination"/>. Throws when <paramref name="destination"/> is shorter than 16 octets.
    /// </summary>
    public static void ComputeResponse(byte identifier, ReadOnlySpan<byte> secret, ReadOnlySpan<byte> challenge, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, ResponseLength, nameof(destination));
        int length = 1 + secret.Length + challenge.Length;
        byte[]? rented = null;
        Span<byte> buffer = length <= StackLimit
            ? stackalloc byte[StackLimit]
            : (rented = ArrayPool<byte>.Shared.Rent(length));
        buffer = buffer[..length];
        try
        {
            buffer[0] = identifier;
            secret.CopyTo(buffer[1..]);
            challenge.CopyTo(buffer[(1 + secret.Length)..]);
            // MD5 is what algorithm 5 names (RFC 1994 §3); it is the protocol, not a choice of ours.
            MD5.HashData(buffer, destination[..ResponseLength]);
        }
        finally
        {
            // The buffer held the shared secret.
            CryptographicOperations.ZeroMemory(buffer);
            if (rented is not null)
                ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// True when <paramref name="response"/> (a received Response Value) equals the expected MD5 response.
    /// The comparison takes the same time wherever the octets differ; a Value that is not 16 octets is rejected
    /// at once (its length is public).
    /// </summary>
    public static bool VerifyResponse(byte identifier, ReadOnlySpan<byte> secret, ReadOnlySpan<byte> challenge, ReadOnlySpan<byte> response)
    {
        if (response.Length != ResponseLength)
            return false;
        Span<byte> expected = stackalloc byte[ResponseLength];
        ComputeResponse(identifier, secret, challenge, expected);
        bool equal = CryptographicOperations.FixedTimeEquals(expected, response);
        CryptographicOperations.ZeroMemory(expected);
        return equal;
    }
}
