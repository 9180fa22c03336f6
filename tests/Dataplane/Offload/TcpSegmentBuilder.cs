using System.Buffers.Binary;

namespace PptpGw.Tests.Dataplane.Offload;

/// <summary>
/// Builds IPv4 + TCP segments for the offload tests, with checksums from its own straightforward RFC 1071 loop (not
/// the dataplane's SIMD one), so the tests compare two independent implementations.
/// </summary>
internal static class TcpSegmentBuilder
{
    public const byte Ack = 0x10;
    public const byte Psh = 0x08;

    /// <summary>A segment: options are copied as given (a multiple of 4 octets).</summary>
    public static byte[] Build(uint source, uint destination, ushort sourcePort, ushort destinationPort, uint sequence, uint acknowledgment,
        ReadOnlySpan<byte> payload, byte flags = Ack, ushort identification = 1, bool dontFragment = true, ReadOnlySpan<byte> options = default,
        ushort window = 502, byte ttl = 64, byte tos = 0)
    {
        int tcpLength = 20 + options.Length + payload.Length;
        var packet = new byte[20 + tcpLength];
        Span<byte> ip = packet.AsSpan(0, 20);
        ip[0] = 0x45;
        ip[1] = tos;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)packet.Length);
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], identification);
        BinaryPrimitives.WriteUInt16BigEndian(ip[6..], dontFragment ? (ushort)0x4000 : (ushort)0);
        ip[8] = ttl;
        ip[9] = 6;
        BinaryPrimitives.WriteUInt32BigEndian(ip[12..], source);
        BinaryPrimitives.WriteUInt32BigEndian(ip[16..], destination);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Checksum(ip, 0));

        Span<byte> tcp = packet.AsSpan(20);
        BinaryPrimitives.WriteUInt16BigEndian(tcp, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[2..], destinationPort);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], sequence);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[8..], acknowledgment);
        tcp[12] = (byte)(((20 + options.Length) / 4) << 4);
        tcp[13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(tcp[14..], window);
        options.CopyTo(tcp[20..]);
        payload.CopyTo(tcp[(20 + options.Length)..]);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[16..], TcpChecksum(source, destination, tcp));
        return packet;
    }

    /// <summary>The TCP checksum of <paramref name="tcp"/> (its checksum field taken as it is).</summary>
    public static ushort TcpChecksum(uint source, uint destination, ReadOnlySpan<byte> tcp)
    {
        uint pseudo = (source >> 16) + (source & 0xFFFF) + (destination >> 16) + (destination & 0xFFFF) + 6u + (uint)tcp.Length;
        return Checksum(tcp, pseudo);
    }

    /// <summary>RFC 1071 §4.1, word by word, big-endian.</summary>
    public static ushort Checksum(ReadOnlySpan<byte> data, uint initial)
    {
        ulong sum = initial;
        int i = 0;
        for (; i + 1 < data.Length; i += 2)
            sum += (uint)((data[i] << 8) | data[i + 1]);
        if (i < data.Length)
            sum += (uint)(data[i] << 8);
        while (sum >> 16 != 0)
            sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)~sum;
    }

    /// <summary>Deterministic payload octets.</summary>
    public static byte[] Payload(int length, int seed)
    {
        var payload = new byte[length];
        for (int i = 0; i < length; i++)
            payload[i] = (byte)((i * 31) + seed);
        return payload;
    }

    /// <summary>Timestamps option (RFC 7323 §3): NOP, NOP, kind 8 length 10.</summary>
    public static byte[] Timestamps(uint value, uint echo)
    {
        var options = new byte[12];
        options[0] = 1;
        options[1] = 1;
        options[2] = 8;
        options[3] = 10;
        BinaryPrimitives.WriteUInt32BigEndian(options.AsSpan(4), value);
        BinaryPrimitives.WriteUInt32BigEndian(options.AsSpan(8), echo);
        return options;
    }
}
