using System.Buffers.Binary;
using System.Numerics;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;

namespace PptpGw.ControlPlane.Ppp.Auth;

/// <summary>
/// The DES pieces of MS-CHAP: 7-octet keys (RFC 2433 §A.4, RFC 2759 §8.6) and ChallengeResponse
/// (RFC 2433 §A.7, RFC 2759 §8.5), which both MS-CHAP versions use to answer a challenge.
/// </summary>
public static class DesChallenge
{
    /// <summary>Octets in a DES key as MS-CHAP carries it: 56 bits, no parity.</summary>
    public const int Key7Length = 7;
    /// <summary>Octets in a DES key with parity bits inserted.</summary>
    public const int Key8Length = 8;
    /// <summary>Octets in a DES block (clear and cypher text).</summary>
    public const int BlockLength = 8;
    /// <summary>Octets in an MS-CHAP challenge (v1) or challenge hash (v2).</summary>
    public const int ChallengeLength = 8;
    /// <summary>Octets in a ChallengeResponse: three DES blocks.</summary>
    public const int ResponseLength = 24;

    /// <summary>
    /// Spreads 56 key bits over 8 octets, 7 bits each in the high bits, and sets each low (parity) bit so the
    /// octet has odd parity (RFC 2759 §9.3). DES ignores parity; it is set so the key matches the RFC's example.
    /// </summary>
    public static void ExpandKey(ReadOnlySpan<byte> key7, Span<byte> key8)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(key7.Length, Key7Length, nameof(key7));
        ArgumentOutOfRangeException.ThrowIfLessThan(key8.Length, Key8Length, nameof(key8));
        Span<byte> wide = stackalloc byte[8];
        wide[0] = 0;
        key7.CopyTo(wide[1..]);
        ulong bits = BinaryPrimitives.ReadUInt64BigEndian(wide); // the 56 key bits, most significant first
        for (int i = 0; i < 8; i++)
        {
            byte b = (byte)(((bits >> (49 - 7 * i)) & 0x7F) << 1);
            // Odd parity: if the 7 key bits hold an even number of ones, the parity bit makes it odd.
            key8[i] = (byte)(b | ((BitOperations.PopCount(b) & 1) ^ 1));
        }
        wide.Clear();
    }

    /// <summary>DesEncrypt (RFC 2433 §A.4): one DES-ECB block under a 7-octet key.</summary>
    public static void Encrypt(ReadOnlySpan<byte> clear, ReadOnlySpan<byte> key7, Span<byte> cypher)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(clear.Length, BlockLength, nameof(clear));
        ArgumentOutOfRangeException.ThrowIfLessThan(cypher.Length, BlockLength, nameof(cypher));
        var des = new DesEngine();
        EncryptWith(des, clear, key7, cypher);
    }

    /// <summary>
    /// ChallengeResponse (RFC 2759 §8.5): the 16-octet password hash zero-padded to 21 octets gives three
    /// 7-octet DES keys; each encrypts the 8-octet challenge, giving the 24-octet response.
    /// </summary>
    public static void ChallengeResponse(ReadOnlySpan<byte> challenge, ReadOnlySpan<byte> passwordHash, Span<byte> response)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(challenge.Length, ChallengeLength, nameof(challenge));
        ArgumentOutOfRangeException.ThrowIfNotEqual(passwordHash.Length, PasswordHashes.HashLength, nameof(passwordHash));
        ArgumentOutOfRangeException.ThrowIfLessThan(response.Length, ResponseLength, nameof(response));
        Span<byte> zHash = stackalloc byte[21];
        zHash.Clear();
        passwordHash.CopyTo(zHash);
        var des = new DesEngine();
        EncryptWith(des, challenge, zHash[..7], response[..8]);
        EncryptWith(des, challenge, zHash[7..14], response[8..16]);
        EncryptWith(des, challenge, zHash[14..21], response[16..24]);
        zHash.Clear();
    }

    private static void EncryptWith(DesEngine des, ReadOnlySpan<byte> clear, ReadOnlySpan<byte> key7, Span<byte> cypher)
    {
        Span<byte> key8 = stackalloc byte[Key8Length];
        ExpandKey(key7, key8);
        des.Init(true, new KeyParameter(key8));
        des.ProcessBlock(clear, cypher);
        key8.Clear();
    }
}
