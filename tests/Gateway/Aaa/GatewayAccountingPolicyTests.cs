using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using PptpGw.ControlPlane.Admin;
using PptpGw.ControlPlane.Aaa.Radius;
using PptpGw.Tests.ControlPlane.Aaa.Accounting;
using PptpGw.Tests.Gateway.Metrics;

namespace PptpGw.Tests.Gateway.Aaa;

/// <summary>
/// <c>vpdn group G accounting unanswered-start carry-on|disconnect S</c> through <see cref="PptpGw.Gateway.Hosting.GatewayHost"/>
/// with local authentication and RADIUS accounting to <see cref="ScriptedRadiusAccountingServer"/>: a FAKE accounting
/// server, used because the test needs a server that stays silent on command, which FreeRADIUS cannot do.
/// </summary>
public sealed class GatewayAccountingPolicyTests : IDisposable
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(20);
    private readonly ScriptedRadiusAccountingServer _server = new();
    private readonly string _spool = TestTemp.Directory("pgw-acct-policy-");

    public void Dispose() => _server.Dispose();

    private string Config(string policy) => GatewayTestBed.Config(extra: $"""
        aaa-server ACCT protocol radius
        aaa-server ACCT (inside) host 127.0.0.1 {ScriptedRadiusAccountingServer.Key} timeout 1 port 1 acct-port {_server.Port}
        vpdn group 1 client accounting ACCT
        vpdn group 1 accounting unanswered-start {policy}
        accounting spool {_spool}
        accounting retransmit 1 2
        hostname policy-gw
        """);

    [Fact]
    public async Task Disconnect_policy_ends_a_session_whose_Start_nobody_acknowledged_and_its_Stop_says_NAS_Error()
    {
        _server.Silent = true; // from before the call: the Start is never answered
        await using GatewayTestBed bed = GatewayTestBed.Start(Config("disconnect 2"));
        await using Dialled call = await bed.DialAsync(0x5100);
        await call.Events.Up.Task.WaitAsync(Guard);
        DateTime up = DateTime.UtcNow;
        await _server.WaitForAsync(r => r.StatusType == AcctStatusType.Start, Guard, "the Start (dropped)");

        // The gateway ends the call itself, after the policy's 2 s.
        await call.Events.Down.Task.WaitAsync(Guard);
        TimeSpan after = DateTime.UtcNow - up;
        Assert.True(after >= TimeSpan.FromSeconds(1.5), $"ended after {after.TotalSeconds:0.0} s, before the policy's 2 s");
        await bed.WaitForLogAsync("not acknowledged within 2 s; disconnecting (NAS-Error)");
        await GatewayTestBed.EventuallyAsync(() => bed.Host.Orchestrator.LiveCalls == 0, "the call to end");

        // The server comes back: the Start is delivered, then the Stop (in order), with NAS-Error (RFC 2866 §5.10).
        _server.Silent = false;
        SeenAccountingRequest stop = await _server.WaitForAsync(r => r.StatusType == AcctStatusType.Stop && !_server.Dropped.Contains(r), Guard, "the Stop");
        Assert.Equal((uint)AcctTerminateCause.NasError, stop.Number(RadiusAttributeType.AcctTerminateCause));
        SeenAccountingRequest[] answered = [.. _server.Requests];
        int start = Array.FindIndex(answered, r => r.StatusType == AcctStatusType.Start && r.SessionId == stop.SessionId);
        Assert.True(start >= 0 && start < Array.IndexOf(answered, stop), "the Start was not delivered before the Stop");
        Assert.Equal("policy-gw", stop.Text(RadiusAttributeType.NasIdentifier)); // from the hostname line
        Assert.NotNull(stop.EventTimestamp);
    }

    [Fact]
    public async Task Carry_on_policy_keeps_the_session_up_while_the_Start_waits()
    {
        _server.Silent = true;
        IPEndPoint metrics = PrometheusScrape.FreeLoopbackEndPoint();
        await using GatewayTestBed bed = GatewayTestBed.Start(Config("carry-on"), metrics: metrics);
        var admin = new AdminDispatcher(bed.Host.Orchestrator.Administration, bed.Host.Log, bed.Host.Orchestrator.Operator);
        await using Dialled call = await bed.DialAsync(0x5200);
        await call.Events.Up.Task.WaitAsync(Guard);
        await _server.WaitForAsync(r => r.StatusType == AcctStatusType.Start, Guard, "the Start (dropped)");
        // Several retransmissions (1 s, 2 s) go unanswered; the session stays.
        await Task.Delay(TimeSpan.FromSeconds(3.5));
        Assert.False(call.Events.Down.Task.IsCompleted, "the session ended under carry-on");
        Assert.Equal(1, bed.Host.Orchestrator.LiveCalls);
        Assert.True(_server.Dropped.Count(r => r.StatusType == AcctStatusType.Start) >= 2,
            "retransmissions: " + _server.Dropped.Count(r => r.StatusType == AcctStatusType.Start).ToString(CultureInfo.InvariantCulture));

        // What is owed shows in show aaa-server and the metrics (issue 17): the Start waits, retransmitted.
        string owed = (await admin.ExecuteAsync("show aaa-server")).Text;
        Match waiting = Regex.Match(owed, @"^Accounting ACCT: (\d+) records waiting, oldest ([0-9.]+) s; (\d+) delivered, (\d+) retransmissions", RegexOptions.Multiline);
        Assert.True(waiting.Success, owed);
        Assert.True(int.Parse(waiting.Groups[1].Value, CultureInfo.InvariantCulture) >= 1, owed);
        Assert.True(double.Parse(waiting.Groups[2].Value, CultureInfo.InvariantCulture) >= 3, owed);
        Assert.True(int.Parse(waiting.Groups[4].Value, CultureInfo.InvariantCulture) >= 2, owed);
        Assert.Contains("  spool /", owed, StringComparison.Ordinal);
        Assert.True(Regex.IsMatch(owed, @"^  127\.0\.0\.1:\d+: (alive|dead)(, preferred)?, \d+ in flight, \d+ waiting", RegexOptions.Multiline), owed);
        using (JsonDocument json = JsonDocument.Parse((await admin.ExecuteAsync("show aaa-server --json")).Text))
        {
            JsonElement q = json.RootElement.GetProperty("accounting");
            Assert.Equal("ACCT", q.GetProperty("group").GetString());
            Assert.True(q.GetProperty("waiting").GetInt32() >= 1);
            Assert.True(q.GetProperty("retransmissions").GetInt64() >= 2);
            Assert.True(q.GetProperty("spooled").GetInt32() >= 1);
        }
        PrometheusScrape silent = await PrometheusScrape.GetAsync(metrics);
        Assert.True(silent.Sum("pptpgw_accounting_queue_depth", "group=ACCT") >= 1, silent.Text);
        Assert.True(silent.Sum("pptpgw_accounting_queue_oldest_seconds", "group=ACCT") >= 3, silent.Text);
        Assert.True(silent.Sum("pptpgw_accounting_retransmissions_total", "group=ACCT") >= 2, silent.Text);

        _server.Silent = false;
        await _server.WaitForAsync(r => r.StatusType == AcctStatusType.Start && _server.Requests.Contains(r), Guard, "the Start, answered");
        // Nothing owed once the server answered.
        await GatewayTestBed.EventuallyAsync(() => bed.Host.Orchestrator.Operator.GetAccounting() is { QueueDepth: 0, Delivered: >= 1 }, "the queue to drain");
        Assert.Matches(@"^Accounting ACCT: 0 records waiting; [1-9]\d* delivered", (await admin.ExecuteAsync("show aaa-server")).Text.Split('\n').First(l => l.StartsWith("Accounting", StringComparison.Ordinal)));
        PrometheusScrape drained = await PrometheusScrape.GetAsync(metrics);
        Assert.Equal(0, drained.Sum("pptpgw_accounting_queue_depth", "group=ACCT"));
        Assert.True(drained.Sum("pptpgw_accounting_records_total", "group=ACCT", "outcome=delivered") >= 1, drained.Text);
    }
}
