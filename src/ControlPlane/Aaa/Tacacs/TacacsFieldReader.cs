using System.Buffers.Binary;

namespace PptpGw.ControlPlane.Aaa.Tacacs;

/// <summary>
/// Reads a TACACS+ body's fields in their RFC 8907 order (§5.1-§7.2): the fixed part (one- and two-octet fields,
/// lengths among them), then the variable fields those lengths give. No offsets in the body codecs. The caller checks
/// the fixed length before and the lengths' total (<see cref="TacacsBody.CheckTotal"/>) before the variable fields, so
/// the reads stay in bounds for any peer input.
/// </summary>
internal ref struct TacacsFieldReader
{
    private readonly ReadOnlySpan<byte> _body;
    private int _offset;

    internal TacacsFieldReader(ReadOnlySpan<byte> body) => _body = body;

    /// <summary>The next one-octet field.</summary>
    internal byte U8() => _body[_offset++];

    /// <summary>The next two-octet field (network order).</summary>
    internal ushort U16()
    {
        ushort value = BinaryPrimitives.ReadUInt16BigEndian(_body[_offset..]);
        _offset += sizeof(ushort);
        return value;
    }

    /// <summary>The next <paramref name="length"/> octets, as a slice of the body.</summary>
    internal ReadOnlySpan<byte> Field(int length)
    {
        ReadOnlySpan<byte> value = _body.Slice(_offset, length);
        _offset += length;
        return value;
    }
}
