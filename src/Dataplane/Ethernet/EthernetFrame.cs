using System.Buffers.Binary;

namespace PptpGw.Dataplane.Ethernet;

/// <summary>Why a frame was not parsed.</summary>
public enum EthernetError
{
    /// <summary>Parsed.</summary>
    None = 0,

    /// <summary>Shorter than the 14-octet header.</summary>
    TooShort,

    /// <summary>An IEEE 802.3 length field (&lt; 0x0600) instead of an EtherType: LLC frames are not ours.</summary>
    LengthField,
}

/// <summary>
/// An Ethernet II frame header (destination, source, EtherType; IEEE 802.3 clause 3.2.6 with the EtherType
/// interpretation of values ≥ 0x0600). The frame check sequence is not there: ports strip it.
/// </summary>
public readonly ref struct EthernetFrame
{
    /// <summary>Octets of the header.</summary>
    public const int HeaderLength = 14;

    /// <summary>EtherType of IPv4 (RFC 894).</summary>
    public const ushort EtherTypeIpv4 = 0x0800;

    /// <summary>EtherType of ARP (RFC 826).</summary>
    public const ushort EtherTypeArp = 0x0806;

    /// <summary>EtherType of an IEEE 802.1Q tag.</summary>
    public const ushort EtherTypeVlan = 0x8100;

    /// <summary>Shortest frame on the wire without the FCS (64 - 4); shorter ones are padded when sent.</summary>
    public const int MinimumLength = 60;

    private EthernetFrame(ReadOnlySpan<byte> frame)
    {
        Destination = MacAddress.Read(frame);
        Source = MacAddress.Read(frame[6..]);
        EtherType = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]);
        Payload = frame[HeaderLength..];
    }

    /// <summary>Destination address.</summary>
    public MacAddress Destination { get; }

    /// <summary>Source address.</summary>
    public MacAddress Source { get; }

    /// <summary>EtherType (≥ 0x0600).</summary>
    public ushort EtherType { get; }

    /// <summary>What follows the header (with any link padding).</summary>
    public ReadOnlySpan<byte> Payload { get; }

    /// <summary>Parses the header; never throws.</summary>
    public static EthernetError TryParse(ReadOnlySpan<byte> frame, out EthernetFrame header)
    {
        header = default;
        if (frame.Length < HeaderLength)
            return EthernetError.TooShort;
        if (BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) < 0x0600)
            return EthernetError.LengthField;
        header = new EthernetFrame(frame);
        return EthernetError.None;
    }
}

/// <summary>Writes Ethernet II headers.</summary>
public static class EthernetFrameWriter
{
    /// <summary>Writes the 14-octet header; returns 14, or -1 when <paramref name="destination"/> is too short.</summary>
    public static int TryWriteHeader(Span<byte> destination, MacAddress to, MacAddress from, ushort etherType)
    {
        if (destination.Length < EthernetFrame.HeaderLength)
            return -1;
        to.Write(destination);
        from.Write(destination[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(destination[12..], etherType);
        return EthernetFrame.HeaderLength;
    }
}
