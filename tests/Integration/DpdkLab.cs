using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using PptpGw.Tests.Shared;

namespace PptpGw.Tests.Integration;

/// <summary>
/// A fact that runs the gateway on the DPDK dataplane (Debian's DPDK 22.11, <c>--no-huge --no-pci</c>, virtual devices):
/// it needs what <see cref="IntegrationFactAttribute"/> needs, plus libdpdk (the Debian packages <c>dpdk</c> and
/// <c>libdpdk-dev</c>, which <c>./build.sh</c> installs as root) and ethtool. Skipped, saying which is missing, only when
/// DPDK cannot run at all; a machine with libdpdk but without the built shim fails the test instead (./build.sh did not
/// build native/).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class DpdkFactAttribute : FactAttribute
{
    public DpdkFactAttribute()
    {
        Skip = !OperatingSystem.IsLinux() ? "Linux only (DPDK, network namespaces)"
            : !Environment.IsPrivilegedProcess ? "needs root (network namespaces, AF_PACKET sockets, the exception path's TAP device)"
            : Lab.FindTool("ip") is null ? "needs iproute2's ip"
            : Lab.FindTool("ping") is null ? "needs ping (iputils-ping)"
            : Lab.FindTool("ethtool") is null ? "needs ethtool (the peers' veths must compute TCP checksums: ethtool -K eth0 tx off)"
            : !File.Exists("/dev/net/tun") ? "needs /dev/net/tun (the exception path is a net_tap device)"
            : DpdkLab.LibdpdkMissing() is { } missing ? missing
            : Lab.GatewayBinary is null ? "the pptpgw binary was not found (./build.sh build publishes artifacts/bin/pptpgw)"
            : null;
    }
}

/// <summary>
/// The three-namespace network of the demo, with the gateway on the DPDK dataplane: client (<c>eth0</c>
/// 198.18.10.2/24) — veth — gateway (<c>outside</c>, a <c>net_af_packet</c> DPDK port with no kernel address; the
/// gateway answers ARP for 198.18.10.1 itself and hands TCP 1723 to the kernel through the exception TAP
/// <c>pptpgw-x0</c>) and gateway (<c>inside</c>, the second <c>net_af_packet</c> port, 198.18.20.1) — veth — inside
/// host (<c>eth0</c> 198.18.20.2/24, default route via the gateway). Namespaces are <c>dp2-RANDOM-gw|cl|in</c>; the EAL
/// runs with its own <c>--file-prefix</c>, whose runtime directory is removed on dispose.
/// </summary>
internal sealed partial class DpdkLab : IAsyncDisposable
{
    public const string InsideHost = "198.18.20.2";

    /// <summary>The lab's pool (198.19.10.10-198.19.10.50) begins with this prefix among the routes the gateway installs into its inside exception TAP.</summary>
    public const string PoolPrefix = "198.19.10.10/31";
    private const string RuntimeRoot = "/var/run/dpdk";

    private readonly List<LabProcess> _processes = [];
    private readonly string _dir;
    private readonly NetworkNamespace[] _namespaces;

    private DpdkLab(string id, string dir, NetworkNamespace gateway, NetworkNamespace client, NetworkNamespace inside)
    {
        Id = id;
        _dir = dir;
        Gateway = gateway;
        Client = client;
        Inside = inside;
        _namespaces = [client, inside, gateway];
        AdminSocket = Path.Combine(dir, "admin.sock");
        ConfigPath = Path.Combine(dir, "pix.cfg");
        FilePrefix = $"pgw-it-{id}";
    }

    public string Id { get; }
    public NetworkNamespace Gateway { get; }
    public NetworkNamespace Client { get; }
    public NetworkNamespace Inside { get; }
    public string AdminSocket { get; }
    public string ConfigPath { get; }

    /// <summary>The EAL's <c>--file-prefix</c> (its runtime directory under /var/run/dpdk).</summary>
    public string FilePrefix { get; }

    public LabProcess? GatewayProcess { get; private set; }

    /// <summary>Why libdpdk cannot be used here, or null: its EAL library and the PMDs the lab uses must be installed.</summary>
    public static string? LibdpdkMissing()
    {
        string[] dirs = ["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib", "/usr/local/lib"];
        if (!dirs.Any(d => File.Exists(Path.Combine(d, "librte_eal.so.23"))))
            return "libdpdk 22.11 is not installed (librte_eal.so.23; Debian packages dpdk and libdpdk-dev: ./build.sh installs them as root)";
        if (!dirs.Any(d => Directory.Exists(Path.Combine(d, "dpdk")) && Directory.EnumerateFiles(Path.Combine(d, "dpdk"), "librte_net_af_packet.so*", SearchOption.AllDirectories).Any()))
            return "DPDK's net_af_packet PMD is not installed (Debian package librte-net-af-packet23, a dependency of libdpdk-dev)";
        return null;
    }

    /// <summary>
    /// The shim where the gateway looks for it (DpdkNative.FindShim): next to the binary (./build.sh build copies it
    /// there) or in the repository's artifacts/native (native/build.sh's output); null when neither has it.
    /// </summary>
    public static string? Shim
    {
        get
        {
            if (Lab.GatewayBinary is not { } bin)
                return null;
            for (DirectoryInfo? dir = new(Path.GetDirectoryName(bin)!); dir is not null; dir = dir.Parent)
            {
                foreach (string candidate in new[] { Path.Combine(dir.FullName, "libpgwdpdk.so"), Path.Combine(dir.FullName, "artifacts", "native", "libpgwdpdk.so") })
                {
                    if (File.Exists(candidate))
                        return candidate;
                }
            }
            return null;
        }
    }

    /// <summary>The lab's PIX configuration with the DPDK lines (<paramref name="extra"/> appended).</summary>
    public string Configuration(params string[] extra)
    {
        var sb = new StringBuilder(Lab.Configuration("198.19.10.10-198.19.10.50", "ppp authentication mschapv2", "ppp encryption mppe 128 required"));
        sb.AppendLine($"gateway admin-socket {AdminSocket}");
        sb.AppendLine("gateway dataplane dpdk");
        sb.AppendLine($"gateway dpdk eal --no-huge -m 512 --no-pci --no-telemetry --file-prefix {FilePrefix}");
        sb.AppendLine("gateway dpdk port outside net_af_packet0,iface=outside");
        sb.AppendLine("gateway dpdk port inside net_af_packet1,iface=inside");
        foreach (string line in extra)
            sb.AppendLine(line);
        return sb.ToString();
    }

    /// <summary>
    /// Creates the namespaces, the veths and the peers' addresses (the gateway's veths get none: they are DPDK ports),
    /// and writes the configuration with <paramref name="extraConfiguration"/> lines appended.
    /// </summary>
    public static DpdkLab Create(params string[] extraConfiguration)
    {
        string id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
        string dir = Directory.CreateTempSubdirectory("pgw-dpdk-").FullName;
        var created = new List<NetworkNamespace>();
        try
        {
            foreach (string role in new[] { "gw", "cl", "in" })
                created.Add(NetworkNamespace.Create($"dp2-{id}-{role}"));
        }
        catch
        {
            created.ForEach(n => n.Dispose());
            throw;
        }

        var lab = new DpdkLab(id, dir, created[0], created[1], created[2]);
        try
        {
            NetworkNamespace gw = lab.Gateway;
            // Created in the gateway's namespace with the peers moved at once: no interface name in the host namespace.
            gw.Ip($"link add outside type veth peer name eth0 netns {lab.Client.Name}");
            gw.Ip($"link add inside type veth peer name eth0 netns {lab.Inside.Name}");
            lab.Client.Ip($"addr add {Lab.ClientOutside}/24 dev eth0");
            lab.Inside.Ip($"addr add {InsideHost}/24 dev eth0");
            foreach (NetworkNamespace ns in new[] { lab.Client, lab.Inside })
                ns.Ip("link set eth0 up");
            gw.Ip("link set outside up");
            gw.Ip("link set inside up");
            lab.Inside.Ip($"route add default via {Lab.GatewayInside}");
            // The veths are DPDK ports: the gateway's kernel (which owns 198.18.10.1 on the exception TAP) must not answer
            // ARP on them (arp_ignore 8: never) or take IPv6 from them, nor IPv4: net_af_packet only copies frames, and the
            // kernel would deliver the client's GRE to its own 198.18.10.1 too (ICMP Protocol Unreachable back) and see
            // TCP twice; strict reverse-path filtering drops it (the route back is through the exception TAPs).
            foreach (string dev in new[] { "outside", "inside" })
                lab.InGateway("sysctl", "-qw", $"net.ipv4.conf.{dev}.arp_ignore=8", $"net.ipv6.conf.{dev}.disable_ipv6=1", $"net.ipv4.conf.{dev}.rp_filter=1");
            // veths leave TCP checksums to the "hardware" (CHECKSUM_PARTIAL); net_af_packet reads the frames raw, so the
            // peers compute them in software (a NIC would have done it on the wire).
            Lab.Run("ip", "netns", "exec", lab.Client.Name, "ethtool", "-K", "eth0", "tx", "off");
            Lab.Run("ip", "netns", "exec", lab.Inside.Name, "ethtool", "-K", "eth0", "tx", "off");
            File.WriteAllText(lab.ConfigPath, lab.Configuration(extraConfiguration));
            return lab;
        }
        catch
        {
            lab.DeleteEverything();
            throw;
        }
    }

    /// <summary>Runs a command in the gateway's namespace; throws with its output when it fails.</summary>
    public string InGateway(params string[] command) => Lab.Run(["ip", "netns", "exec", Gateway.Name, .. command]);

    /// <summary>Starts <c>pptpgw run</c> in the gateway namespace and waits for its "PPTP on" line.</summary>
    public async Task<LabProcess> StartGatewayAsync()
    {
        LabProcess gateway = Start("gateway", ["ip", "netns", "exec", Gateway.Name, Lab.GatewayBinary!, "run", "--config", ConfigPath]);
        GatewayProcess = gateway;
        await gateway.WaitForLineAsync("PPTP on ", TimeSpan.FromSeconds(30));
        return gateway;
    }

    /// <summary>The MAC addresses the gateway's log line gives the outside and inside DPDK ports.</summary>
    public static (string Outside, string Inside) PortMacs(string dataplaneLine)
    {
        Match m = PortMacPattern().Match(dataplaneLine);
        if (!m.Success)
            throw new Xunit.Sdk.XunitException($"no port MACs in '{dataplaneLine}'");
        return (m.Groups[1].Value, m.Groups[2].Value);
    }

    /// <summary>Starts <c>pptpgw dial 198.18.10.1</c> (MS-CHAPv2, MPPE-128) in the client namespace, <paramref name="arguments"/> added.</summary>
    public LabProcess Dial(string name, params string[] arguments) =>
        Start(name, ["ip", "netns", "exec", Client.Name, Lab.GatewayBinary!, "dial", Lab.GatewayOutside, "--user", Lab.User, "--password", Lab.Password,
            "--auth", "mschapv2", "--mppe", "128", "--timeout", "10", .. arguments]);

    /// <summary><paramref name="count"/> ICMP echoes from the client namespace; true when every one is answered.</summary>
    public bool PingFromClient(string address, int count = 1)
    {
        (int code, _, _) = Lab.RunRaw("ip", "netns", "exec", Client.Name, "ping", "-c", count.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-i", "0.2", "-W", "2", address);
        return code == 0;
    }

    /// <summary>One ICMP echo from the inside host's namespace; true when it is answered.</summary>
    public bool PingFromInside(string address)
    {
        (int code, _, _) = Lab.RunRaw("ip", "netns", "exec", Inside.Name, "ping", "-c", "1", "-W", "2", address);
        return code == 0;
    }

    /// <summary>An admin command over the gateway's admin socket.</summary>
    public string Admin(string command) => Lab.Run([Lab.GatewayBinary!, .. command.Split(' '), "--admin-socket", AdminSocket]);

    public LabProcess Start(string name, string[] command)
    {
        var process = LabProcess.Start(name, command);
        lock (_processes)
            _processes.Add(process);
        return process;
    }

    public async ValueTask DisposeAsync()
    {
        LabProcess[] processes;
        lock (_processes)
            processes = [.. _processes];
        // Clients first (they hang up), the gateway last (SIGTERM: rte_eal_cleanup); each by its PID.
        for (int i = processes.Length - 1; i >= 0; i--)
            await processes[i].DisposeAsync();
        DeleteEverything();
    }

    private void DeleteEverything()
    {
        foreach (NetworkNamespace ns in _namespaces)
            ns.Dispose();
        TryDelete(Path.Combine(RuntimeRoot, FilePrefix));
        TryDelete(_dir);
    }

    private static void TryDelete(string dir)
    {
        try
        {
            if (Directory.Exists(dir))
                Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    [GeneratedRegex(@"outside \S+ \(([0-9a-f:]{17})\), inside \S+ \(([0-9a-f:]{17})\)")]
    private static partial Regex PortMacPattern();
}
