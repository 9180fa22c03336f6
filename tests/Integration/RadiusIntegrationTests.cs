using System.Diagnostics;
using System.Globalization;
using PptpGw.Tests.ControlPlane.Aaa.Radius;
using Xunit.Abstractions;

namespace PptpGw.Tests.Integration;

/// <summary>
/// An integration fact that also needs the shared FreeRADIUS (shared/aaa/freeradius start.sh, stop.sh) and the
/// freeradius and radclient programs already installed: start.sh could install them as root, but an apt-get inside a
/// timed network test is not wanted, so a missing package is a skip with the reason. Once skipping is ruled out, a
/// start.sh that fails is a test failure with its output.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RadiusIntegrationFactAttribute : FactAttribute
{
    public RadiusIntegrationFactAttribute()
    {
        Skip = new IntegrationFactAttribute().Skip
            ?? (FreeRadiusFactAttribute.StartScript is null || FreeRadiusFactAttribute.StopScript is null
                ? "FreeRADIUS test server scripts not found (set PPTPGW_FREERADIUS_DIR or provide /work/shared/aaa/freeradius)"
                : !File.Exists("/usr/sbin/freeradius") || Lab.FindTool("radclient") is null
                ? "needs freeradius and radclient (apt-get install freeradius freeradius-utils)"
                : null);
    }
}

/// <summary>
/// A FreeRADIUS of its own inside the gateway's network namespace (the gateway cannot reach the host's loopback from
/// there): start.sh run under <c>ip netns exec</c>, so its 127.0.0.1 (the configured client, secret testing123) is
/// the namespace's loopback; ports of its own; stopped with <c>stop.sh --purge</c> (by the PID start.sh recorded)
/// before the namespace goes.
/// </summary>
internal sealed class NamespaceFreeRadius : IDisposable
{
    public const int AuthPort = 18126;
    public const int AcctPort = 18136;

    private NamespaceFreeRadius(string directory) => Directory = directory;

    /// <summary>DIR of the README: raddb, radius.log, log/radacct/detail.</summary>
    public string Directory { get; }

    public string AccountingDetailPath => Path.Combine(Directory, "log", "radacct", "detail");

    /// <summary>The server's PID (start.sh's DIR/freeradius.pid): the test pauses it (SIGSTOP/SIGCONT) to hold its answers.</summary>
    public int Pid => int.Parse(File.ReadAllText(Path.Combine(Directory, "freeradius.pid")).Trim(), CultureInfo.InvariantCulture);

    public static NamespaceFreeRadius Start(string networkNamespace)
    {
        string directory = System.IO.Directory.CreateTempSubdirectory("pgw-it-radius-").FullName;
        var radius = new NamespaceFreeRadius(directory);
        (int code, string output) = Script(["ip", "netns", "exec", networkNamespace, "/bin/bash", FreeRadiusFactAttribute.StartScript!, directory], 90_000);
        if (code != 0 || !output.Contains("FREERADIUS_PID=", StringComparison.Ordinal))
        {
            radius.Dispose();
            throw new Xunit.Sdk.XunitException($"start.sh in {networkNamespace} failed ({code}):\n{output}");
        }
        return radius;
    }

    /// <summary>The Accounting-Request blocks of the detail file (blank-line separated), each as attribute → value.</summary>
    public List<Dictionary<string, string>> ReadAccountingRecords()
    {
        var records = new List<Dictionary<string, string>>();
        if (!File.Exists(AccountingDetailPath))
            return records;
        Dictionary<string, string>? current = null;
        foreach (string line in File.ReadAllLines(AccountingDetailPath))
        {
            if (line.Length == 0)
            {
                current = null;
                continue;
            }
            if (!line.StartsWith('\t'))
            {
                current = [];
                records.Add(current); // the block's first line is its time stamp
                continue;
            }
            int eq = line.IndexOf(" = ", StringComparison.Ordinal);
            if (current is not null && eq > 0)
                current[line[..eq].Trim()] = line[(eq + 3)..].Trim().Trim('"');
        }
        return records;
    }

    /// <summary>Polls the detail file for a record matching <paramref name="match"/>.</summary>
    public async Task<Dictionary<string, string>> WaitForAccountingRecordAsync(Func<Dictionary<string, string>, bool> match, string what, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (ReadAccountingRecords().FirstOrDefault(match) is { } record)
                return record;
            if (clock.Elapsed > timeout)
            {
                string detail = File.Exists(AccountingDetailPath) ? File.ReadAllText(AccountingDetailPath) : "(no detail file)";
                throw new Xunit.Sdk.XunitException($"no {what} in {AccountingDetailPath} within {timeout.TotalSeconds} s:\n{detail}");
            }
            await Task.Delay(50);
        }
    }

    public void Dispose()
    {
        _ = Script(["/bin/bash", FreeRadiusFactAttribute.StopScript!, Directory, "--purge"], 30_000);
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true); // --purge removes DIR only when raddb was laid out
        }
        catch (DirectoryNotFoundException)
        {
        }
        catch (IOException)
        {
        }
    }

    private static (int Code, string Output) Script(string[] command, int timeoutMs)
    {
        var start = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in command.AsSpan(1))
            start.ArgumentList.Add(argument);
        start.Environment["FR_AUTH_PORT"] = AuthPort.ToString(CultureInfo.InvariantCulture);
        start.Environment["FR_ACCT_PORT"] = AcctPort.ToString(CultureInfo.InvariantCulture);
        start.Environment["FR_DEBUG"] = "0";
        start.Environment["FR_REJECT_DELAY"] = "0";
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeoutMs))
        {
            process.Kill(); // this PID only: the server it may have started is stopped by stop.sh from its pid file
            return (-1, $"{string.Join(' ', command)}: no exit in {timeoutMs / 1000} s");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}

/// <summary>
/// <c>vpdn group 1 client authentication aaa RAD</c> and <c>client accounting RAD</c> through the kernel dataplane:
/// the published gateway in one namespace with a real FreeRADIUS beside it, <c>pptpgw dial</c> in the other.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class RadiusIntegrationTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Up = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan Exit = TimeSpan.FromSeconds(10);
    private const string NoTunnels = "% No active PPTP tunnels";
    private const string Pool = "198.19.10.10-198.19.10.20";
    private const string BobsFramedIp = "198.19.7.7"; // FreeRADIUS's Framed-IP-Address for bob, outside the pool

    /// <summary>
    /// alice (MS-CHAPv2, MPPE-128): the gateway's MPPE keys are FreeRADIUS's MS-MPPE-Send/Recv-Key (RFC 2548
    /// §2.4.2-2.4.3), the client's are derived from the password (RFC 3079 §3), so a ping answered through the tunnel
    /// proves they agree; <c>show vpdn</c> names the server; the hang-up leaves an Accounting Start and Stop (RFC 2866)
    /// with counters and session time in the detail file. bob gets his Framed-IP-Address (RFC 2865 §5.8) though it
    /// lies outside the pool; mallory is rejected (client exit 5, 603103 failed) and gets no accounting.
    /// </summary>
    [RadiusIntegrationFact]
    public async Task Radius_authentication_and_accounting_through_the_kernel_dataplane()
    {
        string aaa = $"aaa-server RAD protocol radius\n"
            + $"aaa-server RAD (inside) host 127.0.0.1 testing123 timeout 2 port {NamespaceFreeRadius.AuthPort} acct-port {NamespaceFreeRadius.AcctPort}\n"
            + $"accounting spool {TestTemp.Directory("pgw-it-acct-")}\n";
        await using Lab lab = Lab.Create(aaa + Lab.Configuration(Pool,
            "ppp authentication mschapv2", "ppp encryption mppe 128 required",
            "client authentication aaa RAD", "client accounting RAD"));
        var clock = Stopwatch.StartNew();
        // Stopped (and DIR purged) before the lab deletes the namespace: declared later, disposed first.
        using NamespaceFreeRadius radius = NamespaceFreeRadius.Start(lab.GatewayNamespace.Name);
        output.WriteLine($"FreeRADIUS up in {lab.GatewayNamespace.Name} after {clock.ElapsedMilliseconds} ms");
        LabProcess gateway = await lab.StartGatewayAsync();

        // alice: up with 128-bit MPPE whose gateway keys came from FreeRADIUS, traffic both ways.
        await using (LabProcess alice = lab.DialAs("alice", "alice", "alice-pass", "--auth", "mschapv2", "--mppe", "128", "--seconds", "60", "--tun", "pptp0"))
        {
            string link = await alice.WaitForLineAsync("DIAL: link up", Up);
            Assert.Contains("mppe=128 stateless", link, StringComparison.Ordinal);
            Assert.Contains("auth=MsChapV2", link, StringComparison.Ordinal);
            Assert.Contains("local=198.19.10.", link, StringComparison.Ordinal);
            Assert.Contains($"remote={Lab.GatewayInside}", link, StringComparison.Ordinal);
            Assert.True(lab.PingFromClient(Lab.GatewayInside), "no ping reply through the MPPE tunnel: the RADIUS keys and the client's do not agree");
            await gateway.WaitForLineAsync("603103: PPP virtual interface 1 - user: alice aaa authentication succeed", Exit);

            string vpdn = lab.Admin("show vpdn");
            Assert.Contains("Session username is alice, state is estabd", vpdn, StringComparison.Ordinal);
            Assert.Contains("MPPE 128 bits", vpdn, StringComparison.Ordinal);
            Assert.Contains($"Authenticated by RAD 127.0.0.1:{NamespaceFreeRadius.AuthPort}", vpdn, StringComparison.Ordinal);

            Dictionary<string, string> start = await radius.WaitForAccountingRecordAsync(
                r => Is(r, "User-Name", "alice") && Is(r, "Acct-Status-Type", "Start"), "Start for alice", Exit);
            string sessionId = start["Acct-Session-Id"];
            Assert.StartsWith("198.19.10.", start["Framed-IP-Address"], StringComparison.Ordinal);
            Assert.Equal(Lab.ClientOutside, start["Calling-Station-Id"]);

            // Acct-Session-Time counts whole seconds (RFC 2866 §5.7): stay up past one, then hang up.
            await Task.Delay(TimeSpan.FromMilliseconds(1200));
            alice.Terminate();
            Assert.Equal(0, await alice.WaitForExitAsync(Exit));
            Dictionary<string, string> stop = await radius.WaitForAccountingRecordAsync(
                r => Is(r, "Acct-Session-Id", sessionId) && Is(r, "Acct-Status-Type", "Stop"), "Stop for alice", Exit);
            output.WriteLine("Stop: " + string.Join(", ", stop.Select(kv => $"{kv.Key}={kv.Value}")));
            Assert.Equal("alice", stop["User-Name"]);
            Assert.Equal("User-Request", stop["Acct-Terminate-Cause"]);
            Assert.True(Number(stop, "Acct-Session-Time") >= 1, "Acct-Session-Time " + stop["Acct-Session-Time"]);
            // The ping's echo request in, its reply out, plus the PPP that carried them.
            Assert.True(Number(stop, "Acct-Input-Octets") > 0 && Number(stop, "Acct-Input-Packets") > 0, "no input counted");
            Assert.True(Number(stop, "Acct-Output-Octets") > 0 && Number(stop, "Acct-Output-Packets") > 0, "no output counted");
        }
        Assert.Contains(NoTunnels, await lab.WaitForShowVpdnAsync(NoTunnels, Exit), StringComparison.Ordinal);

        // bob: FreeRADIUS's Framed-IP-Address wins over the pool, as on the PIX.
        await using (LabProcess bob = lab.DialAs("bob", "bob", "bob-pass", "--auth", "mschapv2", "--mppe", "128", "--seconds", "60", "--tun", "pptp0"))
        {
            string link = await bob.WaitForLineAsync("DIAL: link up", Up);
            Assert.Contains($"local={BobsFramedIp} ", link, StringComparison.Ordinal);
            string vpdn = lab.Admin("show vpdn");
            Assert.Contains("Session username is bob, state is estabd", vpdn, StringComparison.Ordinal);
            Assert.Contains($"Client address {BobsFramedIp},", vpdn, StringComparison.Ordinal);
            Dictionary<string, string> start = await radius.WaitForAccountingRecordAsync(
                r => Is(r, "User-Name", "bob") && Is(r, "Acct-Status-Type", "Start"), "Start for bob", Exit);
            Assert.Equal(BobsFramedIp, start["Framed-IP-Address"]);
            // The pool's prefixes are routed into the TUN at start-up; bob's address is not in them, so the gateway adds
            // a host route for his call and removes it when the call ends.
            (_, string route, string routeError) = Lab.RunRaw("ip", "-n", lab.GatewayNamespace.Name, "route", "get", BobsFramedIp);
            output.WriteLine($"route to bob in the gateway namespace: {(route + routeError).Trim()}");
            Assert.Contains("dev pptpgw", route, StringComparison.Ordinal);
            Assert.True(lab.PingFromClient(Lab.GatewayInside), $"bob's ping to {Lab.GatewayInside} through the tunnel was not answered");
            bob.Terminate();
            Assert.Equal(0, await bob.WaitForExitAsync(Exit));
        }
        (_, string after, _) = Lab.RunRaw("ip", "-n", lab.GatewayNamespace.Name, "route", "show", BobsFramedIp);
        Assert.DoesNotContain("pptpgw", after, StringComparison.Ordinal);

        // mallory: Access-Reject (Auth-Type := Reject); the client gives up with "authentication failed".
        LabProcess mallory = lab.DialAs("mallory", "mallory", "whatever", "--auth", "mschapv2", "--mppe", "128");
        Assert.Equal(5, await mallory.WaitForExitAsync(Up));
        await gateway.WaitForLineAsync("603103: PPP virtual interface 1 - user: mallory aaa authentication failed", Exit);
        Assert.Contains(NoTunnels, await lab.WaitForShowVpdnAsync(NoTunnels, Exit), StringComparison.Ordinal);
        Assert.DoesNotContain(radius.ReadAccountingRecords(), r => Is(r, "User-Name", "mallory"));
        output.WriteLine($"whole test {clock.Elapsed.TotalSeconds:0.0} s");
    }

    /// <summary>
    /// Issue 17 against the real FreeRADIUS in the gateway's namespace: Accounting-On at every start; a Stop pending at
    /// SIGKILL (FreeRADIUS paused with SIGSTOP, so the Stop is never acknowledged before the crash) is replayed from the
    /// spool by the restarted gateway after its Accounting-On, with an Acct-Delay-Time that counts from the hang-up; a
    /// clean SIGTERM sends the running session's Stop (Admin-Reboot), then Accounting-Off, within accounting shutdown-wait.
    /// The first Stop reaches FreeRADIUS too once it resumes (its answer goes to the dead gateway): at least once, the
    /// duplicate is what the docs promise (docs/ACCOUNTING.md).
    /// </summary>
    [RadiusIntegrationFact]
    public async Task Accounting_survives_SIGKILL_through_the_spool_and_a_clean_stop_ends_with_Accounting_Off()
    {
        string spool = TestTemp.Directory("pgw-it-acct-kill-");
        string aaa = $"aaa-server RAD protocol radius\n"
            + $"aaa-server RAD (inside) host 127.0.0.1 testing123 timeout 2 port {NamespaceFreeRadius.AuthPort} acct-port {NamespaceFreeRadius.AcctPort}\n"
            + $"accounting spool {spool}\naccounting shutdown-wait 5\nhostname it-acct-gw\n";
        await using Lab lab = Lab.Create(aaa + Lab.Configuration(Pool,
            "ppp authentication mschapv2", "ppp encryption mppe 128 required",
            "client authentication aaa RAD", "client accounting RAD"));
        using NamespaceFreeRadius radius = NamespaceFreeRadius.Start(lab.GatewayNamespace.Name);
        static bool On(Dictionary<string, string> r) => Is(r, "Acct-Status-Type", "Accounting-On") && Is(r, "NAS-Identifier", "it-acct-gw");
        static bool Off(Dictionary<string, string> r) => Is(r, "Acct-Status-Type", "Accounting-Off") && Is(r, "NAS-Identifier", "it-acct-gw");

        LabProcess first = await lab.StartGatewayAsync();
        await radius.WaitForAccountingRecordAsync(On, "the first Accounting-On", Exit);
        string sessionId;
        await using (LabProcess alice = lab.DialAs("alice", "alice", "alice-pass", "--auth", "mschapv2", "--mppe", "128", "--seconds", "60", "--tun", "pptp0"))
        {
            await alice.WaitForLineAsync("DIAL: link up", Up);
            sessionId = (await radius.WaitForAccountingRecordAsync(
                r => Is(r, "User-Name", "alice") && Is(r, "Acct-Status-Type", "Start"), "Start for alice", Exit))["Acct-Session-Id"];
            Lab.RunRaw("kill", "-STOP", radius.Pid.ToString(CultureInfo.InvariantCulture)); // the server stops answering
            try
            {
                alice.Terminate();
                Assert.Equal(0, await alice.WaitForExitAsync(Exit));
                await lab.WaitForShowVpdnAsync(NoTunnels, Exit);
                await Task.Delay(TimeSpan.FromSeconds(1)); // the Stop is sent (and sits unread in FreeRADIUS's socket)
                first.Signal(9); // SIGKILL with the Stop unacknowledged
                await first.WaitForExitAsync(Exit);
            }
            finally
            {
                Lab.RunRaw("kill", "-CONT", radius.Pid.ToString(CultureInfo.InvariantCulture));
            }
        }
        var killed = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(3)); // down a while: the replayed Stop's Acct-Delay-Time must show it
        int before = radius.ReadAccountingRecords().Count;

        LabProcess second = await lab.StartGatewayAsync();
        Dictionary<string, string> replayed = await radius.WaitForAccountingRecordAsync(
            r => Is(r, "Acct-Session-Id", sessionId) && Is(r, "Acct-Status-Type", "Stop") && Number(r, "Acct-Delay-Time") >= 3,
            "the replayed Stop for alice", Exit);
        output.WriteLine("replayed Stop: " + string.Join(", ", replayed.Select(kv => $"{kv.Key}={kv.Value}")));
        List<Dictionary<string, string>> records = radius.ReadAccountingRecords();
        List<Dictionary<string, string>> after = records.Skip(before).ToList();
        int on = after.FindIndex(On);
        int stop = after.FindIndex(r => Is(r, "Acct-Session-Id", sessionId) && Is(r, "Acct-Status-Type", "Stop") && Number(r, "Acct-Delay-Time") >= 3);
        Assert.True(on >= 0 && on < stop, $"the restart's Accounting-On at {on}, the replayed Stop at {stop}");
        Assert.Equal("User-Request", replayed["Acct-Terminate-Cause"]);
        Assert.True(Number(replayed, "Acct-Delay-Time") >= (long)killed.Elapsed.TotalSeconds - 1, "Acct-Delay-Time " + replayed["Acct-Delay-Time"]);
        Assert.True(replayed.ContainsKey("Event-Timestamp") && replayed.ContainsKey("NAS-IP-Address") && replayed.ContainsKey("Called-Station-Id"),
            "missing Event-Timestamp, NAS-IP-Address or Called-Station-Id");
        int stops = records.Count(r => Is(r, "Acct-Session-Id", sessionId) && Is(r, "Acct-Status-Type", "Stop"));
        output.WriteLine($"Stops for alice's session in the detail file: {stops} (the pre-crash one FreeRADIUS read after SIGCONT, and the replay)");
        Assert.InRange(stops, 1, 2);

        // A clean stop with bob up: his Stop (Admin-Reboot), then Accounting-Off, then the exit within shutdown-wait.
        await using (LabProcess bob = lab.DialAs("bob", "bob", "bob-pass", "--auth", "mschapv2", "--mppe", "128", "--seconds", "60", "--tun", "pptp0"))
        {
            await bob.WaitForLineAsync("DIAL: link up", Up);
            string bobSession = (await radius.WaitForAccountingRecordAsync(
                r => Is(r, "User-Name", "bob") && Is(r, "Acct-Status-Type", "Start"), "Start for bob", Exit))["Acct-Session-Id"];
            var stopping = Stopwatch.StartNew();
            second.Terminate();
            Assert.Equal(0, await second.WaitForExitAsync(TimeSpan.FromSeconds(15)));
            output.WriteLine($"SIGTERM to exit: {stopping.ElapsedMilliseconds} ms");
            List<Dictionary<string, string>> final = radius.ReadAccountingRecords();
            int bobStop = final.FindLastIndex(r => Is(r, "Acct-Session-Id", bobSession) && Is(r, "Acct-Status-Type", "Stop"));
            int off = final.FindLastIndex(Off);
            Assert.True(bobStop >= 0 && off > bobStop, $"bob's Stop at {bobStop}, Accounting-Off at {off}");
            Assert.Equal("Admin-Reboot", final[bobStop]["Acct-Terminate-Cause"]);
            Assert.DoesNotContain("not acknowledged within", second.Output, StringComparison.Ordinal); // nothing left in the spool
        }
    }

    private static bool Is(Dictionary<string, string> record, string attribute, string value) =>
        record.TryGetValue(attribute, out string? v) && v == value;

    private static long Number(Dictionary<string, string> record, string attribute) =>
        long.Parse(record[attribute], CultureInfo.InvariantCulture);
}
