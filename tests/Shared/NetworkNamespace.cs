using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using PptpGw.Dataplane.Ports;

namespace PptpGw.Tests.Shared;

/// <summary>
/// A throw-away network namespace (<c>pgw-t-&lt;random&gt;</c> unless named) for the kernel-port, worker and
/// integration tests, deleted on dispose. Code runs inside it on a dedicated thread that joins it with setns(2):
/// sockets and TUN devices opened there stay in the namespace and can be used from any thread afterwards.
/// </summary>
internal sealed class NetworkNamespace : IDisposable
{
    private NetworkNamespace(string name) => Name = name;

    public string Name { get; }

    /// <summary>Adds the namespace <paramref name="name"/> (a random <c>pgw-t-</c> name when null) and sets its lo up.</summary>
    public static NetworkNamespace Create(string? name = null)
    {
        name ??= "pgw-t-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        RunIp($"netns add {name}");
        var ns = new NetworkNamespace(name);
        try
        {
            _ = ns.Ip("link set lo up");
        }
        catch
        {
            ns.Dispose();
            throw;
        }

        return ns;
    }

    /// <summary>Runs <c>ip -n NAME args</c>; throws with ip's message on failure.</summary>
    public string Ip(string arguments) => RunIp($"-n {Name} {arguments}");

    /// <summary>Runs <paramref name="action"/> on a new thread that has joined this namespace.</summary>
    public T Run<T>(Func<T> action)
    {
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                int fd = Libc.Open($"/var/run/netns/{Name}", Libc.O_RDONLY | Libc.O_CLOEXEC);
                if (fd < 0)
                {
                    throw new InvalidOperationException($"open(/var/run/netns/{Name}) failed: errno {Libc.Errno}");
                }

                try
                {
                    if (Libc.SetNs(fd, Libc.CLONE_NEWNET) != 0)
                    {
                        throw new InvalidOperationException($"setns({Name}, CLONE_NEWNET) failed: errno {Libc.Errno}");
                    }
                }
                finally
                {
                    _ = Libc.Close(fd);
                }

                result = action();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        });
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
    }

    public void Dispose()
    {
        try
        {
            RunIp($"netns del {Name}");
        }
        catch (InvalidOperationException)
        {
            // Already gone; nothing else to clean.
        }
    }

    private static string RunIp(string arguments)
    {
        var start = new ProcessStartInfo("ip")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException("could not start ip");
        // Both pipes read at once and every wait bounded: a blocking ReadToEnd waited for ever on an ip that did not end
        // (or on a full stdout pipe while stderr was read first).
        Task<string> errorRead = process.StandardError.ReadToEndAsync();
        Task<string> outputRead = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(10_000) || !Task.WaitAll([errorRead, outputRead], 10_000))
        {
            process.Kill();
            throw new InvalidOperationException($"ip {arguments}: timed out");
        }
        string error = errorRead.Result;
        string output = outputRead.Result;

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"ip {arguments}: exit {process.ExitCode}: {error.Trim()}");
        }

        return output;
    }
}

/// <summary>
/// A fact that needs root, iproute2 and optionally /dev/net/tun; skipped with the reason otherwise.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class KernelFactAttribute : FactAttribute
{
    public KernelFactAttribute(bool needsTun = false)
    {
        string? reason = !OperatingSystem.IsLinux() ? "kernel ports are Linux only"
            : !Environment.IsPrivilegedProcess ? "needs root (creates network namespaces, raw sockets and TUN devices)"
            : !File.Exists("/usr/sbin/ip") && !File.Exists("/sbin/ip") && !File.Exists("/usr/bin/ip") && !File.Exists("/bin/ip") ? "needs iproute2 (the ip command)"
            : needsTun && !File.Exists("/dev/net/tun") ? "/dev/net/tun is missing (no TUN driver)"
            : null;
        if (reason is not null)
        {
            Skip = reason;
        }
    }
}
