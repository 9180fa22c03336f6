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

    /// <summary>The PACs' address (the one source address of the run, host order): the TAP's address, the one ARP answers for.</summary>
    public required uint Address { get; init; }

    /// <summary>Prefix length of the link to the gateway (the gateway must be on it: ARP resolves it directly).</summary>
    public int PrefixLength { get; init; } = 24;

    /// <summary>Name of the kernel side of the exception path.</summary>
    public string TapName { get; init; } = "pgwload0";

    /// <summary>Mbufs lent to DPDK from the tool's packet pool.</summary>
    public int MbufCount { get; init; } = 8192;
}
