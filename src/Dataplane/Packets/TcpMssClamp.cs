using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace PptpGw.Dataplane.Packets;

/// <summary>What <see cref="TcpMssClamp.Apply"/> did to a datagram.</summary>
public enum TcpMssClampResult : byte
{
    /// <summary>Not a TCP SYN (or SYN-ACK) with a whole TCP header: a later fragment, another protocol, a truncated header.</summary>
    NotSyn = 0,
    /// <summary>A SYN without a Maximum Segment Size option (RFC 9293 §3.7.1: the peer then assumes 536); left as it is.</summary>
    NoMssOption,
    /// <summary>A SYN whose MSS is already at most the clamp; left as it is.</summary>
    AlreadySmaller,
    /// <summary>The MSS option was lowered to the clamp and the TCP checksum updated.</summary>
    Clamped,
    /// <summary>The SYN's option list is malformed before an MSS option (a length below 2 or past the header); left as it is.</summary>
    MalformedOptions,
}

/// <summary>
/// TCP MSS clamping (the "some sites don't open" fix, Linux's <c>TCPMSS --set-mss</c> and the PIX's <c>sysopt connection
/// tcpmss</c>): the Maximum Segment Size option (kind 2, length 4; RFC 9293 §3.2) of a SYN or SYN-ACK crossing the tunnel
/// is lowered to what the tunnel carries, so neither end sends segments that need fragmenting (or get lost behind a
/// filter of ICMP "fragmentation needed"). The TCP checksum is updated incrementally (RFC 1624 eqn. 3), so the stage reads
/// only the headers: no pass over the payload, no allocation, and datagrams that are not SYNs cost two compares.
/// </summary>
public static class TcpMssClamp
{
    private const int TcpMinHeaderLength = 20;
    private const byte FlagSyn = 0x02;
    private const byte OptionEnd = 0;
    private const byte OptionNop = 1;
    private const byte OptionMss = 2;
    private const byte OptionMssLength = 4;

    /// <summary>The MSS that fits a tunnel MTU: the MTU less the IPv4 and TCP headers without options (RFC 879, RFC 6691 §2).</summary>
    public static ushort ForMtu(int mtu) => (ushort)Math.Max(0, mtu - Ipv4Header.MinHeaderLength - TcpMinHeaderLength);

    /// <summary>
    /// Lowers the MSS option of <paramref name="ipv4"/> (a whole IPv4 datagram, header first) to <paramref name="mss"/>
    /// when it is a TCP SYN whose MSS is larger. Never reads or writes outside the span; malformed headers are left alone.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TcpMssClampResult Apply(Span<byte> ipv4, ushort mss)
    {
        // The common case, inlined: not TCP, or TCP without SYN. Protocol at octet 9 (RFC 791 §3.1).
        if (ipv4.Length < Ipv4Header.MinHeaderLength + TcpMinHeaderLength || ipv4[9] != Ipv4Header.ProtocolTcp)
            return TcpMssClampResult.NotSyn;
        int ihl = (ipv4[0] & 0x0F) * 4;
        if ((uint)(ihl + 13) >= (uint)ipv4.Length || (ipv4[ihl + 13] & FlagSyn) == 0)
            return TcpMssClampResult.NotSyn;
        return ApplyToSyn(ipv4, ihl, mss);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static TcpMssClampResult ApplyToSyn(Span<byte> ipv4, int ihl, ushort mss)
    {
        // A later fragment carries no TCP header (its octet "13" is payload); IHL below 5 is no IPv4 header at all.
        if (ihl < Ipv4Header.MinHeaderLength || (BinaryPrimitives.ReadUInt16BigEndian(ipv4[6..]) & 0x1FFF) != 0)
            return TcpMssClampResult.NotSyn;
        Span<byte> tcp = ipv4[ihl..];
        if (tcp.Length < TcpMinHeaderLength)
            return TcpMssClampResult.NotSyn;
        int dataOffset = (tcp[12] >> 4) * 4;
        if (dataOffset < TcpMinHeaderLength || dataOffset > tcp.Length)
            return TcpMssClampResult.NotSyn;

        // RFC 9293 §3.2: options are kind, or kind-length-value; End of Option List stops, NOP is one octet.
        int i = TcpMinHeaderLength;
        while (i < dataOffset)
        {
            byte kind = tcp[i];
            if (kind == OptionEnd)
                break;
            if (kind == OptionNop)
            {
                i++;
                continue;
            }
            if (i + 1 >= dataOffset)
                return TcpMssClampResult.MalformedOptions;
            int length = tcp[i + 1];
            if (length < 2 || i + length > dataOffset)
                return TcpMssClampResult.MalformedOptions;
            if (kind == OptionMss && length == OptionMssLength)
            {
                int at = i + 2;
                ushort old = BinaryPrimitives.ReadUInt16BigEndian(tcp[at..]);
                if (old <= mss)
                    return TcpMssClampResult.AlreadySmaller;
                BinaryPrimitives.WriteUInt16BigEndian(tcp[at..], mss);
                // The checksum sums 16-bit words from the TCP header's start: a value at an odd offset straddles two
                // words, and contributes its octets swapped (RFC 1071 §2(B), byte-order independence).
                bool odd = (at & 1) != 0;
                UpdateChecksum(tcp[16..], odd ? BinaryPrimitives.ReverseEndianness(old) : old,
                    odd ? BinaryPrimitives.ReverseEndianness(mss) : mss);
                return TcpMssClampResult.Clamped;
            }
            i += length;
        }
        return TcpMssClampResult.NoMssOption;
    }

    /// <summary>RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), for the 16-bit word m replaced by m'.</summary>
    private static void UpdateChecksum(Span<byte> field, ushort old, ushort replacement)
    {
        uint sum = (ushort)~BinaryPrimitives.ReadUInt16BigEndian(field) + (uint)(ushort)~old + replacement;
        sum = (sum & 0xFFFF) + (sum >> 16);
        sum = (sum & 0xFFFF) + (sum >> 16);
        BinaryPrimitives.WriteUInt16BigEndian(field, (ushort)~sum);
    }
}
