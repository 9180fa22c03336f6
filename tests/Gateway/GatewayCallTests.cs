using System.Net;
using PptpGw.ControlPlane.Admin;
using PptpGw.ControlPlane.Pools;
using PptpGw.ControlPlane.Ppp;
using PptpGw.ControlPlane.Ppp.Session;
using PptpGw.ControlPlane.Pptp;
using PptpGw.Dataplane.Control;
using PptpGw.Dataplane.Mppe;
using PptpGw.Tests.ControlPlane.Pptp.Connection;

namespace PptpGw.Tests.Gateway;

/// <summary>
/// Whole calls through the gateway: a PAC on loopback TCP (SCCRQ, OCRQ), the loopback dataplane, and a client-role PPP
/// session — MS-CHAPv2 with MPPE-128, the PIX messages, show vpdn, clear vpdn, failures and shutdown.
/// </summary>
public sealed class GatewayCallTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task MsChapV2CallComesUpWithMppe128AndIsClearedByAdmin()
    {
        await using GatewayTestBed bed = GatewayTestBed.Start(GatewayTestBed.Config());
        await using Dialled call = await bed.DialAsync(0x4000);

        PppLinkResult client = await call.Events.Up.Task.WaitAsync(Guard);
        Assert.Equal(PppAuthProtocol.MsChapV2, client.AuthenticationProtocol);
        Assert.Equal(Ip("10.1.1.1"), client.PeerAddress); // the gateway's inside address (DESIGN.md)
        Assert.Equal(Ip("10.1.1.53"), client.PrimaryDns);
        Assert.True(bed.Host.Pool!.Contains(client.LocalAddress));
        Assert.True(bed.Host.Pool.IsAllocated(client.LocalAddress));

        // What the orchestrator installed in the dataplane agrees with what the client negotiated.
        var network = await call.Entry.Network.Task.WaitAsync(Guard);
        Assert.Equal(client.LocalAddress, network.Address);
        Assert.True(network.RequireEncryption); // "mppe 128 required"
        MppeParameters mppe = await call.Entry.Mppe.Task.WaitAsync(Guard);
        Assert.Equal(MppeKeyStrength.Bits128, mppe.Strength);
        Assert.NotNull(client.Mppe);
        Assert.Equal(client.Mppe.ReceiveStartKey, mppe.SendStartKey.ToArray());
        Assert.Equal(client.Mppe.SendStartKey, mppe.ReceiveStartKey.ToArray());
        Assert.Equal(client.Mppe.Stateless, mppe.Stateless);

        await bed.WaitForLogAsync("%PIX-6-603102: PPP virtual interface 1 - user: cisco aaa authentication started");
        await bed.WaitForLogAsync("%PIX-6-603103: PPP virtual interface 1 - user: cisco aaa authentication succeed");
        await bed.WaitForLogAsync("109011: Authen Session Start: user 'cisco'");
        string created = await bed.WaitForLogAsync("%PIX-6-603104: PPTP Tunnel created");
        Assert.Contains("remote_peer_ip is 127.0.0.1", created, StringComparison.Ordinal);
        Assert.Contains($"client_dynamic_ip is {Ipv4.Format(client.LocalAddress)}", created, StringComparison.Ordinal);
        Assert.Contains("username is cisco", created, StringComparison.Ordinal);
        Assert.Contains("MPPE_key_strength is 128 bits", created, StringComparison.Ordinal);

        // show vpdn: the tunnel, the call, the user, the address, MPPE, and the dataplane's counters.
        VpdnSnapshot snapshot = bed.Host.Orchestrator.Administration.GetSnapshot();
        TunnelSnapshot tunnel = Assert.Single(snapshot.Tunnels);
        SessionSnapshot session = Assert.Single(tunnel.Sessions);
        Assert.Equal(call.CallId, session.CallId);
        Assert.Equal(call.PeerCallId, session.PeerCallId);
        Assert.Equal("cisco", session.UserName);
        Assert.Equal(Ipv4.ToIPAddress(client.LocalAddress), session.ClientAddress);
        Assert.Equal(MppeKeyStrength.Bits128, session.Mppe.KeyStrength);
        Assert.Equal("local", session.AaaServer);
        Assert.True(session.PacketsSent > 0 && session.PacketsReceived > 0);
        Assert.Equal(64, session.PeerReceiveWindow);
        string text = VpdnRenderer.Render(snapshot, VpdnView.All);
        Assert.Contains("cisco", text, StringComparison.Ordinal);
        Assert.Contains(Ipv4.Format(client.LocalAddress), text, StringComparison.Ordinal);
        Assert.Contains("128", text, StringComparison.Ordinal);

        // clear vpdn tunnel id N: StopCCRQ to the PAC, which answers; 603105; the session, its address and dataplane session gone.
        Task<VpdnClearResult?> clearing = bed.Host.Orchestrator.Administration.ClearTunnelAsync(tunnel.TunnelId, CancellationToken.None).AsTask();
        StopControlConnectionRequest stop = Wire.StopRq(await GatewayTestBed.ReceiveUntilAsync<StopControlConnectionRequest>(call.Pac));
        Assert.Equal(StopControlConnectionReason.None, stop.Reason);
        await call.Pac.SendAsync(Wire.StopReply());
        VpdnClearResult? cleared = await clearing.WaitAsync(Guard);
        ClearedTunnel one = Assert.Single(Assert.IsType<VpdnClearResult>(cleared).Tunnels);
        Assert.Equal((tunnel.TunnelId, 1, true), (one.TunnelId, one.Sessions, one.Closed));
        await bed.WaitForLogAsync($"%PIX-6-603105: PPTP Tunnel deleted, tunnel_id = {tunnel.TunnelId}, remote_peer_ip = 127.0.0.1");
        await GatewayTestBed.EventuallyAsync(() => bed.Host.Orchestrator.LiveCalls == 0, "the call to be released");
        Assert.Equal(0, bed.Host.Pool.UsedCount);
        await call.Entry.Closed.Task.WaitAsync(Guard);
        Assert.Empty(bed.Host.Orchestrator.Administration.GetSnapshot().Tunnels);
    }

    [Fact]
    public async Task WrongPasswordIsLoggedAsFailedAndTheCallIsCleared()
    {
        await using GatewayTestBed bed = GatewayTestBed.Start(GatewayTestBed.Config());
        await using Dialled call = await bed.DialAsync(0x4001, password: "wrong");

        await bed.WaitForLogAsync("%PIX-6-603102: PPP virtual interface 1 - user: cisco aaa authentication started");
        await bed.WaitForLogAsync("%PIX-6-603103: PPP virtual interface 1 - user: cisco aaa authentication failed");
        // PPP ended, so the gateway clears the call: Call-Disconnect-Notify, Result Code 1 Lost Carrier (RFC 2637 §2.13).
        CallDisconnectNotify cdn = Wire.Cdn(await GatewayTestBed.ReceiveUntilAsync<CallDisconnectNotify>(call.Pac));
        Assert.Equal(call.CallId, cdn.CallId);
        Assert.Equal(CallDisconnectResultCode.LostCarrier, cdn.ResultCode);
        await call.Entry.Closed.Task.WaitAsync(Guard);
        await GatewayTestBed.EventuallyAsync(() => bed.Host.Orchestrator.LiveCalls == 0, "the call to be released");
        Assert.Equal(0, bed.Host.Pool!.UsedCount);
        Assert.DoesNotContain(bed.Capture.Lines, l => l.Contains("603104", StringComparison.Ordinal));
        Assert.False(call.Events.Up.Task.IsCompleted);
    }

    [Fact]
    public async Task ExhaustedPoolRefusesTheNextCallWithNoResource()
    {
        await using GatewayTestBed bed = GatewayTestBed.Start(GatewayTestBed.Config(pool: "198.18.1.1"));
        await using Dialled first = await bed.DialAsync(0x4000);
        PppLinkResult up = await first.Events.Up.Task.WaitAsync(Guard);
        Assert.Equal(Ip("198.18.1.1"), up.LocalAddress);

        (TestPeer pac, System.Net.Sockets.TcpClient tcp, CallReply reply) = await bed.PlaceCallAsync(0x4100);
        await using (pac)
        using (tcp)
        {
            Assert.Equal(OutgoingCallResultCode.GeneralError, reply.ResultCode);
            Assert.Equal(PptpGeneralErrorCode.NoResource, reply.ErrorCode);
        }
        await bed.WaitForLogAsync("client ip allocation failed");
        Assert.Equal(1, bed.Host.Orchestrator.LiveCalls);
        Assert.Single(bed.Dataplane.Entries); // the refused call never reached the dataplane
    }

    [Fact]
    public async Task MaxSessionsRefusesWith403103()
    {
        await using GatewayTestBed bed = GatewayTestBed.Start(GatewayTestBed.Config(extra: "gateway max-sessions 1"));
        await using Dialled first = await bed.DialAsync(0x4000);
        await first.Events.Up.Task.WaitAsync(Guard);

        (TestPeer pac, System.Net.Sockets.TcpClient tcp, CallReply reply) = await bed.PlaceCallAsync(0x4100);
        await using (pac)
        using (tcp)
        {
            Assert.Equal(OutgoingCallResultCode.GeneralError, reply.ResultCode);
            Assert.Equal(PptpGeneralErrorCode.NoResource, reply.ErrorCode);
        }
        await bed.WaitForLogAsync("%PIX-4-403103: PPP virtual interface max connections reached");
    }

    [Fact]
    public async Task ShutdownSendsStopToEveryPeerAndEndsTheSessions()
    {
        GatewayTestBed bed = GatewayTestBed.Start(GatewayTestBed.Config());
        await using Dialled call = await bed.DialAsync(0x4000);
        await call.Events.Up.Task.WaitAsync(Guard);
        Assert.Equal(1, bed.Host.Pool!.UsedCount);

        Task stopping = bed.Host.StopAsync(); // what SIGTERM does in 'pptpgw run'
        StopControlConnectionRequest stop = Wire.StopRq(await GatewayTestBed.ReceiveUntilAsync<StopControlConnectionRequest>(call.Pac));
        Assert.Equal(StopControlConnectionReason.StopLocalShutdown, stop.Reason);
        await call.Pac.SendAsync(Wire.StopReply());
        await stopping.WaitAsync(Guard);

        Assert.Equal(0, bed.Host.Orchestrator.LiveCalls);
        Assert.Equal(0, bed.Host.Pool.UsedCount);
        Assert.True(call.Entry.IsClosed);
        Assert.Empty(bed.Host.Orchestrator.Administration.GetSnapshot().Tunnels);
        await bed.WaitForLogAsync("603105: PPTP Tunnel deleted");
        // New connections are no longer accepted.
        using var late = new System.Net.Sockets.TcpClient();
        await Assert.ThrowsAnyAsync<System.Net.Sockets.SocketException>(() => late.ConnectAsync(bed.EndPoint));
        await bed.DisposeAsync();
    }

    [Fact]
    public async Task PeerResetRequestAndDataplaneLossReachTheOtherSide()
    {
        await using GatewayTestBed bed = GatewayTestBed.Start(GatewayTestBed.Config());
        await using Dialled call = await bed.DialAsync(0x4000);
        await call.Events.Up.Task.WaitAsync(Guard);

        // The dataplane detects stateful-MPPE loss: the gateway's session sends a CCP Reset-Request (RFC 3078 §8),
        // which the client answers; the client's Reset-Request in turn reaches the dataplane as OnPeerResetRequest.
        long before = call.Client.GetSnapshot().CcpResetRequestsReceived;
        bed.Dataplane.SignalResetRequestNeeded(call.Entry);
        await GatewayTestBed.EventuallyAsync(() => call.Client.GetSnapshot().CcpResetRequestsReceived == before + 1, "the client to get the Reset-Request");
        Assert.True(call.Client.SendCcpResetRequest());
        await GatewayTestBed.EventuallyAsync(() => Volatile.Read(ref call.Entry.PeerResetRequests) == 1, "the dataplane to hear the peer's Reset-Request");
    }

    private static uint Ip(string text) => Ipv4.FromIPAddress(IPAddress.Parse(text));
}
