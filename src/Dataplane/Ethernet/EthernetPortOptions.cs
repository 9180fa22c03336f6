namespace PptpGw.Dataplane.Ethernet;

/// <summary>Which side of the gateway an <see cref="EthernetPort"/> is, which decides what goes up to the workers.</summary>
public enum EthernetRole
{
    /// <summary>Towards the PPTP clients: IPv4 GRE (protocol 47) to the gateway's address goes up; everything else (TCP 1723, ICMP, ARP the port does not answer) goes to the exception port (the kernel).</summary>
    Outside,

    /// <summary>Towards the inside network: IPv4 not addressed to the gateway goes up (to be tunnelled); IPv4 to the gateway goes to the exception port if there is one.</summary>
    Inside,
}

/// <summary>Layer-2 settings of one <see cref="EthernetPort"/>.</summary>
public sealed record EthernetPortOptions
{
    /// <summary>The port's MAC address (the source of every frame it sends, the address it answers ARP with).</summary>
    public required MacAddress LocalMac { get; init; }

    /// <summary>The gateway's IPv4 address on this link (host order).</summary>
    public required uint LocalAddress { get; init; }

    /// <summary>
    /// How many consecutive addresses from <see cref="LocalAddress"/> are this port's (default 1, the gateway). The load
    /// tool's DPDK transport owns one per PAC (<c>--sources</c>, as its kernel transport spreads over the prefix): ARP
    /// for any of them is answered with it, and GRE to any of them goes up. All must lie on the link's subnet.
    /// </summary>
    public int LocalAddressCount { get; init; } = 1;

    /// <summary>Prefix length of the link's subnet: destinations inside it are resolved directly.</summary>
    public required int PrefixLength { get; init; }

    /// <summary>Router for destinations off the subnet (host order), 0 for none (such packets are dropped, counted).</summary>
    public uint NextHop { get; init; }

    /// <summary>Outside or inside.</summary>
    public EthernetRole Role { get; init; }

    /// <summary>Neighbour cache slots.</summary>
    public int NeighbourCapacity { get; init; } = 1024;

    /// <summary>How long an ARP confirmation holds (then the entry is refreshed on use).</summary>
    public TimeSpan ReachableTime { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Least time between two ARP requests for one address (RFC 1122 §2.3.2.1: at most one per second).</summary>
    public TimeSpan RetryInterval { get; init; } = TimeSpan.FromSeconds(1);
}
