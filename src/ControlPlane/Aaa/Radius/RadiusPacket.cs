using System.Buffers.Binary;

namespace PptpGw.ControlPlane.Aaa.Radius;

/// <summary>Why a datagram is not a well-formed RADIUS packet (RFC 2865 §3, §5).</summary>
public enum RadiusPacketError
{
    /// <summary>Well formed.</summary>
    None = 0,
    /// <summary>Fewer than the 20 header octets (RFC 2865 §3: silently discarded).</summary>
    TooShort,
    /// <summary>The Length field is below 20.</summary>
    LengthTooSmall,
    /// <summary>The Length field exceeds 4096, the maximum packet size (RFC 2865 §3).</summary>
    LengthTooLarge,
    /// <summary>The datagram is shorter than its Length field says (RFC 2865 §3: silently discarded).</summary>
    Truncated,
    /// <summary>Only one octet is left for an attribute header.</summary>
    AttributeHeaderTruncated,
    /// <summary>An attribute's Length is below 2 (RFC 2865 §5: the minimum is Type + Length).</summary>
    AttributeLengthTooSmall,
    /// <summary>An attribute's Length runs past the end of the packet.</summary>
    AttributeOverrun,
}

/// <summary>
/// A parsed RADIUS packet (RFC 2865 §3): Code, Identifier, Length, Authenticator and the attribute area, all
/// slices of the datagram. <see cref="TryParse"/> checks the framing of every attribute, so enumerating
/// <see cref="Attributes"/> afterwards cannot fail. Octets past Length are padding and ignored (RFC 2865 §3).
/// </summary>
public readonly ref struct RadiusPacket
{
    /// <summary>Code (1) + Identifier (1) + Length (2) + Authenticator (16).</summary>
    public const int HeaderLength = 20;
    /// <summary>Octets in the Authenticator field.</summary>
    public const int AuthenticatorLength = 16;
    /// <summary>Offset of the Authenticator field.</summary>
    public const int AuthenticatorOffset = 4;
    /// <summary>The largest packet RFC 2865 §3 allows.</summary>
    public const int MaxLength = 4096;

    /// <summary>The packet's octets, exactly Length long.</summary>
    public ReadOnlySpan<byte> Raw { get; }

    private RadiusPacket(ReadOnlySpan<byte> raw) => Raw = raw;

    /// <summary>Code field.</summary>
    public RadiusCode Code => (RadiusCode)Raw[0];
    /// <summary>Identifier field: matches replies to requests.</summary>
    public byte Identifier => Raw[1];
    /// <summary>Length field (= <c>Raw.Length</c>).</summary>
    public int Length => Raw.Length;
    /// <summary>Request or Response Authenticator.</summary>
    public ReadOnlySpan<byte> Authenticator => Raw.Slice(AuthenticatorOffset, AuthenticatorLength);
    /// <summary>The attribute area after the header.</summary>
    public ReadOnlySpan<byte> AttributeArea => Raw[HeaderLength..];
    /// <summary>The attributes in wire order.</summary>
    public RadiusAttributeEnumerator Attributes => new(AttributeArea);

    /// <summary>Parses <paramref name="datagram"/>; never throws.</summary>
    public static RadiusPacketError TryParse(ReadOnlySpan<byte> datagram, out RadiusPacket packet)
    {
        packet = default;
        if (datagram.Length < HeaderLength)
            return RadiusPacketError.TooShort;
        int length = BinaryPrimitives.ReadUInt16BigEndian(datagram[2..]);
        if (length < HeaderLength)
            return RadiusPacketError.LengthTooSmall;
        if (length > MaxLength)
            return RadiusPacketError.LengthTooLarge;
        if (length > datagram.Length)
            return RadiusPacketError.Truncated;
        var raw = datagram[..length];
        var error = RadiusAttributeEnumerator.Validate(raw[HeaderLength..]);
        if (error != RadiusPacketError.None)
            return error;
        packet = new RadiusPacket(raw);
        return RadiusPacketError.None;
    }

    /// <summary>The first attribute of <paramref name="type"/>; false when absent.</summary>
    public bool TryGetAttribute(RadiusAttributeType type, out ReadOnlySpan<byte> value)
    {
        foreach (var attribute in Attributes)
        {
            if (attribute.Type == type)
            {
                value = attribute.Value;
                return true;
            }
        }
        value = default;
        return false;
    }

    /// <summary>How many attributes of <paramref name="type"/> the packet carries.</summary>
    public int CountAttributes(RadiusAttributeType type)
    {
        int count = 0;
        foreach (var attribute in Attributes)
        {
            if (attribute.Type == type)
                count++;
        }
        return count;
    }

    /// <summary>The first Microsoft (vendor 311) sub-attribute of <paramref name="type"/>; false when absent.</summary>
    public bool TryGetMicrosoftAttribute(MicrosoftAttributeType type, out ReadOnlySpan<byte> value)
    {
        foreach (var attribute in Attributes)
        {
            if (attribute.Type != RadiusAttributeType.VendorSpecific
                || RadiusVendorSpecific.TryParse(attribute.Value, out uint vendor, out var vendorAttributes) != RadiusVendorSpecificError.None
                || vendor != RadiusVendor.Microsoft)
                continue;
            foreach (var sub in vendorAttributes)
            {
                if (sub.Type == (byte)type)
                {
                    value = sub.Value;
                    return true;
                }
            }
        }
        value = default;
        return false;
    }
}

/// <summary>One attribute (RFC 2865 §5): Type and the Value after the Length octet.</summary>
public readonly ref struct RadiusAttribute
{
    /// <summary>Type octet.</summary>
    public RadiusAttributeType Type { get; }
    /// <summary>Value (Length − 2 octets).</summary>
    public ReadOnlySpan<byte> Value { get; }

    internal RadiusAttribute(RadiusAttributeType type, ReadOnlySpan<byte> value)
    {
        Type = type;
        Value = value;
    }
}

/// <summary>
/// Walks an attribute area. Over an area that <see cref="Validate"/> accepted it visits every attribute; over a
/// malformed one it stops at the first bad attribute (it never reads past the span and never throws).
/// </summary>
public ref struct RadiusAttributeEnumerator
{
    private ReadOnlySpan<byte> _rest;

    /// <summary>Enumerates <paramref name="area"/>.</summary>
    public RadiusAttributeEnumerator(ReadOnlySpan<byte> area)
    {
        _rest = area;
        Current = default;
    }

    /// <summary>The attribute the last <see cref="MoveNext"/> produced.</summary>
    public RadiusAttribute Current { get; private set; }

    /// <summary>For <c>foreach</c>.</summary>
    public readonly RadiusAttributeEnumerator GetEnumerator() => this;

    /// <summary>Advances; false at the end or at a malformed attribute.</summary>
    public bool MoveNext()
    {
        if (!RadiusTlv.TryNext(_rest, out byte type, out ReadOnlySpan<byte> value, out _rest))
            return false;
        Current = new RadiusAttribute((RadiusAttributeType)type, value);
        return true;
    }

    /// <summary>Checks the Type-Length framing of a whole attribute area (RFC 2865 §5).</summary>
    public static RadiusPacketError Validate(ReadOnlySpan<byte> area) => RadiusTlv.Validate(area, RadiusPacketError.None,
        RadiusPacketError.AttributeHeaderTruncated, RadiusPacketError.AttributeLengthTooSmall, RadiusPacketError.AttributeOverrun);
}

/// <summary>Why a Vendor-Specific value is not in the RFC 2865 §5.26 recommended format.</summary>
public enum RadiusVendorSpecificError
{
    /// <summary>Well formed.</summary>
    None = 0,
    /// <summary>Fewer than the 4 Vendor-Id octets.</summary>
    TooShort,
    /// <summary>A sub-attribute header is cut off (one octet left).</summary>
    SubAttributeHeaderTruncated,
    /// <summary>A sub-attribute's Vendor-Length is below 2.</summary>
    SubAttributeLengthTooSmall,
    /// <summary>A sub-attribute's Vendor-Length runs past the end of the attribute.</summary>
    SubAttributeOverrun,
}

/// <summary>One vendor sub-attribute: Vendor-Type and the value after Vendor-Length (RFC 2865 §5.26).</summary>
public readonly ref struct RadiusVendorAttribute
{
    /// <summary>Vendor-Type.</summary>
    public byte Type { get; }
    /// <summary>Value (Vendor-Length − 2 octets).</summary>
    public ReadOnlySpan<byte> Value { get; }

    internal RadiusVendorAttribute(byte type, ReadOnlySpan<byte> value)
    {
        Type = type;
        Value = value;
    }
}

/// <summary>Walks the sub-attributes of a validated Vendor-Specific value.</summary>
public ref struct RadiusVendorAttributeEnumerator
{
    private ReadOnlySpan<byte> _rest;

    internal RadiusVendorAttributeEnumerator(ReadOnlySpan<byte> rest)
    {
        _rest = rest;
        Current = default;
    }

    /// <summary>The sub-attribute the last <see cref="MoveNext"/> produced.</summary>
    public RadiusVendorAttribute Current { get; private set; }

    /// <summary>For <c>foreach</c>.</summary>
    public readonly RadiusVendorAttributeEnumerator GetEnumerator() => this;

    /// <summary>Advances; false at the end.</summary>
    public bool MoveNext()
    {
        if (!RadiusTlv.TryNext(_rest, out byte type, out ReadOnlySpan<byte> value, out _rest))
            return false;
        Current = new RadiusVendorAttribute(type, value);
        return true;
    }
}

/// <summary>The Vendor-Specific attribute (RFC 2865 §5.26): Vendor-Id (4) then Vendor-Type/Vendor-Length/value TLVs.</summary>
public static class RadiusVendorSpecific
{
    /// <summary>Vendor-Id (4) + Vendor-Type (1) + Vendor-Length (1).</summary>
    public const int Overhead = 6;

    /// <summary>Splits a Vendor-Specific value; checks the framing of every sub-attribute. Never throws.</summary>
    public static RadiusVendorSpecificError TryParse(ReadOnlySpan<byte> value, out uint vendorId, out RadiusVendorAttributeEnumerator attributes)
    {
        vendorId = 0;
        attributes = default;
        if (value.Length < 4)
            return RadiusVendorSpecificError.TooShort;
        vendorId = BinaryPrimitives.ReadUInt32BigEndian(value);
        ReadOnlySpan<byte> rest = value[4..];
        RadiusVendorSpecificError error = RadiusTlv.Validate(rest, RadiusVendorSpecificError.None,
            RadiusVendorSpecificError.SubAttributeHeaderTruncated, RadiusVendorSpecificError.SubAttributeLengthTooSmall,
            RadiusVendorSpecificError.SubAttributeOverrun);
        if (error != RadiusVendorSpecificError.None)
            return error;
        attributes = new RadiusVendorAttributeEnumerator(rest);
        return RadiusVendorSpecificError.None;
    }
}
