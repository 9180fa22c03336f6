using System.Collections.Immutable;
using System.Diagnostics;
using System.Net;
using PptpGw.ControlPlane.Config;

namespace PptpGw.Tests.ControlPlane.Aaa.Radius;

/// <summary>
/// Starts the shared throw-away FreeRADIUS (shared/aaa/freeradius/start.sh) in a directory and on ports of its own,
/// with FR_DEBUG=0 and FR_REJECT_DELAY=0 so rejects come back at once, and stops it (stop.sh --purge) at the end.
/// start.sh installs freeradius when run as root and missing; see <see cref="FreeRadiusFactAttribute"/> for skipping.
/// </summary>
public sealed class FreeRadiusFixture : IDisposable
{
    public const string Secret = "testing123";
    public const int AuthPort = 18124;
    public const int AcctPort = 18134;

    public FreeRadiusFixture()
    {
        Directory = Path.Combine(Path.GetTempPath(), "pptpgw-radius-tests");
        var (code, output) = Run(FreeRadiusFactAttribute.StartScript!, Directory, 240_000);
        if (code != 0)
            throw new InvalidOperationException($"start.sh failed ({code}):\n{output}");
        foreach (var line in output.Split('\n'))
        {
            int eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
                Environment[line[..eq].Trim()] = line[(eq + 1)..].Trim();
        }
        if (!Environment.ContainsKey("FREERADIUS_PID"))
            throw new InvalidOperationException($"start.sh printed no FREERADIUS_PID:\n{output}");
    }

    /// <summary>The server's directory (DIR of the README).</summary>
    public string Directory { get; }

    /// <summary>The KEY=value lines start.sh printed.</summary>
    public Dictionary<string, string> Environment { get; } = [];

    /// <summary>DIR/log/radacct/detail: one block per Accounting-Request.</summary>
    public string AccountingDetailPath => Path.Combine(Directory, "log", "radacct", "detail");

    /// <summary>The live server as a configured host (timeout 1 s so fail-over tests stay short).</summary>
    public static AaaServerHost Host(string key = Secret, int timeoutSeconds = 1, int authPort = AuthPort) =>
        new("inside", IPAddress.Loopback, key, timeoutSeconds, authPort, AcctPort);

    /// <summary>A group of <paramref name="hosts"/>.</summary>
    public static AaaServerGroup Group(bool requireMessageAuthenticator = false, params AaaServerHost[] hosts) =>
        new("RadiusTest", AaaProtocol.Radius, [.. hosts], requireMessageAuthenticator);

    public void Dispose()
    {
        if (FreeRadiusFactAttribute.StopScript is { } stop)
            Run(stop, Directory + " --purge", 30_000);
    }

    /// <summary>Runs a script with the fixture's environment, returns exit code and stdout+stderr.</summary>
    internal static (int Code, string Output) Run(string script, string arguments, int timeoutMs, string? stdin = null, string file = "/bin/bash")
    {
        var psi = new ProcessStartInfo(file, $"{script} {arguments}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        psi.Environment["FR_AUTH_PORT"] = AuthPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        psi.Environment["FR_ACCT_PORT"] = AcctPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        psi.Environment["FR_DEBUG"] = "0";
        psi.Environment["FR_REJECT_DELAY"] = "0";
        using var p = Process.Start(psi)!;
        if (stdin is not null)
        {
            p.StandardInput.Write(stdin);
            p.StandardInput.Close();
        }
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutMs))
        {
            p.Kill(entireProcessTree: true);
            return (-1, "timed out");
        }
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>The blocks of the accounting detail file (blank-line separated), each as attribute → value text.</summary>
    public IReadOnlyList<Dictionary<string, string>> ReadAccountingRecords() => ReadDetail(AccountingDetailPath);

    /// <summary>DIR/log/radacct/auth-detail: each Access-Request as the server decoded it (User-Password removed).</summary>
    public IReadOnlyList<Dictionary<string, string>> ReadAuthenticationRecords() => ReadDetail(Path.Combine(Directory, "log", "radacct", "auth-detail"));

    private static List<Dictionary<string, string>> ReadDetail(string path)
    {
        var records = new List<Dictionary<string, string>>();
        if (!File.Exists(path))
            return records;
        Dictionary<string, string>? current = null;
        foreach (var raw in File.ReadAllLines(path))
        {
            if (raw.Length == 0)
            {
                current = null;
                continue;
            }
            if (!raw.StartsWith('\t'))
            {
                current = [];
                records.Add(current);
                continue;
            }
            int eq = raw.IndexOf(" = ", StringComparison.Ordinal);
            if (current is not null && eq > 0)
                current[raw[..eq].Trim()] = raw[(eq + 3)..].Trim().Trim('"');
        }
        return records;
    }

    /// <summary>Polls the detail file until a record of <paramref name="sessionId"/> with <paramref name="statusType"/> appears.</summary>
    public async Task<Dictionary<string, string>> WaitForAccountingRecordAsync(string sessionId, string statusType, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var match = ReadAccountingRecords().FirstOrDefault(r =>
                r.TryGetValue("Acct-Session-Id", out var id) && id == sessionId
                && r.TryGetValue("Acct-Status-Type", out var type) && type == statusType);
            if (match is not null)
                return match;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"no {statusType} record for session {sessionId} in {AccountingDetailPath}");
            await Task.Delay(50);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class FreeRadiusCollection : ICollectionFixture<FreeRadiusFixture>
{
    public const string Name = "FreeRADIUS";
}

/// <summary>
/// A fact that needs the real FreeRADIUS: skipped, with the reason, when start.sh is not there or when freeradius
/// is missing and we are not root (start.sh can install it only as root). Otherwise the fixture starts it, and a
/// failure to start is a test failure, not a skip.
/// </summary>
public sealed class FreeRadiusFactAttribute : FactAttribute
{
    internal static readonly string? StartScript = Find("start.sh");
    internal static readonly string? StopScript = Find("stop.sh");

    public FreeRadiusFactAttribute()
    {
        if (StartScript is null)
            Skip = "FreeRADIUS test server scripts not found (set PPTPGW_FREERADIUS_DIR or provide /work/shared/aaa/freeradius)";
        else if (!File.Exists("/usr/sbin/freeradius") && System.Environment.UserName != "root")
            Skip = "freeradius is not installed and start.sh can install it only as root (apt-get install freeradius freeradius-utils)";
    }

    private static string? Find(string name)
    {
        var candidates = new List<string?> { System.Environment.GetEnvironmentVariable("PPTPGW_FREERADIUS_DIR") };
        // A checkout that carries the shared folder (shared/aaa/freeradius, as the README names it), then the workspace copy.
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            candidates.Add(Path.Combine(d.FullName, "shared", "aaa", "freeradius"));
        candidates.Add("/work/shared/aaa/freeradius");
        foreach (var dir in candidates)
        {
            if (dir is not null && File.Exists(Path.Combine(dir, name)))
                return Path.Combine(dir, name);
        }
        return null;
    }
}
