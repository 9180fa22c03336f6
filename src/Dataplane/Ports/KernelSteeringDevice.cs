using PptpGw.Dataplane.Buffers;
using PptpGw.Dataplane.Packets;

namespace PptpGw.Dataplane.Ports;

/// <summary>
/// A kernel port as the steering device (<see cref="KernelDispatchPort"/>): the raw GRE socket outside, the TUN device
/// inside. The raw socket strips the outer IPv4 header and records its source (<see cref="RawGreSocket"/>).
/// </summary>
public readonly struct KernelSteeringDevice(IPacketPort port) : ISteeringDevice
{
    /// <inheritdoc/>
    public int ReceiveBurst(Span<PacketHandle> destination) => port.ReceiveBurst(destination);

    /// <inheritdoc/>
    public int TransmitBurst(ReadOnlySpan<PacketHandle> packets) => port.TransmitBurst(packets);

    /// <inheritdoc/>
    public static bool TryOutsideKey(PacketHandle packet, out uint source, out ushort callId)
    {
        source = packet.PeerAddress;
        if (EnhancedGrePacket.TryParse(packet.Data, out EnhancedGrePacket gre) != EnhancedGreError.None)
        {
            callId = 0;
            return false;
        }

        callId = gre.CallId;
        return true;
    }
}
