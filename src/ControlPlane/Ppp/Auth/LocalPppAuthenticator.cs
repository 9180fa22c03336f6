using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;
using PptpGw.ControlPlane.Ppp.Chap;

namespace PptpGw.ControlPlane.Ppp.Auth;

/// <summary>
/// <c>client authentication local</c>: verifies PAP, CHAP, MS-CHAPv1 and MS-CHAPv2 proofs against clear-text passwords
/// with the Auth/ crypto, and derives the MPPE start keys the way a RADIUS server would return them (server role).
/// Completes synchronously.
/// </summary>
public sealed class LocalPppAuthenticator : IPppAuthenticator
{
    /// <summary>The server name reported for local decisions.</summary>
    public const string LocalServerName = "LOCAL";

    private readonly IPppCredentialStore _store;
    private readonly bool _stripDomain;

    /// <param name="store">The users.</param>
    /// <param name="stripDomain">Extension <c>strip-domain</c>: look "DOMAIN\user" up as "user" only. Otherwise the full name is
    /// tried first, then the user part, so both configured forms work (DESIGN.md).</param>
    public LocalPppAuthenticator(IPppCredentialStore store, bool stripDomain = false)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _stripDomain = stripDomain;
    }

    public ValueTask<PppAuthResult> AuthenticateAsync(PppAuthRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!TryFindPassword(request.UserName, out string password))
            return ValueTask.FromResult(PppAuthResult.Reject(LocalServerName, $"unknown user '{request.UserName}'"));
        PppAuthResult result = request switch
        {
            PapAuthRequest pap => VerifyPap(pap, password),
            ChapMd5AuthRequest chap => VerifyChap(chap, password),
            MsChapV1AuthRequest v1 => VerifyMsChapV1(v1, password),
            MsChapV2AuthRequest v2 => VerifyMsChapV2(v2, password),
            _ => PppAuthResult.Reject(LocalServerName, $"unsupported request {request.GetType().Name}", retryAllowed: false),
        };
        return ValueTask.FromResult(result);
    }

    private bool TryFindPassword(string userName, out string password)
    {
        string userPart = ChapName.UserPart(userName).ToString();
        if (!_stripDomain && _store.TryGetPassword(userName, out password))
            return true;
        return _store.TryGetPassword(userPart, out password);
    }

    private static PppAuthResult WrongPassword() => PppAuthResult.Reject(LocalServerName, "wrong password");

    private static PppAuthResult VerifyPap(PapAuthRequest request, string password)
    {
        byte[] expected = Encoding.UTF8.GetBytes(password);
        bool ok = CryptographicOperations.FixedTimeEquals(expected, request.Password);
        CryptographicOperations.ZeroMemory(expected);
        return ok ? PppAuthResult.Accept(LocalServerName) : WrongPassword();
    }

    private static PppAuthResult VerifyChap(ChapMd5AuthRequest request, string password)
    {
        byte[] secret = Encoding.UTF8.GetBytes(password);
        bool ok = ChapMd5.VerifyResponse(request.Identifier, secret, request.Challenge, request.Response);
        CryptographicOperations.ZeroMemory(secret);
        return ok ? PppAuthResult.Accept(LocalServerName) : WrongPassword();
    }

    private static PppAuthResult VerifyMsChapV1(MsChapV1AuthRequest request, string password)
    {
        if (request.Challenge.Length != MsChapV1.ChallengeLength)
            return PppAuthResult.Reject(LocalServerName, "bad challenge length", retryAllowed: false);
        Span<byte> expected = stackalloc byte[MsChapV1.ResponseLength];
        // RFC 2433 §4: Flags bit 0 says which response is authoritative; Windows NT and later always send the NT one.
        if (request.UseNtResponse)
            MsChapV1.NtChallengeResponse(request.Challenge, password, expected);
        else
            MsChapV1.LmChallengeResponse(request.Challenge, password, expected);
        bool ok = MsChapV1.CheckResponse(expected, request.UseNtResponse ? request.NtResponse : request.LmResponse);
        if (!ok)
            return WrongPassword();

        // RFC 3079 §2: 40/56-bit keys from the LM hash, 128-bit from GetStartKey; one key for both directions.
        byte[] shortKey = new byte[8];
        byte[] longKey = new byte[MppeKeyDerivation.MasterKeyLength];
        Span<byte> hash = stackalloc byte[PasswordHashes.HashLength];
        Span<byte> hashHash = stackalloc byte[PasswordHashes.HashLength];
        PasswordHashes.LmPasswordHash(password, hash);
        MppeKeyDerivation.GetLmStartKey(hash, shortKey);
        PasswordHashes.NtPasswordHash(password, hash);
        PasswordHashes.HashNtPasswordHash(hash, hashHash);
        MppeKeyDerivation.GetStartKey(request.Challenge, hashHash, longKey);
        CryptographicOperations.ZeroMemory(hash);
        CryptographicOperations.ZeroMemory(hashHash);
        return PppAuthResult.Accept(LocalServerName, new MppeStartKeys(longKey, (byte[])longKey.Clone(), shortKey));
    }

    private static PppAuthResult VerifyMsChapV2(MsChapV2AuthRequest request, string password)
    {
        if (request.AuthenticatorChallenge.Length != MsChapV2.ChallengeLength || request.PeerChallenge.Length != MsChapV2.ChallengeLength
            || request.NtResponse.Length != MsChapV2.NtResponseLength)
            return PppAuthResult.Reject(LocalServerName, "bad MS-CHAPv2 field length", retryAllowed: false);
        byte[] userName = Encoding.UTF8.GetBytes(request.UserName);
        Span<byte> hash = stackalloc byte[PasswordHashes.HashLength];
        PasswordHashes.NtPasswordHash(password, hash);
        Span<byte> expected = stackalloc byte[MsChapV2.NtResponseLength];
        // RFC 2759 §8.2: ChallengeHash takes the name as presented, without any "DOMAIN\" (MsChapV2 strips it).
        MsChapV2.GenerateNtResponse(request.AuthenticatorChallenge, request.PeerChallenge, userName, hash, expected);
        if (!MsChapV2.CheckNtResponse(expected, request.NtResponse))
        {
            CryptographicOperations.ZeroMemory(hash);
            return WrongPassword();
        }
        byte[] authenticatorResponse = new byte[MsChapV2.AuthenticatorResponseLength];
        MsChapV2.GenerateAuthenticatorResponse(hash, request.NtResponse, request.PeerChallenge, request.AuthenticatorChallenge,
            userName, authenticatorResponse);
        byte[] send = new byte[MppeKeyDerivation.MasterKeyLength];
        byte[] receive = new byte[MppeKeyDerivation.MasterKeyLength];
        MppeKeyDerivation.DeriveMsChapV2StartKeys(hash, request.NtResponse, MppeRole.Server, send, receive);
        CryptographicOperations.ZeroMemory(hash);
        return PppAuthResult.Accept(LocalServerName, new MppeStartKeys(send, receive), authenticatorResponse);
    }
}
