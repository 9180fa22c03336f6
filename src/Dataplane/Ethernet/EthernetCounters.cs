namespace PptpGw.Dataplane.Ethernet;

/// <summary>
/// Counters of one <see cref="EthernetPort"/>: written by the owning worker thread only, read by anyone (a snapshot may
/// lag a little; every field is a 64-bit word, so a read is never torn on x64).
/// </summary>
public sealed class EthernetCounters
{
    /// <summary>Frames received from the link.</summary>
    public long FramesReceived;

    /// <summary>IPv4 packets handed up to the worker (Ethernet header removed).</summary>
    public long ToWorker;

    /// <summary>Frames sent to the link (IPv4 from the worker, ARP, frames from the kernel).</summary>
    public long FramesSent;

    /// <summary>Frames handed to the exception port (the kernel).</summary>
    public long ToKernel;

    /// <summary>Frames the exception port (the kernel) sent out through this port.</summary>
    public long FromKernel;

    /// <summary>ARP requests for the gateway's address answered here.</summary>
    public long ArpRequestsAnswered;

    /// <summary>ARP requests sent to resolve a next hop.</summary>
    public long ArpRequestsSent;

    /// <summary>Neighbours learnt or confirmed from ARP.</summary>
    public long ArpLearned;

    /// <summary>Packets that waited for a neighbour (held; one per neighbour, the latest).</summary>
    public long WaitedForNeighbour;

    /// <summary>Frames dropped as malformed (short, LLC, bad IPv4 or ARP header).</summary>
    public long DroppedMalformed;

    /// <summary>Unicast frames for another MAC address.</summary>
    public long DroppedNotForUs;

    /// <summary>Frames for the kernel with no exception port, or protocols the port does not carry.</summary>
    public long DroppedUnhandled;

    /// <summary>Packets to a destination off the subnet with no next hop configured.</summary>
    public long DroppedNoRoute;

    /// <summary>Frames the link or the exception port would not take (full queue).</summary>
    public long DroppedTransmit;
}
