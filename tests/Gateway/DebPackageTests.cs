using System.Diagnostics;

namespace PptpGw.Tests.Gateway;

/// <summary>A fact that needs root (dpkg --root into a throw-away root), dpkg-deb and setpriv; skipped, saying why, otherwise.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class DebPackageFactAttribute : FactAttribute
{
    public DebPackageFactAttribute()
    {
        Skip = !OperatingSystem.IsLinux() ? "Linux only"
            : !Environment.IsPrivilegedProcess ? "needs root (dpkg --root, setpriv)"
            : !File.Exists("/usr/bin/dpkg-deb") ? "needs dpkg-deb"
            : !File.Exists("/usr/bin/setpriv") ? "needs setpriv (util-linux)"
            : DebPackageTests.RepositoryRoot is null ? "the repository (build.sh) was not found"
            : null;
    }
}

/// <summary>
/// <c>./build.sh package</c>'s .deb (scripts/package-deb.sh), built afresh by the test (never a package left by an
/// earlier run), installed with <c>dpkg --root</c> into a throw-away root: the files land where the unit expects them,
/// postinst adds the pptpgw system user and makes the configuration readable by it and nobody else, and the installed
/// binary (self-contained: no .NET on the target) answers <c>--version</c> and <c>check</c>, also as that user.
/// </summary>
[Collection(PptpGw.Tests.Integration.IntegrationCollection.Name)] // alone: its self-contained publish takes both cores for a minute
public sealed class DebPackageTests
{
    internal static string? RepositoryRoot { get; } = FindRoot();

    [DebPackageFact]
    public void The_deb_installs_into_a_throwaway_root_and_its_binary_checks_the_sample_as_the_pptpgw_user()
    {
        string work = Directory.CreateTempSubdirectory("pgw-deb-").FullName;
        try
        {
            string deb = Run(Path.Combine(RepositoryRoot!, "scripts", "package-deb.sh"), Path.Combine(work, "out")).Trim().Split('\n')[^1];
            Assert.True(File.Exists(deb), deb);
            string contents = Run("dpkg-deb", "-c", deb);
            foreach (string path in new[] { "./usr/lib/pptpgw/pptpgw", "./usr/bin/pptpgw -> ../lib/pptpgw/pptpgw", "./lib/systemd/system/pptpgw.service",
                "./etc/pptpgw/pptpgw.cfg", "./usr/share/man/man8/pptpgw.8.gz", "./usr/share/bash-completion/completions/pptpgw", "./usr/share/doc/pptpgw/DEPLOY.md" })
                Assert.Contains(path, contents, StringComparison.Ordinal);
            Assert.Equal("/etc/pptpgw/pptpgw.cfg\n", Run("dpkg-deb", "-I", deb, "conffiles"));

            // The throw-away root: dpkg's database and the account files, nothing else (no .NET, no libraries of ours).
            string root = Path.Combine(work, "root");
            foreach (string dir in new[] { "var/lib/dpkg/info", "var/lib/dpkg/updates", "etc" })
                Directory.CreateDirectory(Path.Combine(root, dir));
            File.WriteAllText(Path.Combine(root, "var/lib/dpkg/status"), "");
            File.WriteAllText(Path.Combine(root, "var/lib/dpkg/available"), "");
            File.WriteAllText(Path.Combine(root, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
            File.WriteAllText(Path.Combine(root, "etc/group"), "root:x:0:\n");
            File.WriteAllText(Path.Combine(root, "etc/shadow"), "root:*:19000:0:99999:7:::\n");
            File.WriteAllText(Path.Combine(root, "etc/gshadow"), "root:*::\n");
            // The maintainer scripts run with DPKG_ROOT (no chroot into a root without a shell); the host's libc/libssl
            // serve the binary, so the package's Depends are forced here only.
            Run("dpkg", $"--root={root}", $"--log={Path.Combine(work, "dpkg.log")}", "--force-script-chrootless", "--force-depends", "-i", deb);

            string[] user = Array.Find(File.ReadAllLines(Path.Combine(root, "etc/passwd")), l => l.StartsWith("pptpgw:", StringComparison.Ordinal))!.Split(':');
            Assert.Equal("/usr/sbin/nologin", user[6]);
            string[] group = Array.Find(File.ReadAllLines(Path.Combine(root, "etc/group")), l => l.StartsWith("pptpgw:", StringComparison.Ordinal))!.Split(':');
            string config = Path.Combine(root, "etc/pptpgw/pptpgw.cfg");
            Assert.Equal($"640 0 {group[2]}\n", Run("stat", "-c", "%a %u %g", config));
            string unit = File.ReadAllText(Path.Combine(root, "lib/systemd/system/pptpgw.service"));
            Assert.Contains("User=pptpgw", unit, StringComparison.Ordinal);
            Assert.Contains("AmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW CAP_NET_BIND_SERVICE", unit, StringComparison.Ordinal);
            Assert.Contains("RuntimeDirectory=pptpgw", unit, StringComparison.Ordinal);
            Assert.Contains("ExecStart=/usr/bin/pptpgw run --config /etc/pptpgw/pptpgw.cfg", unit, StringComparison.Ordinal);

            string binary = Path.Combine(root, "usr/bin/pptpgw");
            Assert.StartsWith("pptpgw 1.0.0", Run(binary, "--version"), StringComparison.Ordinal);
            Assert.EndsWith("configuration OK\n", Run(binary, "check", config), StringComparison.Ordinal);
            // As the service user (the unit's ExecStartPre): it reads its configuration; another unprivileged user cannot.
            Run("chmod", "755", work, root);
            Assert.EndsWith("configuration OK\n", Run("setpriv", $"--reuid={user[2]}", $"--regid={group[2]}", "--clear-groups", binary, "check", config),
                StringComparison.Ordinal);
            (int denied, string deniedOut, _) = RunRaw("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", binary, "check", config);
            Assert.Equal(1, denied);
            Assert.Contains("cannot read the configuration", deniedOut, StringComparison.Ordinal);

            // Removal leaves the conffile (Debian policy) and purge removes it.
            Run("dpkg", $"--root={root}", $"--log={Path.Combine(work, "dpkg.log")}", "--force-script-chrootless", "--purge", "pptpgw");
            Assert.False(File.Exists(binary));
            Assert.False(File.Exists(config));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static string Run(params string[] command)
    {
        (int code, string stdout, string stderr) = RunRaw(command);
        Assert.True(code == 0, $"{string.Join(' ', command)}: exit {code}\n{stderr}\n{stdout}");
        return stdout;
    }

    private static (int Code, string Out, string Err) RunRaw(params string[] command)
    {
        var start = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in command.AsSpan(1))
            start.ArgumentList.Add(argument);
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        // The package build publishes a self-contained binary: minutes on a loaded machine.
        if (!process.WaitForExit(900_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{string.Join(' ', command)}: no exit in 15 minutes");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    private static string? FindRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "build.sh")) && File.Exists(Path.Combine(dir.FullName, "scripts", "package-deb.sh")))
                return dir.FullName;
        }
        return null;
    }
}
