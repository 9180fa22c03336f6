using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;

namespace PptpGw.ControlPlane.Aaa.Tacacs;

/// <summary>
/// Body obfuscation (RFC 8907 §4.5): the body is XORed with a pseudo pad of concatenated MD5 hashes,
/// MD5_1 = MD5{session_id, key, version, seq_no}, MD5_n = MD5{session_id, key, version, seq_no, MD5_n-1},
/// truncated to the body length. The same operation obfuscates and de-obfuscates. The RFC calls it obfuscation, not
/// encryption: it hides the body from a casual observer only.
/// </summary>
public static class TacacsObfuscation
{
    private const int HashLength = 16;

    // session_id (4) + version (1) + seq_no (1) + previous hash (16) around the key; keys up to this size hash from the stack.
    private const int StackLimit = 512;

    /// <summary>XORs <paramref name="body"/> in place with the pad of <paramref name="header"/>'s session_id, version and seq_no.</summary>
    public static void Apply(Span<byte> body, in TacacsHeader header, ReadOnlySpan<byte> key) =>
        Apply(body, header.SessionId, key, header.Version, header.SequenceNumber);

    /// <summary>XORs <paramref name="body"/> in place with the pseudo pad (RFC 8907 §4.5).</summary>
    public static void Apply(Span<byte> body, uint sessionId, ReadOnlySpan<byte> key, byte version, byte sequenceNumber)
    {
        if (body.IsEmpty)
            return;
        int prefix = 4 + key.Length + 2;
        int length = prefix + HashLength;
        byte[]? rented = null;
        Span<byte> input = length <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(length));
        input = input[..length];
        Span<byte> pad = stackalloc byte[HashLength];
        try
        {
            BinaryPrimitives.WriteUInt32BigEndian(input, sessionId);
            key.CopyTo(input[4..]);
            input[4 + key.Length] = version;
            input[5 + key.Length] = sequenceNumber;
            // MD5 is what the protocol names (§4.5); it is not a choice of ours.
            MD5.HashData(input[..prefix], pad);
            for (int offset = 0; ; offset += HashLength)
            {
                int n = Math.Min(HashLength, body.Length - offset);
                for (int i = 0; i < n; i++)
                    body[offset + i] ^= pad[i];
                if (offset + HashLength >= body.Length)
                    break;
                pad.CopyTo(input[prefix..]);
                MD5.HashData(input, pad);
            }
        }
        finally
        {
            // The buffer held the shared secret.
            CryptographicOperations.ZeroMemory(input);
            CryptographicOperations.ZeroMemory(pad);
            if (rented is not null)
                ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
