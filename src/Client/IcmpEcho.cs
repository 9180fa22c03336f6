using System.Buffers.Binary;
using System.Net;
using PptpGw.ControlPlane.Pools;
using PptpGw.Dataplane.Packets;

namespace PptpGw.Client;

/// <summary>
/// ICMP echo (RFC 792) generated and checked in the process, for calls whose tunnel interface is in memory (several
/// calls on one tunnel, load tools): the kernel's ping cannot reach them.
/// </summary>
public static class IcmpEcho
{
    private const int IcmpHeaderLength = 8;
    private const byte EchoRequestType = 8;
    private const byte EchoReplyType = 0;

    /// <summary>An IPv4 echo request from <paramref name="source"/> to <paramref name="destination"/> with a patterned payload.</summary>
    public static byte[] Request(IPAddress source, IPAddress destination, ushort identifier, ushort sequence, int payload = 56)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentOutOfRangeException.ThrowIfNegative(payload);
        byte[] packet = new byte[Ipv4Header.MinHeaderLength + IcmpHeaderLength + payload];
        Span<byte> icmp = packet.AsSpan(Ipv4Header.MinHeaderLength);
        icmp[0] = EchoRequestType;
        BinaryPrimitives.WriteUInt16BigEndian(icmp[4..], identifier);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[6..], sequence);
        for (int i = IcmpHeaderLength; i < icmp.Length; i++)
            icmp[i] = (byte)(i * 7 + sequence);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], InternetChecksum.Compute(icmp));
        Ipv4HeaderWriter.TryWriteHeader(packet, Ipv4.FromIPAddress(source), Ipv4.FromIPAddress(destination), Ipv4Header.ProtocolIcmp,
            icmp.Length, sequence, 64);
        return packet;
    }

    /// <summary>True when <paramref name="packet"/> is the echo reply to <paramref name="request"/> (addresses swapped, same id, sequence and data).</summary>
    public static bool IsReplyTo(ReadOnlySpan<byte> packet, ReadOnlySpan<byte> request)
    {
        if (Ipv4Header.TryParse(packet, out Ipv4Header reply) != Ipv4Error.None
            || Ipv4Header.TryParse(request, out Ipv4Header asked, verifyChecksum: false) != Ipv4Error.None
            || reply.Protocol != Ipv4Header.ProtocolIcmp
            || reply.SourceAddress != asked.DestinationAddress || reply.DestinationAddress != asked.SourceAddress)
            return false;
        ReadOnlySpan<byte> got = reply.Payload, sent = asked.Payload;
        return got.Length == sent.Length && got.Length >= IcmpHeaderLength && got[0] == EchoReplyType && got[1] == 0
            && InternetChecksum.Compute(got) == 0
            && got[4..8].SequenceEqual(sent[4..8]) && got[IcmpHeaderLength..].SequenceEqual(sent[IcmpHeaderLength..]);
    }

    /// <summary>
    /// Sends one echo request through <paramref name="tunnel"/> from <paramref name="source"/> (the call's IPCP address) to
    /// <paramref name="destination"/> and waits
    /// for the reply; returns the round-trip time, or null without a reply in <paramref name="timeout"/>. Blocks the
    /// calling thread; other packets that come out of the tunnel meanwhile are discarded.
    /// </summary>
    public static TimeSpan? Ping(MemoryTunnelInterface tunnel, IPAddress source, IPAddress destination, ushort identifier, ushort sequence,
        TimeSpan timeout, int payload = 56)
    {
        ArgumentNullException.ThrowIfNull(tunnel);
        byte[] request = Request(source, destination, identifier, sequence, payload);
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        tunnel.Inject(request);
        while (true)
        {
            TimeSpan left = timeout - System.Diagnostics.Stopwatch.GetElapsedTime(start);
            if (left <= TimeSpan.Zero || !tunnel.TryTakeReceived(out byte[] packet, left))
                return null;
            if (IsReplyTo(packet, request))
                return System.Diagnostics.Stopwatch.GetElapsedTime(start);
        }
    }
}
