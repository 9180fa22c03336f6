using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PptpGw.ControlPlane.Aaa.Radius;

/// <summary>
/// Builds a RADIUS packet (RFC 2865 §3, §5) in a caller's buffer. Every <c>Write*</c> returns false and sets
/// <see cref="Overflowed"/> when the attribute does not fit (the buffer, the 4096-octet packet limit, or the
/// 253-octet value limit of RFC 2865 §5), so a caller can write a whole packet and check once. Signing is done
/// afterwards by <see cref="RadiusAuthenticator"/> over <see cref="Complete"/>'s result.
/// </summary>
public ref struct RadiusPacketWriter
{
    /// <summary>The largest attribute Value (Length is one octet and counts Type and itself).</summary>
    public const int MaxValueLength = 253;

    private readonly Span<byte> _buffer;
    private int _position;

    /// <summary>Starts a packet: Code, Identifier, a zero Authenticator (fill it through <see cref="Authenticator"/>).</summary>
    /// <exception cref="ArgumentException">The buffer cannot hold even a header (a programming error).</exception>
    public RadiusPacketWriter(Span<byte> buffer, RadiusCode code, byte identifier)
    {
        if (buffer.Length < RadiusPacket.HeaderLength)
            throw new ArgumentException("A RADIUS packet needs at least 20 octets.", nameof(buffer));
        _buffer = buffer.Length > RadiusPacket.MaxLength ? buffer[..RadiusPacket.MaxLength] : buffer;
        _buffer[0] = (byte)code;
        _buffer[1] = identifier;
        _buffer.Slice(2, RadiusPacket.HeaderLength - 2).Clear();
        _position = RadiusPacket.HeaderLength;
        Overflowed = false;
    }

    /// <summary>True once any write did not fit.</summary>
    public bool Overflowed { get; private set; }

    /// <summary>Octets written so far.</summary>
    public readonly int Length => _position;

    /// <summary>The 16-octet Authenticator field, to fill with a random Request Authenticator.</summary>
    public readonly Span<byte> Authenticator => _buffer.Slice(RadiusPacket.AuthenticatorOffset, RadiusPacket.AuthenticatorLength);

    /// <summary>Appends Type, Length, <paramref name="value"/>.</summary>
    public bool Write(RadiusAttributeType type, ReadOnlySpan<byte> value)
    {
        if (!TryReserve(type, value.Length, out var slot))
            return false;
        value.CopyTo(slot);
        return true;
    }

    /// <summary>Reserves an attribute of <paramref name="valueLength"/> octets and hands back its value slot.</summary>
    public bool TryReserve(RadiusAttributeType type, int valueLength, out Span<byte> value)
    {
        value = default;
        if (valueLength is < 0 or > MaxValueLength || _position + 2 + valueLength > _buffer.Length)
        {
            Overflowed = true;
            return false;
        }
        _buffer[_position] = (byte)type;
        _buffer[_position + 1] = (byte)(valueLength + 2);
        value = _buffer.Slice(_position + 2, valueLength);
        _position += 2 + valueLength;
        return true;
    }

    /// <summary>Appends a 32-bit integer attribute (RFC 2865 §5: "integer", network order).</summary>
    public bool WriteUInt32(RadiusAttributeType type, uint value)
    {
        if (!TryReserve(type, 4, out var slot))
            return false;
        BinaryPrimitives.WriteUInt32BigEndian(slot, value);
        return true;
    }

    /// <summary>Appends a UTF-8 text attribute (RFC 2865 §5: "text").</summary>
    public bool WriteText(RadiusAttributeType type, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        int length = Encoding.UTF8.GetByteCount(value);
        if (!TryReserve(type, length, out var slot))
            return false;
        Encoding.UTF8.GetBytes(value, slot);
        return true;
    }

    /// <summary>Appends an IPv4 address attribute (RFC 2865 §5: "address"); false for a non-IPv4 address.</summary>
    public bool WriteIPv4(RadiusAttributeType type, IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily != AddressFamily.InterNetwork)
            return false;
        if (!TryReserve(type, 4, out var slot))
            return false;
        return address.TryWriteBytes(slot, out _);
    }

    /// <summary>Appends a tagged integer (RFC 2868 §3.1: Tag (1) + 3-octet value), as Tunnel-Type uses.</summary>
    public bool WriteTaggedUInt24(RadiusAttributeType type, byte tag, uint value)
    {
        if (value > 0xFFFFFF)
            throw new ArgumentOutOfRangeException(nameof(value), value, "A tagged integer holds 24 bits.");
        if (!TryReserve(type, 4, out var slot))
            return false;
        BinaryPrimitives.WriteUInt32BigEndian(slot, value);
        slot[0] = tag;
        return true;
    }

    /// <summary>Appends one Vendor-Specific attribute holding one sub-attribute (RFC 2865 §5.26).</summary>
    public bool WriteVendor(uint vendorId, byte vendorType, ReadOnlySpan<byte> value)
    {
        if (!TryReserveVendor(vendorId, vendorType, value.Length, out var slot))
            return false;
        value.CopyTo(slot);
        return true;
    }

    /// <summary>Reserves a Vendor-Specific attribute with one sub-attribute and hands back the sub-attribute value slot.</summary>
    public bool TryReserveVendor(uint vendorId, byte vendorType, int valueLength, out Span<byte> value)
    {
        value = default;
        if (valueLength > MaxValueLength - RadiusVendorSpecific.Overhead || valueLength < 0)
        {
            Overflowed = true;
            return false;
        }
        if (!TryReserve(RadiusAttributeType.VendorSpecific, RadiusVendorSpecific.Overhead + valueLength, out var slot))
            return false;
        BinaryPrimitives.WriteUInt32BigEndian(slot, vendorId);
        slot[4] = vendorType;
        slot[5] = (byte)(valueLength + 2);
        value = slot[RadiusVendorSpecific.Overhead..];
        return true;
    }

    /// <summary>Appends a Microsoft (vendor 311) sub-attribute (RFC 2548 §2).</summary>
    public bool WriteMicrosoft(MicrosoftAttributeType type, ReadOnlySpan<byte> value) =>
        WriteVendor(RadiusVendor.Microsoft, (byte)type, value);

    /// <summary>Appends a Microsoft 32-bit integer sub-attribute.</summary>
    public bool WriteMicrosoftUInt32(MicrosoftAttributeType type, uint value)
    {
        if (!TryReserveVendor(RadiusVendor.Microsoft, (byte)type, 4, out var slot))
            return false;
        BinaryPrimitives.WriteUInt32BigEndian(slot, value);
        return true;
    }

    /// <summary>
    /// Appends a zeroed Message-Authenticator (RFC 3579 §3.2) and returns the offset of its 16-octet value, for
    /// <see cref="RadiusAuthenticator"/> to fill once the packet is complete; −1 when it does not fit. RFC 3579 and
    /// the BlastRADIUS advice put it first, so a forged prefix cannot precede it: call this before other attributes.
    /// </summary>
    public int WriteMessageAuthenticator()
    {
        if (!TryReserve(RadiusAttributeType.MessageAuthenticator, RadiusAuthenticator.MessageAuthenticatorLength, out var slot))
            return -1;
        slot.Clear();
        return _position - RadiusAuthenticator.MessageAuthenticatorLength;
    }

    /// <summary>Writes the Length field and returns the packet; null-length span if anything overflowed.</summary>
    public readonly Span<byte> Complete()
    {
        if (Overflowed)
            return default;
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[2..], (ushort)_position);
        return _buffer[.._position];
    }
}
