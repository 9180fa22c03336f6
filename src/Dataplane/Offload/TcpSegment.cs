using System.Buffers.Binary;
using PptpGw.Dataplane.Packets;

namespace PptpGw.Dataplane.Offload;

/// <summary>
/// An IPv4 datagram carrying one TCP segment (RFC 791 §3.1, RFC 9293 §3.1), parsed for coalescing: only what
/// <see cref="TcpCoalescer"/> compares. Addresses are host-order numbers of the big-endian wire values.
/// </summary>
public readonly ref struct TcpSegment
{
    /// <summary>TCP header without options.</summary>
    public const int MinTcpHeaderLength = 20;

    /// <summary>Where the checksum field is in the TCP header (RFC 9293 §3.1): the virtio csum_offset.</summary>
    public const int ChecksumOffset = 16;

    /// <summary>FIN.</summary>
    public const byte FlagFin = 0x01;
    /// <summary>SYN.</summary>
    public const byte FlagSyn = 0x02;
    /// <summary>RST.</summary>
    public const byte FlagRst = 0x04;
    /// <summary>PSH.</summary>
    public const byte FlagPsh = 0x08;
    /// <summary>ACK.</summary>
    public const byte FlagAck = 0x10;
    /// <summary>URG.</summary>
    public const byte FlagUrg = 0x20;
    /// <summary>ECE (RFC 3168 §6.1).</summary>
    public const byte FlagEce = 0x40;
    /// <summary>CWR (RFC 3168 §6.1).</summary>
    public const byte FlagCwr = 0x80;

    private TcpSegment(ReadOnlySpan<byte> packet, scoped in Ipv4Header ip, int tcpHeaderLength)
    {
        ReadOnlySpan<byte> tcp = ip.Payload;
        Packet = packet[..ip.TotalLength];
        IpHeaderLength = ip.HeaderLength;
        TcpHeaderLength = tcpHeaderLength;
        TypeOfService = ip.TypeOfService;
        TimeToLive = ip.TimeToLive;
        DontFragment = ip.DontFragment;
        Identification = ip.Identification;
        SourceAddress = ip.SourceAddress;
        DestinationAddress = ip.DestinationAddress;
        Ports = BinaryPrimitives.ReadUInt32BigEndian(tcp);
        Sequence = BinaryPrimitives.ReadUInt32BigEndian(tcp[4..]);
        Acknowledgment = BinaryPrimitives.ReadUInt32BigEndian(tcp[8..]);
        Flags = tcp[13];
        Window = BinaryPrimitives.ReadUInt16BigEndian(tcp[14..]);
        Options = tcp[MinTcpHeaderLength..tcpHeaderLength];
        Payload = tcp[tcpHeaderLength..];
    }

    /// <summary>The datagram, bounded by its Total Length.</summary>
    public ReadOnlySpan<byte> Packet { get; }

    /// <summary>IHL × 4.</summary>
    public int IpHeaderLength { get; }

    /// <summary>Data Offset × 4.</summary>
    public int TcpHeaderLength { get; }

    /// <summary>The TOS octet (DSCP + ECN).</summary>
    public byte TypeOfService { get; }

    /// <summary>TTL.</summary>
    public byte TimeToLive { get; }

    /// <summary>DF.</summary>
    public bool DontFragment { get; }

    /// <summary>The IPv4 Identification.</summary>
    public ushort Identification { get; }

    /// <summary>Source address.</summary>
    public uint SourceAddress { get; }

    /// <summary>Destination address.</summary>
    public uint DestinationAddress { get; }

    /// <summary>Source port (high 16 bits) and destination port (low 16 bits).</summary>
    public uint Ports { get; }

    /// <summary>Sequence number of the first payload octet.</summary>
    public uint Sequence { get; }

    /// <summary>Acknowledgment number.</summary>
    public uint Acknowledgment { get; }

    /// <summary>The flags octet (CWR ECE URG ACK PSH RST SYN FIN).</summary>
    public byte Flags { get; }

    /// <summary>Window.</summary>
    public ushort Window { get; }

    /// <summary>TCP options (between the 20-octet header and the data offset).</summary>
    public ReadOnlySpan<byte> Options { get; }

    /// <summary>Payload octets.</summary>
    public ReadOnlySpan<byte> Payload { get; }

    /// <summary>
    /// Parses <paramref name="packet"/> when it is a TCP segment that may join a super-packet: IPv4 without options
    /// (a super-packet's segments must all have the same headers, and Linux GRO, inet_gro_receive, takes only IHL 5),
    /// not a fragment, header checksum correct, TCP checksum correct (MPPE has no integrity check: the TCP checksum is
    /// the only one, and a coalesced packet's is recomputed, so a corrupted segment must not be laundered into one),
    /// ACK set, none of SYN, FIN, RST, URG, CWR, ECE (they change the connection's state or, for CWR/ECE, belong to one
    /// segment, RFC 3168 §6.1.2), and a payload. False for anything else: the caller writes that packet on its own.
    /// </summary>
    public static bool TryParseCoalescible(ReadOnlySpan<byte> packet, out TcpSegment segment)
    {
        segment = default;
        if (Ipv4Header.TryParse(packet, out Ipv4Header ip) != Ipv4Error.None
            || ip.HeaderLength != Ipv4Header.MinHeaderLength || ip.IsFragment || ip.Protocol != Ipv4Header.ProtocolTcp)
            return false;
        ReadOnlySpan<byte> tcp = ip.Payload;
        if (tcp.Length < MinTcpHeaderLength)
            return false;
        int tcpHeaderLength = (tcp[12] >> 4) * 4;
        if (tcpHeaderLength < MinTcpHeaderLength || tcpHeaderLength >= tcp.Length)
            return false; // no payload (a pure ACK) or a bad offset
        byte flags = tcp[13];
        if ((flags & FlagAck) == 0 || (flags & (FlagSyn | FlagFin | FlagRst | FlagUrg | FlagCwr | FlagEce)) != 0)
            return false;
        if (InternetChecksum.Finish(InternetChecksum.Sum(tcp, PseudoHeaderSum(ip.SourceAddress, ip.DestinationAddress, tcp.Length))) != 0)
            return false;
        segment = new TcpSegment(packet, ip, tcpHeaderLength);
        return true;
    }

    /// <summary>The one's complement sum of the TCP pseudo-header (RFC 9293 §3.1): addresses, protocol 6, TCP length.</summary>
    public static ulong PseudoHeaderSum(uint source, uint destination, int tcpLength) =>
        (source >> 16) + (source & 0xFFFF) + (destination >> 16) + (destination & 0xFFFF) + Ipv4Header.ProtocolTcp + (ulong)tcpLength;
}
