using System.Globalization;

namespace PptpGw.Load;

/// <summary>
/// Reads a process's CPU time (/proc/PID/stat utime + stime, proc(5)), resident set (/proc/PID/status VmRSS) and open
/// descriptors (the entries of /proc/PID/fd). Used for the gateway (<c>--gateway-pid</c>) and for the tool itself.
/// </summary>
public sealed class ProcessSampler(int pid)
{
    // sysconf(_SC_CLK_TCK): 100 on every Linux the project runs on (USER_HZ is fixed by the kernel ABI).
    private const double ClockTicksPerSecond = 100;

    public int Pid { get; } = pid;

    /// <summary>A sample, or null when the process is gone or unreadable.</summary>
    public ProcessSample? TryRead()
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{Pid}/stat");
            // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // fields[0] is field 3 (state); utime is field 14, stime field 15.
            double cpu = (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture))
                / ClockTicksPerSecond;
            long rss = 0;
            foreach (string line in File.ReadLines($"/proc/{Pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    rss = long.Parse(line.AsSpan(6).Trim().ToString().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
                    break;
                }
            }
            int fds = Directory.EnumerateFileSystemEntries($"/proc/{Pid}/fd").Count();
            return new ProcessSample(cpu, rss, fds);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}
