using System.Net;
using PptpGw.Client;
using PptpGw.ControlPlane.Admin;
using PptpGw.ControlPlane.Config;
using PptpGw.ControlPlane.Logging;
using PptpGw.ControlPlane.Pools;
using PptpGw.ControlPlane.Ppp;
using PptpGw.ControlPlane.Pptp;
using PptpGw.Dataplane.Ports;
using PptpGw.Gateway.Hosting;
using PptpGw.Tests.ControlPlane.Pptp.Connection;

namespace PptpGw.Tests.Gateway;

/// <summary>
/// Several calls on one control connection (RFC 2637 §3.2): our client's <see cref="PptpTunnel"/> against the gateway
/// with its real dataplane (workers, GRE demultiplexed by Call ID, MPPE) over memory ports, a stand-in inside host
/// answering pings.
/// </summary>
public sealed class MultiCallTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);
    private static readonly IPAddress Inside = IPAddress.Parse("10.1.1.1");

    [Fact]
    public async Task Hundred_calls_on_one_control_connection_come_up_carry_pings_and_go_down_with_one_stop()
    {
        const int calls = 100;
        await using MemoryGatewayBed bed = MemoryGatewayBed.Start();
        PptpClientOptions options = bed.ClientOptions;
        await using PptpTunnel tunnel = await PptpTunnel.OpenAsync(options.ToTunnelOptions());
        using var gre = new GreDemultiplexer(bed.Wire.Client);

        var sessions = new PptpClientSession[calls];
        var links = new PptpClientLink[calls];
        await Parallel.ForAsync(0, calls, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
        {
            sessions[i] = await PptpClient.DialOnTunnelAsync(tunnel, gre, options);
            links[i] = await sessions[i].LinkUp.WaitAsync(Guard);
        });

        // Each call has its own PPP session, authentication, MPPE keys and pool address.
        Assert.Equal(calls, tunnel.ActiveCalls);
        Assert.Equal(calls, bed.Host.Orchestrator.LiveCalls);
        Assert.Equal(calls, links.Select(l => l.LocalAddress).Distinct().Count());
        Assert.All(links, l => Assert.Equal(128, l.MppeBits));
        Assert.All(links, l => Assert.True(bed.Host.Pool!.IsAllocated(Ipv4.FromIPAddress(l.LocalAddress))));
        Assert.Equal(calls, sessions.Select(s => s.CallId).Distinct().Count());
        Assert.Equal(calls, bed.Capture.Lines.Count(l => l.Contains("%PIX-6-603104: PPTP Tunnel created", StringComparison.Ordinal)));
        Assert.Equal(calls, bed.Capture.Lines.Count(l => l.Contains("109011: Authen Session Start: user 'cisco'", StringComparison.Ordinal)));

        // show vpdn: one tunnel with all its calls.
        VpdnSnapshot snapshot = bed.Host.Orchestrator.Administration.GetSnapshot();
        TunnelSnapshot shown = Assert.Single(snapshot.Tunnels);
        Assert.Equal(calls, shown.Sessions.Count);
        Assert.Equal(sessions.Select(s => s.PeerCallId).Order(), shown.Sessions.Select(s => s.CallId).Order());
        Assert.Contains($"{calls} active sessions", VpdnRenderer.Render(snapshot, VpdnView.All), StringComparison.Ordinal);

        // Traffic through every call, both ways, encrypted: the GRE Key (our Call ID) is what demultiplexes.
        await Parallel.ForAsync(0, calls, new ParallelOptions { MaxDegreeOfParallelism = 8 }, (i, _) =>
        {
            var tun = Assert.IsType<MemoryTunnelInterface>(sessions[i].Interface);
            for (ushort seq = 1; seq <= 3; seq++)
                Assert.True(IcmpEcho.Ping(tun, links[i].LocalAddress, Inside, (ushort)i, seq, TimeSpan.FromSeconds(10)) is not null,
                    $"call {i}: no reply to ping {seq}");
            return ValueTask.CompletedTask;
        });
        Assert.Equal(3 * calls, bed.Wire.EchoesAnswered);
        Assert.All(sessions, s => Assert.Equal(3, s.Counters.IpPacketsToTunnel));
        Assert.All(sessions, s => Assert.Equal(0, s.Counters.MppeDropped));
        Assert.Equal(0, gre.UnknownCallPackets);

        // One call cleared (LCP Terminate, Call-Clear-Request): the others stay up and keep carrying traffic.
        IPAddress clearedAddress = links[7].LocalAddress;
        await sessions[7].HangUpAsync();
        Assert.Equal("user request", await sessions[7].Completion.WaitAsync(Guard));
        await GatewayTestBed.EventuallyAsync(() => bed.Host.Orchestrator.LiveCalls == calls - 1, "the one call to be released");
        Assert.Equal(calls - 1, tunnel.ActiveCalls);
        Assert.False(bed.Host.Pool!.IsAllocated(Ipv4.FromIPAddress(clearedAddress)));
        Assert.Equal(calls - 1, Assert.Single(bed.Host.Orchestrator.Administration.GetSnapshot().Tunnels).Sessions.Count);
        Assert.False(tunnel.Closed.IsCompleted);
        var other = Assert.IsType<MemoryTunnelInterface>(sessions[8].Interface);
        Assert.NotNull(IcmpEcho.Ping(other, links[8].LocalAddress, Inside, 8, 99, TimeSpan.FromSeconds(10)));

        // One Stop-Control-Connection-Request clears every call (RFC 2637 §2.3).
        await tunnel.StopAsync();
        PptpTunnelEnd end = await tunnel.Closed.WaitAsync(Guard);
        Assert.Equal((PptpCallEndKind.TunnelStopped, false), (end.Kind, end.ByServer));
        foreach (PptpClientSession session in sessions)
            await session.Completion.WaitAsync(Guard);
        await GatewayTestBed.EventuallyAsync(() => bed.Host.Orchestrator.LiveCalls == 0, "every call to be released");
        Assert.Equal(0, bed.Host.Pool.UsedCount);
        Assert.Empty(bed.Host.Orchestrator.Administration.GetSnapshot().Tunnels);
        await GatewayTestBed.EventuallyAsync(() => bed.Capture.Lines.Any(l => l.Contains("%PIX-6-603105: PPTP Tunnel deleted", StringComparison.Ordinal)),
            "603105");
        foreach (PptpClientSession session in sessions)
            await session.DisposeAsync();
    }

    [Fact]
    public async Task Call_beyond_max_calls_per_tunnel_is_refused_with_no_resource_and_the_others_stay()
    {
        await using MemoryGatewayBed bed = MemoryGatewayBed.Start("vpdn group 1 pptp max-calls-per-tunnel 3");
        PptpClientOptions options = bed.ClientOptions;
        await using PptpTunnel tunnel = await PptpTunnel.OpenAsync(options.ToTunnelOptions());
        using var gre = new GreDemultiplexer(bed.Wire.Client);
        var sessions = new List<PptpClientSession>();
        for (int i = 0; i < 3; i++)
            sessions.Add(await PptpClient.DialOnTunnelAsync(tunnel, gre, options));
        foreach (PptpClientSession session in sessions)
            await session.LinkUp.WaitAsync(Guard);

        var refused = await Assert.ThrowsAsync<PptpClientException>(() => PptpClient.DialOnTunnelAsync(tunnel, gre, options));
        Assert.Equal(PptpClientFailure.Refused, refused.Failure);
        Assert.Equal(OutgoingCallResultCode.GeneralError, refused.CallResult);
        Assert.Equal(PptpGeneralErrorCode.NoResource, refused.ErrorCode);
        Assert.Equal(3, tunnel.ActiveCalls);
        Assert.Equal(3, bed.Host.Orchestrator.LiveCalls);

        // A call cleared makes room for the next one.
        await sessions[0].HangUpAsync();
        await GatewayTestBed.EventuallyAsync(() => bed.Host.Orchestrator.LiveCalls == 2, "the cleared call to be released");
        PptpClientSession again = await PptpClient.DialOnTunnelAsync(tunnel, gre, options);
        await again.LinkUp.WaitAsync(Guard);
        Assert.Equal(3, tunnel.ActiveCalls);

        // TCP lost (no StopCCRQ): every call of the tunnel ends on both sides.
        await tunnel.DisposeAsync();
        Assert.Equal(PptpCallEndKind.TunnelLost, (await tunnel.Closed.WaitAsync(Guard)).Kind);
        await again.Completion.WaitAsync(Guard);
        await GatewayTestBed.EventuallyAsync(() => bed.Host.Orchestrator.LiveCalls == 0, "every call to be released");
        Assert.Equal(0, bed.Host.Pool!.UsedCount);
        foreach (PptpClientSession session in sessions.Append(again))
            await session.DisposeAsync();
    }

    [Fact]
    public async Task Dial_with_calls_brings_up_every_call_pings_through_each_and_ends_with_one_stop()
    {
        await using MemoryGatewayBed bed = MemoryGatewayBed.Start();
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = await DialCommand.RunAsync(
            ["dial", "127.0.0.1", "--port", bed.Host.PptpEndPoint!.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
             "--user", GatewayTestBed.User, "--password", GatewayTestBed.Password, "--auth", "mschapv2", "--mppe", "128",
             "--calls", "20", "--ping", "10.1.1.1", "--count", "2"],
            new DialEnvironment
            {
                Output = output,
                Error = error,
                Configure = o => o with { GreTransportFactory = (_, _) => bed.Wire.Client },
            });
        string text = output.ToString();
        Assert.True(exit == 0, $"exit {exit}\n{text}\n{error}");
        Assert.Contains("DIAL: calls up=20/20 tunnel-calls=20", text, StringComparison.Ordinal);
        Assert.Equal(20, text.Split('\n').Count(l => l.StartsWith("DIAL: call ", StringComparison.Ordinal) && l.Contains(" link up call-id=", StringComparison.Ordinal)
            && l.Contains("mppe=128", StringComparison.Ordinal)));
        Assert.Contains("DIAL: ping 10.1.1.1 through each call: calls=20/20 sent=40 received=40 loss=0%", text, StringComparison.Ordinal);
        Assert.Contains("DIAL: down reason=user request calls=20", text, StringComparison.Ordinal);
        Assert.Equal(40, bed.Wire.EchoesAnswered);
        await GatewayTestBed.EventuallyAsync(() => bed.Host.Orchestrator.LiveCalls == 0, "every call to be released");
        Assert.Equal(20, bed.Capture.Lines.Count(l => l.Contains("%PIX-6-603104: PPTP Tunnel created", StringComparison.Ordinal)));
        Assert.Single(bed.Capture.Lines, l => l.Contains("%PIX-6-603105: PPTP Tunnel deleted", StringComparison.Ordinal));
    }

    /// <summary>The default limit, 1,000 calls per tunnel, at the PPTP level (PPP is not brought up): the 1,001st OCRQ gets General Error / No-Resource.</summary>
    [Fact]
    public async Task Default_limit_admits_1000_calls_on_a_tunnel_and_refuses_the_1001st()
    {
        await using GatewayTestBed bed = GatewayTestBed.Start(GatewayTestBed.Config(pool: "198.18.0.1-198.18.7.254"));
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(bed.EndPoint);
        await using var pac = new TestPeer(tcp.GetStream());
        await pac.SendAsync(Wire.Sccrq());
        Assert.Equal(StartControlConnectionResultCode.Successful, Wire.Sccrp(await pac.ReceiveAsync<StartControlConnectionReply>()).ResultCode);

        var ourIds = new HashSet<ushort>();
        for (int i = 1; i <= VpdnGroupConfig.DefaultMaxCallsPerTunnel + 1; i++)
        {
            await pac.SendAsync(Wire.Ocrq((ushort)i));
            OutgoingCallReply reply = Wire.Ocrp(await GatewayTestBed.ReceiveUntilAsync<OutgoingCallReply>(pac));
            Assert.Equal((ushort)i, reply.PeersCallId);
            if (i <= VpdnGroupConfig.DefaultMaxCallsPerTunnel)
            {
                Assert.Equal(OutgoingCallResultCode.Connected, reply.ResultCode);
                Assert.True(ourIds.Add(reply.CallId), "call ids are unique on the tunnel");
            }
            else
            {
                Assert.Equal((OutgoingCallResultCode.GeneralError, PptpGeneralErrorCode.NoResource), (reply.ResultCode, reply.ErrorCode));
            }
        }
        Assert.Equal(VpdnGroupConfig.DefaultMaxCallsPerTunnel, bed.Host.Orchestrator.LiveCalls);
        Assert.Equal(VpdnGroupConfig.DefaultMaxCallsPerTunnel, Assert.Single(bed.Host.Orchestrator.Administration.GetSnapshot().Tunnels).Sessions.Count);

        await pac.SendAsync(Wire.StopRequest());
        await GatewayTestBed.ReceiveUntilAsync<StopControlConnectionReply>(pac);
        await GatewayTestBed.EventuallyAsync(() => bed.Host.Orchestrator.LiveCalls == 0, "every call to be released by the one StopCCRQ");
    }
}
