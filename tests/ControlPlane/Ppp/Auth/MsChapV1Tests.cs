using PptpGw.ControlPlane.Ppp.Auth;
using static PptpGw.Tests.ControlPlane.Ppp.Auth.MsChapV2Tests;

namespace PptpGw.Tests.ControlPlane.Ppp.Auth;

public class MsChapV1Tests
{
    // RFC 2433 Appendix B.2 "Hash Example": password "MyPw".
    private static readonly byte[] MyPwChallenge = Hex("10 2D B5 DF 08 5D 30 41");
    private static readonly byte[] MyPwNtHash = Hex("FC 15 6A F7 ED CD 6C 0E DD E3 33 7D 42 7F 4E AC");
    private static readonly byte[] MyPwNtResponse = Hex("4E 9D 3C 8F 9C FD 38 5D 5B F4 D3 24 67 91 95 6C A4 C3 51 AB 40 9A 3D 61");

    [Fact]
    public void Rfc2433_NtPasswordHash()
    {
        var hash = new byte[16];
        PasswordHashes.NtPasswordHash("MyPw", hash);
        Assert.Equal(MyPwNtHash, hash);
    }

    [Fact]
    public void Rfc2433_NtChallengeResponse()
    {
        var response = new byte[24];
        MsChapV1.NtChallengeResponse(MyPwChallenge, "MyPw", response);
        Assert.Equal(MyPwNtResponse, response);
        Assert.True(MsChapV1.CheckResponse(response, MyPwNtResponse));
    }

    [Fact]
    public void Rfc2433_ChallengeResponseFromTheHash()
    {
        var response = new byte[24];
        DesChallenge.ChallengeResponse(MyPwChallenge, MyPwNtHash, response);
        Assert.Equal(MyPwNtResponse, response);
    }

    [Theory]
    // RFC 2759 §9.3 (and RFC 2433 §B.3): "MyPw" hash halves and their parity-corrected DES keys.
    [InlineData("FC 15 6A F7 ED CD 6C", "FD 0B 5B 5E 7F 6E 34 D9")]
    [InlineData("0E DD E3 33 7D 42 7F", "0E 6E 79 67 37 EA 08 FE")]
    public void Rfc2759_DesKeyParityExpansion(string raw, string expected)
    {
        var key8 = new byte[8];
        DesChallenge.ExpandKey(Hex(raw), key8);
        Assert.Equal(Hex(expected), key8);
    }

    [Fact]
    public void Rfc3079_LmPasswordHash_ClientPass()
    {
        // RFC 3079 §2.5.1 step 1: LmPasswordHash("clientPass").
        var hash = new byte[16];
        PasswordHashes.LmPasswordHash(Password, hash);
        Assert.Equal(Hex("76 a1 52 93 60 96 d7 83 0e 23 90 22 74 04 af d2"), hash);
    }

    [Fact]
    public void LmPasswordHash_EmptyHalfIsTheWellKnownConstant()
    {
        // DES of "KGS!@#$%" under an all-zero key: the second half of the LM hash of any password of at most
        // 7 characters (the familiar AAD3B435B51404EE).
        var hash = new byte[16];
        PasswordHashes.LmPasswordHash("", hash);
        Assert.Equal(Hex("AAD3B435B51404EEAAD3B435B51404EE"), hash);
    }

    [Fact]
    public void LmPasswordHash_IsCaseInsensitiveAndTruncatesAt14()
    {
        var a = new byte[16];
        var b = new byte[16];
        PasswordHashes.LmPasswordHash("clientpass", a);
        PasswordHashes.LmPasswordHash("CLIENTPASS", b);
        Assert.Equal(a, b);
        PasswordHashes.LmPasswordHash("ABCDEFGHIJKLMN", a);
        PasswordHashes.LmPasswordHash("abcdefghijklmnOPQ", b);
        Assert.Equal(a, b);
    }

    [Fact]
    public void CrossCheck_LmHashAndLmChallengeResponse_IndependentPythonDes()
    {
        // Computed with the DES of /work/shared/aaa/freeradius/mschap_vectors.py (pure Python FIPS 46-3; its
        // challenge_response reproduces RFC 2433 §B.2 above), LM hash = DES_k("KGS!@#$%") per RFC 2433 §A.2.
        var hash = new byte[16];
        PasswordHashes.LmPasswordHash("MyPw", hash);
        Assert.Equal(Hex("75ba30198e6d1975aad3b435b51404ee"), hash);

        var response = new byte[24];
        MsChapV1.LmChallengeResponse(MyPwChallenge, "MyPw", response);
        Assert.Equal(Hex("91881d0152ab0c33c524135ec24a95ee64e23cdc2d33347d"), response);
    }

    [Fact]
    public void CheckResponse_RejectsWrongLengthOrContent()
    {
        Assert.False(MsChapV1.CheckResponse(MyPwNtResponse, MyPwNtResponse.AsSpan(1)));
        var tampered = (byte[])MyPwNtResponse.Clone();
        tampered[0] ^= 0x80;
        Assert.False(MsChapV1.CheckResponse(MyPwNtResponse, tampered));
    }
}
