namespace PptpGw.Dataplane.Offload;

/// <summary>Why a packet read from a TUN device with TSO (TUNSETOFFLOAD) cannot be segmented; <see cref="None"/> on success.</summary>
public enum TcpSuperPacketError
{
    /// <summary>Parsed.</summary>
    None = 0,

    /// <summary>The virtio header is missing or shorter than 10 octets.</summary>
    NoVirtioHeader,

    /// <summary>gso_type is not TCPV4 (with or without the ECN bit): only TSO4 is offered to the kernel.</summary>
    UnsupportedGsoType,

    /// <summary>gso_size is 0.</summary>
    ZeroSegmentSize,

    /// <summary>Not IPv4, IHL below 5, or the IPv4 header longer than the packet.</summary>
    BadIpv4Header,

    /// <summary>The IPv4 protocol is not TCP, or the datagram is a fragment.</summary>
    NotTcp,

    /// <summary>csum_start is not the TCP header or csum_offset is not the TCP checksum field (RFC 9293 §3.1).</summary>
    BadChecksumOffsets,

    /// <summary>The TCP data offset is below 5 words, or the headers reach the end of the packet (no payload to segment).</summary>
    BadTcpHeader,

    /// <summary>One segment (headers + gso_size) does not fit the destination buffers.</summary>
    SegmentTooLarge,
}
