using PptpGw.Dataplane.Buffers;
using PptpGw.Dataplane.Ethernet;
using PptpGw.Dataplane.Packets;

namespace PptpGw.Dataplane.Ports.Dpdk;

/// <summary>
/// A DPDK side's Ethernet layer as the steering device (<see cref="DpdkDispatchPort"/>): packets arrive at their IPv4
/// header (the Ethernet layer strips the frame), outside ones carrying GRE.
/// </summary>
public readonly struct DpdkSteeringDevice(EthernetPort link) : ISteeringDevice
{
    /// <inheritdoc/>
    public int ReceiveBurst(Span<PacketHandle> destination) => link.ReceiveBurst(destination);

    /// <inheritdoc/>
    /// <remarks>The Ethernet layer takes every packet (it counts its own drops).</remarks>
    public int TransmitBurst(ReadOnlySpan<PacketHandle> packets) => link.TransmitBurst(packets);

    /// <inheritdoc/>
    public static bool TryOutsideKey(PacketHandle packet, out uint source, out ushort callId)
    {
        // RFC 791 header; the worker verifies it again (and counts what is wrong): here only the owner matters.
        source = 0;
        callId = 0;
        if (Ipv4Header.TryParse(packet.Data, out Ipv4Header ip, verifyChecksum: false) != Ipv4Error.None
            || ip.Protocol != Ipv4Header.ProtocolGre || ip.IsFragment
            || EnhancedGrePacket.TryParse(ip.Payload, out EnhancedGrePacket gre) != EnhancedGreError.None)
            return false;
        source = ip.SourceAddress;
        callId = gre.CallId;
        return true;
    }
}
