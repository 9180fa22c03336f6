namespace PptpGw.Dataplane.Ports;

/// <summary>
/// Hand-off counters of one side of the kernel backend with several workers (<see cref="KernelDispatchPort"/>,
/// <see cref="KernelRingPort"/>). Steered and SteerRingFull are written by worker 0 only; HandedBack and
/// HandBackRingFull by the other workers (Interlocked, once per burst); readers get a snapshot that may lag.
/// </summary>
public sealed class KernelSteeringCounters
{
    /// <summary>Packets worker 0 received and passed to their session's worker.</summary>
    public long Steered;

    /// <summary>Packets dropped because the ring to their worker was full.</summary>
    public long SteerRingFull;

    /// <summary>Packets other workers handed back to worker 0 to send.</summary>
    public long HandedBack;

    /// <summary>Packets dropped because the ring back to worker 0 was full, or the port refused them.</summary>
    public long HandBackDropped;
}
