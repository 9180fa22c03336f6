using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace PptpGw.ControlPlane.Pools;

/// <summary>
/// IPv4 addresses as host-order <see cref="uint"/> values (a.b.c.d = a&lt;&lt;24 | b&lt;&lt;16 | c&lt;&lt;8 | d), the form the
/// pools count in and the form IPCP writes with <c>BinaryPrimitives.WriteUInt32BigEndian</c>.
/// </summary>
public static class Ipv4
{
    /// <summary>
    /// Parses strict dotted-quad text: exactly four decimal octets 0-255, one to three digits each.
    /// Unlike <see cref="IPAddress.TryParse(string?, out IPAddress?)"/> it refuses the legacy short and hex forms
    /// ("10.1", "0x0A.1.1.1") and reads a leading zero as decimal ("010" is 10, never octal 8). Never throws.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> text, out uint address)
    {
        address = 0;
        int octets = 0;
        int i = 0;
        while (true)
        {
            int start = i;
            int value = 0;
            while (i < text.Length && i - start < 4 && char.IsAsciiDigit(text[i]))
            {
                value = value * 10 + (text[i] - '0');
                i++;
            }
            int digits = i - start;
            if (digits == 0 || digits > 3 || value > 255)
                return false;
            address = (address << 8) | (uint)value;
            octets++;
            if (octets == 4)
                return i == text.Length;
            if (i >= text.Length || text[i] != '.')
                return false;
            i++;
        }
    }

    /// <summary>Dotted-quad text of a host-order address.</summary>
    public static string Format(uint address) => string.Create(CultureInfo.InvariantCulture,
        $"{address >> 24}.{(address >> 16) & 0xFF}.{(address >> 8) & 0xFF}.{address & 0xFF}");

    /// <summary>The <see cref="IPAddress"/> for a host-order address.</summary>
    public static IPAddress ToIPAddress(uint address)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, address);
        return new IPAddress(bytes);
    }

    /// <summary>The host-order value of an IPv4 <see cref="IPAddress"/>; throws for an IPv6 address (a programmer error).</summary>
    public static uint FromIPAddress(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily != AddressFamily.InterNetwork)
            throw new ArgumentException("not an IPv4 address", nameof(address));
        Span<byte> bytes = stackalloc byte[4];
        address.TryWriteBytes(bytes, out _);
        return BinaryPrimitives.ReadUInt32BigEndian(bytes);
    }

    /// <summary>True when <paramref name="mask"/> is a run of ones followed by zeros (255.255.255.0, 0.0.0.0, ...).</summary>
    public static bool IsContiguousMask(uint mask) => (~mask & (~mask + 1)) == 0;
}
