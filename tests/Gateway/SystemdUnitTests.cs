using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using PptpGw.Gateway.Hosting;

namespace PptpGw.Tests.Gateway;

/// <summary>packaging/pptpgw.service and the sd_notify side of <c>Type=notify</c>.</summary>
public sealed class SystemdUnitTests
{
    [Fact]
    public void Notify_sends_one_datagram_to_the_notify_socket_and_is_a_no_op_without_one()
    {
        string dir = Directory.CreateTempSubdirectory("pgw-notify-").FullName;
        try
        {
            string path = Path.Combine(dir, "notify");
            using var receiver = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            receiver.Bind(new UnixDomainSocketEndPoint(path));
            receiver.ReceiveTimeout = 5000;
            Assert.True(SystemdNotifier.Notify("READY=1\nSTATUS=PPTP on 198.18.0.1:1723", path));
            byte[] buffer = new byte[256];
            int n = receiver.Receive(buffer);
            Assert.Equal("READY=1\nSTATUS=PPTP on 198.18.0.1:1723", Encoding.UTF8.GetString(buffer, 0, n));
            Assert.False(SystemdNotifier.Notify("READY=1", Path.Combine(dir, "nobody-listens")));
            Assert.False(SystemdNotifier.Notify("READY=1", ""));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary><c>systemd-analyze verify</c> on the unit, with ExecStart pointed at the binary under test (it checks that the file is executable).</summary>
    [Fact]
    public void The_unit_passes_systemd_analyze_verify()
    {
        string? analyze = new[] { "/usr/bin/systemd-analyze", "/bin/systemd-analyze" }.FirstOrDefault(File.Exists);
        if (analyze is null)
            return; // not a systemd host (named in the report: the check needs systemd-analyze)
        string repo = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(repo, "build.sh")))
            repo = Path.GetDirectoryName(repo) ?? throw new InvalidOperationException("repository root not found");
        string unit = File.ReadAllText(Path.Combine(repo, "packaging", "pptpgw.service"));
        Assert.Contains("Type=notify", unit, StringComparison.Ordinal);
        Assert.Contains("User=pptpgw", unit, StringComparison.Ordinal);
        Assert.Contains("AmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW", unit, StringComparison.Ordinal);
        Assert.Contains("RuntimeDirectory=pptpgw", unit, StringComparison.Ordinal);
        Assert.Contains("LimitNOFILE=", unit, StringComparison.Ordinal);
        Assert.Contains("ExecReload=/bin/kill -HUP $MAINPID", unit, StringComparison.Ordinal);
        string dir = Directory.CreateTempSubdirectory("pgw-unit-").FullName;
        try
        {
            string copy = Path.Combine(dir, "pptpgw.service");
            File.WriteAllText(copy, unit.Replace("/usr/bin/pptpgw", Path.Combine(AppContext.BaseDirectory, "pptpgw"), StringComparison.Ordinal));
            var start = new ProcessStartInfo(analyze, ["verify", "--man=no", copy]) { RedirectStandardError = true, RedirectStandardOutput = true };
            using Process process = Process.Start(start)!;
            string errors = process.StandardError.ReadToEnd() + process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            // Other units on the host may draw warnings of their own; ours must draw none.
            Assert.True(process.ExitCode == 0, errors);
            Assert.DoesNotContain("pptpgw.service", errors, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
