namespace PptpGw.Dataplane.Buffers;

/// <summary>
/// Where packets come from and go back to. Implemented by <see cref="PacketPool"/> (thread-safe),
/// <see cref="PacketCache"/> (one thread) and, later, by a DPDK mempool wrapper. Calls are per
/// burst so the interface dispatch is paid once per up to 32 packets.
/// </summary>
public interface IPacketAllocator
{
    /// <summary>
    /// Fills the front of <paramref name="destination"/> with fresh packets (data offset = the
    /// headroom, length 0, metadata cleared) and returns how many; fewer when the pool runs low.
    /// </summary>
    int AllocateBurst(Span<PacketHandle> destination);

    /// <summary>Gives the packets back. Every handle must be owned by the caller and come from this allocator's pool.</summary>
    void FreeBurst(ReadOnlySpan<PacketHandle> packets);
}
