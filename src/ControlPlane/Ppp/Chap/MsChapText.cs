using System.Buffers;
using System.Globalization;

namespace PptpGw.ControlPlane.Ppp.Chap;

/// <summary>Helpers shared by the MS-CHAP Success and Failure message texts.</summary>
internal static class MsChapText
{
    /// <summary>
    /// Separators accepted between fields on receive. Windows sends single spaces; other implementations differ,
    /// so any run of ASCII white space is taken as one separator.
    /// </summary>
    public static bool IsSeparator(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';

    public static ReadOnlySpan<byte> TrimStart(ReadOnlySpan<byte> text)
    {
        int i = 0;
        while (i < text.Length && IsSeparator(text[i]))
            i++;
        return text[i..];
    }

    public static bool IsHexDigit(byte b) => char.IsAsciiHexDigit((char)b);

    /// <summary>Decodes hex digits of either case; false unless every digit is valid and the lengths match.</summary>
    public static bool TryDecodeHex(ReadOnlySpan<byte> hex, Span<byte> destination)
    {
        if (hex.Length != 2 * destination.Length)
            return false;
        return Convert.FromHexString(hex, destination, out _, out int written) == OperationStatus.Done
            && written == destination.Length;
    }

    /// <summary>True when every octet is a hex digit of either case.</summary>
    public static bool IsHex(ReadOnlySpan<byte> text) => !text.ContainsAnyExcept(HexDigits);

    private static readonly SearchValues<byte> HexDigits = SearchValues.Create("0123456789ABCDEFabcdef"u8);

    /// <summary>Parses a non-empty run of ASCII decimal digits (no sign, no white space).</summary>
    public static bool TryParseDecimal(ReadOnlySpan<byte> digits, out uint value)
    {
        value = 0;
        return !digits.IsEmpty && uint.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>Appends <paramref name="source"/> at <paramref name="position"/>; false when it does not fit.</summary>
    public static bool TryAppend(Span<byte> destination, ref int position, ReadOnlySpan<byte> source)
    {
        if (!source.TryCopyTo(destination[position..]))
            return false;
        position += source.Length;
        return true;
    }

    /// <summary>Appends uppercase hex digits (RFC 2759 §5 requires uppercase A-F on send).</summary>
    public static bool TryAppendHex(Span<byte> destination, ref int position, ReadOnlySpan<byte> source)
    {
        if (!Convert.TryToHexString(source, destination[position..], out int written))
            return false;
        position += written;
        return true;
    }

    public static bool TryAppendDecimal(Span<byte> destination, ref int position, uint value)
    {
        if (!value.TryFormat(destination[position..], out int written, default, CultureInfo.InvariantCulture))
            return false;
        position += written;
        return true;
    }
}
