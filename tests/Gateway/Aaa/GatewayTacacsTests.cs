using PptpGw.ControlPlane.Admin;
using PptpGw.ControlPlane.Pools;
using PptpGw.ControlPlane.Ppp;
using PptpGw.ControlPlane.Ppp.Session;
using PptpGw.Tests.ControlPlane.Aaa.Tacacs;

namespace PptpGw.Tests.Gateway.Aaa;

/// <summary>
/// Whole calls through the gateway with <c>client authentication aaa</c> on a TACACS+ group, against the RFC 8907
/// stand-in server of the TACACS+ client tests: PAP comes up unencrypted with the authorized address, MS-CHAPv1 with
/// <c>mppe auto</c> comes up unencrypted and the log says why, and accounting START/STOP reach the server.
/// </summary>
public sealed class GatewayTacacsTests : IAsyncLifetime
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(20);
    private readonly StandInTacacsServer _server = new("tac-key", new Dictionary<string, string> { ["dave"] = "dave-pass" });

    public Task InitializeAsync()
    {
        _server.Authorization["dave"] = (0x01, ["addr=198.19.0.9"]);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private string Config(string authentication, string mppe) => $"""
        ip address outside 127.0.0.1 255.0.0.0
        ip address inside 10.1.1.1 255.255.255.0
        ip local pool pptp-pool 198.18.2.1-198.18.2.50
        aaa-server TAC protocol tacacs+
        aaa-server TAC (inside) host 127.0.0.1 tac-key timeout 5 port {_server.Port}
        vpdn group 1 accept dialin pptp
        vpdn group 1 ppp authentication {authentication}
        {mppe}
        vpdn group 1 client configuration address local pptp-pool
        vpdn group 1 client authentication aaa TAC
        vpdn group 1 client accounting TAC
        accounting spool {TestTemp.Directory("pgw-acct-")}
        vpdn enable outside
        """;

    [Fact]
    public async Task PapThroughTacacsComesUpUnencryptedWithTheAuthorizedAddressAndIsAccounted()
    {
        await using GatewayTestBed bed = GatewayTestBed.Start(Config("pap", "vpdn group 1 ppp encryption mppe auto"));
        await using Dialled call = await bed.DialAsync(0x5100, "dave", "dave-pass");

        PppLinkResult client = await call.Events.Up.Task.WaitAsync(Guard);
        Assert.Equal(PppAuthProtocol.Pap, client.AuthenticationProtocol);
        Assert.Null(client.Mppe);
        Assert.Equal("198.19.0.9", Ipv4.Format(client.LocalAddress));
        SessionSnapshot session = Assert.Single(Assert.Single(bed.Host.Orchestrator.Administration.GetSnapshot().Tunnels).Sessions);
        Assert.Equal($"TAC 127.0.0.1:{_server.Port}", session.AaaServer);

        // The START named the call (port "pptp/ID", rem_addr the client's address).
        ReceivedPacket start = _server.Received.First(p => p.Type == 0x01);
        Assert.Equal($"pptp/{call.CallId}", start.Port);
        Assert.Equal("127.0.0.1", start.RemoteAddress);

        await GatewayTestBed.EventuallyAsync(() => _server.Received.Any(p => p.Type == 0x03 && p.Arguments.Contains("addr=198.19.0.9")),
            "the accounting START");
        call.Client.Close("user hangs up");
        await GatewayTestBed.EventuallyAsync(() => _server.Received.Any(p => p.Type == 0x03 && p.Arguments.Contains("reason=User-Request")),
            "the accounting STOP");
    }

    /// <summary>RFC 8907 §8.2 <c>idletime</c> (minutes) in the authorization REPLY becomes the call's Idle-Timeout, over the group's.</summary>
    [Fact]
    public async Task TacacsIdletimeBecomesTheCallsIdleTimeout()
    {
        _server.Authorization["dave"] = (0x01, ["addr=198.19.0.9", "idletime=7"]);
        await using GatewayTestBed bed = GatewayTestBed.Start(Config("pap", "vpdn group 1 ppp encryption mppe auto") + "\nvpdn group 1 idle-timeout 30");
        await using Dialled call = await bed.DialAsync(0x5180, "dave", "dave-pass");
        await call.Events.Up.Task.WaitAsync(Guard);
        await GatewayTestBed.EventuallyAsync(() => bed.Host.Orchestrator.Calls.SingleOrDefault()?.IdleMonitor is not null, "the idle watch");
        Assert.Equal(TimeSpan.FromMinutes(7), bed.Host.Orchestrator.Calls.Single().IdleMonitor!.Limit);
    }

    [Fact]
    public async Task MsChapV1WithMppeAutoComesUpUnencryptedAndTheLogSaysWhy()
    {
        await using GatewayTestBed bed = GatewayTestBed.Start(Config("mschap", "vpdn group 1 ppp encryption mppe auto"));
        await using Dialled call = await bed.DialAsync(0x5200, "dave", "dave-pass");

        PppLinkResult client = await call.Events.Up.Task.WaitAsync(Guard);
        Assert.Equal(PppAuthProtocol.MsChapV1, client.AuthenticationProtocol);
        Assert.Null(client.Mppe);
        string why = await bed.WaitForLogAsync("TACACS+ returns no MPPE keys");
        Assert.Contains("runs unencrypted", why, StringComparison.Ordinal);
    }
}
