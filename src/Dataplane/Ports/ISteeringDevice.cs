using PptpGw.Dataplane.Buffers;

namespace PptpGw.Dataplane.Ports;

/// <summary>
/// The device one side of a backend with several workers does its I/O on, as seen by <see cref="DispatchPort{TDevice, TRing}"/>:
/// its bursts, and where an outside packet's session key is. Implemented by structs, so that the dispatch port is
/// specialised per device and the per-packet key lookup is a direct (inlinable) call.
/// </summary>
public interface ISteeringDevice
{
    /// <summary>Receives a burst from the device.</summary>
    int ReceiveBurst(Span<PacketHandle> destination);

    /// <summary>Transmits a burst; returns how many packets the device took (the rest are still the caller's).</summary>
    int TransmitBurst(ReadOnlySpan<PacketHandle> packets);

    /// <summary>
    /// The outside session key of a received packet: the outer IPv4 source and the GRE key's call id (RFC 2637 §4.1).
    /// False when the packet is not enhanced GRE (the worker then counts and drops it, or hands it to the control plane).
    /// </summary>
    static abstract bool TryOutsideKey(PacketHandle packet, out uint source, out ushort callId);
}
