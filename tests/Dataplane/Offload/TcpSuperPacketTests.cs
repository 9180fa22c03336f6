using System.Buffers.Binary;
using PptpGw.Dataplane.Offload;

namespace PptpGw.Tests.Dataplane.Offload;

/// <summary>
/// <see cref="TcpSuperPacket"/>: segmenting a GSO TCPV4 super-packet as the kernel's tcp_gso_segment does, every
/// checksum checked with the tests' own RFC 1071 loop (<see cref="TcpSegmentBuilder"/>).
/// </summary>
public class TcpSuperPacketTests
{
    private const uint Source = 0xC6120802; // 198.18.8.2
    private const uint Destination = 0xC6120702; // 198.18.7.2
    private const int Room = 2048 - 128;

    [Fact]
    public void ASuperPacketBecomesMssSizedSegmentsWithTheirOwnHeadersAndCorrectChecksums()
    {
        byte[] options = TcpSegmentBuilder.Timestamps(1234, 5678);
        byte[] payload = TcpSegmentBuilder.Payload(3000, 7);
        byte[] packet = Super(payload, options, flags: 0x10 | 0x08 | 0x01 | 0x80, identification: 0xFFFE, sequence: 0xFFFFFC00);
        Assert.Equal(TcpSuperPacketError.None, TcpSuperPacket.TryParse(Virtio(1300), packet, Room, out TcpSuperPacket super));
        Assert.Equal(3, super.SegmentCount);
        Assert.Equal(20 + 32, super.HeaderLength);

        var stream = new List<byte>();
        var destination = new byte[Room];
        for (int i = 0; i < super.SegmentCount; i++)
        {
            int length = super.WriteSegment(packet, i, destination);
            byte[] segment = destination[..length];
            int expectedPayload = i < 2 ? 1300 : 400;
            Assert.Equal(52 + expectedPayload, length);
            Assert.Equal(length, BinaryPrimitives.ReadUInt16BigEndian(segment.AsSpan(2)));
            Assert.Equal((ushort)(0xFFFE + i), BinaryPrimitives.ReadUInt16BigEndian(segment.AsSpan(4)));
            Assert.Equal(0, TcpSegmentBuilder.Checksum(segment.AsSpan(0, 20), 0));
            Assert.Equal(0, TcpSegmentBuilder.TcpChecksum(Source, Destination, segment.AsSpan(20)));
            Assert.Equal(unchecked(0xFFFFFC00 + (uint)(i * 1300)), BinaryPrimitives.ReadUInt32BigEndian(segment.AsSpan(24)));
            Assert.Equal(options, segment.AsSpan(40, 12).ToArray());
            byte flags = segment[33];
            Assert.Equal(i == 2, (flags & 0x08) != 0); // PSH on the last only
            Assert.Equal(i == 2, (flags & 0x01) != 0); // FIN on the last only
            Assert.Equal(i == 0, (flags & 0x80) != 0); // CWR on the first only
            Assert.Equal(0x10, flags & 0x10);
            stream.AddRange(segment.AsSpan(52).ToArray());
        }

        Assert.Equal(payload, stream.ToArray());
    }

    [Fact]
    public void ASuperPacketThatFitsOneSegmentComesOutWholeWithItsFlagsAndAChecksum()
    {
        byte[] payload = TcpSegmentBuilder.Payload(900, 3);
        byte[] packet = Super(payload, [], flags: 0x18, identification: 9, sequence: 1000);
        Assert.Equal(TcpSuperPacketError.None, TcpSuperPacket.TryParse(Virtio(1300), packet, Room, out TcpSuperPacket super));
        Assert.Equal(1, super.SegmentCount);
        var destination = new byte[Room];
        int length = super.WriteSegment(packet, 0, destination);
        Assert.Equal(packet.Length, length);
        Assert.Equal(0x18, destination[33]);
        Assert.Equal(0, TcpSegmentBuilder.TcpChecksum(Source, Destination, destination.AsSpan(20, length - 20)));
        Assert.Equal(payload, destination.AsSpan(40, 900).ToArray());
    }

    [Fact]
    public void ExactMultiplesOfTheSegmentSizeMakeNoEmptyLastSegment()
    {
        byte[] packet = Super(TcpSegmentBuilder.Payload(2600, 1), [], flags: 0x10, identification: 1, sequence: 1);
        Assert.Equal(TcpSuperPacketError.None, TcpSuperPacket.TryParse(Virtio(1300), packet, Room, out TcpSuperPacket super));
        Assert.Equal(2, super.SegmentCount);
        var destination = new byte[Room];
        Assert.Equal(1340, super.WriteSegment(packet, 1, destination));
    }

    [Fact]
    public void WhatIsNotATcpV4SuperPacketIsRefusedWithItsReason()
    {
        byte[] good = Super(TcpSegmentBuilder.Payload(3000, 1), [], flags: 0x10, identification: 1, sequence: 1);
        Assert.Equal(TcpSuperPacketError.NoVirtioHeader, TcpSuperPacket.TryParse(new byte[4], good, Room, out _));
        Assert.Equal(TcpSuperPacketError.UnsupportedGsoType, TcpSuperPacket.TryParse(Virtio(1300, gsoType: 5), good, Room, out _)); // UDP_L4
        Assert.Equal(TcpSuperPacketError.UnsupportedGsoType, TcpSuperPacket.TryParse(Virtio(1300, gsoType: 4), good, Room, out _)); // TCPV6
        Assert.Equal(TcpSuperPacketError.None, TcpSuperPacket.TryParse(Virtio(1300, gsoType: 0x81), good, Room, out _)); // TCPV4 | ECN
        Assert.Equal(TcpSuperPacketError.ZeroSegmentSize, TcpSuperPacket.TryParse(Virtio(0), good, Room, out _));
        Assert.Equal(TcpSuperPacketError.SegmentTooLarge, TcpSuperPacket.TryParse(Virtio(1900), good, Room, out _));
        Assert.Equal(TcpSuperPacketError.BadChecksumOffsets, TcpSuperPacket.TryParse(Virtio(1300, checksumStart: 24), good, Room, out _));
        Assert.Equal(TcpSuperPacketError.BadChecksumOffsets, TcpSuperPacket.TryParse(Virtio(1300, checksumOffset: 6), good, Room, out _));
        Assert.Equal(TcpSuperPacketError.BadIpv4Header, TcpSuperPacket.TryParse(Virtio(1300), good.AsSpan(0, 12), Room, out _));

        byte[] udp = (byte[])good.Clone();
        udp[9] = 17;
        Assert.Equal(TcpSuperPacketError.NotTcp, TcpSuperPacket.TryParse(Virtio(1300), udp, Room, out _));
        byte[] fragment = (byte[])good.Clone();
        fragment[6] = 0x20; // MF
        Assert.Equal(TcpSuperPacketError.NotTcp, TcpSuperPacket.TryParse(Virtio(1300), fragment, Room, out _));
        byte[] ipv6 = (byte[])good.Clone();
        ipv6[0] = 0x60;
        Assert.Equal(TcpSuperPacketError.BadIpv4Header, TcpSuperPacket.TryParse(Virtio(1300), ipv6, Room, out _));
        byte[] badOffset = (byte[])good.Clone();
        badOffset[32] = 0x40; // data offset 4 words
        Assert.Equal(TcpSuperPacketError.BadTcpHeader, TcpSuperPacket.TryParse(Virtio(1300), badOffset, Room, out _));
        Assert.Equal(TcpSuperPacketError.BadTcpHeader, TcpSuperPacket.TryParse(Virtio(1300), good.AsSpan(0, 40), Room, out _));
    }

    [Fact]
    public void SegmentingAllocatesNothing()
    {
        byte[] packet = Super(TcpSegmentBuilder.Payload(60000, 5), [], flags: 0x18, identification: 1, sequence: 1);
        var destination = new byte[Room];
        Assert.Equal(TcpSuperPacketError.None, TcpSuperPacket.TryParse(Virtio(1300), packet, Room, out TcpSuperPacket warm));
        _ = warm.WriteSegment(packet, 0, destination);
        byte[] virtio = Virtio(1300);
        long before = GC.GetAllocatedBytesForCurrentThread();
        int total = 0;
        for (int round = 0; round < 10; round++)
        {
            _ = TcpSuperPacket.TryParse(virtio, packet, Room, out TcpSuperPacket super);
            for (int i = 0; i < super.SegmentCount; i++)
                total += super.WriteSegment(packet, i, destination);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(10 * (60000 + (47 * 40)), total);
    }

    // A super-packet as a TUN read hands it over: one header, all the payload, the TCP checksum field holding only
    // the pseudo-header sum (CHECKSUM_PARTIAL) — here garbage, which the segmenter must not rely on.
    private static byte[] Super(byte[] payload, byte[] options, byte flags, ushort identification, uint sequence)
    {
        byte[] packet = TcpSegmentBuilder.Build(Source, Destination, 5001, 40000, sequence, 77, payload, flags, identification, options: options);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(36), 0xBEEF);
        return packet;
    }

    private static byte[] Virtio(ushort gsoSize, byte gsoType = VirtioNetHeader.GsoTcpV4, ushort checksumStart = 20, ushort checksumOffset = 16)
    {
        var header = new byte[VirtioNetHeader.Size];
        VirtioNetHeader.Write(header, VirtioNetHeader.FlagNeedsChecksum, gsoType, 0, gsoSize, checksumStart, checksumOffset);
        return header;
    }
}
