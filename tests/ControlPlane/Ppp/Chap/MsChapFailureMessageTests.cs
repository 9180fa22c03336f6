using System.Text;
using CsCheck;
using PptpGw.ControlPlane.Ppp.Chap;

namespace PptpGw.Tests.ControlPlane.Ppp.Chap;

public class MsChapFailureMessageTests
{
    private static readonly Gen<byte[]> Printable = Gen.Byte[0x20, 0x7E].Array[0, 120];

    private static MsChapFailureMessageError Parse(string text, out MsChapFailureMessage message) =>
        MsChapFailureMessage.TryParse(Encoding.ASCII.GetBytes(text), out message);

    [Fact]
    public void FormatsTheRfc2759LayoutExactly()
    {
        byte[] challenge = Convert.FromHexString("5B5D7C7D7B3F2F3E3C2C602132262628");
        Span<byte> buffer = stackalloc byte[128];
        Assert.True(MsChapFailureMessage.TryFormatV2(buffer, MsChapErrorCode.AuthenticationFailure, false, challenge,
            MsChapFailureMessage.V2Version, "Authentication failed"u8, out int written));
        Assert.Equal("E=691 R=0 C=5B5D7C7D7B3F2F3E3C2C602132262628 V=3 M=Authentication failed", Encoding.ASCII.GetString(buffer[..written]));
    }

    [Fact]
    public void FormatsTheRfc2433LayoutWithAndWithoutChallenge()
    {
        Span<byte> buffer = stackalloc byte[64];
        Assert.True(MsChapFailureMessage.TryFormatV1(buffer, MsChapErrorCode.AuthenticationFailure, true,
            Convert.FromHexString("d36602863630eca8"), MsChapFailureMessage.V1Version, out int written));
        Assert.Equal("E=691 R=1 C=D36602863630ECA8 V=2", Encoding.ASCII.GetString(buffer[..written]));

        Assert.True(MsChapFailureMessage.TryFormatV1(buffer, MsChapErrorCode.NoDialinPermission, false, default, MsChapFailureMessage.V1Version, out written));
        Assert.Equal("E=649 R=0 V=2", Encoding.ASCII.GetString(buffer[..written]));
    }

    [Fact]
    public void ParsesAWindowsStyleV2Failure()
    {
        const string text = "E=691 R=0 C=5B5D7C7D7B3F2F3E3C2C602132262628 V=3 M=The user name or password is incorrect.";
        Assert.Equal(MsChapFailureMessageError.None, Parse(text, out MsChapFailureMessage failure));
        Assert.Equal(MsChapErrorCode.AuthenticationFailure, failure.ErrorCode);
        Assert.False(failure.RetryAllowed);
        Assert.Equal(16, failure.ChallengeLength);
        byte[] challenge = new byte[16];
        failure.CopyChallengeTo(challenge);
        Assert.Equal(Convert.FromHexString("5B5D7C7D7B3F2F3E3C2C602132262628"), challenge);
        Assert.Equal(3u, failure.Version);
        Assert.True(failure.HasMessage);
        Assert.Equal("The user name or password is incorrect.", Encoding.ASCII.GetString(failure.Message));
    }

    [Fact]
    public void ParsesAShortV1FailureWithDefaultsForTheMissingFields()
    {
        Assert.Equal(MsChapFailureMessageError.None, Parse("E=648 R=0", out MsChapFailureMessage failure));
        Assert.Equal(MsChapErrorCode.PasswdExpired, failure.ErrorCode);
        Assert.False(failure.RetryAllowed);
        Assert.Equal(0, failure.ChallengeLength);
        Assert.Null(failure.Version); // RFC 2433 §6: absent means version 1
        Assert.False(failure.HasMessage);

        Assert.Equal(MsChapFailureMessageError.None, Parse("E=709", out failure));
        Assert.Equal(MsChapErrorCode.ChangingPassword, failure.ErrorCode);
        Assert.Null(failure.RetryAllowed);
    }

    [Theory]
    [InlineData("E=691  R=1\tC=0123456789abcdef V=2")] // doubled space, tab, lowercase hex
    [InlineData("  E=691 R=1 C=0123456789ABCDEF V=2  ")]
    [InlineData("R=1 V=2 C=0123456789ABCDEF E=691")] // any order
    [InlineData("E=691 R=1 X=unknown C=0123456789ABCDEF junk V=2")] // unknown fields skipped
    [InlineData("E=691\r\nR=1 C=0123456789ABCDEF V=2")]
    public void IsLenientAboutSpacingOrderAndCase(string text)
    {
        Assert.Equal(MsChapFailureMessageError.None, Parse(text, out MsChapFailureMessage failure));
        Assert.Equal(MsChapErrorCode.AuthenticationFailure, failure.ErrorCode);
        Assert.True(failure.RetryAllowed);
        Assert.Equal(8, failure.ChallengeLength);
        byte[] challenge = new byte[8];
        failure.CopyChallengeTo(challenge);
        Assert.Equal(Convert.FromHexString("0123456789ABCDEF"), challenge);
        Assert.Equal(2u, failure.Version);
    }

    [Fact]
    public void TheMessageTakesTheRestOfTheTextEvenWhenItLooksLikeFields()
    {
        Assert.Equal(MsChapFailureMessageError.None, Parse("E=691 R=0 V=3 M=bad E=1 R=7 password", out MsChapFailureMessage failure));
        Assert.Equal(MsChapErrorCode.AuthenticationFailure, failure.ErrorCode);
        Assert.Equal("bad E=1 R=7 password", Encoding.ASCII.GetString(failure.Message));
    }

    [Fact]
    public void UnlistedErrorCodesAreKept()
    {
        Assert.Equal(MsChapFailureMessageError.None, Parse("E=4294967295", out MsChapFailureMessage failure));
        Assert.Equal(uint.MaxValue, (uint)failure.ErrorCode);
    }

    [Theory]
    [InlineData("", MsChapFailureMessageError.MissingErrorCode)]
    [InlineData("Access denied", MsChapFailureMessageError.MissingErrorCode)]
    [InlineData("R=1 M=E=691", MsChapFailureMessageError.MissingErrorCode)]
    [InlineData("E=", MsChapFailureMessageError.BadErrorCode)]
    [InlineData("E=abc R=0", MsChapFailureMessageError.BadErrorCode)]
    [InlineData("E=-1", MsChapFailureMessageError.BadErrorCode)]
    [InlineData("E=+691", MsChapFailureMessageError.BadErrorCode)]
    [InlineData("E=4294967296", MsChapFailureMessageError.BadErrorCode)]
    [InlineData("E=691 R=2", MsChapFailureMessageError.BadRetryFlag)]
    [InlineData("E=691 R=", MsChapFailureMessageError.BadRetryFlag)]
    [InlineData("E=691 R=10", MsChapFailureMessageError.BadRetryFlag)]
    [InlineData("E=691 C=0123", MsChapFailureMessageError.BadChallenge)]
    [InlineData("E=691 C=0123456789ABCDEF0", MsChapFailureMessageError.BadChallenge)]
    [InlineData("E=691 C=0123456789ABCDEG", MsChapFailureMessageError.BadChallenge)]
    [InlineData("E=691 V=three", MsChapFailureMessageError.BadVersion)]
    [InlineData("E=691 V=", MsChapFailureMessageError.BadVersion)]
    [InlineData("E=691 E=691", MsChapFailureMessageError.DuplicateField)]
    [InlineData("E=691 R=0 R=1", MsChapFailureMessageError.DuplicateField)]
    [InlineData("E=691 C=0123456789ABCDEF C=0123456789ABCDEF", MsChapFailureMessageError.DuplicateField)]
    [InlineData("E=691 V=3 V=3", MsChapFailureMessageError.DuplicateField)]
    public void MalformedTextGivesThePreciseError(string text, MsChapFailureMessageError expected)
    {
        Assert.Equal(expected, Parse(text, out _));
    }

    [Fact]
    public void V2RoundTrips()
    {
        Gen.Select(Gen.UInt, Gen.Bool, Gen.Byte.Array[16], Gen.UInt, Printable).Sample((code, retry, challenge, version, message) =>
        {
            byte[] buffer = new byte[256];
            Assert.True(MsChapFailureMessage.TryFormatV2(buffer, (MsChapErrorCode)code, retry, challenge, version, message, out int written));
            Span<byte> text = buffer.AsSpan(0, written);
            // Exact on send: RFC 2759 §6 order, single spaces, uppercase hex.
            Assert.Equal($"E={code} R={(retry ? 1 : 0)} C={Convert.ToHexString(challenge)} V={version} M={Encoding.ASCII.GetString(message)}",
                Encoding.ASCII.GetString(text));

            Assert.Equal(MsChapFailureMessageError.None, MsChapFailureMessage.TryParse(text, out MsChapFailureMessage parsed));
            Assert.Equal(code, (uint)parsed.ErrorCode);
            Assert.Equal(retry, parsed.RetryAllowed);
            Assert.Equal(16, parsed.ChallengeLength);
            byte[] decoded = new byte[16];
            parsed.CopyChallengeTo(decoded);
            Assert.Equal(challenge, decoded);
            Assert.Equal(version, parsed.Version);
            Assert.True(parsed.HasMessage);
            Assert.True(parsed.Message.SequenceEqual(message));
        });
    }

    [Fact]
    public void V1RoundTrips()
    {
        Gen<byte[]> challenges = Gen.OneOf(Gen.Const(Array.Empty<byte>()), Gen.Byte.Array[8]);
        Gen.Select(Gen.UInt, Gen.Bool, challenges, Gen.UInt).Sample((code, retry, challenge, version) =>
        {
            byte[] buffer = new byte[64];
            Assert.True(MsChapFailureMessage.TryFormatV1(buffer, (MsChapErrorCode)code, retry, challenge, version, out int written));

            Assert.Equal(MsChapFailureMessageError.None, MsChapFailureMessage.TryParse(buffer.AsSpan(0, written), out MsChapFailureMessage parsed));
            Assert.Equal(code, (uint)parsed.ErrorCode);
            Assert.Equal(retry, parsed.RetryAllowed);
            Assert.Equal(challenge.Length, parsed.ChallengeLength);
            byte[] decoded = new byte[challenge.Length];
            parsed.CopyChallengeTo(decoded);
            Assert.Equal(challenge, decoded);
            Assert.Equal(version, parsed.Version);
            Assert.False(parsed.HasMessage);
        });
    }

    [Fact]
    public void FormatReportsASmallDestinationAndRejectsWrongChallengeSizes()
    {
        byte[] challenge = new byte[16];
        string full = "E=691 R=0 C=" + new string('0', 32) + " V=3 M=no";
        Assert.True(MsChapFailureMessage.TryFormatV2(new byte[full.Length], MsChapErrorCode.AuthenticationFailure, false, challenge, 3, "no"u8, out int written));
        Assert.Equal(full.Length, written);
        for (int size = 0; size < full.Length; size++)
        {
            Assert.False(MsChapFailureMessage.TryFormatV2(new byte[size], MsChapErrorCode.AuthenticationFailure, false, challenge, 3, "no"u8, out written));
            Assert.Equal(0, written);
        }
        Assert.Throws<ArgumentException>(() => MsChapFailureMessage.TryFormatV2(new byte[128], MsChapErrorCode.AuthenticationFailure, false, new byte[8], 3, default, out _));
        Assert.Throws<ArgumentException>(() => MsChapFailureMessage.TryFormatV1(new byte[128], MsChapErrorCode.AuthenticationFailure, false, new byte[16], 2, out _));
    }

    [Fact]
    public void RandomTextNeverThrows()
    {
        byte[] alphabet = "ERCVM=0123456789abcdefABCDEF \t-+xyz"u8.ToArray();
        Gen<byte[]> fieldish = Gen.Int[0, alphabet.Length - 1].Select(i => alphabet[i]).Array[0, 80];
        Gen.OneOf(Gen.Byte.Array[0, 80], fieldish).Sample(text =>
        {
            MsChapFailureMessageError error = MsChapFailureMessage.TryParse(text, out MsChapFailureMessage parsed);
            Assert.True(Enum.IsDefined(error));
            if (error == MsChapFailureMessageError.None)
            {
                Assert.True(parsed.ChallengeLength is 0 or 8 or 16);
                parsed.CopyChallengeTo(new byte[16]);
            }
        }, iter: 20_000);
    }
}
