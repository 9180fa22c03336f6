using System.Text;

namespace PptpGw.ControlPlane.Pptp;

/// <summary>
/// The fixed-size text fields of PPTP control messages: Host Name and Vendor String (64 octets, §2.1),
/// Phone Number and Subaddress (64, §2.7), Dialed/Dialing Number (64, §2.9), Call Statistics (128, §2.13).
/// The RFC fills unused octets with 0, and a value that fills the field has no terminating NUL.
/// </summary>
public static class PptpString
{
    /// <summary>Host Name, Vendor String, Phone Number, Subaddress, Dialed Number and Dialing Number: 64 octets.</summary>
    public const int FieldLength = 64;

    /// <summary>Call Statistics of Call-Disconnect-Notify (§2.13): 128 octets.</summary>
    public const int CallStatisticsLength = 128;

    /// <summary>The value up to (not including) the first NUL, or all of <paramref name="field"/> when it has none.</summary>
    public static ReadOnlySpan<byte> TrimAtNul(ReadOnlySpan<byte> field)
    {
        int nul = field.IndexOf((byte)0);
        return nul < 0 ? field : field[..nul];
    }

    /// <summary>
    /// The value trimmed at the first NUL, as a string for logs: printable ASCII is kept, every other
    /// octet is written as \xNN so a peer cannot inject control characters or forge log lines.
    /// Allocates; meant for logging, not the hot path.
    /// </summary>
    public static string ToLogString(ReadOnlySpan<byte> field)
    {
        ReadOnlySpan<byte> value = TrimAtNul(field);
        var text = new StringBuilder(value.Length);
        foreach (byte b in value)
        {
            if (b is >= 0x20 and < 0x7F && b != (byte)'\\')
                text.Append((char)b);
            else
                text.Append(b == (byte)'\\' ? @"\\" : $"\\x{b:x2}");
        }
        return text.ToString();
    }

    /// <summary>Copies an ASCII string to the bytes a field carries; for building messages from configuration.</summary>
    /// <exception cref="ArgumentException">The text is not ASCII or longer than <paramref name="capacity"/>.</exception>
    public static byte[] FromAscii(string text, int capacity = FieldLength)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!Ascii.IsValid(text))
            throw new ArgumentException("PPTP text fields carry ASCII", nameof(text));
        if (text.Length > capacity)
            throw new ArgumentException($"longer than the {capacity}-octet field", nameof(text));
        return Encoding.ASCII.GetBytes(text);
    }

    /// <summary>Guard for the init accessors: a field value may not exceed its fixed size (a programmer error).</summary>
    internal static ReadOnlySpan<byte> Check(ReadOnlySpan<byte> value, int capacity, string name)
    {
        if (value.Length > capacity)
            throw new ArgumentException($"{name} is longer than its {capacity}-octet field", name);
        return value;
    }
}
