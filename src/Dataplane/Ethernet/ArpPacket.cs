using System.Buffers.Binary;

namespace PptpGw.Dataplane.Ethernet;

/// <summary>Why an ARP packet was not parsed.</summary>
public enum ArpError
{
    /// <summary>Parsed.</summary>
    None = 0,

    /// <summary>Shorter than the 28 octets of Ethernet/IPv4 ARP.</summary>
    TooShort,

    /// <summary>Not hardware type 1 (Ethernet) with protocol 0x0800 (IPv4), lengths 6 and 4.</summary>
    NotEthernetIpv4,

    /// <summary>An operation other than request (1) or reply (2).</summary>
    UnknownOperation,
}

/// <summary>ARP operation codes (RFC 826).</summary>
public enum ArpOperation : ushort
{
    /// <summary>ares_op$REQUEST.</summary>
    Request = 1,

    /// <summary>ares_op$REPLY.</summary>
    Reply = 2,
}

/// <summary>
/// An ARP packet for IPv4 over Ethernet (RFC 826): hardware type 1, protocol type 0x0800, address lengths 6 and 4.
/// Addresses are host-order integers (198.18.0.1 = 0xC6120001) as elsewhere in the dataplane.
/// </summary>
public readonly ref struct ArpPacket
{
    /// <summary>Octets of an Ethernet/IPv4 ARP packet.</summary>
    public const int Length = 28;

    private ArpPacket(ReadOnlySpan<byte> p)
    {
        Operation = (ArpOperation)BinaryPrimitives.ReadUInt16BigEndian(p[6..]);
        SenderHardwareAddress = MacAddress.Read(p[8..]);
        SenderProtocolAddress = BinaryPrimitives.ReadUInt32BigEndian(p[14..]);
        TargetHardwareAddress = MacAddress.Read(p[18..]);
        TargetProtocolAddress = BinaryPrimitives.ReadUInt32BigEndian(p[24..]);
    }

    /// <summary>Request or reply.</summary>
    public ArpOperation Operation { get; }

    /// <summary>ar$sha.</summary>
    public MacAddress SenderHardwareAddress { get; }

    /// <summary>ar$spa.</summary>
    public uint SenderProtocolAddress { get; }

    /// <summary>ar$tha.</summary>
    public MacAddress TargetHardwareAddress { get; }

    /// <summary>ar$tpa.</summary>
    public uint TargetProtocolAddress { get; }

    /// <summary>Parses an Ethernet/IPv4 ARP packet (the payload of an EtherType 0x0806 frame); never throws.</summary>
    public static ArpError TryParse(ReadOnlySpan<byte> packet, out ArpPacket arp)
    {
        arp = default;
        if (packet.Length < Length)
            return ArpError.TooShort;
        if (BinaryPrimitives.ReadUInt16BigEndian(packet) != 1 || BinaryPrimitives.ReadUInt16BigEndian(packet[2..]) != EthernetFrame.EtherTypeIpv4
            || packet[4] != MacAddress.Length || packet[5] != 4)
        {
            return ArpError.NotEthernetIpv4;
        }

        ushort op = BinaryPrimitives.ReadUInt16BigEndian(packet[6..]);
        if (op is not ((ushort)ArpOperation.Request or (ushort)ArpOperation.Reply))
            return ArpError.UnknownOperation;
        arp = new ArpPacket(packet);
        return ArpError.None;
    }
}

/// <summary>Writes Ethernet/IPv4 ARP packets.</summary>
public static class ArpPacketWriter
{
    /// <summary>Writes 28 octets; returns 28, or -1 when <paramref name="destination"/> is too short.</summary>
    public static int TryWrite(Span<byte> destination, ArpOperation operation, MacAddress senderMac, uint senderAddress,
        MacAddress targetMac, uint targetAddress)
    {
        if (destination.Length < ArpPacket.Length)
            return -1;
        BinaryPrimitives.WriteUInt16BigEndian(destination, 1);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], EthernetFrame.EtherTypeIpv4);
        destination[4] = MacAddress.Length;
        destination[5] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(destination[6..], (ushort)operation);
        senderMac.Write(destination[8..]);
        BinaryPrimitives.WriteUInt32BigEndian(destination[14..], senderAddress);
        targetMac.Write(destination[18..]);
        BinaryPrimitives.WriteUInt32BigEndian(destination[24..], targetAddress);
        return ArpPacket.Length;
    }
}
