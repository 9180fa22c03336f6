using System.Buffers.Binary;

namespace PptpGw.ControlPlane.Pptp;

/// <summary>
/// Reads the fields of one PPTP control message in their RFC 2637 §2.1–§2.15 order, after the 12-octet header: each
/// read takes the next field, so a message's reader lists its fields as the RFC's diagram does, with no offsets.
/// Reserved fields are named where they stand (<c>reservedBefore</c>, <see cref="End"/>) and only checked for 0.
/// </summary>
/// <remarks>
/// Made only by <see cref="PptpCodec.TryParse{T}"/> over a message whose Length is the type's fixed length, so the
/// reads stay in bounds for any peer input; a reader that did not consume exactly that length is a layout bug
/// (asserted there, and pinned by PptpLayoutTests).
/// </remarks>
internal ref struct PptpFieldReader
{
    private readonly ReadOnlySpan<byte> _message;
    private int _offset;
    private bool _reservedNonZero;

    internal PptpFieldReader(ReadOnlySpan<byte> message, bool reservedNonZero)
    {
        _message = message;
        _offset = PptpControlMessage.HeaderLength;
        _reservedNonZero = reservedNonZero;
    }

    /// <summary>How far the reader has come (the message's length once every field is read).</summary>
    internal readonly int Offset => _offset;

    /// <summary>True when Reserved0 or a Reserved field read so far was not 0.</summary>
    internal readonly bool ReservedNonZero => _reservedNonZero;

    /// <summary>The next 1-octet field, after <paramref name="reservedBefore"/> octets of Reserved.</summary>
    internal byte U8(int reservedBefore = 0)
    {
        Reserved(reservedBefore);
        return _message[_offset++];
    }

    /// <summary>The next 2-octet field (network order), after <paramref name="reservedBefore"/> octets of Reserved.</summary>
    internal ushort U16(int reservedBefore = 0)
    {
        Reserved(reservedBefore);
        ushort value = BinaryPrimitives.ReadUInt16BigEndian(_message[_offset..]);
        _offset += sizeof(ushort);
        return value;
    }

    /// <summary>The next 4-octet field (network order), after <paramref name="reservedBefore"/> octets of Reserved.</summary>
    internal uint U32(int reservedBefore = 0)
    {
        Reserved(reservedBefore);
        uint value = BinaryPrimitives.ReadUInt32BigEndian(_message[_offset..]);
        _offset += sizeof(uint);
        return value;
    }

    /// <summary>The next <paramref name="length"/>-octet field as a slice of the input (text fields: NUL padded).</summary>
    internal ReadOnlySpan<byte> Bytes(int length, int reservedBefore = 0)
    {
        Reserved(reservedBefore);
        ReadOnlySpan<byte> value = _message.Slice(_offset, length);
        _offset += length;
        return value;
    }

    /// <summary>
    /// Reads the message's last <paramref name="trailingReserved"/> octets of Reserved and returns whether any Reserved
    /// field, Reserved0 included, was not 0: the value of the message's <c>ReservedFieldsNonZero</c>.
    /// </summary>
    internal bool End(int trailingReserved = 0)
    {
        Reserved(trailingReserved);
        return _reservedNonZero;
    }

    private void Reserved(int length)
    {
        if (length == 0)
            return;
        _reservedNonZero |= _message.Slice(_offset, length).ContainsAnyExcept((byte)0);
        _offset += length;
    }
}
