using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace PptpGw.Dataplane.Ethernet;

/// <summary>An IEEE 802 48-bit MAC address, held in the low 48 bits of a <see cref="ulong"/> (first octet highest).</summary>
public readonly record struct MacAddress(ulong Value)
{
    /// <summary>Octets in an address.</summary>
    public const int Length = 6;

    /// <summary>ff:ff:ff:ff:ff:ff.</summary>
    public static MacAddress Broadcast { get; } = new(0xFFFF_FFFF_FFFFUL);

    /// <summary>00:00:00:00:00:00 (ARP's "unknown" target hardware address, RFC 826).</summary>
    public static MacAddress Zero { get; } = new(0);

    /// <summary>True for the broadcast address.</summary>
    public bool IsBroadcast => Value == 0xFFFF_FFFF_FFFFUL;

    /// <summary>True for group addresses (the I/G bit of the first octet), broadcast included.</summary>
    public bool IsMulticast => (Value & 0x0100_0000_0000UL) != 0;

    /// <summary>Reads 6 octets; <paramref name="source"/> must hold at least 6.</summary>
    public static MacAddress Read(ReadOnlySpan<byte> source) =>
        new(((ulong)BinaryPrimitives.ReadUInt16BigEndian(source) << 32) | BinaryPrimitives.ReadUInt32BigEndian(source[2..]));

    /// <summary>Writes 6 octets; <paramref name="destination"/> must hold at least 6.</summary>
    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)(Value >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(destination[2..], (uint)Value);
    }

    /// <summary>Parses <c>aa:bb:cc:dd:ee:ff</c> (or with '-').</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out MacAddress? address)
    {
        address = null;
        if (text is null || text.Length != 17)
            return false;
        ulong value = 0;
        for (int i = 0; i < 6; i++)
        {
            if (i > 0 && text[(i * 3) - 1] is not (':' or '-'))
                return false;
            if (!byte.TryParse(text.AsSpan(i * 3, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte b))
                return false;
            value = (value << 8) | b;
        }

        address = new MacAddress(value);
        return true;
    }

    /// <summary>aa:bb:cc:dd:ee:ff.</summary>
    public override string ToString()
    {
        Span<byte> b = stackalloc byte[Length];
        Write(b);
        return string.Create(CultureInfo.InvariantCulture, $"{b[0]:x2}:{b[1]:x2}:{b[2]:x2}:{b[3]:x2}:{b[4]:x2}:{b[5]:x2}");
    }
}
