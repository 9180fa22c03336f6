using System.Buffers.Binary;
using PptpGw.Dataplane.Packets;

namespace PptpGw.Dataplane.Offload;

/// <summary>
/// A TCP super-packet read from a TUN device with TSO (TUNSETOFFLOAD TUN_F_TSO4, issue 12): one IPv4 + TCP header
/// followed by up to 64 KiB of payload, which its <see cref="VirtioNetHeader"/> says is to be sent as
/// <see cref="SegmentSize"/>-octet segments. The gateway segments it itself before PPP/MPPE, as the kernel's
/// tcp_gso_segment (net/ipv4/tcp_offload.c) would: each segment gets the headers with its own Total Length,
/// Identification (the first's plus the segment's index: inet_gso_segment without SKB_GSO_TCP_FIXEDID), header
/// checksum, sequence number, flags (FIN and PSH on the last only, CWR on the first only) and a complete TCP
/// checksum (RFC 9293 §3.1). The layout only is kept here (no reference to the octets), so a port can hold a
/// partly segmented super-packet across receive bursts; the octets are passed to <see cref="WriteSegment"/>.
/// </summary>
public readonly struct TcpSuperPacket
{
    private TcpSuperPacket(int length, int ipHeaderLength, int headerLength, int segmentSize, uint sequence, ushort identification,
        byte flags, uint source, uint destination)
    {
        Length = length;
        IpHeaderLength = ipHeaderLength;
        HeaderLength = headerLength;
        SegmentSize = segmentSize;
        int payload = length - headerLength;
        SegmentCount = (payload + segmentSize - 1) / segmentSize;
        Sequence = sequence;
        Identification = identification;
        Flags = flags;
        Source = source;
        Destination = destination;
    }

    /// <summary>Octets of the whole super-packet (headers and all payload), without the virtio header.</summary>
    public int Length { get; }

    /// <summary>IHL × 4.</summary>
    public int IpHeaderLength { get; }

    /// <summary>IPv4 + TCP headers: what every segment repeats.</summary>
    public int HeaderLength { get; }

    /// <summary>gso_size: payload octets of every segment but perhaps the last.</summary>
    public int SegmentSize { get; }

    /// <summary>How many segments the super-packet makes (at least 1).</summary>
    public int SegmentCount { get; }

    /// <summary>The first segment's sequence number.</summary>
    public uint Sequence { get; }

    /// <summary>The first segment's IPv4 Identification.</summary>
    public ushort Identification { get; }

    /// <summary>The TCP flags octet of the super-packet.</summary>
    public byte Flags { get; }

    /// <summary>Source address (host order).</summary>
    public uint Source { get; }

    /// <summary>Destination address (host order).</summary>
    public uint Destination { get; }

    /// <summary>The largest segment, headers included.</summary>
    public int MaxSegmentLength => HeaderLength + SegmentSize;

    /// <summary>
    /// Reads the layout of <paramref name="packet"/> (the octets after the virtio header) when
    /// <paramref name="virtio"/> marks it GSO TCPV4. <paramref name="maxSegmentLength"/> bounds headers + gso_size
    /// (the room in one packet buffer). Never throws: the kernel is trusted to build these, but not blindly.
    /// </summary>
    public static TcpSuperPacketError TryParse(ReadOnlySpan<byte> virtio, ReadOnlySpan<byte> packet, int maxSegmentLength, out TcpSuperPacket superPacket)
    {
        superPacket = default;
        if (!VirtioNetHeader.TryRead(virtio, out VirtioNetHeader header))
            return TcpSuperPacketError.NoVirtioHeader;
        if ((header.GsoType & ~VirtioNetHeader.GsoEcn) != VirtioNetHeader.GsoTcpV4)
            return TcpSuperPacketError.UnsupportedGsoType;
        if (header.GsoSize == 0)
            return TcpSuperPacketError.ZeroSegmentSize;
        if (packet.Length < Ipv4Header.MinHeaderLength || packet[0] >> 4 != 4)
            return TcpSuperPacketError.BadIpv4Header;
        int ipHeaderLength = (packet[0] & 0x0F) * 4;
        if (ipHeaderLength < Ipv4Header.MinHeaderLength || ipHeaderLength > packet.Length)
            return TcpSuperPacketError.BadIpv4Header;
        // Flags + Fragment Offset: MF or an offset means a fragment (RFC 791 §3.1); a super-packet never is one.
        if (packet[9] != Ipv4Header.ProtocolTcp || (BinaryPrimitives.ReadUInt16BigEndian(packet[6..]) & 0x3FFF) != 0)
            return TcpSuperPacketError.NotTcp;
        if (!header.NeedsChecksum || header.ChecksumStart != ipHeaderLength || header.ChecksumOffset != TcpSegment.ChecksumOffset)
            return TcpSuperPacketError.BadChecksumOffsets;
        if (packet.Length < ipHeaderLength + TcpSegment.MinTcpHeaderLength)
            return TcpSuperPacketError.BadTcpHeader;
        ReadOnlySpan<byte> tcp = packet[ipHeaderLength..];
        int tcpHeaderLength = (tcp[12] >> 4) * 4;
        int headerLength = ipHeaderLength + tcpHeaderLength;
        // hdr_len from the kernel is only a hint (tun_put_user sets it to skb_headlen): the headers are measured here.
        if (tcpHeaderLength < TcpSegment.MinTcpHeaderLength || headerLength >= packet.Length)
            return TcpSuperPacketError.BadTcpHeader;
        if (headerLength + header.GsoSize > maxSegmentLength)
            return TcpSuperPacketError.SegmentTooLarge;
        superPacket = new TcpSuperPacket(packet.Length, ipHeaderLength, headerLength, header.GsoSize,
            BinaryPrimitives.ReadUInt32BigEndian(tcp[4..]), BinaryPrimitives.ReadUInt16BigEndian(packet[4..]), tcp[13],
            BinaryPrimitives.ReadUInt32BigEndian(packet[12..]), BinaryPrimitives.ReadUInt32BigEndian(packet[16..]));
        return TcpSuperPacketError.None;
    }

    /// <summary>
    /// Writes segment <paramref name="index"/> (0 ≤ index &lt; <see cref="SegmentCount"/>) of <paramref name="packet"/>
    /// (the super-packet's octets, <see cref="Length"/> of them) to the front of <paramref name="destination"/>, which
    /// holds at least <see cref="MaxSegmentLength"/> octets, and returns its length: a complete IPv4 datagram with
    /// both checksums correct.
    /// </summary>
    public int WriteSegment(ReadOnlySpan<byte> packet, int index, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, SegmentCount);
        int offset = index * SegmentSize;
        int payload = Math.Min(SegmentSize, Length - HeaderLength - offset);
        int length = HeaderLength + payload;
        packet[..HeaderLength].CopyTo(destination);
        packet.Slice(HeaderLength + offset, payload).CopyTo(destination[HeaderLength..]);

        // IPv4 (RFC 791 §3.1): Total Length, Identification, the header checksum again.
        Span<byte> ip = destination[..IpHeaderLength];
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)length);
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)(Identification + index));
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], InternetChecksum.Compute(ip));

        // TCP: this segment's sequence number; FIN and PSH belong to the last segment, CWR to the first
        // (tcp_gso_segment; RFC 3168 §6.1.2: CWR is set on one segment only).
        Span<byte> tcp = destination[IpHeaderLength..length];
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], Sequence + (uint)offset);
        byte flags = Flags;
        if (index != SegmentCount - 1)
            flags &= unchecked((byte)~(TcpSegment.FlagFin | TcpSegment.FlagPsh));
        if (index != 0)
            flags &= unchecked((byte)~TcpSegment.FlagCwr);
        tcp[13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(tcp[TcpSegment.ChecksumOffset..], 0);
        ulong sum = InternetChecksum.Sum(tcp, TcpSegment.PseudoHeaderSum(Source, Destination, tcp.Length));
        BinaryPrimitives.WriteUInt16BigEndian(tcp[TcpSegment.ChecksumOffset..], InternetChecksum.Finish(sum));
        return length;
    }
}
