using System.Security.Cryptography;

namespace PptpGw.ControlPlane.Ppp.Auth;

/// <summary>
/// MS-CHAP version 1 responses (RFC 2433 §A.1, §A.5). The authenticator computes the expected response from the
/// stored password and compares it with <see cref="CheckResponse"/>.
/// </summary>
public static class MsChapV1
{
    /// <summary>Octets in the MS-CHAPv1 challenge (RFC 2433 §5.1).</summary>
    public const int ChallengeLength = DesChallenge.ChallengeLength;
    /// <summary>Octets in each of the LM and NT responses (RFC 2433 §5.2).</summary>
    public const int ResponseLength = DesChallenge.ResponseLength;

    /// <summary>NtChallengeResponse (RFC 2433 §A.5): ChallengeResponse under the NT password hash.</summary>
    public static void NtChallengeResponse(ReadOnlySpan<byte> challenge, ReadOnlySpan<char> password, Span<byte> response)
    {
        Span<byte> hash = stackalloc byte[PasswordHashes.HashLength];
        PasswordHashes.NtPasswordHash(password, hash);
        DesChallenge.ChallengeResponse(challenge, hash, response);
        CryptographicOperations.ZeroMemory(hash);
    }

    /// <summary>LmChallengeResponse (RFC 2433 §A.1): ChallengeResponse under the LAN Manager password hash.</summary>
    public static void LmChallengeResponse(ReadOnlySpan<byte> challenge, ReadOnlySpan<char> password, Span<byte> response)
    {
        Span<byte> hash = stackalloc byte[PasswordHashes.HashLength];
        PasswordHashes.LmPasswordHash(password, hash);
        DesChallenge.ChallengeResponse(challenge, hash, response);
        CryptographicOperations.ZeroMemory(hash);
    }

    /// <summary>
    /// True when <paramref name="received"/> (24 octets from the peer) equals <paramref name="expected"/>;
    /// constant time, so a mismatch does not reveal how many octets were right. A wrong length is false.
    /// </summary>
    public static bool CheckResponse(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> received) =>
        received.Length == ResponseLength && expected.Length == ResponseLength
        && CryptographicOperations.FixedTimeEquals(expected, received);
}
