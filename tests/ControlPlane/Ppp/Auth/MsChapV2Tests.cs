using System.Text;
using CsCheck;
using PptpGw.ControlPlane.Ppp.Auth;

namespace PptpGw.Tests.ControlPlane.Ppp.Auth;

public class MsChapV2Tests
{
    internal static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    // RFC 2759 §9.2 "Hash Example": user name "User", password "clientPass".
    internal static readonly byte[] UserName = Hex("55 73 65 72");
    internal const string Password = "clientPass";
    internal static readonly byte[] AuthenticatorChallenge = Hex("5B 5D 7C 7D 7B 3F 2F 3E 3C 2C 60 21 32 26 26 28");
    internal static readonly byte[] PeerChallenge = Hex("21 40 23 24 25 5E 26 2A 28 29 5F 2B 3A 33 7C 7E");
    internal static readonly byte[] Challenge = Hex("D0 2E 43 86 BC E9 12 26");
    internal static readonly byte[] PasswordHash = Hex("44 EB BA 8D 53 12 B8 D6 11 47 44 11 F5 69 89 AE");
    internal static readonly byte[] NtResponse = Hex("82 30 9E CD 8D 70 8B 5E A0 8F AA 39 81 CD 83 54 42 33 11 4A 3D 85 D6 DF");
    internal static readonly byte[] PasswordHashHash = Hex("41 C0 0C 58 4B D2 D9 1C 40 17 A2 A1 2F A5 9F 3F");
    private const string AuthenticatorResponse = "S=407A5589115FD0D6209F510FE9C04566932CDA56";

    [Fact]
    public void Rfc2759_UnicodePasswordIsUtf16LittleEndian()
    {
        // RFC 2759 §9.2 lists the 0-to-256-unicode-char Password octets.
        Assert.Equal(Hex("63 00 6C 00 69 00 65 00 6E 00 74 00 50 00 61 00 73 00 73 00"), Encoding.Unicode.GetBytes(Password));
    }

    [Fact]
    public void Rfc2759_NtPasswordHash()
    {
        var hash = new byte[16];
        PasswordHashes.NtPasswordHash(Password, hash);
        Assert.Equal(PasswordHash, hash);
    }

    [Fact]
    public void Rfc2759_PasswordHashHash()
    {
        var hashHash = new byte[16];
        PasswordHashes.HashNtPasswordHash(PasswordHash, hashHash);
        Assert.Equal(PasswordHashHash, hashHash);
    }

    [Fact]
    public void Rfc2759_ChallengeHash()
    {
        var challenge = new byte[8];
        MsChapV2.ChallengeHash(PeerChallenge, AuthenticatorChallenge, UserName, challenge);
        Assert.Equal(Challenge, challenge);
    }

    [Fact]
    public void Rfc2759_NtResponse_FromPasswordAndFromHash()
    {
        var fromPassword = new byte[24];
        MsChapV2.GenerateNtResponse(AuthenticatorChallenge, PeerChallenge, UserName, Password, fromPassword);
        Assert.Equal(NtResponse, fromPassword);

        var fromHash = new byte[24];
        MsChapV2.GenerateNtResponse(AuthenticatorChallenge, PeerChallenge, UserName, PasswordHash, fromHash);
        Assert.Equal(NtResponse, fromHash);
    }

    [Fact]
    public void Rfc2759_AuthenticatorResponse_RawAndString()
    {
        var digest = new byte[20];
        MsChapV2.GenerateAuthenticatorResponse(Password, NtResponse, PeerChallenge, AuthenticatorChallenge, UserName, digest);
        Assert.Equal(Hex(AuthenticatorResponse[2..]), digest);
        Assert.Equal(AuthenticatorResponse, MsChapV2.FormatAuthenticatorResponse(digest));

        var ascii = new byte[42];
        Assert.True(MsChapV2.TryFormatAuthenticatorResponse(digest, ascii));
        Assert.Equal(Encoding.ASCII.GetBytes(AuthenticatorResponse), ascii);
        Assert.False(MsChapV2.TryFormatAuthenticatorResponse(digest, new byte[41]));
    }

    [Fact]
    public void Rfc2759_CheckAuthenticatorResponse_AcceptsTheRfcValue()
    {
        byte[] received = Encoding.ASCII.GetBytes(AuthenticatorResponse);
        Assert.True(MsChapV2.CheckAuthenticatorResponse(Password, NtResponse, PeerChallenge, AuthenticatorChallenge, UserName, received));
        Assert.True(MsChapV2.CheckAuthenticatorResponse(PasswordHash, NtResponse, PeerChallenge, AuthenticatorChallenge, UserName, received));
        // Hex digits in lower case carry the same digest.
        Assert.True(MsChapV2.CheckAuthenticatorResponse(Password, NtResponse, PeerChallenge, AuthenticatorChallenge, UserName,
            Encoding.ASCII.GetBytes("S=" + AuthenticatorResponse[2..].ToLowerInvariant())));
    }

    [Theory]
    [InlineData("S=407A5589115FD0D6209F510FE9C04566932CDA57")] // last digit changed
    [InlineData("S=407A5589115FD0D6209F510FE9C04566932CDA5")]  // one digit short
    [InlineData("S=407A5589115FD0D6209F510FE9C04566932CDA566")] // one digit long
    [InlineData("T=407A5589115FD0D6209F510FE9C04566932CDA56")] // wrong prefix
    [InlineData("S=407A5589115FD0D6209F510FE9C04566932CDAG6")] // not hex
    [InlineData("")]
    public void CheckAuthenticatorResponse_RejectsAnythingElse(string received)
    {
        Assert.False(MsChapV2.CheckAuthenticatorResponse(Password, NtResponse, PeerChallenge, AuthenticatorChallenge, UserName,
            Encoding.ASCII.GetBytes(received)));
    }

    [Fact]
    public void CheckAuthenticatorResponse_RejectsAWrongPassword()
    {
        Assert.False(MsChapV2.CheckAuthenticatorResponse("clientPas", NtResponse, PeerChallenge, AuthenticatorChallenge, UserName,
            Encoding.ASCII.GetBytes(AuthenticatorResponse)));
    }

    [Fact]
    public void DomainPrefix_IsNotPartOfTheChallengeHash()
    {
        // RFC 2759 §8.2: the hash uses the user name "excluding any prepended domain name".
        var response = new byte[24];
        MsChapV2.GenerateNtResponse(AuthenticatorChallenge, PeerChallenge, "ACME\\User"u8, Password, response);
        Assert.Equal(NtResponse, response);
        var digest = new byte[20];
        MsChapV2.GenerateAuthenticatorResponse(Password, NtResponse, PeerChallenge, AuthenticatorChallenge, "ACME\\User"u8, digest);
        Assert.Equal(AuthenticatorResponse, MsChapV2.FormatAuthenticatorResponse(digest));
    }

    [Fact]
    public void TwoBackslashes_OnlyWhatFollowsTheLastIsHashed()
    {
        // RFC 2759 §8.2 does not cover "A\B\user"; like pppd (chap_ms.c ChallengeHash, strrchr) we drop everything up
        // to the last backslash, so "ACME\SUB\User" hashes as the RFC's "User" (splitting at the first backslash
        // would hash "SUB\User" and miss the vector). See ChapName.
        var challenge = new byte[8];
        MsChapV2.ChallengeHash(PeerChallenge, AuthenticatorChallenge, "ACME\\SUB\\User"u8, challenge);
        Assert.Equal(Challenge, challenge);
        var response = new byte[24];
        MsChapV2.GenerateNtResponse(AuthenticatorChallenge, PeerChallenge, "ACME\\SUB\\User"u8, Password, response);
        Assert.Equal(NtResponse, response);
    }

    [Fact]
    public void CrossCheck_IndependentPythonImplementation()
    {
        // Expected values printed by /work/shared/aaa/freeradius/mschap_vectors.py (stdlib-only RFC 2759 code):
        //   python3 mschap_vectors.py v2 'ACME\carol' 'S3cr3t-Pässwörd'
        // with its default challenges; a non-ASCII password and a domain-prefixed name.
        byte[] auth = Hex("00112233445566778899aabbccddeeff");
        byte[] peer = Hex("0f1e2d3c4b5a69788796a5b4c3d2e1f0");
        byte[] user = Encoding.UTF8.GetBytes("ACME\\carol");
        const string password = "S3cr3t-Pässwörd";

        var response = new byte[24];
        MsChapV2.GenerateNtResponse(auth, peer, user, password, response);
        Assert.Equal(Hex("23f437d669aa894a5b25b08cc67fd4a08ed079cdf51b031e"), response);

        var digest = new byte[20];
        MsChapV2.GenerateAuthenticatorResponse(password, response, peer, auth, user, digest);
        Assert.Equal("S=5E50CC4C07B164850D81711DC52F2E6869A94FC3", MsChapV2.FormatAuthenticatorResponse(digest));

        var hash = new byte[16];
        var hashHash = new byte[16];
        PasswordHashes.NtPasswordHash(password, hash);
        PasswordHashes.HashNtPasswordHash(hash, hashHash);
        Assert.Equal(Hex("76f0afd539d6874ce7f9863e64a8745d"), hashHash);
    }

    [Fact]
    public void CheckNtResponse_IsExactAndLengthChecked()
    {
        var expected = (byte[])NtResponse.Clone();
        Assert.True(MsChapV2.CheckNtResponse(expected, NtResponse));
        var tampered = (byte[])NtResponse.Clone();
        tampered[23] ^= 1;
        Assert.False(MsChapV2.CheckNtResponse(expected, tampered));
        Assert.False(MsChapV2.CheckNtResponse(expected, NtResponse.AsSpan(0, 23)));
    }

    [Fact]
    public void Property_ServerResponseAlwaysVerifiesOnThePeer()
    {
        Gen.Select(Gen.Byte.Array[16], Gen.Byte.Array[16], Gen.String[Gen.Char.AlphaNumeric, 0, 20], Gen.String[0, 30])
            .Sample((auth, peer, name, password) =>
            {
                byte[] user = Encoding.ASCII.GetBytes(name);
                var response = new byte[24];
                MsChapV2.GenerateNtResponse(auth, peer, user, password, response);
                var digest = new byte[20];
                MsChapV2.GenerateAuthenticatorResponse(password, response, peer, auth, user, digest);
                var ascii = new byte[42];
                MsChapV2.TryFormatAuthenticatorResponse(digest, ascii);
                Assert.True(MsChapV2.CheckAuthenticatorResponse(password, response, peer, auth, user, ascii));
                ascii[41] = ascii[41] == (byte)'0' ? (byte)'1' : (byte)'0';
                Assert.False(MsChapV2.CheckAuthenticatorResponse(password, response, peer, auth, user, ascii));
            }, iter: 200);
    }
}
