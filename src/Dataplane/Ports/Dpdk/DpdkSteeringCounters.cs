namespace PptpGw.Dataplane.Ports.Dpdk;

/// <summary>
/// Hand-offs between workers on one side (outside or inside) of the DPDK backend with several workers: each field has
/// one writer (worker 0 for the steering fields, the sending worker for its own hand-back fields), readable by anyone.
/// </summary>
public sealed class DpdkSteeringCounters
{
    /// <summary>Packets worker 0 received and put on their owner's ring.</summary>
    public long Steered;

    /// <summary>Packets dropped because their owner's ring was full.</summary>
    public long SteerRingFull;

    /// <summary>Packets a worker handed to worker 0 to transmit.</summary>
    public long HandedBack;

    /// <summary>Packets dropped because worker 0's transmit ring was full.</summary>
    public long HandBackRingFull;
}
