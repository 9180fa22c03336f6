namespace PptpGw.Dataplane.Ports.Dpdk;

/// <summary>
/// Settings of the DPDK backend (<c>gateway dataplane dpdk</c>, <c>gateway dpdk eal ARGS…</c>,
/// <c>gateway dpdk port outside|inside DEVARGS</c>; docs/CONFIG.md). Addresses are host-order integers.
/// </summary>
public sealed record DpdkPortOptions
{
    /// <summary>
    /// The packet buffer size the DPDK backend wants (<c>DataplaneOptions.BufferSize</c>): 2048 bytes of frame after the
    /// 128-byte headroom, as net_af_packet's default 2048-byte ring frames need (2016 bytes of packet data).
    /// </summary>
    public const int BufferSize = 2240;

    /// <summary>The EAL's arguments (without argv[0]); <see cref="DpdkEal.WithDefaults"/> adds an lcore map and a file prefix when missing.</summary>
    public IReadOnlyList<string> EalArguments { get; init; } = [];

    /// <summary>The outside device (towards the PPTP clients), e.g. <c>net_af_packet0,iface=eth0</c> or a PCI address.</summary>
    public required string OutsideDevargs { get; init; }

    /// <summary>The inside device.</summary>
    public required string InsideDevargs { get; init; }

    /// <summary>
    /// The exception-path device into the kernel, or null for the default: a <c>net_tap</c> named
    /// <see cref="ExceptionInterfaceName"/> with the outside port's MAC address.
    /// </summary>
    public string? ExceptionDevargs { get; init; }

    /// <summary>Name of the kernel interface of the default exception device (it gets the outside address).</summary>
    public string ExceptionInterfaceName { get; init; } = "pptpgw-x0";

    /// <summary>
    /// Name of the kernel interface of the inside exception path (a net_tap with the inside address and the inside
    /// port's MAC, NOARP), or null for none (packets for the gateway's inside address are then dropped, counted).
    /// </summary>
    public string? InsideExceptionInterfaceName { get; init; } = "pptpgw-x1";

    /// <summary>The gateway's outside address.</summary>
    public required uint OutsideAddress { get; init; }

    /// <summary>Prefix length of the outside subnet.</summary>
    public int OutsidePrefixLength { get; init; } = 24;

    /// <summary>Router for clients off the outside subnet (0: none).</summary>
    public uint OutsideNextHop { get; init; }

    /// <summary>The gateway's inside address.</summary>
    public required uint InsideAddress { get; init; }

    /// <summary>Prefix length of the inside subnet.</summary>
    public int InsidePrefixLength { get; init; } = 24;

    /// <summary>Router for inside destinations off the inside subnet (0: none; on-link destinations are resolved by ARP).</summary>
    public uint InsideNextHop { get; init; }

    /// <summary>Mbufs (slab buffers lent to DPDK): RX rings of every queue, TX in flight, caches.</summary>
    public int MbufCount { get; init; } = 8192;

    /// <summary>
    /// Dataplane workers (<c>gateway dpdk workers N</c>). With more than one, worker 0 does every port's I/O and steers
    /// packets to their session's worker over rte_rings (<see cref="DpdkDispatchPort"/>, <see cref="DpdkRingPort"/>).
    /// </summary>
    public int Workers { get; init; } = 1;

    /// <summary>Slots of each hand-off ring between workers (a power of two): a few milliseconds of a worker's traffic.</summary>
    public int HandOffRingSize { get; init; } = 4096;

    /// <summary>Name of the mbuf pool's memzone.</summary>
    public string MempoolName { get; init; } = "pptpgw_mbufs";
}
