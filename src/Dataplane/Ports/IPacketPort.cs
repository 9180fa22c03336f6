using PptpGw.Dataplane.Buffers;

namespace PptpGw.Dataplane.Ports;

/// <summary>
/// One side of the dataplane's I/O (the outside GRE link, the inside network): the interface every
/// backend implements — kernel (raw GRE socket, TUN), memory (rings) and DPDK.
/// </summary>
/// <remarks>
/// <para>Workers call it in a poll loop, once per burst, so the interface dispatch costs one
/// indirect call per up to <see cref="PacketBurst.Size"/> packets; the port classes are sealed so
/// dynamic PGO can devirtualise the call site of a worker that sees one port type.</para>
/// <para>Threading: at most one thread in <see cref="ReceiveBurst"/> and one in
/// <see cref="TransmitBurst"/> at a time (they may be different threads).</para>
/// </remarks>
public interface IPacketPort
{
    /// <summary>
    /// Takes up to <paramref name="destination"/>.Length packets that have arrived, without waiting,
    /// and returns how many were written to its front. The caller owns them.
    /// </summary>
    int ReceiveBurst(Span<PacketHandle> destination);

    /// <summary>
    /// Hands packets to the port, without waiting, and returns how many were taken from the front
    /// of <paramref name="packets"/>. Those belong to the port from then on (it frees them after
    /// sending, or drops and counts them on a hard error); the rest stay the caller's, which
    /// retries them or frees them. A short count means back-pressure (a full ring or socket buffer).
    /// </summary>
    int TransmitBurst(ReadOnlySpan<PacketHandle> packets);
}
