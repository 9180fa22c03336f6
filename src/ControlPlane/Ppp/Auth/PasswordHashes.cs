using System.Runtime.InteropServices;
using Org.BouncyCastle.Crypto.Digests;

namespace PptpGw.ControlPlane.Ppp.Auth;

/// <summary>
/// The Windows password hashes MS-CHAP is built on: the NT hash (RFC 2433 §A.6, RFC 2759 §8.3),
/// its hash (RFC 2759 §8.4) and the LAN Manager hash (RFC 2433 §A.2).
/// MD4 and DES come from BouncyCastle: OpenSSL 3 only has them in its legacy provider and .NET has neither.
/// </summary>
public static class PasswordHashes
{
    /// <summary>Octets in every password hash (MD4 digest, or two DES blocks for the LM hash).</summary>
    public const int HashLength = 16;

    /// <summary>RFC 2433 §A.2: the LM hash uppercases and zero-pads the password to 14 OEM characters.</summary>
    public const int LmPasswordLength = 14;

    // RFC 2433 §A.3: the known text DesHash encrypts under each half of the LM password.
    private static ReadOnlySpan<byte> LmStdText => "KGS!@#$%"u8;

    /// <summary>
    /// NtPasswordHash (RFC 2759 §8.3): MD4 of the password in UTF-16LE ("Unicode"), without a terminating zero.
    /// </summary>
    /// <param name="password">The password; RFC 2759 allows 0 to 256 characters (longer ones are hashed as given).</param>
    /// <param name="destination">At least <see cref="HashLength"/> octets.</param>
    public static void NtPasswordHash(ReadOnlySpan<char> password, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, HashLength, nameof(destination));
        var md4 = new MD4Digest();
        if (BitConverter.IsLittleEndian)
        {
            // A .NET string already is UTF-16 code units: on a little-endian host its bytes are UTF-16LE.
            md4.BlockUpdate(MemoryMarshal.AsBytes(password));
        }
        else
        {
            Span<byte> pair = stackalloc byte[2];
            foreach (char c in password)
            {
                pair[0] = (byte)c;
                pair[1] = (byte)(c >> 8);
                md4.BlockUpdate(pair);
            }
        }
        md4.DoFinal(destination);
    }

    /// <summary>HashNtPasswordHash (RFC 2759 §8.4): MD4 of the 16-octet NT password hash ("PasswordHashHash").</summary>
    public static void HashNtPasswordHash(ReadOnlySpan<byte> passwordHash, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(passwordHash.Length, HashLength, nameof(passwordHash));
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, HashLength, nameof(destination));
        var md4 = new MD4Digest();
        md4.BlockUpdate(passwordHash);
        md4.DoFinal(destination);
    }

    /// <summary>
    /// LmPasswordHash (RFC 2433 §A.2): the password uppercased, zero-padded to 14 OEM characters, each 7-octet
    /// half used as a DES key to encrypt "KGS!@#$%" (DesHash, §A.3).
    /// </summary>
    /// <remarks>
    /// Characters past the 14th are dropped, as pppd does (the RFC's input is 0-to-14 characters).
    /// The OEM code page of the peer is unknown here, so letters are uppercased invariantly and characters are
    /// taken as Latin-1 octets; anything beyond U+00FF becomes '?'. ASCII passwords, the only ones that interoperate
    /// reliably with the LM hash, are exact.
    /// </remarks>
    public static void LmPasswordHash(ReadOnlySpan<char> password, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, HashLength, nameof(destination));
        Span<byte> upper = stackalloc byte[LmPasswordLength];
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(upper);
        int n = Math.Min(password.Length, LmPasswordLength);
        for (int i = 0; i < n; i++)
        {
            char c = char.ToUpperInvariant(password[i]);
            upper[i] = c <= '\u00FF' ? (byte)c : (byte)'?';
        }
        DesChallenge.Encrypt(LmStdText, upper[..7], destination[..8]);
        DesChallenge.Encrypt(LmStdText, upper[7..], destination[8..16]);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(upper);
    }
}
