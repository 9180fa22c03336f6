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

    private static string? RunIp(params string[] words)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string word in words)
            start.ArgumentList.Add(word);
        string command = "ip " + string.Join(' ', words);
        try
        {
            using Process process = Process.Start(start)!;
            string error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0 ? null : $"{command}: {error.Trim()}";
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return $"{command}: {ex.Message} (is iproute2 installed?)";
        }
    }
}
