using System.Security.Cryptography;
using CsCheck;
using PptpGw.ControlPlane.Ppp.Chap;

namespace PptpGw.Tests.ControlPlane.Ppp.Chap;

public class ChapMd5Tests
{
    // RFC 1321 A.5 test suite digests. Splitting each message into Identifier | secret | challenge checks that the
    // three parts are hashed in RFC 1994 §4.1 order, with nothing in between.
    [Theory]
    [InlineData("abc", 1, "900150983cd24fb0d6963f7d28e17f72")]
    [InlineData("message digest", 8, "f96b697d7cb7938d525a2f31aaf161d0")]
    [InlineData("abcdefghijklmnopqrstuvwxyz", 13, "c3fcd3d76192e4007dfb496cca67e13b")]
    public void HashesIdentifierSecretAndChallengeInOrder(string text, int secretLength, string digest)
    {
        byte[] all = System.Text.Encoding.ASCII.GetBytes(text);
        byte identifier = all[0];
        byte[] secret = all[1..(1 + secretLength)];
        byte[] challenge = all[(1 + secretLength)..];

        byte[] response = new byte[ChapMd5.ResponseLength];
        ChapMd5.ComputeResponse(identifier, secret, challenge, response);
        Assert.Equal(Convert.FromHexString(digest), response);
        Assert.True(ChapMd5.VerifyResponse(identifier, secret, challenge, Convert.FromHexString(digest)));
    }

    [Fact]
    public void LongSecretsTakeTheRentedPathAndAgreeWithAPlainMd5()
    {
        Gen.Select(Gen.Byte, Gen.Byte.Array[0, 1200], Gen.Byte.Array[1, 255]).Sample((id, secret, challenge) =>
        {
            byte[] response = new byte[16];
            ChapMd5.ComputeResponse(id, secret, challenge, response);
            Assert.Equal(MD5.HashData([id, .. secret, .. challenge]), response);
        }, iter: 200);
    }

    [Fact]
    public void VerificationRejectsAnyChangedOctetAndWrongLengths()
    {
        Gen.Select(Gen.Byte, Gen.Byte.Array[1, 40], Gen.Byte.Array[1, 64], Gen.Int[0, 15], Gen.Byte[1, 255]).Sample((id, secret, challenge, index, flip) =>
        {
            byte[] response = new byte[16];
            ChapMd5.ComputeResponse(id, secret, challenge, response);
            Assert.True(ChapMd5.VerifyResponse(id, secret, challenge, response));
            Assert.False(ChapMd5.VerifyResponse((byte)(id + 1), secret, challenge, response));

            response[index] ^= flip;
            Assert.False(ChapMd5.VerifyResponse(id, secret, challenge, response));
            response[index] ^= flip;
            Assert.False(ChapMd5.VerifyResponse(id, secret, challenge, response.AsSpan(0, 15)));
            Assert.False(ChapMd5.VerifyResponse(id, secret, challenge, [.. response, 0]));
        }, iter: 500);
    }

    [Fact]
    public void ComputeRejectsAShortDestination()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ChapMd5.ComputeResponse(1, "s"u8, "c"u8, new byte[15]));
    }
}
