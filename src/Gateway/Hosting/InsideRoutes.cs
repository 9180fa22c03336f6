using System.Diagnostics;
using System.Globalization;
using PptpGw.ControlPlane.Pools;

namespace PptpGw.Gateway.Hosting;

/// <summary>
/// The routes that send the clients' addresses into the dataplane's inside interface (the TUN device of the kernel
/// backend): the pool ranges as the fewest CIDR prefixes that cover them exactly. Installed once at start-up with
/// <c>ip route replace PREFIX dev IFNAME</c> (iproute2), replacing stale routes of an earlier run; the kernel removes
/// them itself when the TUN device goes away.
/// </summary>
public static class InsideRoutes
{
    /// <summary>The CIDR prefixes ("192.168.1.0/27") covering exactly the addresses of <paramref name="ranges"/>.</summary>
    public static IReadOnlyList<string> Prefixes(IEnumerable<Ipv4Range> ranges)
    {
        ArgumentNullException.ThrowIfNull(ranges);
        var prefixes = new List<string>();
        foreach (Ipv4Range range in ranges)
        {
            ulong first = range.First;
            ulong last = range.Last;
            while (first <= last)
            {
                // The largest block aligned at 'first' that does not pass 'last'.
                int size = first == 0 ? 32 : Math.Min(32, System.Numerics.BitOperations.TrailingZeroCount(first));
                while (size > 0 && first + (1UL << size) - 1 > last)
                    size--;
                prefixes.Add(string.Create(CultureInfo.InvariantCulture, $"{Ipv4.Format((uint)first)}/{32 - size}"));
                first += 1UL << size;
            }
        }
        return prefixes;
    }

    /// <summary>Runs <c>ip route replace PREFIX dev <paramref name="deviceName"/></c> for each prefix; returns the failures' texts.</summary>
    public static IReadOnlyList<string> Install(string deviceName, IEnumerable<string> prefixes)
    {
        ArgumentException.ThrowIfNullOrEmpty(deviceName);
        ArgumentNullException.ThrowIfNull(prefixes);
        var failures = new List<string>();
        foreach (string prefix in prefixes)
        {
            if (RunIp("route", "replace", prefix, "dev", deviceName) is { } failure)
                failures.Add(failure);
        }
        return failures;
    }

    /// <summary>The prefixes of <paramref name="before"/> that <paramref name="after"/> no longer has (a shrunk pool's routes to remove).</summary>
    public static IReadOnlyList<string> Stale(IEnumerable<Ipv4Range> before, IEnumerable<Ipv4Range> after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var kept = new HashSet<string>(Prefixes(after), StringComparer.Ordinal);
        return [.. Prefixes(before).Where(p => !kept.Contains(p))];
    }

    /// <summary>Runs <c>ip route del PREFIX dev <paramref name="deviceName"/></c> for each prefix; returns the failures' texts.</summary>
    public static IReadOnlyList<string> Remove(string deviceName, IEnumerable<string> prefixes)
    {
        ArgumentException.ThrowIfNullOrEmpty(deviceName);
        ArgumentNullException.ThrowIfNull(prefixes);
        var failures = new List<string>();
        foreach (string prefix in prefixes)
        {
            if (RunIp("route", "del", prefix, "dev", deviceName) is { } failure)
                failures.Add(failure);
        }
        return failures;
    }

    /// <summary>
    /// Routes of the main table that send part of <paramref name="ranges"/> into a TUN device already (another running
    /// gateway's, whose routes <see cref="Install"/> would replace and, when this instance stopped, take away with its own
    /// TUN): "198.19.10.0/26 dev pptpgw0". Read before this gateway creates its TUN, so its own device is never among them.
    /// A stale route of a crashed run cannot appear: the kernel removes it with the TUN device.
    /// </summary>
    public static IReadOnlyList<string> ForeignTunRoutes(IEnumerable<Ipv4Range> ranges)
    {
        ArgumentNullException.ThrowIfNull(ranges);
        (string? output, string? failure) = RunIpOutput("-o", "-4", "route", "show", "table", "main");
        return failure is not null ? [] : TunRoutesOverlapping(output!, ranges, IsTunDevice);
    }

    /// <summary>
    /// The lines of <c>ip -o -4 route show</c> output whose prefix (not the default route) overlaps <paramref name="ranges"/>
    /// and whose device <paramref name="isTun"/> says is a TUN device, as "PREFIX dev NAME".
    /// </summary>
    public static IReadOnlyList<string> TunRoutesOverlapping(string ipRouteOutput, IEnumerable<Ipv4Range> ranges, Func<string, bool> isTun)
    {
        ArgumentNullException.ThrowIfNull(ipRouteOutput);
        ArgumentNullException.ThrowIfNull(isTun);
        Ipv4Range[] pool = [.. ranges];
        var found = new List<string>();
        foreach (string line in ipRouteOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            // "PREFIX dev NAME ..." or "A.B.C.D dev NAME ..." (a /32); typed routes ("blackhole P", "unreachable P") carry no device.
            int dev = Array.IndexOf(words, "dev");
            if (words.Length == 0 || dev < 0 || dev + 1 >= words.Length)
                continue;
            string prefix = words[0];
            int slash = prefix.IndexOf('/', StringComparison.Ordinal);
            int length = 32;
            if (slash >= 0 && !int.TryParse(prefix.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out length))
                continue;
            if (length is <= 0 or > 32 || !Ipv4.TryParse(slash >= 0 ? prefix.AsSpan(0, slash) : prefix, out uint network))
                continue;
            ulong first = network & (uint)(ulong.MaxValue << (32 - length));
            ulong last = first + (1UL << (32 - length)) - 1;
            if (!pool.Any(r => r.First <= last && first <= r.Last) || !isTun(words[dev + 1]))
                continue;
            found.Add($"{prefix} dev {words[dev + 1]}");
        }
        return found;
    }

    /// <summary>A TUN/TAP device has <c>/sys/class/net/NAME/tun_flags</c> (sysfs of this network namespace).</summary>
    private static bool IsTunDevice(string name) =>
        !name.Contains('/', StringComparison.Ordinal) && name is not ("." or "..") && File.Exists($"/sys/class/net/{name}/tun_flags");

    /// <summary>
    /// Adds (or, with <paramref name="add"/> false, removes) the host route of one client address that lies outside the
    /// pool — a RADIUS Framed-IP-Address (RFC 2865 §5.8) — so replies to it enter the tunnel; returns the failure text or null.
    /// </summary>
    public static string? SetHostRoute(string deviceName, uint address, bool add)
    {
        ArgumentException.ThrowIfNullOrEmpty(deviceName);
        string prefix = string.Create(CultureInfo.InvariantCulture, $"{Ipv4.Format(address)}/32");
        return add ? RunIp("route", "replace", prefix, "dev", deviceName) : RunIp("route", "del", prefix, "dev", deviceName);
    }

    private static string? RunIp(params string[] words) => RunIpOutput(words).Failure;

    private static (string? Output, string? Failure) RunIpOutput(params string[] words)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string word in words)
            start.ArgumentList.Add(word);
        string command = "ip " + string.Join(' ', words);
        try
        {
            using Process process = Process.Start(start)!;
            Task<string> output = process.StandardOutput.ReadToEndAsync();
            string error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0 ? (output.Result, null) : (null, $"{command}: {error.Trim()}");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (null, $"{command}: {ex.Message} (is iproute2 installed?)");
        }
    }
}
