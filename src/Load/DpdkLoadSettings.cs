namespace PptpGw.Load;

/// <summary>
/// The load tool's DPDK transport (<c>pptpgw load --dpdk-port DEVARGS [--dpdk-eal ARGS]</c>): the PACs' GRE leaves
/// through a DPDK device (e.g. a <c>net_memif</c> client towards a gateway whose outside port is the memif server, in
/// another process) instead of the raw socket, and the tool's TCP control connections go through a <c>net_tap</c>
/// exception path into this namespace's kernel, which gets <see cref="Address"/>.
/// </summary>
public sealed record DpdkLoadSettings
{
    /// <summary>The EAL's arguments (without argv[0]); an lcore map and a file prefix are added when missing.</summary>
    public IReadOnlyList<string> EalArguments { get; init; } = ["--no-huge", "-m", "512", "--no-pci", "--no-telemetry", "--file-prefix", "pptpgw-load"];

    /// <summary>The DPDK device towards the gateway, e.g. <c>net_memif0,role=client,socket=/run/x.sock,socket-abstract=no</c>.</summary>
    public required string PortDevargs { get; init; }

    /// <summary>The PACs' first address (host order): the TAP's address, and the first of <see cref="AddressCount"/> that ARP answers for.</summary>
    public required uint Address { get; init; }

    /// <summary>
    /// How many consecutive addresses from <see cref="Address"/> the PACs use (the load tool's source plan: the
    /// <c>--sources</c> prefix, tunnel t on address t mod count, as with the kernel transport). The Ethernet layer
    /// answers ARP for each and takes GRE to each; the kernel must hold them as local for the TCP control connections
    /// (<c>ip route add local PREFIX dev lo</c>, as for the kernel transport), which <see cref="DpdkLoadPorts"/> checks.
    /// </summary>
    public int AddressCount { get; init; } = 1;

    /// <summary>Prefix length of the link to the gateway (the gateway must be on it: ARP resolves it directly).</summary>
    public int PrefixLength { get; init; } = 24;

    /// <summary>Name of the kernel side of the exception path.</summary>
    public string TapName { get; init; } = "pgwload0";

    /// <summary>Mbufs lent to DPDK from the tool's packet pool.</summary>
    public int MbufCount { get; init; } = 8192;

    /// <summary>
    /// These settings for the run's source plan (<paramref name="first"/>, <paramref name="count"/> addresses), checked:
    /// every address on the link to <paramref name="gateway"/> (ARP resolves both ways directly) and none the gateway's.
    /// </summary>
    /// <exception cref="LoadSetupException">The addresses do not fit the link.</exception>
    public DpdkLoadSettings ForSources(uint first, int count, uint gateway)
    {
        uint mask = PrefixLength == 0 ? 0 : uint.MaxValue << (32 - PrefixLength);
        uint last = first + (uint)(count - 1);
        string range = count == 1 ? Format(first) : $"{Format(first)}-{Format(last)}";
        if (count < 1 || (ulong)first + (uint)(count - 1) > uint.MaxValue || ((first ^ last) & mask) != 0 || ((first ^ gateway) & mask) != 0)
            throw new LoadSetupException($"--dpdk-port: the PACs' addresses {range} must lie on the gateway's link ({Format(gateway & mask)}/{PrefixLength}): "
                + "the DPDK transport resolves the gateway by ARP");
        if (gateway - first < (uint)count)
            throw new LoadSetupException($"--dpdk-port: the PACs' addresses {range} include the gateway's {Format(gateway)}: choose --sources beside it");
        return this with { Address = first, AddressCount = count };
    }

    private static string Format(uint address) => PptpGw.ControlPlane.Pools.Ipv4.Format(address);
}
