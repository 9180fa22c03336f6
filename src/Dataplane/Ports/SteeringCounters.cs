namespace PptpGw.Dataplane.Ports;

/// <summary>
/// Hand-off counters of one side of a backend with several workers (<see cref="DispatchPort{TDevice, TRing}"/>,
/// <see cref="RingPort{TRing}"/>). Steered and SteerRingFull are written by worker 0 only; HandedBack and
/// HandBackDropped by the other workers (Interlocked, once per burst) and, for a full socket or device queue, by worker 0;
/// readers get a snapshot that may lag.
/// </summary>
public sealed class SteeringCounters
{
    /// <summary>Packets worker 0 handed to another worker.</summary>
    public long Steered;

    /// <summary>Packets dropped because the ring to their worker was full.</summary>
    public long SteerRingFull;

    /// <summary>Packets the other workers handed back to worker 0 to transmit.</summary>
    public long HandedBack;

    /// <summary>
    /// Packets dropped on the way back: the ring to worker 0 was full or (kernel backend) the socket or device queue
    /// would not take them. The DPDK side never drops there: its Ethernet layer takes every packet.
    /// </summary>
    public long HandBackDropped;
}
