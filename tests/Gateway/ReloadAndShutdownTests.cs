using System.Net.Sockets;
using System.Text.Json;
using PptpGw.ControlPlane.Admin;
using PptpGw.ControlPlane.Config;
using PptpGw.ControlPlane.Pptp;
using PptpGw.Tests.ControlPlane.Pptp.Connection;

namespace PptpGw.Tests.Gateway;

/// <summary>
/// Reload and shutdown on a gateway with live calls (in-process, loopback dataplane, the admin commands through the
/// dispatcher): a reload re-reads the file, applies users, pool growth, limits and logging for new calls, reports what
/// needs a restart, refuses a pool shrink over held addresses and a file with errors (nothing changes), and never
/// touches a live session; <c>shutdown soft</c> refuses new tunnels and calls and stops after the last session.
/// </summary>
public sealed class ReloadAndShutdownTests : IDisposable
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(20);
    private readonly string _dir = Directory.CreateTempSubdirectory("pgw-reload-").FullName;

    private string ConfigPath => Path.Combine(_dir, "pptpgw.cfg");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static AdminDispatcher Admin(GatewayTestBed bed) =>
        new(bed.Host.Orchestrator.Administration, bed.Host.Log, bed.Host.Orchestrator.Operator, bed.Host);

    private GatewayTestBed Start(string text)
    {
        File.WriteAllText(ConfigPath, text);
        return GatewayTestBed.Start(text, configPath: ConfigPath);
    }

    private static string WithoutCisco(string text) =>
        text.Replace($"vpdn username {GatewayTestBed.User} password {GatewayTestBed.Password}", "", StringComparison.Ordinal);

    [Fact]
    public async Task Reload_adds_and_removes_users_for_new_calls_and_keeps_the_live_session()
    {
        await using GatewayTestBed bed = Start(GatewayTestBed.Config());
        AdminDispatcher admin = Admin(bed);
        await using Dialled cisco = await bed.DialAsync(0x6100);
        await cisco.Events.Up.Task.WaitAsync(Guard);

        File.WriteAllText(ConfigPath, WithoutCisco(GatewayTestBed.Config(extra: "vpdn username bob password bobs-secret")));
        AdminReply reply = await admin.ExecuteAsync("reload");

        Assert.Equal(AdminStatus.Ok, reply.Status);
        Assert.Contains("applied       users: added bob; removed cisco", reply.Text, StringComparison.Ordinal);
        Assert.Contains("sessions kept", reply.Text, StringComparison.Ordinal);
        await using (Dialled bob = await bed.DialAsync(0x6200, "bob", "bobs-secret"))
            await bob.Events.Up.Task.WaitAsync(Guard);
        await using (Dialled again = await bed.DialAsync(0x6300))
        {
            await bed.WaitForLogAsync("user: cisco aaa authentication failed");
            Assert.False(again.Events.Up.Task.IsCompleted);
        }
        // The session that was up before the reload never went down.
        Assert.False(cisco.Events.Down.Task.IsCompleted);
        Assert.Contains(bed.Host.Orchestrator.Administration.GetSnapshot().Tunnels.SelectMany(t => t.Sessions), s => s.UserName == GatewayTestBed.User);
        Assert.DoesNotContain(bed.Host.Config.Users, u => u.Name == GatewayTestBed.User);
    }

    [Fact]
    public async Task A_file_with_an_error_is_reported_with_its_line_and_changes_nothing()
    {
        await using GatewayTestBed bed = Start(GatewayTestBed.Config());
        GatewayConfig before = bed.Host.Config;
        string text = WithoutCisco(GatewayTestBed.Config(extra: "vpdn username bob password bobs-secret")) + "\nip local pool broken 198.18.9.9-198.18.9.1\n";
        File.WriteAllText(ConfigPath, text);
        int line = text.Split('\n').ToList().FindIndex(l => l.Contains("pool broken", StringComparison.Ordinal)) + 1;

        ConfigReloadReport report = await bed.Host.ReloadAsync(CancellationToken.None);

        Assert.Equal(ConfigReloadOutcome.Invalid, report.Outcome);
        Assert.Empty(report.Changes);
        ConfigDiagnostic error = Assert.Single(report.Diagnostics, d => d.Severity == ConfigSeverity.Error);
        Assert.Equal(line, error.Line);
        Assert.StartsWith($"{ConfigPath}:{line}: error: ", error.ToString(), StringComparison.Ordinal);
        Assert.Same(before, bed.Host.Config);
        // Still the old users: cisco logs in, bob does not exist.
        await using Dialled cisco = await bed.DialAsync(0x6400);
        await cisco.Events.Up.Task.WaitAsync(Guard);
        AdminReply reply = await Admin(bed).ExecuteAsync("reload");
        Assert.Equal(AdminStatus.Error, reply.Status);
        Assert.Contains($"{ConfigPath}:{line}: error:", reply.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pool_growth_applies_a_shrink_over_held_addresses_is_refused_and_restart_items_are_listed()
    {
        await using GatewayTestBed bed = Start(GatewayTestBed.Config(pool: "198.18.1.1-198.18.1.2"));
        await using Dialled first = await bed.DialAsync(0x6500);
        await first.Events.Up.Task.WaitAsync(Guard);
        await using Dialled second = await bed.DialAsync(0x6600);
        await second.Events.Up.Task.WaitAsync(Guard);
        (_, _, CallReply full) = await bed.PlaceCallAsync(0x6700);
        Assert.Equal(OutgoingCallResultCode.GeneralError, full.ResultCode);

        File.WriteAllText(ConfigPath, GatewayTestBed.Config(pool: "198.18.1.1-198.18.1.3", extra: "gateway dataplane memory\ngateway max-sessions 50"));
        ConfigReloadReport grown = await bed.Host.ReloadAsync(CancellationToken.None);
        Assert.Equal(ConfigReloadOutcome.Applied, grown.Outcome);
        Assert.Equal(ReloadDisposition.Applied, grown.Changes.Single(c => c.Kind == ConfigChangeKind.Pool).Disposition);
        Assert.Equal(ReloadDisposition.Applied, grown.Changes.Single(c => c.Kind == ConfigChangeKind.Limits).Disposition);
        Assert.Equal(ReloadDisposition.NeedsRestart, grown.Changes.Single(c => c.Kind == ConfigChangeKind.Dataplane).Disposition);
        Assert.Equal(3, bed.Host.Pool!.Capacity);
        Assert.Equal(50, bed.Host.Config.Gateway.MaxSessions);
        await using (Dialled third = await bed.DialAsync(0x6800))
        {
            PptpGw.ControlPlane.Ppp.Session.PppLinkResult up = await third.Events.Up.Task.WaitAsync(Guard);
            Assert.Equal("198.18.1.3", PptpGw.ControlPlane.Pools.Ipv4.Format(up.LocalAddress));
        }
        await GatewayTestBed.EventuallyAsync(() => bed.Host.Pool.UsedCount == 2, "the third address back");

        // Both sessions hold 198.18.1.1 and .2: a pool of .1 only would take one away. Refused, pool unchanged.
        File.WriteAllText(ConfigPath, GatewayTestBed.Config(pool: "198.18.1.1", extra: "gateway dataplane memory\ngateway max-sessions 50"));
        ConfigReloadReport shrink = await bed.Host.ReloadAsync(CancellationToken.None);
        // The dataplane line still needs a restart, and is still reported as such (it was never applied).
        Assert.Equal([(ConfigChangeKind.Pool, ReloadDisposition.Refused), (ConfigChangeKind.Dataplane, ReloadDisposition.NeedsRestart)],
            shrink.Changes.Select(c => (c.Kind, c.Disposition)).ToArray());
        ConfigChange refused = shrink.Changes[0];
        Assert.Contains("198.18.1.2", refused.Detail, StringComparison.Ordinal);
        Assert.Equal(3, bed.Host.Pool.Capacity);
        Assert.Equal(3, bed.Host.Config.FindPool("pptp-pool")!.Capacity);
        Assert.False(first.Events.Down.Task.IsCompleted || second.Events.Down.Task.IsCompleted);
        using JsonDocument json = JsonDocument.Parse((await Admin(bed).ExecuteAsync("reload --json")).Text);
        Assert.Equal("applied", json.RootElement.GetProperty("outcome").GetString());
        Assert.Contains(json.RootElement.GetProperty("changes").EnumerateArray(),
            c => c.GetProperty("kind").GetString() == "pool" && c.GetProperty("disposition").GetString() == "refused");
    }

    [Fact]
    public async Task Shutdown_soft_refuses_new_tunnels_and_calls_and_stops_after_the_last_session()
    {
        await using GatewayTestBed bed = Start(GatewayTestBed.Config());
        AdminDispatcher admin = Admin(bed);
        await using Dialled call = await bed.DialAsync(0x6900);
        await call.Events.Up.Task.WaitAsync(Guard);
        // A second tunnel, up before the drain, without a call yet.
        (var pac, var tcp, CallReply second) = await bed.PlaceCallAsync(0x6A00);
        Assert.Equal(OutgoingCallResultCode.Connected, second.ResultCode);

        AdminReply reply = await admin.ExecuteAsync("shutdown soft");
        Assert.Contains("shutdown soft: no new tunnels or calls; 2 sessions left", reply.Text, StringComparison.Ordinal);
        Assert.Equal(GatewayRunState.Draining, bed.Host.State);
        Assert.Contains("gateway state: draining (2 sessions left)", (await admin.ExecuteAsync("show version")).Text, StringComparison.Ordinal);
        // New tunnels: the listening socket is closed.
        await GatewayTestBed.EventuallyAsync(() =>
        {
            using var probe = new TcpClient();
            try
            {
                probe.Connect(bed.EndPoint);
                return false;
            }
            catch (SocketException)
            {
                return true;
            }
        }, "the listener to close");
        // New calls on a tunnel that is up: refused.
        await pac.SendAsync(Wire.Ocrq(0x6B00));
        OutgoingCallReply refused = Wire.Ocrp(await GatewayTestBed.ReceiveUntilAsync<OutgoingCallReply>(pac));
        Assert.Equal(OutgoingCallResultCode.GeneralError, refused.ResultCode);
        Assert.False(bed.Host.Stopped.IsCompleted);

        // The sessions end: the gateway stops on its own.
        await pac.SendAsync(Wire.Ccrq(0x6A00));
        await call.DisposeAsync();
        await pac.DisposeAsync();
        tcp.Dispose();
        await bed.Host.Stopped.WaitAsync(Guard);
        Assert.Equal(GatewayRunState.Stopped, bed.Host.State);
        await bed.WaitForLogAsync("shutdown soft: the last session ended; stopping");
    }

    [Fact]
    public async Task Shutdown_soft_with_a_deadline_turns_hard_and_shutdown_stops_at_once()
    {
        await using (GatewayTestBed bed = Start(GatewayTestBed.Config()))
        {
            await using Dialled call = await bed.DialAsync(0x6C00);
            await call.Events.Up.Task.WaitAsync(Guard);
            ShutdownResult result = bed.Host.Shutdown(ShutdownMode.Soft, TimeSpan.FromSeconds(1));
            Assert.Equal(GatewayRunState.Draining, result.State);
            Assert.NotNull(result.Deadline);
            await bed.Host.Stopped.WaitAsync(Guard);
            await bed.WaitForLogAsync("shutdown soft: deadline reached with 1 sessions up; stopping them");
        }
        await using (GatewayTestBed bed = Start(GatewayTestBed.Config()))
        {
            AdminReply reply = await Admin(bed).ExecuteAsync("shutdown");
            Assert.Contains("shutdown: stopping now", reply.Text, StringComparison.Ordinal);
            await bed.Host.Stopped.WaitAsync(Guard);
            Assert.Equal(GatewayRunState.Stopped, bed.Host.State);
        }
    }
}
