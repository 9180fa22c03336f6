using System.Buffers.Binary;

namespace PptpGw.Dataplane.Packets;

/// <summary>
/// ICMP Destination Unreachable, code 4 "fragmentation needed and DF set" (RFC 792), carrying the Next-Hop MTU in the
/// low 16 bits of its second word (RFC 1191 §4): what a router sends back when a datagram with Don't Fragment is larger
/// than the link it must take, so that the sender's Path MTU Discovery lowers its segment size. The gateway sends it for
/// inside datagrams larger than the tunnel's MTU. The datagram is rewritten in place into the ICMP message (the quoted
/// part moves back by 28 octets), so nothing is allocated; only the headers are touched.
/// </summary>
public static class IcmpFragmentationNeeded
{
    /// <summary>ICMP type 3, Destination Unreachable (RFC 792).</summary>
    public const byte TypeDestinationUnreachable = 3;

    /// <summary>Code 4: fragmentation needed and DF set (RFC 792, RFC 1191 §4).</summary>
    public const byte CodeFragmentationNeeded = 4;

    /// <summary>The ICMP header: type, code, checksum, unused (16 bits), Next-Hop MTU (16 bits).</summary>
    public const int IcmpHeaderLength = 8;

    /// <summary>Octets of the original datagram's data quoted after its header (RFC 792: "64 bits of Data Datagram").</summary>
    public const int QuotedDataLength = 8;

    /// <summary>The smallest MTU an IPv4 link may have (RFC 791: every module must forward 68 octets without fragmenting).</summary>
    public const int MinimumMtu = 68;

    /// <summary>TTL of the message (Linux's default, net.ipv4.ip_default_ttl).</summary>
    public const byte TimeToLive = 64;

    /// <summary>Type of service of the message: precedence Internetwork Control (RFC 1812 §4.3.2.5 and §5.3.3.2).</summary>
    private const byte InternetworkControl = 0xC0;

    /// <summary>Is Don't Fragment set (RFC 791 §3.1, flags bit 1)? <paramref name="ipv4"/> must hold at least the fixed header.</summary>
    public static bool DontFragment(ReadOnlySpan<byte> ipv4) => (ipv4[6] & 0x40) != 0;

    /// <summary>
    /// Rewrites <paramref name="ipv4"/> (a whole datagram, header first) into the ICMP message that answers it, from
    /// <paramref name="source"/> (host order, one of the gateway's addresses: RFC 1812 §4.3.2.4) to the datagram's
    /// source, quoting its header and first 8 data octets. Returns the message's length, or 0 — and leaves the span
    /// unchanged — when the datagram must not be answered (RFC 1812 §4.3.2.7: a non-initial fragment, an ICMP error, a
    /// source that is not a unicast host address) or is too short to quote.
    /// </summary>
    public static int TryRewrite(Span<byte> ipv4, ushort nextHopMtu, uint source, ushort identification)
    {
        if (ipv4.Length < Ipv4Header.MinHeaderLength || (ipv4[0] >> 4) != 4)
            return 0;
        int ihl = (ipv4[0] & 0x0F) * 4;
        int quoted = ihl + QuotedDataLength;
        int length = Ipv4Header.MinHeaderLength + IcmpHeaderLength + quoted;
        if (ihl < Ipv4Header.MinHeaderLength || ipv4.Length < length || BinaryPrimitives.ReadUInt16BigEndian(ipv4[2..]) < quoted)
            return 0;
        if ((BinaryPrimitives.ReadUInt16BigEndian(ipv4[6..]) & 0x1FFF) != 0)
            return 0; // a later fragment: only the first is answered
        if (ipv4[9] == Ipv4Header.ProtocolIcmp && IsIcmpError(ipv4[ihl]))
            return 0; // never an ICMP error about an ICMP error (RFC 1122 §3.2.2)
        uint destination = BinaryPrimitives.ReadUInt32BigEndian(ipv4[12..]);
        if (!IsUnicastHost(destination) || source == 0)
            return 0;

        ipv4[..quoted].CopyTo(ipv4[(Ipv4Header.MinHeaderLength + IcmpHeaderLength)..]); // overlapping: CopyTo moves correctly
        Span<byte> ip = ipv4[..Ipv4Header.MinHeaderLength];
        ip[0] = 0x45;
        ip[1] = InternetworkControl;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)length);
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], identification);
        BinaryPrimitives.WriteUInt16BigEndian(ip[6..], 0);
        ip[8] = TimeToLive;
        ip[9] = Ipv4Header.ProtocolIcmp;
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(ip[12..], source);
        BinaryPrimitives.WriteUInt32BigEndian(ip[16..], destination);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], InternetChecksum.Compute(ip));

        Span<byte> icmp = ipv4[Ipv4Header.MinHeaderLength..length];
        icmp[0] = TypeDestinationUnreachable;
        icmp[1] = CodeFragmentationNeeded;
        BinaryPrimitives.WriteUInt32BigEndian(icmp[2..], 0); // checksum (for now) and the unused half-word
        BinaryPrimitives.WriteUInt16BigEndian(icmp[6..], nextHopMtu);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], InternetChecksum.Compute(icmp));
        return length;
    }

    /// <summary>ICMP error types (RFC 792, RFC 1122 §3.2.2): Destination Unreachable, Source Quench, Redirect, Time Exceeded, Parameter Problem.</summary>
    private static bool IsIcmpError(byte type) => type is 3 or 4 or 5 or 11 or 12;

    /// <summary>Not 0.0.0.0/8, loopback, multicast, class E or the limited broadcast (RFC 1812 §4.3.2.7, §5.3.7).</summary>
    private static bool IsUnicastHost(uint address)
    {
        uint first = address >> 24;
        return first is not (0 or 127) && first < 224;
    }
}
