using System.Security.Cryptography;
using PptpGw.Dataplane.Mppe;

namespace PptpGw.ControlPlane.Ppp.Auth;

/// <summary>
/// Start keys for MPPE from MS-CHAP credentials (RFC 3079 §2 for MS-CHAPv1, §3 for MS-CHAPv2). The dataplane
/// turns a start key into session keys with <see cref="MppeKeySchedule.DeriveInitialSessionKey"/> and rekeys with
/// <see cref="MppeKeySchedule.ChangeKey(ReadOnlySpan{byte}, Span{byte}, MppeKeyStrength, ref Rc4)"/>.
/// </summary>
public static class MppeKeyDerivation
{
    /// <summary>Octets in the MS-CHAPv2 master key and in a full-length start key.</summary>
    public const int MasterKeyLength = 16;

    // RFC 3079 §3.4.
    private static ReadOnlySpan<byte> Magic1 => "This is the MPPE Master Key"u8;
    private static ReadOnlySpan<byte> Magic2 =>
        "On the client side, this is the send key; on the server side, it is the receive key."u8;
    private static ReadOnlySpan<byte> Magic3 =>
        "On the client side, this is the receive key; on the server side, it is the send key."u8;

    private const int PadLength = 40;
    private const int Sha1Length = 20;

    // ---------------------------------------------------------------- MS-CHAPv1 (RFC 3079 §2)

    /// <summary>
    /// The MS-CHAPv1 start key for 40- and 56-bit MPPE (RFC 3079 §2.1, §2.2): the first 8 octets of the LAN Manager
    /// password hash. The same key serves both directions.
    /// </summary>
    public static void GetLmStartKey(ReadOnlySpan<byte> lmPasswordHash, Span<byte> startKey)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(lmPasswordHash.Length, PasswordHashes.HashLength, nameof(lmPasswordHash));
        ArgumentOutOfRangeException.ThrowIfLessThan(startKey.Length, MppeKeySchedule.ShortKeyLength, nameof(startKey));
        lmPasswordHash[..MppeKeySchedule.ShortKeyLength].CopyTo(startKey);
    }

    /// <summary>
    /// GetStartKey (RFC 3079 §2.3), the MS-CHAPv1 start key for 128-bit MPPE: the first 16 octets of
    /// SHA-1(NtPasswordHashHash | NtPasswordHashHash | Challenge). The same key serves both directions.
    /// </summary>
    /// <param name="challenge">The 8-octet MS-CHAPv1 challenge the authenticator sent.</param>
    public static void GetStartKey(ReadOnlySpan<byte> challenge, ReadOnlySpan<byte> ntPasswordHashHash, Span<byte> startKey)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(challenge.Length, MsChapV1.ChallengeLength, nameof(challenge));
        ArgumentOutOfRangeException.ThrowIfNotEqual(ntPasswordHashHash.Length, PasswordHashes.HashLength, nameof(ntPasswordHashHash));
        ArgumentOutOfRangeException.ThrowIfLessThan(startKey.Length, MasterKeyLength, nameof(startKey));
        Span<byte> digest = stackalloc byte[Sha1Length];
        Sha1Concat.Hash(ntPasswordHashHash, ntPasswordHashHash, challenge, default, digest);
        digest[..MasterKeyLength].CopyTo(startKey);
        CryptographicOperations.ZeroMemory(digest);
    }

    /// <summary>
    /// The MS-CHAPv1 start key for <paramref name="strength"/> from the clear-text password (RFC 3079 §2.1-2.3):
    /// the LM hash for 40/56 bits, GetStartKey for 128 bits. Returns the octets written (8 or 16).
    /// </summary>
    public static int DeriveMsChapV1StartKey(ReadOnlySpan<char> password, ReadOnlySpan<byte> challenge,
        MppeKeyStrength strength, Span<byte> startKey)
    {
        int length = MppeKeySchedule.SessionKeyLength(strength);
        Span<byte> hash = stackalloc byte[PasswordHashes.HashLength];
        if (length == MppeKeySchedule.ShortKeyLength)
        {
            PasswordHashes.LmPasswordHash(password, hash);
            GetLmStartKey(hash, startKey);
        }
        else
        {
            Span<byte> hashHash = stackalloc byte[PasswordHashes.HashLength];
            PasswordHashes.NtPasswordHash(password, hash);
            PasswordHashes.HashNtPasswordHash(hash, hashHash);
            GetStartKey(challenge, hashHash, startKey);
            CryptographicOperations.ZeroMemory(hashHash);
        }
        CryptographicOperations.ZeroMemory(hash);
        return length;
    }

    // ---------------------------------------------------------------- MS-CHAPv2 (RFC 3079 §3)

    /// <summary>
    /// GetMasterKey (RFC 3079 §3.4): the first 16 octets of SHA-1(PasswordHashHash | NT-Response | Magic1).
    /// </summary>
    public static void GetMasterKey(ReadOnlySpan<byte> passwordHashHash, ReadOnlySpan<byte> ntResponse, Span<byte> masterKey)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(passwordHashHash.Length, PasswordHashes.HashLength, nameof(passwordHashHash));
        ArgumentOutOfRangeException.ThrowIfNotEqual(ntResponse.Length, MsChapV2.NtResponseLength, nameof(ntResponse));
        ArgumentOutOfRangeException.ThrowIfLessThan(masterKey.Length, MasterKeyLength, nameof(masterKey));
        Span<byte> digest = stackalloc byte[Sha1Length];
        Sha1Concat.Hash(passwordHashHash, ntResponse, Magic1, default, digest);
        digest[..MasterKeyLength].CopyTo(masterKey);
        CryptographicOperations.ZeroMemory(digest);
    }

    /// <summary>
    /// GetAsymmetricStartKey (RFC 3079 §3.4): the first <c>startKey.Length</c> (8 or 16) octets of
    /// SHA-1(MasterKey | SHSpad1 | s | SHSpad2), where s is Magic3 for the server's send key and the client's
    /// receive key, Magic2 for the server's receive key and the client's send key.
    /// </summary>
    public static void GetAsymmetricStartKey(ReadOnlySpan<byte> masterKey, Span<byte> startKey, bool isSend, MppeRole role)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(masterKey.Length, MasterKeyLength, nameof(masterKey));
        if (startKey.Length is not (MppeKeySchedule.ShortKeyLength or MppeKeySchedule.LongKeyLength))
            throw new ArgumentOutOfRangeException(nameof(startKey), startKey.Length, "MPPE start keys are 8 or 16 octets.");
        bool isServer = role switch
        {
            MppeRole.Server => true,
            MppeRole.Client => false,
            _ => throw new ArgumentOutOfRangeException(nameof(role), role, "Not an MPPE role."),
        };
        ReadOnlySpan<byte> magic = isSend == isServer ? Magic3 : Magic2;
        Span<byte> pad1 = stackalloc byte[PadLength];
        pad1.Clear();
        Span<byte> pad2 = stackalloc byte[PadLength];
        pad2.Fill(0xF2);
        Span<byte> digest = stackalloc byte[Sha1Length];
        Sha1Concat.Hash(masterKey, pad1, magic, pad2, digest);
        digest[..startKey.Length].CopyTo(startKey);
        CryptographicOperations.ZeroMemory(digest);
    }

    /// <summary>
    /// Both MS-CHAPv2 start keys of <paramref name="role"/> (RFC 3079 §3.1-3.3) from the NT password hash and the
    /// peer's NT-Response. Each destination is 8 octets (40/56-bit MPPE) or 16 (128-bit). On the server these are
    /// what RADIUS calls MS-MPPE-Send-Key and MS-MPPE-Recv-Key (RFC 2548 §2.4.2, §2.4.3).
    /// </summary>
    public static void DeriveMsChapV2StartKeys(ReadOnlySpan<byte> passwordHash, ReadOnlySpan<byte> ntResponse, MppeRole role,
        Span<byte> sendStartKey, Span<byte> receiveStartKey)
    {
        Span<byte> hashHash = stackalloc byte[PasswordHashes.HashLength];
        PasswordHashes.HashNtPasswordHash(passwordHash, hashHash);
        Span<byte> masterKey = stackalloc byte[MasterKeyLength];
        GetMasterKey(hashHash, ntResponse, masterKey);
        GetAsymmetricStartKey(masterKey, sendStartKey, isSend: true, role);
        GetAsymmetricStartKey(masterKey, receiveStartKey, isSend: false, role);
        CryptographicOperations.ZeroMemory(hashHash);
        CryptographicOperations.ZeroMemory(masterKey);
    }
}
