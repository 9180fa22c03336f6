using System.Text;
using CsCheck;
using PptpGw.ControlPlane.Ppp.Chap;

namespace PptpGw.Tests.ControlPlane.Ppp.Chap;

public class MsChapV2SuccessMessageTests
{
    // RFC 2759 §9.2: the AuthenticatorResponse for "User"/"clientPass".
    private const string Rfc2759AuthString = "407A5589115FD0D6209F510FE9C04566932CDA56";

    private static readonly Gen<byte[]> Printable = Gen.Byte[0x20, 0x7E].Array[0, 120];

    [Fact]
    public void FormatsTheRfc2759SampleExactly()
    {
        Span<byte> buffer = stackalloc byte[128];
        Assert.True(MsChapV2SuccessMessage.TryFormat(buffer, Convert.FromHexString(Rfc2759AuthString), "Welcome"u8, out int written));
        Assert.Equal("S=" + Rfc2759AuthString + " M=Welcome", Encoding.ASCII.GetString(buffer[..written]));
        Assert.Equal(MsChapV2SuccessMessage.GetFormattedLength(7), written);
    }

    [Theory]
    [InlineData("S=407A5589115FD0D6209F510FE9C04566932CDA56 M=Welcome", true, "Welcome")]
    [InlineData("S=407A5589115FD0D6209F510FE9C04566932CDA56", false, "")] // FreeRADIUS: no M= part
    [InlineData("S=407a5589115fd0d6209f510fe9c04566932cda56 M=ok", true, "ok")] // lowercase hex
    [InlineData("S=407A5589115FD0D6209F510FE9C04566932CDA56  M=two spaces", true, "two spaces")]
    [InlineData("S=407A5589115FD0D6209F510FE9C04566932CDA56M=no space", true, "no space")]
    [InlineData("S=407A5589115FD0D6209F510FE9C04566932CDA56 M=", true, "")]
    [InlineData("S=407A5589115FD0D6209F510FE9C04566932CDA56 ", false, "")]
    public void ParsesTheVariantsServersSend(string text, bool hasMessage, string message)
    {
        Assert.Equal(MsChapV2SuccessMessageError.None, MsChapV2SuccessMessage.TryParse(Encoding.ASCII.GetBytes(text), out MsChapV2SuccessMessage parsed));
        Assert.Equal(hasMessage, parsed.HasMessage);
        Assert.Equal(message, Encoding.ASCII.GetString(parsed.Message));
        Span<byte> auth = stackalloc byte[MsChapLengths.AuthenticatorResponse];
        parsed.CopyAuthenticatorResponseTo(auth);
        Assert.Equal(Convert.FromHexString(Rfc2759AuthString), auth.ToArray());
        Assert.True(parsed.AuthenticatorResponseEquals(Convert.FromHexString(Rfc2759AuthString)));
    }

    [Theory]
    [InlineData("", MsChapV2SuccessMessageError.MissingAuthenticatorResponse)]
    [InlineData("Welcome", MsChapV2SuccessMessageError.MissingAuthenticatorResponse)]
    [InlineData("s=407A5589115FD0D6209F510FE9C04566932CDA56", MsChapV2SuccessMessageError.MissingAuthenticatorResponse)]
    [InlineData("S=", MsChapV2SuccessMessageError.BadAuthenticatorResponse)]
    [InlineData("S=407A5589115FD0D6209F510FE9C04566932CDA5", MsChapV2SuccessMessageError.BadAuthenticatorResponse)]
    [InlineData("S=407A5589115FD0D6209F510FE9C04566932CDA567", MsChapV2SuccessMessageError.BadAuthenticatorResponse)]
    [InlineData("S=407A5589115FD0D6209F510FE9C04566932CDAZ6 M=x", MsChapV2SuccessMessageError.BadAuthenticatorResponse)]
    [InlineData("S=407A5589115FD0D6209F510FE9C04566932CDA56 X=junk", MsChapV2SuccessMessageError.BadMessageField)]
    [InlineData("S=407A5589115FD0D6209F510FE9C04566932CDA56-", MsChapV2SuccessMessageError.BadMessageField)]
    public void MalformedTextGivesThePreciseError(string text, MsChapV2SuccessMessageError expected)
    {
        Assert.Equal(expected, MsChapV2SuccessMessage.TryParse(Encoding.ASCII.GetBytes(text), out _));
    }

    [Fact]
    public void AMismatchingAuthenticatorResponseIsNotEqual()
    {
        MsChapV2SuccessMessage.TryParse(Encoding.ASCII.GetBytes("S=" + Rfc2759AuthString), out MsChapV2SuccessMessage parsed);
        byte[] other = Convert.FromHexString(Rfc2759AuthString);
        other[19] ^= 1;
        Assert.False(parsed.AuthenticatorResponseEquals(other));
        Assert.False(parsed.AuthenticatorResponseEquals(other.AsSpan(0, 19)));
    }

    [Fact]
    public void RoundTrips()
    {
        Gen.Select(Gen.Byte.Array[MsChapLengths.AuthenticatorResponse], Printable).Sample((auth, message) =>
        {
            byte[] buffer = new byte[MsChapV2SuccessMessage.GetFormattedLength(message.Length)];
            Assert.True(MsChapV2SuccessMessage.TryFormat(buffer, auth, message, out int written));
            Assert.Equal(buffer.Length, written);
            // Exact on send: uppercase hex only.
            Assert.Equal(Convert.ToHexString(auth), Encoding.ASCII.GetString(buffer, 2, 40));

            Assert.Equal(MsChapV2SuccessMessageError.None, MsChapV2SuccessMessage.TryParse(buffer, out MsChapV2SuccessMessage parsed));
            Assert.True(parsed.HasMessage);
            Assert.True(parsed.Message.SequenceEqual(message));
            Assert.True(parsed.AuthenticatorResponseEquals(auth));
        });
    }

    [Fact]
    public void FormatReportsASmallDestinationAndRejectsAWrongAuthenticatorSize()
    {
        byte[] auth = new byte[20];
        Assert.False(MsChapV2SuccessMessage.TryFormat(new byte[44], auth, default, out int written));
        Assert.Equal(0, written);
        Assert.True(MsChapV2SuccessMessage.TryFormat(new byte[45], auth, default, out written));
        Assert.Equal(45, written);
        Assert.Throws<ArgumentException>(() => MsChapV2SuccessMessage.TryFormat(new byte[64], new byte[16], default, out _));
    }

    [Fact]
    public void RandomTextNeverThrows()
    {
        // Garbage, and garbage that starts like a Success message.
        Gen<byte[]> garbage = Gen.OneOf(
            Gen.Byte.Array[0, 80],
            Gen.Byte.Array[0, 60].Select(tail => (byte[])[.. "S="u8, .. tail]),
            Gen.Select(Gen.Byte.Array[20], Gen.Byte.Array[0, 20]).Select((auth, tail) => (byte[])[.. Encoding.ASCII.GetBytes("S=" + Convert.ToHexString(auth)), .. tail]));
        garbage.Sample(text =>
        {
            MsChapV2SuccessMessageError error = MsChapV2SuccessMessage.TryParse(text, out MsChapV2SuccessMessage parsed);
            Assert.True(Enum.IsDefined(error));
            if (error == MsChapV2SuccessMessageError.None)
            {
                Span<byte> auth = stackalloc byte[20];
                parsed.CopyAuthenticatorResponseTo(auth);
                Assert.True(parsed.AuthenticatorResponseEquals(auth));
            }
        }, iter: 20_000);
    }
}
