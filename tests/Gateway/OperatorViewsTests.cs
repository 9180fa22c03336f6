using System.Net;
using System.Text.Json;
using PptpGw.ControlPlane.Admin;

namespace PptpGw.Tests.Gateway;

/// <summary>
/// The operator views and per-session clears on a gateway with live calls (in-process, loopback dataplane): <c>show
/// vpdn session brief</c> with columns, match and order; <c>--json</c> that parses; <c>show vpdn username</c>,
/// <c>pppinterface</c>, <c>group</c>, <c>show aaa-server</c>; <c>clear vpdn username|session ip|session id</c> ending
/// exactly the sessions they name and saying which.
/// </summary>
public sealed class OperatorViewsTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(20);
    private const string Extra = "vpdn username bob password bobs-secret\nvpdn username carol password carols-secret";

    private static AdminDispatcher Admin(GatewayTestBed bed) =>
        new(bed.Host.Orchestrator.Administration, bed.Host.Log, bed.Host.Orchestrator.Operator);

    private static async Task<string> Ok(AdminDispatcher admin, string line)
    {
        AdminReply reply = await admin.ExecuteAsync(line);
        Assert.True(reply.Status == AdminStatus.Ok, $"{line}: {reply.Status}: {reply.Text}");
        return reply.Text;
    }

    private static async Task<Dialled> UpAsync(GatewayTestBed bed, ushort peerCallId, string user, string password)
    {
        Dialled call = await bed.DialAsync(peerCallId, user, password);
        await call.Events.Up.Task.WaitAsync(Guard);
        return call;
    }

    [Fact]
    public async Task Brief_lists_one_line_per_session_with_columns_match_and_order()
    {
        await using GatewayTestBed bed = GatewayTestBed.Start(GatewayTestBed.Config(extra: Extra));
        AdminDispatcher admin = Admin(bed);
        await using Dialled cisco = await UpAsync(bed, 0x5100, GatewayTestBed.User, GatewayTestBed.Password);
        await using Dialled bob = await UpAsync(bed, 0x5200, "bob", "bobs-secret");
        await GatewayTestBed.EventuallyAsync(() => bed.Host.Orchestrator.CountSessionStates().Established == 2, "two links up");

        string all = await Ok(admin, "sh vpdn sess brief");
        string[] lines = all.TrimEnd('\n').Split('\n');
        Assert.Equal(5, lines.Length); // header, rule, two sessions, count
        Assert.StartsWith("id", lines[0], StringComparison.Ordinal);
        Assert.Contains("user", lines[0], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.Contains(" cisco ", StringComparison.Ordinal) && l.Contains("198.18.1.", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(" bob ", StringComparison.Ordinal));
        Assert.Equal("2 sessions", lines[^1]);

        string onlyBob = await Ok(admin, "show vpdn session brief columns user,ip,mppe match user ^b");
        string[] bobLines = onlyBob.TrimEnd('\n').Split('\n');
        Assert.Equal(4, bobLines.Length);
        Assert.Matches(@"^user\s*\| ip\s*\| mppe$", bobLines[0]);
        Assert.StartsWith("bob ", bobLines[2], StringComparison.Ordinal);
        Assert.Contains("128 bits", bobLines[2], StringComparison.Ordinal);

        string ordered = await Ok(admin, "show vpdn session brief columns user order user desc");
        Assert.True(ordered.IndexOf("cisco", StringComparison.Ordinal) < ordered.IndexOf("bob", StringComparison.Ordinal), ordered);
        string ascending = await Ok(admin, "show vpdn session brief columns user order user");
        Assert.True(ascending.IndexOf("bob", StringComparison.Ordinal) < ascending.IndexOf("cisco", StringComparison.Ordinal), ascending);

        AdminReply badColumn = await admin.ExecuteAsync("show vpdn session brief order nosuch");
        Assert.Equal(AdminStatus.InvalidInput, badColumn.Status);
        Assert.Contains("columns:", badColumn.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_show_command_answers_json_that_parses()
    {
        await using GatewayTestBed bed = GatewayTestBed.Start(GatewayTestBed.Config(extra: Extra));
        AdminDispatcher admin = Admin(bed);
        await using Dialled call = await UpAsync(bed, 0x5300, GatewayTestBed.User, GatewayTestBed.Password);
        await GatewayTestBed.EventuallyAsync(() => bed.Host.Orchestrator.CountSessionStates().Established == 1, "the link up");

        using (JsonDocument brief = JsonDocument.Parse(await Ok(admin, "show vpdn session brief --json")))
        {
            JsonElement row = Assert.Single(brief.RootElement.GetProperty("sessions").EnumerateArray());
            Assert.Equal("cisco", row.GetProperty("user").GetString());
            Assert.Equal(JsonValueKind.Number, row.GetProperty("id").ValueKind);
            Assert.StartsWith("198.18.1.", row.GetProperty("ip").GetString(), StringComparison.Ordinal);
        }
        using (JsonDocument vpdn = JsonDocument.Parse(await Ok(admin, "show vpdn --json")))
        {
            Assert.Equal(1, vpdn.RootElement.GetProperty("total_tunnels").GetInt32());
            JsonElement session = Assert.Single(vpdn.RootElement.GetProperty("sessions").EnumerateArray());
            Assert.Equal("cisco", session.GetProperty("username").GetString());
            Assert.Equal("local", session.GetProperty("aaa_server").GetString());
        }
        using (JsonDocument tunnels = JsonDocument.Parse(await Ok(admin, "show vpdn tunnel --json")))
            Assert.False(tunnels.RootElement.TryGetProperty("sessions", out _));
        using (JsonDocument group = JsonDocument.Parse(await Ok(admin, "show vpdn group --json")))
        {
            JsonElement g = Assert.Single(group.RootElement.GetProperty("groups").EnumerateArray());
            Assert.Equal("1", g.GetProperty("name").GetString());
            Assert.Equal(1, g.GetProperty("pool_used").GetInt32());
            Assert.Equal(50, g.GetProperty("pool_size").GetInt32());
            Assert.Equal("mppe 128 required", g.GetProperty("encryption").GetString());
        }
        using (JsonDocument aaa = JsonDocument.Parse(await Ok(admin, "show aaa-server --json")))
        {
            JsonElement local = Assert.Single(aaa.RootElement.GetProperty("servers").EnumerateArray());
            Assert.Equal("local", local.GetProperty("server").GetString());
            Assert.Equal("up", local.GetProperty("state").GetString());
            Assert.Equal(1, local.GetProperty("accepts").GetInt64());
            Assert.True(local.GetProperty("rtt_p50_ms").GetDouble() >= 0);
        }
        foreach (string line in new[] { "show vpdn username --json", "show vpdn pppinterface --json", "show dataplane --json", "show version --json", "show debug --json" })
            JsonDocument.Parse(await Ok(admin, line)).Dispose();
        Assert.Equal(AdminStatus.InvalidInput, (await admin.ExecuteAsync("clear vpdn tunnel all --json")).Status);
    }

    [Fact]
    public async Task Username_pppinterface_group_and_aaa_server_views()
    {
        await using GatewayTestBed bed = GatewayTestBed.Start(GatewayTestBed.Config(extra: Extra));
        AdminDispatcher admin = Admin(bed);
        await using Dialled call = await UpAsync(bed, 0x5400, "bob", "bobs-secret");
        await GatewayTestBed.EventuallyAsync(() => bed.Host.Orchestrator.CountSessionStates().Established == 1, "the link up");
        int id = bed.Host.Orchestrator.Administration.GetSnapshot().Tunnels.Single().Sessions.Single().PppInterfaceId;

        string user = await Ok(admin, "show vpdn username bob");
        Assert.StartsWith("Username bob, 1 session\n", user, StringComparison.Ordinal);
        Assert.Contains($"PPP virtual interface id {id}, client 198.18.1.", user, StringComparison.Ordinal);
        AdminReply nobody = await admin.ExecuteAsync("show vpdn username carol");
        Assert.Equal(AdminStatus.NotFound, nobody.Status);
        Assert.Equal("% No session for username carol\n", nobody.Text);

        string ifc = await Ok(admin, $"show vpdn pppinterface id {id}");
        Assert.StartsWith($"PPP virtual interface id = {id}\n", ifc, StringComparison.Ordinal);
        Assert.Contains("MPPE key strength is 128 bits", ifc, StringComparison.Ordinal);
        Assert.Equal(AdminStatus.NotFound, (await admin.ExecuteAsync($"show vpdn pppinterface id {id + 100}")).Status);

        string group = await Ok(admin, "show vpdn group");
        Assert.Contains("vpdn group 1, accept dialin pptp", group, StringComparison.Ordinal);
        Assert.Contains("ppp authentication mschapv2 mschap; client authentication local", group, StringComparison.Ordinal);
        Assert.Contains("address pool pptp-pool: 1 of 50 in use", group, StringComparison.Ordinal);
        Assert.Contains("dns 10.1.1.53", group, StringComparison.Ordinal);

        Assert.Matches(@"^local: up, 1 requests, 1 accepts, 0 rejects, 0 timeouts, 0 errors; round trip p50 [0-9.]+ ms", await Ok(admin, "show aaa-server"));
        // The loopback dataplane has no workers: said, not an empty table.
        Assert.StartsWith("% No dataplane workers", await Ok(admin, "show dataplane"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clear_vpdn_username_ends_exactly_that_users_sessions()
    {
        await using GatewayTestBed bed = GatewayTestBed.Start(GatewayTestBed.Config(extra: Extra));
        AdminDispatcher admin = Admin(bed);
        await using Dialled cisco = await UpAsync(bed, 0x5500, GatewayTestBed.User, GatewayTestBed.Password);
        await using Dialled bob1 = await UpAsync(bed, 0x5600, "bob", "bobs-secret");
        await using Dialled bob2 = await UpAsync(bed, 0x5700, "bob", "bobs-secret");
        await GatewayTestBed.EventuallyAsync(() => bed.Host.Orchestrator.CountSessionStates().Established == 3, "three links up");

        string cleared = await Ok(admin, "clear vpdn username bob");
        Assert.Equal(2, cleared.Split('\n').Count(l => l.StartsWith("Session id ", StringComparison.Ordinal) && l.Contains("username bob", StringComparison.Ordinal)));
        Assert.Contains("cleared soft (LCP Terminate-Request, then Call-Disconnect-Notify)", cleared, StringComparison.Ordinal);
        Assert.EndsWith("2 sessions cleared\n", cleared, StringComparison.Ordinal);
        Assert.DoesNotContain("still closing", cleared, StringComparison.Ordinal);
        // Soft: each client got an LCP Terminate-Request and went down by it.
        Assert.Contains("terminat", await bob1.Events.Down.Task.WaitAsync(Guard), StringComparison.OrdinalIgnoreCase);
        await bob2.Events.Down.Task.WaitAsync(Guard);
        Assert.Equal(1, bed.Host.Orchestrator.LiveCalls);
        Assert.False(cisco.Events.Down.Task.IsCompleted);
        Assert.Equal("cisco", bed.Host.Orchestrator.Administration.GetSnapshot().Tunnels.SelectMany(t => t.Sessions).Single().UserName);

        AdminReply again = await admin.ExecuteAsync("clear vpdn username bob");
        Assert.Equal(AdminStatus.NotFound, again.Status);
        Assert.Equal("% No session for username bob\n", again.Text);
    }

    [Fact]
    public async Task Clear_vpdn_session_by_ip_hard_and_by_id_soft()
    {
        await using GatewayTestBed bed = GatewayTestBed.Start(GatewayTestBed.Config(extra: Extra));
        AdminDispatcher admin = Admin(bed);
        await using Dialled first = await UpAsync(bed, 0x5800, GatewayTestBed.User, GatewayTestBed.Password);
        await using Dialled second = await UpAsync(bed, 0x5900, "carol", "carols-secret");
        await GatewayTestBed.EventuallyAsync(() => bed.Host.Orchestrator.CountSessionStates().Established == 2, "two links up");
        SessionSnapshot[] sessions = [.. bed.Host.Orchestrator.Administration.GetSnapshot().Tunnels.SelectMany(t => t.Sessions)];
        SessionSnapshot carol = sessions.Single(s => s.UserName == "carol");
        SessionSnapshot cisco = sessions.Single(s => s.UserName == "cisco");

        string byIp = await Ok(admin, $"clear vpdn session ip {carol.ClientAddress} hard");
        Assert.Equal($"Session id {carol.PppInterfaceId} (username carol, client {carol.ClientAddress}, remote 127.0.0.1, tunnel {carol.TunnelId} call {carol.CallId}) cleared hard (Call-Disconnect-Notify)\n", byIp);
        await GatewayTestBed.EventuallyAsync(() => bed.Host.Orchestrator.LiveCalls == 1, "carol's call released");
        // Hard: the PPTP call went without an LCP Terminate-Request: the client's PPP is still up (its lower layer is the test's).
        Assert.False(second.Events.Down.Task.IsCompleted);

        string byId = await Ok(admin, $"clear vpdn session id {cisco.PppInterfaceId}");
        Assert.Contains($"Session id {cisco.PppInterfaceId} (username cisco,", byId, StringComparison.Ordinal);
        Assert.Contains("cleared soft", byId, StringComparison.Ordinal);
        await first.Events.Down.Task.WaitAsync(Guard);
        await GatewayTestBed.EventuallyAsync(() => bed.Host.Orchestrator.LiveCalls == 0, "every call released");

        Assert.Equal(AdminStatus.NotFound, (await admin.ExecuteAsync("clear vpdn session ip 198.18.1.99")).Status);
        Assert.Equal(AdminStatus.InvalidInput, (await admin.ExecuteAsync("clear vpdn session ip not-an-address")).Status);
    }
}
