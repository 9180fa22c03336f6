using System.Security.Cryptography;
using PptpGw.ControlPlane.Ppp.Chap;

namespace PptpGw.ControlPlane.Ppp.Auth;

/// <summary>
/// MS-CHAP version 2 (RFC 2759 §8): the challenge hash, the peer's NT-Response and the authenticator's
/// "S=" response that lets the peer authenticate the server.
/// </summary>
public static class MsChapV2
{
    /// <summary>Octets in the Authenticator Challenge and in the Peer-Challenge (RFC 2759 §4, §5).</summary>
    public const int ChallengeLength = 16;
    /// <summary>Octets in the ChallengeHash result (RFC 2759 §8.2).</summary>
    public const int ChallengeHashLength = 8;
    /// <summary>Octets in the NT-Response (RFC 2759 §4).</summary>
    public const int NtResponseLength = 24;
    /// <summary>Octets in the raw authenticator response: a SHA-1 digest (RFC 2759 §8.7).</summary>
    public const int AuthenticatorResponseLength = 20;
    /// <summary>Octets in the authenticator response as sent: "S=" and 40 uppercase hex digits (RFC 2759 §5).</summary>
    public const int AuthenticatorResponseStringLength = 42;

    // RFC 2759 §8.7.
    private static ReadOnlySpan<byte> Magic1 => "Magic server to client signing constant"u8;
    private static ReadOnlySpan<byte> Magic2 => "Pad to make it do more than one iteration"u8;

    /// <summary>
    /// ChallengeHash (RFC 2759 §8.2): the first 8 octets of SHA-1(PeerChallenge | AuthenticatorChallenge | UserName).
    /// <paramref name="userName"/> is the Name field as received; any "DOMAIN\" prefix is stripped here
    /// (<see cref="ChapName.UserPart(ReadOnlySpan{byte})"/>).
    /// </summary>
    public static void ChallengeHash(ReadOnlySpan<byte> peerChallenge, ReadOnlySpan<byte> authenticatorChallenge,
        ReadOnlySpan<byte> userName, Span<byte> challenge)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(peerChallenge.Length, ChallengeLength, nameof(peerChallenge));
        ArgumentOutOfRangeException.ThrowIfNotEqual(authenticatorChallenge.Length, ChallengeLength, nameof(authenticatorChallenge));
        ArgumentOutOfRangeException.ThrowIfLessThan(challenge.Length, ChallengeHashLength, nameof(challenge));
        Span<byte> digest = stackalloc byte[SHA1.HashSizeInBytes];
        Sha1Concat.Hash(peerChallenge, authenticatorChallenge, ChapName.UserPart(userName), default, digest);
        digest[..ChallengeHashLength].CopyTo(challenge);
    }

    /// <summary>
    /// GenerateNTResponse (RFC 2759 §8.1) from the NT password hash: ChallengeResponse(ChallengeHash, PasswordHash).
    /// </summary>
    public static void GenerateNtResponse(ReadOnlySpan<byte> authenticatorChallenge, ReadOnlySpan<byte> peerChallenge,
        ReadOnlySpan<byte> userName, ReadOnlySpan<byte> passwordHash, Span<byte> response)
    {
        Span<byte> challenge = stackalloc byte[ChallengeHashLength];
        ChallengeHash(peerChallenge, authenticatorChallenge, userName, challenge);
        DesChallenge.ChallengeResponse(challenge, passwordHash, response);
    }

    /// <summary>GenerateNTResponse (RFC 2759 §8.1) from the clear-text password.</summary>
    public static void GenerateNtResponse(ReadOnlySpan<byte> authenticatorChallenge, ReadOnlySpan<byte> peerChallenge,
        ReadOnlySpan<byte> userName, ReadOnlySpan<char> password, Span<byte> response)
    {
        Span<byte> hash = stackalloc byte[PasswordHashes.HashLength];
        PasswordHashes.NtPasswordHash(password, hash);
        GenerateNtResponse(authenticatorChallenge, peerChallenge, userName, hash, response);
        CryptographicOperations.ZeroMemory(hash);
    }

    /// <summary>
    /// True when the peer's NT-Response (<paramref name="received"/>) equals the one computed by the authenticator;
    /// constant time. A wrong length is false.
    /// </summary>
    public static bool CheckNtResponse(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> received) =>
        received.Length == NtResponseLength && expected.Length == NtResponseLength
        && CryptographicOperations.FixedTimeEquals(expected, received);

    /// <summary>
    /// GenerateAuthenticatorResponse (RFC 2759 §8.7), the raw 20-octet digest:
    /// SHA-1(SHA-1(PasswordHashHash | NT-Response | Magic1) | ChallengeHash | Magic2).
    /// </summary>
    public static void GenerateAuthenticatorResponse(ReadOnlySpan<byte> passwordHash, ReadOnlySpan<byte> ntResponse,
        ReadOnlySpan<byte> peerChallenge, ReadOnlySpan<byte> authenticatorChallenge, ReadOnlySpan<byte> userName,
        Span<byte> digest)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(ntResponse.Length, NtResponseLength, nameof(ntResponse));
        ArgumentOutOfRangeException.ThrowIfLessThan(digest.Length, AuthenticatorResponseLength, nameof(digest));
        Span<byte> hashHash = stackalloc byte[PasswordHashes.HashLength];
        PasswordHashes.HashNtPasswordHash(passwordHash, hashHash);
        Span<byte> inner = stackalloc byte[SHA1.HashSizeInBytes];
        Sha1Concat.Hash(hashHash, ntResponse, Magic1, default, inner);
        Span<byte> challenge = stackalloc byte[ChallengeHashLength];
        ChallengeHash(peerChallenge, authenticatorChallenge, userName, challenge);
        Sha1Concat.Hash(inner, challenge, Magic2, default, digest);
        CryptographicOperations.ZeroMemory(hashHash);
    }

    /// <summary>GenerateAuthenticatorResponse (RFC 2759 §8.7) from the clear-text password.</summary>
    public static void GenerateAuthenticatorResponse(ReadOnlySpan<char> password, ReadOnlySpan<byte> ntResponse,
        ReadOnlySpan<byte> peerChallenge, ReadOnlySpan<byte> authenticatorChallenge, ReadOnlySpan<byte> userName,
        Span<byte> digest)
    {
        Span<byte> hash = stackalloc byte[PasswordHashes.HashLength];
        PasswordHashes.NtPasswordHash(password, hash);
        GenerateAuthenticatorResponse(hash, ntResponse, peerChallenge, authenticatorChallenge, userName, digest);
        CryptographicOperations.ZeroMemory(hash);
    }

    /// <summary>
    /// Writes the 42 ASCII octets "S=" + 40 uppercase hex digits of <paramref name="digest"/> (RFC 2759 §5, §8.7),
    /// the start of the Success packet's Message field. Returns false when <paramref name="destination"/> is too small.
    /// </summary>
    public static bool TryFormatAuthenticatorResponse(ReadOnlySpan<byte> digest, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(digest.Length, AuthenticatorResponseLength, nameof(digest));
        if (destination.Length < AuthenticatorResponseStringLength)
            return false;
        destination[0] = (byte)'S';
        destination[1] = (byte)'=';
        for (int i = 0; i < digest.Length; i++)
        {
            destination[2 + 2 * i] = HexDigit(digest[i] >> 4);
            destination[3 + 2 * i] = HexDigit(digest[i] & 0xF);
        }
        return true;
    }

    /// <summary>The authenticator response as a string, "S=" + 40 uppercase hex digits (for logs and tests).</summary>
    public static string FormatAuthenticatorResponse(ReadOnlySpan<byte> digest)
    {
        Span<byte> ascii = stackalloc byte[AuthenticatorResponseStringLength];
        TryFormatAuthenticatorResponse(digest, ascii);
        return System.Text.Encoding.ASCII.GetString(ascii);
    }

    /// <summary>
    /// Parses "S=" + 40 hex digits (either case) into the 20-octet digest. False on any other input; never throws.
    /// </summary>
    public static bool TryParseAuthenticatorResponse(ReadOnlySpan<byte> text, Span<byte> digest)
    {
        if (text.Length != AuthenticatorResponseStringLength || text[0] != (byte)'S' || text[1] != (byte)'='
            || digest.Length < AuthenticatorResponseLength)
            return false;
        for (int i = 0; i < AuthenticatorResponseLength; i++)
        {
            int hi = HexValue(text[2 + 2 * i]), lo = HexValue(text[3 + 2 * i]);
            if ((hi | lo) < 0)
                return false;
            digest[i] = (byte)((hi << 4) | lo);
        }
        return true;
    }

    /// <summary>
    /// CheckAuthenticatorResponse (RFC 2759 §8.8), the peer's check of the server: recomputes the authenticator
    /// response and compares it in constant time with <paramref name="receivedResponse"/> (the 42 octets
    /// "S=..." from the Success packet). A malformed response is false.
    /// </summary>
    public static bool CheckAuthenticatorResponse(ReadOnlySpan<char> password, ReadOnlySpan<byte> ntResponse,
        ReadOnlySpan<byte> peerChallenge, ReadOnlySpan<byte> authenticatorChallenge, ReadOnlySpan<byte> userName,
        ReadOnlySpan<byte> receivedResponse)
    {
        Span<byte> hash = stackalloc byte[PasswordHashes.HashLength];
        PasswordHashes.NtPasswordHash(password, hash);
        bool ok = CheckAuthenticatorResponse(hash, ntResponse, peerChallenge, authenticatorChallenge, userName, receivedResponse);
        CryptographicOperations.ZeroMemory(hash);
        return ok;
    }

    /// <summary>CheckAuthenticatorResponse (RFC 2759 §8.8) from the NT password hash.</summary>
    public static bool CheckAuthenticatorResponse(ReadOnlySpan<byte> passwordHash, ReadOnlySpan<byte> ntResponse,
        ReadOnlySpan<byte> peerChallenge, ReadOnlySpan<byte> authenticatorChallenge, ReadOnlySpan<byte> userName,
        ReadOnlySpan<byte> receivedResponse)
    {
        Span<byte> received = stackalloc byte[AuthenticatorResponseLength];
        if (!TryParseAuthenticatorResponse(receivedResponse, received))
            return false;
        Span<byte> expected = stackalloc byte[AuthenticatorResponseLength];
        GenerateAuthenticatorResponse(passwordHash, ntResponse, peerChallenge, authenticatorChallenge, userName, expected);
        return CryptographicOperations.FixedTimeEquals(expected, received);
    }

    private static byte HexDigit(int nibble) => (byte)(nibble < 10 ? '0' + nibble : 'A' + nibble - 10);

    private static int HexValue(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        _ => -1,
    };
}
