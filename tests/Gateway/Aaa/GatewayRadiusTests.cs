using System.Globalization;
using PptpGw.ControlPlane.Admin;
using PptpGw.ControlPlane.Pools;
using PptpGw.ControlPlane.Ppp;
using PptpGw.ControlPlane.Ppp.Session;
using PptpGw.Dataplane.Control;
using PptpGw.Dataplane.Mppe;
using PptpGw.Gateway.Aaa;
using PptpGw.Tests.ControlPlane.Aaa.Radius;

namespace PptpGw.Tests.Gateway.Aaa;

/// <summary>
/// Whole calls through <see cref="PptpGw.Gateway.Hosting.GatewayHost"/> with <c>client authentication aaa</c> against the
/// real FreeRADIUS of shared/aaa/freeradius (users alice, bob, mallory): MS-CHAPv2 with the MPPE keys FreeRADIUS
/// returns, PAP, rejects, Framed-IP-Address, accounting in the detail file, and RFC 5176 Disconnect/CoA via radclient.
/// </summary>
[Collection(FreeRadiusCollection.Name)]
public sealed class GatewayRadiusTests(FreeRadiusFixture radius)
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(20);
    private const int DynamicAuthorizationPort = 18179;
    private const string DynamicAuthorizationKey = "coa-secret";

    private static string Config(string authentication = "mschapv2", string mppe = "vpdn group 1 ppp encryption mppe auto") => $"""
        ip address outside 127.0.0.1 255.0.0.0
        ip address inside 10.1.1.1 255.255.255.0
        ip local pool pptp-pool 198.18.1.1-198.18.1.50
        aaa-server AuthInbound protocol radius
        aaa-server AuthInbound (inside) host 127.0.0.1 {FreeRadiusFixture.Secret} timeout 2 port {FreeRadiusFixture.AuthPort} acct-port {FreeRadiusFixture.AcctPort}
        radius-dynamic-authorization client 127.0.0.1 key {DynamicAuthorizationKey}
        radius-dynamic-authorization port {DynamicAuthorizationPort}
        vpdn group 1 accept dialin pptp
        vpdn group 1 ppp authentication {authentication}
        {mppe}
        vpdn group 1 client configuration address local pptp-pool
        vpdn group 1 client authentication aaa AuthInbound
        vpdn group 1 client accounting AuthInbound
        accounting spool {TestTemp.Directory("pgw-acct-")}
        vpdn enable outside
        """;

    private static AaaCall SingleAaaCall(GatewayTestBed bed) => Assert.Single(bed.Host.Orchestrator.AaaSessions.AaaCalls);

    [FreeRadiusFact]
    public async Task MsChapV2WithMppe128KeysFromFreeRadiusAndAccountingStartStop()
    {
        await using GatewayTestBed bed = GatewayTestBed.Start(Config());
        await using Dialled call = await bed.DialAsync(0x4100, "alice", "alice-pass");

        PppLinkResult client = await call.Events.Up.Task.WaitAsync(Guard);
        Assert.Equal(PppAuthProtocol.MsChapV2, client.AuthenticationProtocol);
        // FreeRADIUS says MS-MPPE-Encryption-Types = 4 (128-bit only): the client offered all strengths, 128 was chosen.
        MppeParameters mppe = await call.Entry.Mppe.Task.WaitAsync(Guard);
        Assert.Equal(MppeKeyStrength.Bits128, mppe.Strength);
        // The client derived its keys from the password (RFC 3079 §3); the gateway got its own from MS-MPPE-Send/Recv-Key:
        // what the gateway sends with is what the client receives with, so every packet decrypts.
        Assert.NotNull(client.Mppe);
        Assert.Equal(client.Mppe.ReceiveStartKey, mppe.SendStartKey.ToArray());
        Assert.Equal(client.Mppe.SendStartKey, mppe.ReceiveStartKey.ToArray());
        Assert.True(bed.Host.Pool!.Contains(client.LocalAddress));

        await bed.WaitForLogAsync("user: alice aaa authentication succeed");
        SessionSnapshot session = Assert.Single(Assert.Single(bed.Host.Orchestrator.Administration.GetSnapshot().Tunnels).Sessions);
        Assert.Equal($"AuthInbound 127.0.0.1:{FreeRadiusFixture.AuthPort}", session.AaaServer);
        Assert.Equal("alice", session.UserName);

        // The Access-Request named the call: NAS-Port = our call id, Calling-Station-Id = the client's outside address.
        Dictionary<string, string> request = radius.ReadAuthenticationRecords()
            .Last(r => r.TryGetValue("User-Name", out string? u) && u == "alice" && r.ContainsKey("MS-CHAP2-Response"));
        Assert.Equal(call.CallId.ToString(CultureInfo.InvariantCulture), request["NAS-Port"]);
        Assert.Equal("127.0.0.1", request["Calling-Station-Id"]);

        AaaCall aaa = SingleAaaCall(bed);
        string sessionId = Assert.IsType<string>(aaa.AcctSessionId);
        Dictionary<string, string> start = await radius.WaitForAccountingRecordAsync(sessionId, "Start", Guard);
        Assert.Equal("alice", start["User-Name"]);
        Assert.Equal(Ipv4.Format(client.LocalAddress), start["Framed-IP-Address"]);

        // Acct-Session-Time counts whole seconds: stay up for more than one, then the client hangs up (LCP Terminate).
        await Task.Delay(TimeSpan.FromMilliseconds(1300));
        call.Client.Close("user hangs up");
        await GatewayTestBed.EventuallyAsync(() => bed.Host.Orchestrator.LiveCalls == 0, "the call to end");
        Dictionary<string, string> stop = await radius.WaitForAccountingRecordAsync(sessionId, "Stop", Guard);
        Assert.Equal("alice", stop["User-Name"]);
        Assert.Equal("User-Request", stop["Acct-Terminate-Cause"]);
        Assert.True(int.Parse(stop["Acct-Session-Time"], CultureInfo.InvariantCulture) >= 1);
        Assert.True(long.Parse(stop["Acct-Input-Packets"], CultureInfo.InvariantCulture) > 0);
    }

    [FreeRadiusFact]
    public async Task PapThroughRadiusComesUpUnencrypted()
    {
        await using GatewayTestBed bed = GatewayTestBed.Start(Config("pap", mppe: ""));
        await using Dialled call = await bed.DialAsync(0x4200, "alice", "alice-pass");

        PppLinkResult client = await call.Events.Up.Task.WaitAsync(Guard);
        Assert.Equal(PppAuthProtocol.Pap, client.AuthenticationProtocol);
        Assert.Null(client.Mppe);
        await bed.WaitForLogAsync("user: alice aaa authentication succeed");
        Dictionary<string, string> request = radius.ReadAuthenticationRecords()
            .Last(r => r.TryGetValue("User-Name", out string? u) && u == "alice" && r.ContainsKey("NAS-Port"));
        Assert.Equal(call.CallId.ToString(CultureInfo.InvariantCulture), request["NAS-Port"]);
    }

    [FreeRadiusFact]
    public async Task RejectedUserFailsWith603103AndNoAccounting()
    {
        await using GatewayTestBed bed = GatewayTestBed.Start(Config());
        await using Dialled call = await bed.DialAsync(0x4300, "mallory", "whatever");

        string reason = await call.Events.Down.Task.WaitAsync(Guard);
        Assert.False(call.Events.Up.Task.IsCompleted, reason);
        await bed.WaitForLogAsync("%PIX-6-603103: PPP virtual interface 1 - user: mallory aaa authentication failed");
        await GatewayTestBed.EventuallyAsync(() => bed.Host.Orchestrator.LiveCalls == 0, "the call to end");
        Assert.DoesNotContain(radius.ReadAccountingRecords(), r => r.TryGetValue("User-Name", out string? u) && u == "mallory");
    }

    [FreeRadiusFact]
    public async Task WrongPasswordIsRejectedWithTheServersMsChapError()
    {
        await using GatewayTestBed bed = GatewayTestBed.Start(Config());
        await using Dialled call = await bed.DialAsync(0x4400, "alice", "not-alice-pass");

        await call.Events.Down.Task.WaitAsync(Guard);
        Assert.False(call.Events.Up.Task.IsCompleted);
        await bed.WaitForLogAsync("user: alice aaa authentication failed");
    }

    [FreeRadiusFact]
    public async Task BobGetsHisFramedIpAndSessionTimeoutAndADisconnectRequestEndsTheSession()
    {
        await using GatewayTestBed bed = GatewayTestBed.Start(Config());
        await using Dialled call = await bed.DialAsync(0x4500, "bob", "bob-pass");

        PppLinkResult client = await call.Events.Up.Task.WaitAsync(Guard);
        Assert.Equal("198.19.7.7", Ipv4.Format(client.LocalAddress)); // Framed-IP-Address, outside the pool
        var network = await call.Entry.Network.Task.WaitAsync(Guard);
        Assert.Equal(client.LocalAddress, network.Address);
        AaaCall aaa = SingleAaaCall(bed);
        Assert.NotNull(aaa.SessionExpires); // Session-Timeout = 3600
        Assert.InRange((aaa.SessionExpires.Value - DateTimeOffset.UtcNow).TotalSeconds, 3500, 3601);
        string sessionId = Assert.IsType<string>(aaa.AcctSessionId);
        Dictionary<string, string> start = await radius.WaitForAccountingRecordAsync(sessionId, "Start", Guard);
        Assert.Equal("198.19.7.7", start["Framed-IP-Address"]);

        // RFC 5176 Disconnect-Request from radclient, naming the session by User-Name and Acct-Session-Id.
        (int code, string output) = FreeRadiusFixture.Run("-x", $"127.0.0.1:{DynamicAuthorizationPort} disconnect {DynamicAuthorizationKey}", 20_000,
            stdin: $"User-Name = \"bob\"\nAcct-Session-Id = \"{sessionId}\"\n", file: "/usr/bin/radclient");
        Assert.True(code == 0, output);
        Assert.Contains("Disconnect-ACK", output, StringComparison.Ordinal);

        await call.Events.Down.Task.WaitAsync(Guard);
        await GatewayTestBed.EventuallyAsync(() => bed.Host.Orchestrator.LiveCalls == 0, "the call to end");
        Dictionary<string, string> stop = await radius.WaitForAccountingRecordAsync(sessionId, "Stop", Guard);
        Assert.Equal("Admin-Reset", stop["Acct-Terminate-Cause"]);
        Assert.False(bed.Host.Pool!.IsAllocated(client.LocalAddress));
    }

    [FreeRadiusFact]
    public async Task CoaSessionTimeoutEndsTheCallWhenItExpires()
    {
        await using GatewayTestBed bed = GatewayTestBed.Start(Config());
        await using Dialled call = await bed.DialAsync(0x4600, "alice", "alice-pass");
        await call.Events.Up.Task.WaitAsync(Guard);
        AaaCall aaa = SingleAaaCall(bed);
        string sessionId = Assert.IsType<string>(aaa.AcctSessionId);
        await radius.WaitForAccountingRecordAsync(sessionId, "Start", Guard);

        (int code, string output) = FreeRadiusFixture.Run("-x", $"127.0.0.1:{DynamicAuthorizationPort} coa {DynamicAuthorizationKey}", 20_000,
            stdin: "User-Name = \"alice\"\nSession-Timeout = 1\n", file: "/usr/bin/radclient");
        Assert.True(code == 0, output);
        Assert.Contains("CoA-ACK", output, StringComparison.Ordinal);

        await call.Events.Down.Task.WaitAsync(Guard);
        await bed.WaitForLogAsync("Session-Timeout expired");
        Dictionary<string, string> stop = await radius.WaitForAccountingRecordAsync(sessionId, "Stop", Guard);
        Assert.Equal("Session-Timeout", stop["Acct-Terminate-Cause"]);
    }

    /// <summary>
    /// RFC 5176 §3.1 with Idle-Timeout: radclient sends a CoA-Request with Idle-Timeout = 1 for a session that had none;
    /// the client sends no data (the loopback dataplane counts none), so the call ends a second or two later with
    /// Acct-Terminate-Cause Idle-Timeout in FreeRADIUS' detail file.
    /// </summary>
    [FreeRadiusFact]
    public async Task CoaIdleTimeoutEndsAnIdleCall()
    {
        await using GatewayTestBed bed = GatewayTestBed.Start(Config());
        await using Dialled call = await bed.DialAsync(0x4680, "alice", "alice-pass");
        await call.Events.Up.Task.WaitAsync(Guard);
        string sessionId = Assert.IsType<string>(SingleAaaCall(bed).AcctSessionId);
        await radius.WaitForAccountingRecordAsync(sessionId, "Start", Guard);
        Assert.Null(Assert.Single(bed.Host.Orchestrator.Calls).IdleMonitor); // no Idle-Timeout from the Access-Accept or the group

        (int code, string output) = FreeRadiusFixture.Run("-x", $"127.0.0.1:{DynamicAuthorizationPort} coa {DynamicAuthorizationKey}", 20_000,
            stdin: $"Acct-Session-Id = \"{sessionId}\"\nIdle-Timeout = 1\n", file: "/usr/bin/radclient");
        Assert.True(code == 0, output);
        Assert.Contains("CoA-ACK", output, StringComparison.Ordinal);
        await bed.WaitForLogAsync("RADIUS CoA-Request: user 'alice'");

        await call.Events.Down.Task.WaitAsync(Guard);
        Assert.Contains("Idle-Timeout of 1 s expired, no data from the client", await bed.WaitForLogAsync("Idle-Timeout of 1 s expired"), StringComparison.Ordinal);
        Dictionary<string, string> stop = await radius.WaitForAccountingRecordAsync(sessionId, "Stop", Guard);
        Assert.Equal("Idle-Timeout", stop["Acct-Terminate-Cause"]);
    }

    [FreeRadiusFact]
    public async Task ShutdownSendsStopWithAdminReboot()
    {
        GatewayTestBed bed = GatewayTestBed.Start(Config());
        string sessionId;
        await using (Dialled call = await bed.DialAsync(0x4700, "alice", "alice-pass"))
        {
            await call.Events.Up.Task.WaitAsync(Guard);
            sessionId = Assert.IsType<string>(SingleAaaCall(bed).AcctSessionId);
            await radius.WaitForAccountingRecordAsync(sessionId, "Start", Guard);
            await bed.DisposeAsync();
        }
        Dictionary<string, string> stop = await radius.WaitForAccountingRecordAsync(sessionId, "Stop", Guard);
        Assert.Equal("Admin-Reboot", stop["Acct-Terminate-Cause"]);
    }
}
