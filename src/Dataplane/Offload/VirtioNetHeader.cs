using System.Buffers.Binary;

namespace PptpGw.Dataplane.Offload;

/// <summary>
/// struct virtio_net_hdr (VIRTIO 1.2 §5.1.6, include/uapi/linux/virtio_net.h): the 10 octets that precede every packet
/// read from or written to a TUN device opened with IFF_VNET_HDR (Documentation/networking/tuntap.rst). It says
/// whether the packet's transport checksum is still to be completed (<see cref="NeedsChecksum"/>: the checksum field
/// holds the pseudo-header sum and the sum over [<see cref="ChecksumStart"/>, end) goes at
/// <see cref="ChecksumStart"/> + <see cref="ChecksumOffset"/>) and whether it is a super-packet of
/// <see cref="GsoSize"/>-octet segments (GSO). TUN uses the host's byte order unless TUNSETVNETLE/BE says otherwise;
/// the dataplane runs on little-endian hosts (x86-64, arm64), where that is little-endian, as VIRTIO 1.x requires.
/// </summary>
public readonly ref struct VirtioNetHeader
{
    /// <summary>sizeof(struct virtio_net_hdr): the TUN default (TUNSETVNETHDRSZ not used).</summary>
    public const int Size = 10;

    /// <summary>VIRTIO_NET_HDR_F_NEEDS_CSUM.</summary>
    public const byte FlagNeedsChecksum = 1;

    /// <summary>VIRTIO_NET_HDR_GSO_NONE.</summary>
    public const byte GsoNone = 0;

    /// <summary>VIRTIO_NET_HDR_GSO_TCPV4.</summary>
    public const byte GsoTcpV4 = 1;

    /// <summary>VIRTIO_NET_HDR_GSO_ECN: the segments carry CWR on the first only.</summary>
    public const byte GsoEcn = 0x80;

    private VirtioNetHeader(byte flags, byte gsoType, ushort headerLength, ushort gsoSize, ushort checksumStart, ushort checksumOffset)
    {
        Flags = flags;
        GsoType = gsoType;
        HeaderLength = headerLength;
        GsoSize = gsoSize;
        ChecksumStart = checksumStart;
        ChecksumOffset = checksumOffset;
    }

    /// <summary>flags.</summary>
    public byte Flags { get; }

    /// <summary>gso_type.</summary>
    public byte GsoType { get; }

    /// <summary>hdr_len: octets of headers (IPv4 + TCP) before the first segment's payload; a hint.</summary>
    public ushort HeaderLength { get; }

    /// <summary>gso_size: payload octets per segment.</summary>
    public ushort GsoSize { get; }

    /// <summary>csum_start: where the checksummed range begins (the transport header).</summary>
    public ushort ChecksumStart { get; }

    /// <summary>csum_offset: where, from <see cref="ChecksumStart"/>, the checksum field is (16 for TCP, 6 for UDP).</summary>
    public ushort ChecksumOffset { get; }

    /// <summary>True when <see cref="FlagNeedsChecksum"/> is set.</summary>
    public bool NeedsChecksum => (Flags & FlagNeedsChecksum) != 0;

    /// <summary>Reads a header; false when <paramref name="input"/> is shorter than <see cref="Size"/>.</summary>
    public static bool TryRead(ReadOnlySpan<byte> input, out VirtioNetHeader header)
    {
        if (input.Length < Size)
        {
            header = default;
            return false;
        }

        header = new VirtioNetHeader(input[0], input[1],
            BinaryPrimitives.ReadUInt16LittleEndian(input[2..]), BinaryPrimitives.ReadUInt16LittleEndian(input[4..]),
            BinaryPrimitives.ReadUInt16LittleEndian(input[6..]), BinaryPrimitives.ReadUInt16LittleEndian(input[8..]));
        return true;
    }

    /// <summary>Writes a header into the first <see cref="Size"/> octets of <paramref name="destination"/>.</summary>
    public static void Write(Span<byte> destination, byte flags, byte gsoType, ushort headerLength, ushort gsoSize, ushort checksumStart, ushort checksumOffset)
    {
        destination = destination[..Size];
        destination[0] = flags;
        destination[1] = gsoType;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], headerLength);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], gsoSize);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], checksumStart);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[8..], checksumOffset);
    }

    /// <summary>A header that says "a complete packet, nothing to do" (all zero).</summary>
    public static void WriteNone(Span<byte> destination) => destination[..Size].Clear();
}
