using PptpGw.Dataplane.Buffers;

namespace PptpGw.Dataplane.Ports;

/// <summary>
/// Worker 0's port on one side of the kernel backend with several workers (<c>gateway dataplane workers N</c>, issue 12):
/// the <see cref="DispatchPort{TDevice, TRing}"/> over the side's kernel port (the raw GRE socket or the TUN device) and
/// single-producer rings (<see cref="KernelRingPort"/>). The same design as the DPDK backend's, and for the same reasons:
/// the kernel's own spreading does not follow the session table — a raw socket sees every GRE packet (one socket per
/// worker would need a filter per placement), and a multi-queue TUN picks its queue by flow hash, not by session
/// (steering it needs an eBPF program, TUNSETSTEERINGEBPF) — and one owner per descriptor keeps the batching
/// (recvmmsg/sendmmsg bursts, TSO and coalescing on the TUN) in one thread. What moves to the other workers is the GRE,
/// PPP and MPPE work; the system calls stay on worker 0.
/// </summary>
public sealed class KernelDispatchPort : DispatchPort<KernelSteeringDevice, SpscHandOff>
{
    /// <summary>Creates the port.</summary>
    /// <param name="port">The side's kernel port (RawGreSocket: packets start at GRE; TunDevice: at IPv4).</param>
    /// <param name="outside">True for the outside (GRE), false for the inside (IPv4).</param>
    /// <param name="toWorkers">Ring to worker i at index i (index 0 unused).</param>
    /// <param name="fromWorkers">Ring from worker i at index i (index 0 unused).</param>
    /// <param name="pool">Where dropped packets go.</param>
    /// <param name="counters">This side's hand-off counters.</param>
    public KernelDispatchPort(IPacketPort port, bool outside, SpscRing<PacketHandle>?[] toWorkers, SpscRing<PacketHandle>?[] fromWorkers,
        PacketPool pool, SteeringCounters counters)
        : base(new KernelSteeringDevice(NotNull(port)), outside, ToWorkers(toWorkers), FromWorkers(fromWorkers), pool, counters)
    {
    }

    private static IPacketPort NotNull(IPacketPort port)
    {
        ArgumentNullException.ThrowIfNull(port);
        return port;
    }

    private static SpscHandOff[] ToWorkers(SpscRing<PacketHandle>?[] rings)
    {
        ArgumentNullException.ThrowIfNull(rings);
        var handOffs = new SpscHandOff[rings.Length];
        for (int w = 1; w < rings.Length; w++)
            handOffs[w] = new SpscHandOff(rings[w] ?? throw new ArgumentException($"No ring to worker {w}.", nameof(rings)));
        return handOffs;
    }

    private static SpscHandOff[] FromWorkers(SpscRing<PacketHandle>?[] rings)
    {
        ArgumentNullException.ThrowIfNull(rings);
        var handOffs = new SpscHandOff[Math.Max(0, rings.Length - 1)];
        for (int w = 1; w < rings.Length; w++)
            handOffs[w - 1] = new SpscHandOff(rings[w] ?? throw new ArgumentException($"No ring from worker {w}.", nameof(rings)));
        return handOffs;
    }
}
