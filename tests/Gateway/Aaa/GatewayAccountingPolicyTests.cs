using System.Globalization;
using PptpGw.ControlPlane.Aaa.Radius;
using PptpGw.Tests.ControlPlane.Aaa.Accounting;

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

    public void Dispose() => _server.Dispose();

    private string Config(string policy) => GatewayTestBed.Config(extra: $"""
        aaa-server ACCT protocol radius
        aaa-server ACCT (inside) host 127.0.0.1 {ScriptedRadiusAccountingServer.Key} timeout 1 port 1 acct-port {_server.Port}
        vpdn group 1 client accounting ACCT
        vpdn group 1 accounting unanswered-start {policy}
        accounting spool {Directory.CreateTempSubdirectory("pgw-acct-policy-").FullName}
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
        await using GatewayTestBed bed = GatewayTestBed.Start(Config("carry-on"));
        await using Dialled call = await bed.DialAsync(0x5200);
        await call.Events.Up.Task.WaitAsync(Guard);
        await _server.WaitForAsync(r => r.StatusType == AcctStatusType.Start, Guard, "the Start (dropped)");
        // Several retransmissions (1 s, 2 s) go unanswered; the session stays.
        await Task.Delay(TimeSpan.FromSeconds(3.5));
        Assert.False(call.Events.Down.Task.IsCompleted, "the session ended under carry-on");
        Assert.Equal(1, bed.Host.Orchestrator.LiveCalls);
        Assert.True(_server.Dropped.Count(r => r.StatusType == AcctStatusType.Start) >= 2,
            "retransmissions: " + _server.Dropped.Count(r => r.StatusType == AcctStatusType.Start).ToString(CultureInfo.InvariantCulture));
        _server.Silent = false;
        await _server.WaitForAsync(r => r.StatusType == AcctStatusType.Start && _server.Requests.Contains(r), Guard, "the Start, answered");
    }
}
