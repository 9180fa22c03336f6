using System.Globalization;

namespace PptpGw.Load;

/// <summary>
/// The tool needs one descriptor per tunnel (its TCP control connection) besides a few of its own; a process may hold
/// RLIMIT_NOFILE of them (20,000 here, hard). The .NET runtime raises the soft limit to the hard one at start-up.
/// </summary>
public static class FileDescriptorBudget
{
    /// <summary>Descriptors kept for the runtime, the GRE socket, /proc reads and the terminal.</summary>
    public const int Reserve = 64;

    /// <summary>The soft RLIMIT_NOFILE of this process (from /proc/self/limits), or null when unreadable.</summary>
    public static long? CurrentLimit()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/limits"))
            {
                if (!line.StartsWith("Max open files", StringComparison.Ordinal))
                    continue;
                string[] words = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return words[0] == "unlimited" ? long.MaxValue : long.Parse(words[0], CultureInfo.InvariantCulture);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
        }
        return null;
    }

    /// <summary>Descriptors open now.</summary>
    public static int OpenNow()
    {
        try
        {
            return Directory.EnumerateFileSystemEntries("/proc/self/fd").Count();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    /// <summary>Null when <paramref name="tunnels"/> fit; otherwise the sentence that says why not and what to do.</summary>
    public static string? Check(int tunnels, int sessions, int callsPerTunnel)
    {
        if (CurrentLimit() is not { } limit)
            return null;
        long available = limit - OpenNow() - Reserve;
        if (tunnels <= available)
            return null;
        long neededCalls = available > 0 ? (sessions + available - 1) / available : sessions;
        return string.Format(CultureInfo.InvariantCulture,
            "{0} tunnels ({1} sessions at {2} per tunnel) need {0} descriptors, but this process may hold {3} (RLIMIT_NOFILE) and can give " +
            "at most {4} to tunnels: use --calls-per-tunnel {5} or more (the gateway must accept several calls per control connection), " +
            "or fewer sessions.", tunnels, sessions, callsPerTunnel, limit, Math.Max(0, available), neededCalls);
    }
}
