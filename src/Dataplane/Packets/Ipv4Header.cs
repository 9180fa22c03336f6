using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace PptpGw.Dataplane.Packets;

/// <summary>Why an IPv4 header (RFC 791 §3.1) was rejected by <see cref="Ipv4Header.TryParse"/>.</summary>
public enum Ipv4Error
{
    None = 0,
    /// <summary>Fewer than the 20 octets of a minimal header.</summary>
    TooShort,
    /// <summary>Version field is not 4.</summary>
    BadVersion,
    /// <summary>IHL below 5 (RFC 791 §3.1: "the minimum value for a correct header is 5").</summary>
    HeaderLengthTooSmall,
    /// <summary>IHL × 4 octets (header with options) are more than the octets received.</summary>
    HeaderLengthExceedsData,
    /// <summary>Total Length is smaller than the header length.</summary>
    TotalLengthTooSmall,
    /// <summary>Total Length is larger than the octets received (truncated datagram).</summary>
    TotalLengthExceedsData,
    /// <summary>The header checksum does not verify (RFC 791 §3.1, RFC 1071).</summary>
    BadHeaderChecksum,
}

/// <summary>
/// A parsed IPv4 header (RFC 791 §3.1). Addresses are exposed as 32-bit numbers in host order
/// (the big-endian wire value), which is what routing and anti-spoofing compare.
/// </summary>
public readonly ref struct Ipv4Header
{
    /// <summary>Header without options: IHL 5.</summary>
    public const int MinHeaderLength = 20;
    /// <summary>IP protocol number of GRE (RFC 2784; carried by PPTP, RFC 2637 §4).</summary>
    public const byte ProtocolGre = 47;
    /// <summary>IP protocol number of ICMP.</summary>
    public const byte ProtocolIcmp = 1;
    /// <summary>IP protocol number of TCP.</summary>
    public const byte ProtocolTcp = 6;
    /// <summary>IP protocol number of UDP.</summary>
    public const byte ProtocolUdp = 17;

    private const ushort DontFragmentBit = 0x4000;
    private const ushort MoreFragmentsBit = 0x2000;
    private const ushort FragmentOffsetMask = 0x1FFF;

    /// <summary>Header length in octets (IHL × 4).</summary>
    public int HeaderLength { get; }
    /// <summary>Type of Service octet (DSCP and ECN, RFC 2474/3168).</summary>
    public byte TypeOfService { get; }
    /// <summary>Total Length: header plus data.</summary>
    public ushort TotalLength { get; }
    public ushort Identification { get; }
    /// <summary>DF flag.</summary>
    public bool DontFragment { get; }
    /// <summary>MF flag.</summary>
    public bool MoreFragments { get; }
    /// <summary>Fragment Offset field in units of 8 octets.</summary>
    public ushort FragmentOffset { get; }
    public byte TimeToLive { get; }
    public byte Protocol { get; }
    /// <summary>The Header Checksum field as received.</summary>
    public ushort HeaderChecksum { get; }
    public uint SourceAddress { get; }
    public uint DestinationAddress { get; }
    /// <summary>The options between the 20-octet header and IHL × 4.</summary>
    public ReadOnlySpan<byte> Options { get; }
    /// <summary>The data: TotalLength - HeaderLength octets; link padding beyond Total Length is excluded.</summary>
    public ReadOnlySpan<byte> Payload { get; }

    /// <summary>True when this datagram is a fragment (MF set or a non-zero offset) and must be reassembled first.</summary>
    public bool IsFragment => MoreFragments || FragmentOffset != 0;

    private Ipv4Header(ReadOnlySpan<byte> input, int headerLength, ushort totalLength)
    {
        HeaderLength = headerLength;
        TypeOfService = input[1];
        TotalLength = totalLength;
        Identification = BinaryPrimitives.ReadUInt16BigEndian(input[4..]);
        ushort fragment = BinaryPrimitives.ReadUInt16BigEndian(input[6..]);
        DontFragment = (fragment & DontFragmentBit) != 0;
        MoreFragments = (fragment & MoreFragmentsBit) != 0;
        FragmentOffset = (ushort)(fragment & FragmentOffsetMask);
        TimeToLive = input[8];
        Protocol = input[9];
        HeaderChecksum = BinaryPrimitives.ReadUInt16BigEndian(input[10..]);
        SourceAddress = BinaryPrimitives.ReadUInt32BigEndian(input[12..]);
        DestinationAddress = BinaryPrimitives.ReadUInt32BigEndian(input[16..]);
        Options = input[MinHeaderLength..headerLength];
        Payload = input[headerLength..totalLength];
    }

    /// <summary>
    /// Parses an IPv4 header and bounds its payload by Total Length. With <paramref name="verifyChecksum"/>
    /// the header checksum must verify (a receiver discards the datagram otherwise, RFC 1122 §3.2.1.2).
    /// Never throws.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Ipv4Error TryParse(ReadOnlySpan<byte> input, out Ipv4Header header, bool verifyChecksum = true)
    {
        header = default;
        if (input.Length < MinHeaderLength)
            return Ipv4Error.TooShort;
        byte versionIhl = input[0];
        if (versionIhl >> 4 != 4)
            return Ipv4Error.BadVersion;
        int headerLength = (versionIhl & 0x0F) * 4;
        if (headerLength < MinHeaderLength)
            return Ipv4Error.HeaderLengthTooSmall;
        if (headerLength > input.Length)
            return Ipv4Error.HeaderLengthExceedsData;
        ushort totalLength = BinaryPrimitives.ReadUInt16BigEndian(input[2..]);
        if (totalLength < headerLength)
            return Ipv4Error.TotalLengthTooSmall;
        if (totalLength > input.Length)
            return Ipv4Error.TotalLengthExceedsData;
        // RFC 1071 §1: summing a header including its checksum gives 0xFFFF, i.e. a folded complement of 0.
        if (verifyChecksum && InternetChecksum.Compute(input[..headerLength]) != 0)
            return Ipv4Error.BadHeaderChecksum;
        header = new Ipv4Header(input, headerLength, totalLength);
        return Ipv4Error.None;
    }
}

/// <summary>Writes option-less IPv4 headers (RFC 791 §3.1) with their checksum.</summary>
public static class Ipv4HeaderWriter
{
    /// <summary>
    /// Writes a 20-octet header (IHL 5, fragment offset 0, MF clear) with Total Length = 20 +
    /// <paramref name="payloadLength"/> and a valid checksum. Returns 20, or -1 when
    /// <paramref name="destination"/> is shorter than 20 octets or the datagram would exceed 65535 octets.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int TryWriteHeader(Span<byte> destination, uint sourceAddress, uint destinationAddress,
        byte protocol, int payloadLength, ushort identification, byte timeToLive,
        bool dontFragment = false, byte typeOfService = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(payloadLength);
        if (destination.Length < Ipv4Header.MinHeaderLength || payloadLength > ushort.MaxValue - Ipv4Header.MinHeaderLength)
            return -1;
        Span<byte> header = destination[..Ipv4Header.MinHeaderLength];
        header[0] = 0x45;
        header[1] = typeOfService;
        BinaryPrimitives.WriteUInt16BigEndian(header[2..], (ushort)(Ipv4Header.MinHeaderLength + payloadLength));
        BinaryPrimitives.WriteUInt16BigEndian(header[4..], identification);
        BinaryPrimitives.WriteUInt16BigEndian(header[6..], dontFragment ? (ushort)0x4000 : (ushort)0);
        header[8] = timeToLive;
        header[9] = protocol;
        header[10] = 0;
        header[11] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(header[12..], sourceAddress);
        BinaryPrimitives.WriteUInt32BigEndian(header[16..], destinationAddress);
        BinaryPrimitives.WriteUInt16BigEndian(header[10..], InternetChecksum.Compute(header));
        return Ipv4Header.MinHeaderLength;
    }
}
