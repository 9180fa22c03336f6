using System.Security.Cryptography;

namespace PptpGw.ControlPlane.Ppp.Chap;

/// <summary>Why an MS-CHAPv2 Success message was rejected by <see cref="MsChapV2SuccessMessage.TryParse"/>.</summary>
public enum MsChapV2SuccessMessageError
{
    None = 0,
    /// <summary>The text does not begin with "S=" (RFC 2759 §5).</summary>
    MissingAuthenticatorResponse,
    /// <summary>"S=" is not followed by exactly 40 hex digits.</summary>
    BadAuthenticatorResponse,
    /// <summary>Something other than white space and "M=&lt;message&gt;" follows the authenticator response.</summary>
    BadMessageField,
}

/// <summary>
/// The Message of an MS-CHAPv2 Success packet (RFC 2759 §5): "S=&lt;auth_string&gt; M=&lt;message&gt;", where
/// auth_string is the 20-octet authenticator response as 40 hex digits. On receive lowercase hex, any white space
/// before "M=", and a missing "M=" part (FreeRADIUS and some servers send "S=..." alone) are accepted. On send the
/// text is exactly "S=" + 40 uppercase hex digits + " M=" + message.
/// </summary>
public readonly ref struct MsChapV2SuccessMessage
{
    private const int HexLength = 2 * MsChapLengths.AuthenticatorResponse;

    private readonly ReadOnlySpan<byte> _authenticatorResponseHex;

    /// <summary>True when the text carried an "M=" field (possibly empty).</summary>
    public bool HasMessage { get; }
    /// <summary>The text after "M=" (human-readable, charset per RFC 2759 §5); empty when absent.</summary>
    public ReadOnlySpan<byte> Message { get; }

    private MsChapV2SuccessMessage(ReadOnlySpan<byte> authenticatorResponseHex, bool hasMessage, ReadOnlySpan<byte> message)
    {
        _authenticatorResponseHex = authenticatorResponseHex;
        HasMessage = hasMessage;
        Message = message;
    }

    /// <summary>Parses the Message field of a Success packet. Never throws.</summary>
    public static MsChapV2SuccessMessageError TryParse(ReadOnlySpan<byte> text, out MsChapV2SuccessMessage message)
    {
        message = default;
        text = MsChapText.TrimStart(text);
        if (!text.StartsWith("S="u8))
            return MsChapV2SuccessMessageError.MissingAuthenticatorResponse;
        text = text[2..];
        if (text.Length < HexLength || !MsChapText.IsHex(text[..HexLength]))
            return MsChapV2SuccessMessageError.BadAuthenticatorResponse;
        ReadOnlySpan<byte> hex = text[..HexLength];
        ReadOnlySpan<byte> rest = text[HexLength..];
        if (!rest.IsEmpty && MsChapText.IsHexDigit(rest[0]))
            return MsChapV2SuccessMessageError.BadAuthenticatorResponse; // more than 40 digits
        rest = MsChapText.TrimStart(rest);
        if (rest.IsEmpty)
        {
            message = new MsChapV2SuccessMessage(hex, false, default);
            return MsChapV2SuccessMessageError.None;
        }
        if (!rest.StartsWith("M="u8))
            return MsChapV2SuccessMessageError.BadMessageField;
        message = new MsChapV2SuccessMessage(hex, true, rest[2..]);
        return MsChapV2SuccessMessageError.None;
    }

    /// <summary>Decodes the 20-octet authenticator response into <paramref name="destination"/> (at least 20 octets).</summary>
    public void CopyAuthenticatorResponseTo(Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, MsChapLengths.AuthenticatorResponse, nameof(destination));
        if (!MsChapText.TryDecodeHex(_authenticatorResponseHex, destination[..MsChapLengths.AuthenticatorResponse]))
            throw new InvalidOperationException("No authenticator response was parsed.");
    }

    /// <summary>
    /// True when the received authenticator response equals <paramref name="expected"/> (20 octets, as computed by
    /// GenerateAuthenticatorResponse, RFC 2759 §8.7). Constant-time in the octets' values (RFC 2759 §8.8 check).
    /// </summary>
    public bool AuthenticatorResponseEquals(ReadOnlySpan<byte> expected)
    {
        if (expected.Length != MsChapLengths.AuthenticatorResponse
            || _authenticatorResponseHex.Length != HexLength)
            return false;
        Span<byte> received = stackalloc byte[MsChapLengths.AuthenticatorResponse];
        MsChapText.TryDecodeHex(_authenticatorResponseHex, received);
        return CryptographicOperations.FixedTimeEquals(received, expected);
    }

    /// <summary>Octets <see cref="TryFormat"/> writes for a message of this length.</summary>
    public static int GetFormattedLength(int messageLength) => 2 + HexLength + 3 + messageLength;

    /// <summary>
    /// Writes "S=" + 40 uppercase hex digits + " M=" + <paramref name="message"/> (RFC 2759 §5). Returns false when
    /// <paramref name="destination"/> is too small; throws when the authenticator response is not 20 octets.
    /// </summary>
    public static bool TryFormat(Span<byte> destination, ReadOnlySpan<byte> authenticatorResponse, ReadOnlySpan<byte> message, out int bytesWritten)
    {
        if (authenticatorResponse.Length != MsChapLengths.AuthenticatorResponse)
            throw new ArgumentException("The authenticator response is 20 octets.", nameof(authenticatorResponse));
        bytesWritten = 0;
        if (destination.Length < GetFormattedLength(message.Length))
            return false;
        int position = 0;
        MsChapText.TryAppend(destination, ref position, "S="u8);
        MsChapText.TryAppendHex(destination, ref position, authenticatorResponse);
        MsChapText.TryAppend(destination, ref position, " M="u8);
        MsChapText.TryAppend(destination, ref position, message);
        bytesWritten = position;
        return true;
    }
}
