using System.Buffers.Binary;

namespace PptpGw.ControlPlane.Aaa.Tacacs;

/// <summary>
/// Writes a TACACS+ body's fields in their RFC 8907 order: the mirror of <see cref="TacacsFieldReader"/>. The caller
/// checks the fields' sizes and the destination's length first.
/// </summary>
internal ref struct TacacsFieldWriter
{
    private readonly Span<byte> _body;
    private int _offset;

    internal TacacsFieldWriter(Span<byte> body) => _body = body;

    /// <summary>The octets written so far.</summary>
    internal readonly int Written => _offset;

    /// <summary>Writes a one-octet field.</summary>
    internal void U8(byte value) => _body[_offset++] = value;

    /// <summary>Writes a two-octet field (network order).</summary>
    internal void U16(int value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(_body[_offset..], (ushort)value);
        _offset += sizeof(ushort);
    }

    /// <summary>Writes a variable field's octets.</summary>
    internal void Field(ReadOnlySpan<byte> value)
    {
        value.CopyTo(_body[_offset..]);
        _offset += value.Length;
    }

    /// <summary>The next <paramref name="length"/> octets, for a part written by another codec (the argument list).</summary>
    internal Span<byte> Take(int length)
    {
        Span<byte> value = _body.Slice(_offset, length);
        _offset += length;
        return value;
    }
}
