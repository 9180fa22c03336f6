using PptpGw.Dataplane.Gre;
using PptpGw.Dataplane.Packets;

namespace PptpGw.Fuzz;

/// <summary>
/// What the raw GRE socket hands the dataplane: an IPv4 datagram (Ipv4Header) carrying enhanced GRE (RFC 2637 §4.1),
/// or enhanced GRE alone; each parsed packet is then sequenced by a GreSequencer session (window, reorder buffer,
/// acknowledgments, RFC 2637 §4.2-§4.4) as the worker does. The input is several packets (FuzzChunks), 1 ms apart.
/// </summary>
public static class GreTarget
{
    public static FuzzTarget Target { get; } = new("gre",
        "Ipv4Header.TryParse, EnhancedGre.TryParse, GreSequencer Receive/acknowledgment/reorder expiry",
        Run, Seeds);

    private const long TicksPerSecond = 1000;

    public static void Run(ReadOnlySpan<byte> input)
    {
        var sequencer = new GreSequencer(1, GreReorderPolicy.Default(TicksPerSecond), acknowledgmentDelayTicks: 1);
        sequencer.Open(0, peerCallId: 0x4000, ourReceiveWindow: 64, peerReceiveWindow: 64);
        Span<int> deliver = stackalloc int[GreReceiveState.MaxDeliveredPerCall];
        Span<byte> ack = stackalloc byte[EnhancedGrePacket.MaxHeaderLength];
        var chunks = new FuzzChunks(input);
        long now = 0;
        int handle = 0;
        while (chunks.TryNext(out ReadOnlySpan<byte> chunk) && handle < 4096)
        {
            now++;
            ReadOnlySpan<byte> gre = chunk;
            if (Ipv4Header.TryParse(chunk, out Ipv4Header ip) == Ipv4Error.None && ip.Protocol == Ipv4Header.ProtocolGre)
                gre = ip.Payload;
            if (EnhancedGrePacket.TryParse(gre, out EnhancedGrePacket packet) == EnhancedGreError.None)
            {
                _ = packet.Payload.Length + packet.CallId;
                sequencer.Receive(0, packet, handle++, now, deliver, out _);
            }
            while (sequencer.TryGetDueAcknowledgment(now, out int session))
                sequencer.WriteAcknowledgment(session, ack);
            while (sequencer.TryExpireReorder(now, out _, deliver, out _))
            {
            }
        }
        sequencer.Close(0, new int[GreReceiveState.MaxDeliveredPerCall * 2]);
    }

    private static IEnumerable<byte[]> Seeds()
    {
        // The reference guide's GRE captures ("debug vpdn packet": PPP in enhanced GRE, call id 0).
        string[] guide =
        [
            "3081880b000640000000000500000005c22303010004",
            "3081880b000600000000000b0000000a80fd06030004",
            "3081880b001740000000000100000000ff03c0210101",
            "3081880b001240000000000300000002ff03c0210201",
            "3081880b000f40000000000400000002c2230101000d",
            "3081880b000c4000000000070000000780fd0101000a",
            "3081880b000c4000000000080000000780fd0304000a",
            "3081880b000c4000000000090000000880210101000a",
            "3081880b000c40000000000c0000000c80210307000a",
            "3081880b00060000000000080000000680fd01010004",
        ];
        foreach (string hex in guide)
            yield return FuzzChunks.Join(Seed.Hex(hex));
        // A stream: in order, a gap, the missing packet, an acknowledgment-only packet, a duplicate.
        yield return FuzzChunks.Join(Data(1), Data(2), Data(4), Data(3), AckOnly(3), Data(3), Data(5));
        // The same inside an IPv4 header (what the raw socket reads).
        yield return FuzzChunks.Join(Ip(Data(1)), Ip(Data(2)));
    }

    private static byte[] Data(uint sequence)
    {
        byte[] payload = Seed.Hex("ff03c0210901000c447e217e00000000");
        byte[] buffer = new byte[EnhancedGrePacket.MaxHeaderLength + payload.Length];
        payload.CopyTo(buffer, EnhancedGrePacket.MaxHeaderLength);
        EnhancedGreWriter.TryWriteDataHeader(buffer, 0, 0x4000, payload.Length, sequence, true, sequence - 1);
        return buffer;
    }

    private static byte[] AckOnly(uint ack)
    {
        byte[] buffer = new byte[EnhancedGrePacket.MaxHeaderLength];
        int length = EnhancedGreWriter.TryWriteAcknowledgment(buffer, 0x4000, ack);
        return buffer[..length];
    }

    private static byte[] Ip(byte[] gre)
    {
        byte[] datagram = new byte[Ipv4Header.MinHeaderLength + gre.Length];
        Ipv4HeaderWriter.TryWriteHeader(datagram, 0xC6120002, 0xC6120001, Ipv4Header.ProtocolGre, gre.Length, identification: 1, timeToLive: 64);
        gre.CopyTo(datagram, Ipv4Header.MinHeaderLength);
        return datagram;
    }
}
