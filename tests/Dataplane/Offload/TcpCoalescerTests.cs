using System.Buffers.Binary;
using PptpGw.Dataplane.Offload;
using PptpGw.Dataplane.Packets;

namespace PptpGw.Tests.Dataplane.Offload;

/// <summary>
/// <see cref="TcpCoalescer"/> and <see cref="TcpSegment"/>: which segments join a super-packet (net/ipv4/tcp_offload.c
/// tcp_gro_receive's rules), and that the super-packet, once its checksum is completed as the kernel does
/// (VIRTIO 1.2 §5.1.6.2), is byte for byte the one segment a sender would have built with all the payload.
/// </summary>
public class TcpCoalescerTests
{
    private const uint Client = 0xC6120702; // 198.18.7.2
    private const uint Server = 0xC6120701; // 198.18.7.1

    [Fact]
    public void TheBuilderChecksumsMatchAVectorComputedElsewhere()
    {
        // Computed independently (a Python RFC 1071 loop over the same octets): TCP 0x93c7, IPv4 header 0xa0a4.
        byte[] packet = TcpSegmentBuilder.Build(Client, Server, 40000, 5001, 1000, 2000, "abc"u8, flags: TcpSegmentBuilder.Ack | TcpSegmentBuilder.Psh);
        Assert.Equal(0x93c7, BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(36)));
        Assert.Equal(0xa0a4, BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(10)));
        Assert.True(TcpSegment.TryParseCoalescible(packet, out TcpSegment segment));
        Assert.Equal(3, segment.Payload.Length);
        Assert.Equal(40000u << 16 | 5001u, segment.Ports);
    }

    [Fact]
    public void ConsecutiveSegmentsBecomeOneSuperPacketThatCompletesToTheSegmentASenderWouldBuild()
    {
        byte[] options = TcpSegmentBuilder.Timestamps(0x01020304, 0x0A0B0C0D);
        byte[][] payloads = [TcpSegmentBuilder.Payload(1300, 1), TcpSegmentBuilder.Payload(1300, 2), TcpSegmentBuilder.Payload(700, 3)];
        var coalescer = new TcpCoalescer();
        uint sequence = 0xFFFFF000; // wraps inside the run (RFC 9293 §3.4: sequence arithmetic is modulo 2^32)
        for (int i = 0; i < payloads.Length; i++)
        {
            byte flags = i == payloads.Length - 1 ? (byte)(TcpSegmentBuilder.Ack | TcpSegmentBuilder.Psh) : TcpSegmentBuilder.Ack;
            byte[] segment = TcpSegmentBuilder.Build(Client, Server, 40000, 5001, sequence, 777, payloads[i], flags,
                identification: (ushort)(0xFFFF + i), dontFragment: false, options: options);
            Assert.True(coalescer.TryAdd(segment));
            sequence += (uint)payloads[i].Length;
        }

        Assert.Equal(3, coalescer.Segments);
        ReadOnlySpan<byte> built = coalescer.Build();
        Assert.True(VirtioNetHeader.TryRead(built, out VirtioNetHeader header));
        Assert.True(header.NeedsChecksum);
        Assert.Equal(VirtioNetHeader.GsoTcpV4, header.GsoType);
        Assert.Equal(20 + 32, header.HeaderLength);
        Assert.Equal(1300, header.GsoSize);
        Assert.Equal(20, header.ChecksumStart);
        Assert.Equal(16, header.ChecksumOffset);

        // Complete the checksum as the kernel would (skb_checksum_help): sum from csum_start over the partial field.
        byte[] packet = built[VirtioNetHeader.Size..].ToArray();
        ushort completed = TcpSegmentBuilder.Checksum(packet.AsSpan(20), 0);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(20 + 16), completed);

        byte[] all = [.. payloads[0], .. payloads[1], .. payloads[2]];
        byte[] expected = TcpSegmentBuilder.Build(Client, Server, 40000, 5001, 0xFFFFF000, 777, all,
            (byte)(TcpSegmentBuilder.Ack | TcpSegmentBuilder.Psh), identification: 0xFFFF, dontFragment: false, options: options);
        Assert.Equal(expected, packet);
        Assert.Equal(0, InternetChecksum.Compute(packet.AsSpan(0, 20)));
    }

    [Fact]
    public void OneSegmentIsWrittenAsItCameBehindAHeaderThatAsksForNothing()
    {
        byte[] segment = TcpSegmentBuilder.Build(Client, Server, 1, 2, 10, 20, TcpSegmentBuilder.Payload(100, 9));
        var coalescer = new TcpCoalescer();
        Assert.True(coalescer.TryAdd(segment));
        ReadOnlySpan<byte> built = coalescer.Build();
        Assert.True(built[..VirtioNetHeader.Size].IndexOfAnyExcept((byte)0) < 0);
        Assert.True(built[VirtioNetHeader.Size..].SequenceEqual(segment));
    }

    public static TheoryData<string> Breaks() => new()
    {
        "sequence gap", "other source port", "other destination", "other ack", "other window", "FIN", "SYN", "RST", "URG", "CWR", "ECE",
        "longer than the first", "after a short one", "after PSH", "options differ", "IP options", "fragment", "ID not +1 without DF",
        "TTL differs", "TOS differs", "bad TCP checksum", "bad IP checksum", "pure ACK", "UDP",
    };

    [Theory]
    [MemberData(nameof(Breaks))]
    public void ASegmentThatDoesNotContinueTheFlowIsRefused(string change)
    {
        byte[] options = TcpSegmentBuilder.Timestamps(5, 6);
        byte[] payload = TcpSegmentBuilder.Payload(1000, 4);
        var coalescer = new TcpCoalescer();
        byte firstFlags = change == "after PSH" ? (byte)(TcpSegmentBuilder.Ack | TcpSegmentBuilder.Psh) : TcpSegmentBuilder.Ack;
        byte[] firstPayload = change == "after a short one" ? TcpSegmentBuilder.Payload(500, 4) : payload;
        if (change == "after a short one")
        {
            // A short segment may close a run, never sit inside it: 1000 then 500 joins, a third does not.
            Assert.True(coalescer.TryAdd(TcpSegmentBuilder.Build(Client, Server, 40000, 5001, 0, 1, payload, identification: 10, options: options)));
            Assert.True(coalescer.TryAdd(TcpSegmentBuilder.Build(Client, Server, 40000, 5001, 1000, 1, firstPayload, identification: 11, options: options)));
            Assert.False(coalescer.TryAdd(TcpSegmentBuilder.Build(Client, Server, 40000, 5001, 1500, 1, payload, identification: 12, options: options)));
            return;
        }

        Assert.True(coalescer.TryAdd(TcpSegmentBuilder.Build(Client, Server, 40000, 5001, 0, 1, firstPayload, firstFlags,
            identification: 10, dontFragment: change != "ID not +1 without DF", options: options)));

        uint sequence = change == "sequence gap" ? 1001u : 1000u;
        ushort sourcePort = change == "other source port" ? (ushort)40001 : (ushort)40000;
        uint destination = change == "other destination" ? Server + 1 : Server;
        uint ack = change == "other ack" ? 2u : 1u;
        ushort window = change == "other window" ? (ushort)503 : (ushort)502;
        byte flags = change switch
        {
            "FIN" => TcpSegmentBuilder.Ack | 0x01,
            "SYN" => TcpSegmentBuilder.Ack | 0x02,
            "RST" => TcpSegmentBuilder.Ack | 0x04,
            "URG" => TcpSegmentBuilder.Ack | 0x20,
            "ECE" => TcpSegmentBuilder.Ack | 0x40,
            "CWR" => TcpSegmentBuilder.Ack | 0x80,
            _ => TcpSegmentBuilder.Ack,
        };
        byte[] nextPayload = change switch
        {
            "longer than the first" => TcpSegmentBuilder.Payload(1001, 4),
            "pure ACK" => [],
            _ => payload,
        };
        byte[] nextOptions = change == "options differ" ? TcpSegmentBuilder.Timestamps(7, 6) : options;
        byte[] next = TcpSegmentBuilder.Build(Client, destination, sourcePort, 5001, sequence, ack, nextPayload, flags,
            identification: change == "ID not +1 without DF" ? (ushort)12 : (ushort)11, dontFragment: change != "ID not +1 without DF",
            options: nextOptions, window: window, ttl: change == "TTL differs" ? (byte)63 : (byte)64, tos: change == "TOS differs" ? (byte)0x10 : (byte)0);
        switch (change)
        {
            case "bad TCP checksum":
                next[^1] ^= 0x40;
                break;
            case "bad IP checksum":
                next[8] = 65; // TTL changed after the checksum
                break;
            case "IP options":
                next = WithIpOptions(next);
                break;
            case "fragment":
                next[6] |= 0x20; // MF
                RefreshIpChecksum(next);
                break;
            case "UDP":
                next[9] = 17;
                RefreshIpChecksum(next);
                break;
        }

        Assert.False(coalescer.TryAdd(next));
        Assert.Equal(1, coalescer.Segments);
    }

    [Fact]
    public void ASuperPacketStopsAtTheLargestIpv4Datagram()
    {
        var coalescer = new TcpCoalescer();
        byte[] payload = TcpSegmentBuilder.Payload(1300, 5);
        uint sequence = 0;
        int added = 0;
        while (coalescer.TryAdd(TcpSegmentBuilder.Build(Client, Server, 9, 10, sequence, 1, payload, identification: (ushort)added)))
        {
            sequence += 1300;
            added++;
            Assert.True(added < 100);
        }

        Assert.Equal((65535 - 40) / 1300, added); // 50 segments: 40 + 50 x 1300 = 65,040 octets; a 51st would not fit
        ReadOnlySpan<byte> built = coalescer.Build();
        Assert.Equal(40 + (added * 1300), BinaryPrimitives.ReadUInt16BigEndian(built[(VirtioNetHeader.Size + 2)..]));
    }

    private static byte[] WithIpOptions(byte[] packet)
    {
        // IHL 6: one word of options (four NOPs... an End of Options list is as good: RFC 791 §3.1).
        var longer = new byte[packet.Length + 4];
        packet.AsSpan(0, 20).CopyTo(longer);
        packet.AsSpan(20).CopyTo(longer.AsSpan(24));
        longer[0] = 0x46;
        BinaryPrimitives.WriteUInt16BigEndian(longer.AsSpan(2), (ushort)longer.Length);
        RefreshIpChecksum(longer);
        return longer;
    }

    private static void RefreshIpChecksum(byte[] packet)
    {
        int headerLength = (packet[0] & 0x0F) * 4;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), 0);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), TcpSegmentBuilder.Checksum(packet.AsSpan(0, headerLength), 0));
    }
}
