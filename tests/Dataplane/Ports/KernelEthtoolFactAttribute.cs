namespace PptpGw.Tests.Dataplane.Ports;

/// <summary>A kernel-port test (root, iproute2, /dev/net/tun) that also runs ethtool to change a veth's offloads.</summary>
internal sealed class KernelEthtoolFactAttribute : FactAttribute
{
    public KernelEthtoolFactAttribute()
    {
        string? reason = !OperatingSystem.IsLinux() ? "kernel ports are Linux only"
            : !Environment.IsPrivilegedProcess ? "needs root (creates network namespaces and TUN devices)"
            : !File.Exists("/dev/net/tun") ? "/dev/net/tun is missing (no TUN driver)"
            : !new[] { "/usr/sbin/ethtool", "/sbin/ethtool", "/usr/bin/ethtool" }.Any(File.Exists) ? "needs ethtool (apt-get install ethtool)"
            : null;
        if (reason is not null)
            Skip = reason;
    }
}
