using System.Globalization;
using System.Runtime.InteropServices;

namespace PptpGw.Gateway.Hosting;

/// <summary>
/// The process's open-file limit (RLIMIT_NOFILE) and what it leaves for PPTP control connections: every control
/// connection holds one descriptor (its TCP socket), so the connection limit is derived from the limit instead of
/// trusting a configured number that the kernel would refuse with EMFILE.
/// </summary>
/// <param name="SoftBefore">The soft limit the process started with.</param>
/// <param name="Soft">The soft limit now (raised to the hard one when it was lower).</param>
/// <param name="Hard">The hard limit (only root may raise it; the gateway never does).</param>
/// <param name="OpenAtStart">Descriptors open when the budget was computed (runtime, log, dataplane sockets, TUN).</param>
/// <param name="Reserve">Descriptors kept back for everything but control connections.</param>
public sealed partial record FileDescriptorLimits(long SoftBefore, long Soft, long Hard, int OpenAtStart, int Reserve)
{
    /// <summary>Kept for AAA sockets (RADIUS, TACACS+ per request), the admin socket and its clients, syslog, DAE and the runtime's own.</summary>
    public const int FixedReserve = 128;

    /// <summary>Plus 1/64 of the limit: the runtime's descriptors grow with load (epoll, timers, thread-pool pipes).</summary>
    public const int ProportionalReserveDivisor = 64;

    /// <summary>How many control connections the limit leaves room for (at least 1).</summary>
    public int ConnectionBudget => (int)Math.Clamp(Soft - OpenAtStart - Reserve, 1, int.MaxValue);

    /// <summary>Raises the soft RLIMIT_NOFILE to the hard one and computes the budget; null where there is no such limit (not Linux, or getrlimit failed).</summary>
    public static FileDescriptorLimits? RaiseAndMeasure()
    {
        if (!OperatingSystem.IsLinux())
            return null;
        if (GetRlimit(RlimitNofile, out Rlimit limit) != 0)
            return null;
        long before = Clamp(limit.Current);
        if (limit.Current < limit.Maximum)
        {
            var raised = new Rlimit { Current = limit.Maximum, Maximum = limit.Maximum };
            // An infinite hard limit is refused by setrlimit beyond fs.nr_open: fall back to what the kernel allows.
            if (SetRlimit(RlimitNofile, ref raised) != 0 && ReadNrOpen() is { } nrOpen && (ulong)nrOpen > limit.Current)
            {
                raised.Current = (ulong)nrOpen;
                _ = SetRlimit(RlimitNofile, ref raised);
            }
            _ = GetRlimit(RlimitNofile, out limit);
        }
        long soft = Clamp(limit.Current);
        return new FileDescriptorLimits(before, soft, Clamp(limit.Maximum), CountOpen(), FixedReserve + (int)Math.Min(int.MaxValue / 2, soft / ProportionalReserveDivisor));
    }

    /// <summary>"open files: soft 4096 (was 1024), hard 4096, 23 open, 192 reserved: at most 3881 control connections".</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"open files: soft {Soft}{(SoftBefore != Soft ? $" (raised from {SoftBefore})" : "")}, hard {Hard}, {OpenAtStart} open, {Reserve} reserved: room for {ConnectionBudget} control connections");

    private static int CountOpen()
    {
        try
        {
            return Directory.EnumerateFileSystemEntries("/proc/self/fd").Count();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 64;
        }
    }

    private static long? ReadNrOpen()
    {
        try
        {
            return long.TryParse(File.ReadAllText("/proc/sys/fs/nr_open").Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long n) ? n : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static long Clamp(ulong value) => value > long.MaxValue ? long.MaxValue : (long)value;

    private const int RlimitNofile = 7;

    [StructLayout(LayoutKind.Sequential)]
    private struct Rlimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static partial int GetRlimit(int resource, out Rlimit limit);

    [LibraryImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    private static partial int SetRlimit(int resource, ref Rlimit limit);
}
