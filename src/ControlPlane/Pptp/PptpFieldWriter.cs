using System.Buffers.Binary;

namespace PptpGw.ControlPlane.Pptp;

/// <summary>
/// Writes the fields of one PPTP control message in their RFC 2637 §2.1–§2.15 order, after the 12-octet header: the
/// mirror of <see cref="PptpFieldReader"/>, so a message's writer lists the same fields in the same order. Reserved
/// fields are skipped (<see cref="PptpCodec.TryWrite{T}"/> zeroes the body first: RFC 2637 §2, sent as 0).
/// </summary>
internal ref struct PptpFieldWriter
{
    private readonly Span<byte> _message;
    private int _offset;

    internal PptpFieldWriter(Span<byte> message)
    {
        _message = message;
        _offset = PptpControlMessage.HeaderLength;
    }

    /// <summary>How far the writer has come (the message's length once every field is written).</summary>
    internal readonly int Offset => _offset;

    /// <summary>Writes the next 1-octet field, after <paramref name="reservedBefore"/> octets of Reserved.</summary>
    internal void U8(byte value, int reservedBefore = 0)
    {
        _offset += reservedBefore;
        _message[_offset++] = value;
    }

    /// <summary>Writes the next 2-octet field (network order), after <paramref name="reservedBefore"/> octets of Reserved.</summary>
    internal void U16(ushort value, int reservedBefore = 0)
    {
        _offset += reservedBefore;
        BinaryPrimitives.WriteUInt16BigEndian(_message[_offset..], value);
        _offset += sizeof(ushort);
    }

    /// <summary>Writes the next 4-octet field (network order), after <paramref name="reservedBefore"/> octets of Reserved.</summary>
    internal void U32(uint value, int reservedBefore = 0)
    {
        _offset += reservedBefore;
        BinaryPrimitives.WriteUInt32BigEndian(_message[_offset..], value);
        _offset += sizeof(uint);
    }

    /// <summary>
    /// Writes the next <paramref name="length"/>-octet field: <paramref name="value"/> (at most that long, checked when
    /// the message was built), the rest left 0 (text fields are NUL padded).
    /// </summary>
    internal void Bytes(ReadOnlySpan<byte> value, int length, int reservedBefore = 0)
    {
        _offset += reservedBefore;
        value.CopyTo(_message.Slice(_offset, length));
        _offset += length;
    }

    /// <summary>Skips the message's last <paramref name="trailingReserved"/> octets of Reserved (already 0).</summary>
    internal void End(int trailingReserved = 0) => _offset += trailingReserved;
}
