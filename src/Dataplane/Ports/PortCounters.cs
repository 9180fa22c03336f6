namespace PptpGw.Dataplane.Ports;

/// <summary>
/// Packet and error counters of a kernel port. Each field is written by the one thread that
/// receives (Rx*) or transmits (Tx*); readers on other threads get a snapshot that may lag.
/// </summary>
public record struct PortCounters
{
    /// <summary>Packets handed to the caller by ReceiveBurst.</summary>
    public long RxPackets;

    /// <summary>Bytes of those packets (as delivered: GRE for the raw socket, IPv4 for the TUN).</summary>
    public long RxBytes;

    /// <summary>Receive calls that found nothing (EAGAIN): idle polls.</summary>
    public long RxWouldBlock;

    /// <summary>Receive calls that failed with another errno (see LastRxErrno).</summary>
    public long RxErrors;

    /// <summary>Packets dropped on receive: truncated (larger than a buffer), not IPv4, or a malformed IPv4 header.</summary>
    public long RxDropped;

    /// <summary>Receive calls that could not get a buffer from the pool.</summary>
    public long RxNoBuffers;

    /// <summary>Packets sent.</summary>
    public long TxPackets;

    /// <summary>Bytes of the packets sent.</summary>
    public long TxBytes;

    /// <summary>Transmit calls stopped by a full socket or device queue (EAGAIN, ENOBUFS).</summary>
    public long TxWouldBlock;

    /// <summary>Packets dropped on a hard send error (see LastTxErrno).</summary>
    public long TxErrors;

    /// <summary>TUN with TCP coalescing: writes that carried a super-packet of several segments (GSO TCPV4).</summary>
    public long TxSuperPackets;

    /// <summary>TUN with TCP coalescing: segments carried in those super-packets (also counted in TxPackets).</summary>
    public long TxCoalescedSegments;

    /// <summary>TUN with TCP segmentation: GSO super-packets read (TUNSETOFFLOAD TSO4).</summary>
    public long RxSuperPackets;

    /// <summary>TUN with TCP segmentation: segments cut from those super-packets (also counted in RxPackets).</summary>
    public long RxSegments;

    /// <summary>TUN with TCP segmentation: GSO packets that could not be segmented (also counted in RxDropped).</summary>
    public long RxBadSuperPackets;

    /// <summary>errno of the last receive error.</summary>
    public int LastRxErrno;

    /// <summary>errno of the last transmit error.</summary>
    public int LastTxErrno;
}
