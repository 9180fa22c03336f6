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
            var start = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (string word in new[] { "route", "replace", prefix, "dev", deviceName })
                start.ArgumentList.Add(word);
            try
            {
                using Process process = Process.Start(start)!;
                string error = process.StandardError.ReadToEnd();
                process.WaitForExit();
                if (process.ExitCode != 0)
                    failures.Add($"ip route replace {prefix} dev {deviceName}: {error.Trim()}");
            }
            catch (System.ComponentModel.Win32Exception ex)
            {
                failures.Add($"ip route replace {prefix} dev {deviceName}: {ex.Message} (is iproute2 installed?)");
            }
        }
        return failures;
    }
}
