using System.Buffers.Binary;
using PptpGw.Dataplane.Packets;

namespace PptpGw.Dataplane.Offload;

/// <summary>
/// Coalesces consecutive TCP segments of one flow into one super-packet for a single TUN write with a
/// <see cref="VirtioNetHeader"/> (GSO TCPV4, checksum partial): receive-side coalescing as Linux GRO does it
/// (net/ipv4/tcp_offload.c tcp_gro_receive), so the kernel routes, forwards and delivers one packet of up to 64 KiB
/// instead of dozens, and re-segments it only if a device on the way cannot take it (Documentation/networking/
/// segmentation-offloads.rst). Written by hand: it is on the hot path and no library does it over spans.
/// </summary>
/// <remarks>
/// <para>A segment joins the super-packet when it continues it exactly, as tcp_gro_receive demands: same addresses,
/// ports, TOS, TTL and DF; the IPv4 Identification one more than the previous (or DF set, where the ID has no meaning,
/// RFC 6864 §4.1); the next sequence number; the same acknowledgment, window and TCP options (timestamps included);
/// a payload no longer than the first one's (the segment size, gso_size), and only the last may be shorter; no
/// PSH before the last. The built packet keeps the first segment's headers with the total length and header
/// checksum recomputed, PSH if the last had it, and the pseudo-header sum in the TCP checksum field: the kernel
/// (or whoever segments it) completes the checksum over csum_start..end (VIRTIO 1.2 §5.1.6.2).</para>
/// <para>One coalescer per TUN transmit path (one thread); no allocation after construction.</para>
/// </remarks>
public sealed class TcpCoalescer
{
    /// <summary>The most an IPv4 datagram can hold (Total Length is 16 bits).</summary>
    public const int MaxPacketLength = ushort.MaxValue;

    private readonly byte[] _buffer = GC.AllocateArray<byte>(VirtioNetHeader.Size + MaxPacketLength, pinned: true);
    private int _length;
    private int _segments;
    private int _ipHeaderLength;
    private int _tcpHeaderLength;
    private int _segmentSize;
    private uint _source;
    private uint _destination;
    private uint _ports;
    private uint _nextSequence;
    private uint _acknowledgment;
    private ushort _window;
    private ushort _lastIdentification;
    private byte _typeOfService;
    private byte _timeToLive;
    private bool _dontFragment;
    private bool _closed;
    private bool _push;

    /// <summary>Segments in the super-packet being built (0 = empty).</summary>
    public int Segments => _segments;

    /// <summary>
    /// Adds <paramref name="packet"/> (an IPv4 datagram): as the first segment when empty, else as the continuation.
    /// False when it cannot join: when empty, it is not a coalescible TCP segment (<see cref="TcpSegment.TryParseCoalescible"/>);
    /// else it does not continue the flow — the caller writes what is built and starts again with this packet.
    /// </summary>
    public bool TryAdd(ReadOnlySpan<byte> packet)
    {
        if (!TcpSegment.TryParseCoalescible(packet, out TcpSegment segment))
            return false;
        return _segments == 0 ? Start(segment) : Append(segment);
    }

    /// <summary>
    /// The virtio header and the super-packet, ready for one write; valid until the next <see cref="TryAdd"/> or
    /// <see cref="Reset"/>. With one segment, the packet as it came and a header that asks for nothing.
    /// </summary>
    public ReadOnlySpan<byte> Build()
    {
        if (_segments == 0)
            throw new InvalidOperationException("Nothing to build.");
        Span<byte> header = _buffer.AsSpan(0, VirtioNetHeader.Size);
        Span<byte> packet = _buffer.AsSpan(VirtioNetHeader.Size, _length);
        if (_segments == 1)
        {
            VirtioNetHeader.WriteNone(header);
            return _buffer.AsSpan(0, VirtioNetHeader.Size + _length);
        }

        // IPv4: Total Length of the whole, header checksum again (RFC 791 §3.1).
        Span<byte> ip = packet[.._ipHeaderLength];
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)_length);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], InternetChecksum.Compute(ip));

        // TCP: PSH from the last segment; the checksum field holds the folded pseudo-header sum, not complemented
        // (CHECKSUM_PARTIAL, include/linux/skbuff.h): the completion sums the segment over it.
        Span<byte> tcp = packet[_ipHeaderLength..];
        if (_push)
            tcp[13] |= TcpSegment.FlagPsh;
        ushort pseudo = (ushort)~InternetChecksum.Finish(TcpSegment.PseudoHeaderSum(_source, _destination, _length - _ipHeaderLength));
        BinaryPrimitives.WriteUInt16BigEndian(tcp[TcpSegment.ChecksumOffset..], pseudo);

        VirtioNetHeader.Write(header, VirtioNetHeader.FlagNeedsChecksum, VirtioNetHeader.GsoTcpV4,
            (ushort)(_ipHeaderLength + _tcpHeaderLength), (ushort)_segmentSize, (ushort)_ipHeaderLength, TcpSegment.ChecksumOffset);
        return _buffer.AsSpan(0, VirtioNetHeader.Size + _length);
    }

    /// <summary>Empties the coalescer.</summary>
    public void Reset()
    {
        _segments = 0;
        _length = 0;
    }

    private bool Start(in TcpSegment segment)
    {
        segment.Packet.CopyTo(_buffer.AsSpan(VirtioNetHeader.Size));
        _length = segment.Packet.Length;
        _segments = 1;
        _ipHeaderLength = segment.IpHeaderLength;
        _tcpHeaderLength = segment.TcpHeaderLength;
        _segmentSize = segment.Payload.Length;
        _source = segment.SourceAddress;
        _destination = segment.DestinationAddress;
        _ports = segment.Ports;
        _nextSequence = segment.Sequence + (uint)segment.Payload.Length;
        _acknowledgment = segment.Acknowledgment;
        _window = segment.Window;
        _lastIdentification = segment.Identification;
        _typeOfService = segment.TypeOfService;
        _timeToLive = segment.TimeToLive;
        _dontFragment = segment.DontFragment;
        _push = (segment.Flags & TcpSegment.FlagPsh) != 0;
        _closed = _push;
        return true;
    }

    private bool Append(in TcpSegment segment)
    {
        int payload = segment.Payload.Length;
        if (_closed || payload > _segmentSize || _length + payload > MaxPacketLength
            || segment.SourceAddress != _source || segment.DestinationAddress != _destination || segment.Ports != _ports
            || segment.Sequence != _nextSequence || segment.Acknowledgment != _acknowledgment || segment.Window != _window
            || segment.TypeOfService != _typeOfService || segment.TimeToLive != _timeToLive || segment.DontFragment != _dontFragment
            || (!_dontFragment && segment.Identification != (ushort)(_lastIdentification + 1))
            || segment.TcpHeaderLength != _tcpHeaderLength
            || !segment.Options.SequenceEqual(_buffer.AsSpan(VirtioNetHeader.Size + _ipHeaderLength + TcpSegment.MinTcpHeaderLength, _tcpHeaderLength - TcpSegment.MinTcpHeaderLength)))
            return false;

        segment.Payload.CopyTo(_buffer.AsSpan(VirtioNetHeader.Size + _length));
        _length += payload;
        _segments++;
        _nextSequence += (uint)payload;
        _lastIdentification = segment.Identification;
        // A short segment or PSH ends the super-packet (tcp_gro_receive flushes on both).
        _push = (segment.Flags & TcpSegment.FlagPsh) != 0;
        _closed = _push || payload < _segmentSize;
        return true;
    }
}
