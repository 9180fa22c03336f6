using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using PptpGw.Tests.Shared;

namespace PptpGw.Tests.Integration;

/// <summary>
/// The integration tests: the published gateway and client processes in network namespaces, one at a time (they use
/// raw GRE sockets, TUN devices and a lot of wall-clock time; running them next to each other would only blur timings).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class IntegrationCollection
{
    public const string Name = "Integration";
}

/// <summary>A fact that needs root, iproute2, /dev/net/tun, ping and the pptpgw binary; skipped, saying why, otherwise.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class IntegrationFactAttribute : FactAttribute
{
    public IntegrationFactAttribute()
    {
        Skip = !OperatingSystem.IsLinux() ? "Linux only (network namespaces)"
            : !Environment.IsPrivilegedProcess ? "needs root (network namespaces, raw GRE sockets, TUN devices)"
            : Lab.FindTool("ip") is null ? "needs iproute2's ip"
            : Lab.FindTool("ping") is null ? "needs ping (iputils-ping)"
            : !File.Exists("/dev/net/tun") ? "needs /dev/net/tun"
            : Lab.GatewayBinary is null ? "the pptpgw binary was not found (./build.sh build publishes artifacts/bin/pptpgw)"
            : null;
    }
}

/// <summary>
/// One test's network: a gateway namespace and a client namespace joined by a veth pair (198.18.10.1/24 "outside" on
/// the gateway, 198.18.10.2/24 on the client), a gateway configuration written from a template, the gateway process
/// and client processes. Namespaces are named <c>pgw-it-RANDOM-gw|cl</c> and deleted on dispose, and every process
/// still running is killed by its PID.
/// </summary>
internal sealed class Lab : IAsyncDisposable
{
    public const string GatewayOutside = "198.18.10.1";
    public const string ClientOutside = "198.18.10.2";
    public const string GatewayInside = "198.18.20.1";
    public const string User = "alice";
    public const string Password = "Wonder-land-42";

    private readonly List<LabProcess> _processes = [];
    private readonly string _dir;

    private Lab(string id, string dir, NetworkNamespace gatewayNamespace, NetworkNamespace clientNamespace)
    {
        Id = id;
        _dir = dir;
        GatewayNamespace = gatewayNamespace;
        ClientNamespace = clientNamespace;
        AdminSocket = Path.Combine(dir, "admin.sock");
        ConfigPath = Path.Combine(dir, "pix.cfg");
    }

    public string Id { get; }
    public NetworkNamespace GatewayNamespace { get; }
    public NetworkNamespace ClientNamespace { get; }
    public string AdminSocket { get; }
    public string ConfigPath { get; }
    public LabProcess? Gateway { get; private set; }

    /// <summary>The lab's directory (configuration, admin socket).</summary>
    public string LabDirectory => _dir;

    /// <summary>The gateway executable: the published artifacts/bin/pptpgw unless the test build's copy is newer (a stale publish).</summary>
    public static string? GatewayBinary { get; } = LocateBinary();

    /// <summary>The lines every test's configuration starts with; <paramref name="groupLines"/> are the test's own (without "vpdn group 1 ").</summary>
    public static string Configuration(string pool, params string[] groupLines)
    {
        var sb = new StringBuilder();
        sb.AppendLine("nameif ethernet0 outside security0");
        sb.AppendLine("nameif ethernet1 inside security100");
        sb.AppendLine($"ip address outside {GatewayOutside} 255.255.255.0");
        sb.AppendLine($"ip address inside {GatewayInside} 255.255.255.0");
        sb.AppendLine($"ip local pool lab {pool}");
        sb.AppendLine("vpdn group 1 accept dialin pptp");
        sb.AppendLine("vpdn group 1 client configuration address local lab");
        foreach (string line in groupLines)
            sb.AppendLine("vpdn group 1 " + line);
        sb.AppendLine($"vpdn username {User} password {Password}");
        sb.AppendLine("vpdn enable outside");
        return sb.ToString();
    }

    /// <summary>Creates the namespaces and the link, writes the configuration (admin socket and kernel dataplane added).</summary>
    public static Lab Create(string configuration)
    {
        string id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
        string dir = Directory.CreateTempSubdirectory("pgw-it-").FullName;
        var gateway = NetworkNamespace.Create($"pgw-it-{id}-gw");
        NetworkNamespace client;
        try
        {
            client = NetworkNamespace.Create($"pgw-it-{id}-cl");
        }
        catch
        {
            gateway.Dispose();
            throw;
        }
        var lab = new Lab(id, dir, gateway, client);
        try
        {
            // One worker unless the test names a count: the tests' views (show dataplane, metrics by worker) read worker 0,
            // and the default is one worker per core (issue 12), which differs between hosts.
            string workers = configuration.Contains("gateway dataplane workers ", StringComparison.Ordinal) ? "" : "gateway dataplane workers 1\n";
            File.WriteAllText(lab.ConfigPath, configuration + $"gateway admin-socket {lab.AdminSocket}\ngateway dataplane kernel\n" + workers);
            // Created inside the gateway's namespace with the peer moved at once: no interface name in the host namespace.
            lab.IpGw($"link add outside type veth peer name eth0 netns {client.Name}");
            lab.IpGw($"addr add {GatewayOutside}/24 dev outside");
            lab.IpGw("link set outside up");
            lab.IpClient($"addr add {ClientOutside}/24 dev eth0");
            lab.IpClient("link set eth0 up");
            return lab;
        }
        catch
        {
            lab.DeleteNamespaces();
            throw;
        }
    }

    public string IpGw(string arguments) => GatewayNamespace.Ip(arguments);

    public string IpClient(string arguments) => ClientNamespace.Ip(arguments);

    /// <summary>
    /// Starts <c>pptpgw run</c> in the gateway namespace and waits for its "PPTP on" line; <paramref name="openFiles"/>
    /// sets its RLIMIT_NOFILE (soft and hard) with <c>prlimit</c>.
    /// </summary>
    /// <paramref name="wrapper"/> goes before the binary (e.g. <c>setpriv --reuid=...</c> for a non-root run).
    public async Task<LabProcess> StartGatewayAsync(int? openFiles = null, string[]? wrapper = null)
    {
        string[] limit = openFiles is { } n ? ["prlimit", $"--nofile={n}:{n}", "--"] : [];
        LabProcess gateway = Start("gateway", ["ip", "netns", "exec", GatewayNamespace.Name, .. limit, .. wrapper ?? [], GatewayBinary!, "run", "--config", ConfigPath]);
        Gateway = gateway;
        await gateway.WaitForLineAsync("PPTP on ", TimeSpan.FromSeconds(20));
        return gateway;
    }

    /// <summary>Starts <c>pptpgw dial GATEWAY --user alice --password ...</c> in the client namespace with <paramref name="arguments"/> added.</summary>
    public LabProcess Dial(string name, params string[] arguments) =>
        DialAs(name, User, Password, arguments);

    public LabProcess DialAs(string name, string user, string password, params string[] arguments) =>
        Start(name, ["ip", "netns", "exec", ClientNamespace.Name, GatewayBinary!, "dial", GatewayOutside, "--user", user, "--password", password,
            "--timeout", "10", .. arguments]);

    /// <summary>An admin command (<c>show vpdn</c>, <c>clear vpdn tunnel all</c>) over the gateway's admin socket.</summary>
    public string Admin(string command) => Run([GatewayBinary!, .. command.Split(' '), "--admin-socket", AdminSocket]);

    /// <summary>Polls <c>show vpdn</c> until it contains <paramref name="text"/>; returns the last answer.</summary>
    public async Task<string> WaitForShowVpdnAsync(string text, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        string answer;
        while (!(answer = Admin("show vpdn")).Contains(text, StringComparison.Ordinal) && clock.Elapsed < timeout)
            await Task.Delay(50);
        return answer;
    }

    /// <summary>One ICMP echo from the client namespace; true when answered.</summary>
    public bool PingFromClient(string address)
    {
        (int code, _, _) = RunRaw("ip", "netns", "exec", ClientNamespace.Name, "ping", "-c", "1", "-W", "2", address);
        return code == 0;
    }

    /// <summary>Every process this lab started and what it printed (a stalled test's failure message).</summary>
    public string ProcessOutputs()
    {
        LabProcess[] processes;
        lock (_processes)
            processes = [.. _processes];
        return string.Join('\n', processes.Select(p => $"--- {p}{(p.HasExited ? ", exited" : ", running")} ---\n{p.Output}"));
    }

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
        foreach (LabProcess process in processes)
            await process.DisposeAsync();
        DeleteNamespaces();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void DeleteNamespaces()
    {
        ClientNamespace.Dispose();
        GatewayNamespace.Dispose();
    }

    /// <summary>Runs a short command; throws with its output when it fails.</summary>
    public static string Run(params string[] command)
    {
        (int code, string stdout, string stderr) = RunRaw(command);
        if (code != 0)
            throw new InvalidOperationException($"{string.Join(' ', command)}: exit {code}: {stderr.Trim()} {stdout.Trim()}");
        return stdout;
    }

    public static (int Code, string Out, string Err) RunRaw(params string[] command)
    {
        var start = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in command.AsSpan(1))
            start.ArgumentList.Add(argument);
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(20_000))
        {
            process.Kill();
            throw new TimeoutException($"{string.Join(' ', command)}: no exit in 20 s");
        }
        // Exited, but its pipes reach EOF only when every holder closes them (a descendant that inherited them): bounded
        // too, so that no such holder can block the test thread for good.
        if (!Task.WaitAll([stdout, stderr], 10_000))
            throw new TimeoutException($"{string.Join(' ', command)}: exited {process.ExitCode}, but its output did not end within 10 s (a descendant holds its pipes)");
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    public static string? FindTool(string name) =>
        new[] { "/usr/sbin", "/usr/bin", "/sbin", "/bin" }.Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    private static string? LocateBinary()
    {
        string testBuild = Path.Combine(AppContext.BaseDirectory, "pptpgw");
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "build.sh")))
                continue;
            string published = Path.Combine(dir.FullName, "artifacts", "bin", "pptpgw");
            if (File.Exists(published) && (!File.Exists(testBuild + ".dll")
                || File.GetLastWriteTimeUtc(published + ".dll") >= File.GetLastWriteTimeUtc(testBuild + ".dll")))
                return published;
            break;
        }
        return File.Exists(testBuild) ? testBuild : null;
    }
}

/// <summary>A child process whose output lines are collected (stdout and stderr) and can be waited for.</summary>
internal sealed partial class LabProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly Lock _gate = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _disposed;

    private LabProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }
    public int Pid => _process.Id;

    public static LabProcess Start(string name, string[] command)
    {
        var start = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in command.AsSpan(1))
            start.ArgumentList.Add(argument);
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var lab = new LabProcess(name, process);
        process.OutputDataReceived += (_, e) => lab.Add(e.Data);
        process.ErrorDataReceived += (_, e) => lab.Add(e.Data);
        process.Exited += (_, _) => lab.Add(null);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return lab;
    }

    /// <summary>Everything printed so far.</summary>
    public string Output
    {
        get
        {
            lock (_gate)
                return string.Join('\n', _lines);
        }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>Waits for a line containing <paramref name="text"/>; returns it. Throws, with the output so far, at the timeout or when the process exits first.</summary>
    public async Task<string> WaitForLineAsync(string text, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                string? line = _lines.FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal));
                if (line is not null)
                    return line;
                changed = _changed.Task;
            }
            if (_process.HasExited)
            {
                await Task.Delay(100); // the last lines may still be in the pipe
                lock (_gate)
                {
                    if (_lines.FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal)) is { } last)
                        return last;
                }
                throw new Xunit.Sdk.XunitException($"{Name} exited ({_process.ExitCode}) without printing '{text}':\n{Output}");
            }
            try
            {
                await changed.WaitAsync(TimeSpan.FromMilliseconds(200), cts.Token);
            }
            catch (TimeoutException)
            {
            }
            catch (OperationCanceledException)
            {
                throw new Xunit.Sdk.XunitException($"{Name}: no line with '{text}' within {timeout.TotalSeconds} s:\n{Output}");
            }
        }
    }

    /// <summary>Sends SIGTERM (a clean stop: the gateway's StopCCRQ to every peer, the client's hang-up).</summary>
    public void Terminate() => _ = Kill(_process.Id, 15);

    /// <summary>Sends SIGHUP (what logrotate and <c>systemctl reload</c> send).</summary>
    public void Hangup() => _ = Kill(_process.Id, 1);
    /// <summary>Sends <paramref name="signal"/> (9: SIGKILL, a crash) to this process only.</summary>
    public void Signal(int signal) => _ = Kill(_process.Id, signal);

    /// <summary>Waits for the exit and returns the code; throws at the timeout.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"{Name} did not exit within {timeout.TotalSeconds} s:\n{Output}");
        }
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        if (!_process.HasExited)
        {
            Terminate();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(); // SIGKILL, this PID only
            }
        }
        _process.Dispose();
    }

    private void Add(string? line)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            if (line is not null)
                _lines.Add(line);
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
    }

    /// <summary>Counts the lines matching <paramref name="pattern"/>.</summary>
    public int Count(string pattern)
    {
        var regex = new Regex(pattern, RegexOptions.CultureInvariant);
        lock (_gate)
            return _lines.Count(l => regex.IsMatch(l));
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Name} (pid {Pid})");

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
