using System.Runtime.CompilerServices;

namespace PptpGw.Dataplane.Buffers;

/// <summary>
/// A reference to one packet: a pointer to its <see cref="PacketBuffer"/> descriptor (8 bytes, so a
/// burst of 32 fits in four cache lines and maps 1:1 onto an array of <c>rte_mbuf*</c>-backed
/// descriptors). Copying the handle does not copy the packet; whoever holds it owns the packet
/// until it is passed to a port's transmit or freed into an allocator.
/// </summary>
/// <remarks>
/// The mutators mirror DPDK's <c>rte_pktmbuf_prepend/append/adj/trim</c>. They return false instead
/// of throwing because the lengths involved may come from a peer (a header length field).
/// </remarks>
public readonly unsafe struct PacketHandle : IEquatable<PacketHandle>
{
    private readonly PacketBuffer* _buffer;

    /// <summary>Wraps a descriptor pointer (from a pool or a backend's own descriptor storage).</summary>
    public PacketHandle(PacketBuffer* buffer) => _buffer = buffer;

    /// <summary>The descriptor pointer.</summary>
    public PacketBuffer* Pointer => _buffer;

    /// <summary>True for the default (empty) handle.</summary>
    public bool IsNull => _buffer == null;

    /// <summary>The descriptor itself, for direct field access.</summary>
    public ref PacketBuffer Buffer => ref *_buffer;

    /// <summary>The packet's bytes (<see cref="PacketBuffer.DataOffset"/>, <see cref="PacketBuffer.DataLength"/>).</summary>
    public Span<byte> Data
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new(_buffer->BufferAddress + _buffer->DataOffset, _buffer->DataLength);
    }

    /// <summary>Everything from the data start to the end of the buffer: where a receiver writes.</summary>
    public Span<byte> DataRoom => new(_buffer->BufferAddress + _buffer->DataOffset, _buffer->BufferLength - _buffer->DataOffset);

    /// <summary>Number of data bytes.</summary>
    public int Length => _buffer->DataLength;

    /// <summary>Free bytes in front of the data (room to prepend headers in place).</summary>
    public int Headroom => _buffer->DataOffset;

    /// <summary>Free bytes after the data.</summary>
    public int Tailroom => _buffer->BufferLength - _buffer->DataOffset - _buffer->DataLength;

    /// <summary>GRE peer address, host order. See <see cref="PacketBuffer.PeerAddress"/>.</summary>
    public uint PeerAddress
    {
        get => _buffer->PeerAddress;
        set => _buffer->PeerAddress = value;
    }

    /// <summary>Session index, -1 when unclassified.</summary>
    public int SessionIndex
    {
        get => _buffer->SessionIndex;
        set => _buffer->SessionIndex = value;
    }

    /// <summary>The free 32-bit user field.</summary>
    public uint UserData
    {
        get => _buffer->UserData;
        set => _buffer->UserData = value;
    }

    /// <summary>Id of the port the packet arrived on.</summary>
    public ushort Port
    {
        get => _buffer->Port;
        set => _buffer->Port = value;
    }

    /// <summary>Grows the data by <paramref name="count"/> bytes at the front (rte_pktmbuf_prepend).</summary>
    /// <param name="count">Bytes to add.</param>
    /// <param name="header">The new first <paramref name="count"/> bytes, to be filled by the caller.</param>
    /// <returns>False (and no change) when the headroom is too small.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryPrepend(int count, out Span<byte> header)
    {
        if ((uint)count > _buffer->DataOffset)
        {
            header = default;
            return false;
        }

        _buffer->DataOffset = (ushort)(_buffer->DataOffset - count);
        _buffer->DataLength = (ushort)(_buffer->DataLength + count);
        header = new Span<byte>(_buffer->BufferAddress + _buffer->DataOffset, count);
        return true;
    }

    /// <summary>Grows the data by <paramref name="count"/> bytes at the end (rte_pktmbuf_append).</summary>
    /// <returns>False (and no change) when the tailroom is too small.</returns>
    public bool TryAppend(int count, out Span<byte> tail)
    {
        if ((uint)count > (uint)Tailroom)
        {
            tail = default;
            return false;
        }

        tail = new Span<byte>(_buffer->BufferAddress + _buffer->DataOffset + _buffer->DataLength, count);
        _buffer->DataLength = (ushort)(_buffer->DataLength + count);
        return true;
    }

    /// <summary>Removes <paramref name="count"/> bytes from the front, e.g. a decapsulated header (rte_pktmbuf_adj).</summary>
    /// <returns>False (and no change) when the packet is shorter than <paramref name="count"/>.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryRemoveFront(int count)
    {
        if ((uint)count > _buffer->DataLength)
        {
            return false;
        }

        _buffer->DataOffset = (ushort)(_buffer->DataOffset + count);
        _buffer->DataLength = (ushort)(_buffer->DataLength - count);
        return true;
    }

    /// <summary>Removes <paramref name="count"/> bytes from the end, e.g. padding (rte_pktmbuf_trim).</summary>
    /// <returns>False (and no change) when the packet is shorter than <paramref name="count"/>.</returns>
    public bool TryTrim(int count)
    {
        if ((uint)count > _buffer->DataLength)
        {
            return false;
        }

        _buffer->DataLength = (ushort)(_buffer->DataLength - count);
        return true;
    }

    /// <summary>Places the data window at <paramref name="offset"/> with <paramref name="length"/> bytes.</summary>
    /// <returns>False (and no change) when the window does not fit in the buffer.</returns>
    public bool TrySetData(int offset, int length)
    {
        if (offset < 0 || length < 0 || (long)offset + length > _buffer->BufferLength)
        {
            return false;
        }

        _buffer->DataOffset = (ushort)offset;
        _buffer->DataLength = (ushort)length;
        return true;
    }

    /// <inheritdoc/>
    public bool Equals(PacketHandle other) => _buffer == other._buffer;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is PacketHandle other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => ((nint)_buffer).GetHashCode();

    /// <inheritdoc/>
    public override string ToString() =>
        IsNull ? "PacketHandle(null)" : $"PacketHandle(#{_buffer->PoolIndex}, off={_buffer->DataOffset}, len={_buffer->DataLength})";

    /// <summary>Equality of the descriptor pointers.</summary>
    public static bool operator ==(PacketHandle left, PacketHandle right) => left.Equals(right);

    /// <summary>Inequality of the descriptor pointers.</summary>
    public static bool operator !=(PacketHandle left, PacketHandle right) => !left.Equals(right);
}
