using System.Net;
using System.Net.Sockets;
using PptpGw.Client;
using PptpGw.ControlPlane.Ppp;
using PptpGw.ControlPlane.Ppp.Auth;
using PptpGw.ControlPlane.Ppp.Chap;
using PptpGw.ControlPlane.Ppp.Ccp;
using PptpGw.ControlPlane.Ppp.Fsm;
using PptpGw.ControlPlane.Pptp;

namespace PptpGw.Tests.Client;

/// <summary>The client against the in-process stand-in server (<see cref="StandInPns"/>), GRE in memory.</summary>
public sealed class PptpClientTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    private static async Task<(PptpClientSession Session, PptpClientLink Link)> DialAsync(StandInPns pns, PptpClientOptions options)
    {
        PptpClientSession session = await PptpClient.ConnectAsync(options);
        PptpClientLink link = await session.LinkUp.WaitAsync(Wait);
        return (session, link);
    }

    /// <summary>Sends <paramref name="count"/> pings through the tunnel interface and checks every reply.</summary>
    private static void PingThrough(PptpClientSession session, PptpClientLink link, int count, int payload = 56)
    {
        var tunnel = Assert.IsType<MemoryTunnelInterface>(session.Interface);
        for (ushort seq = 1; seq <= count; seq++)
        {
            byte[] request = StandInPns.MakeEchoRequest(link.LocalAddress, link.PeerAddress, 0x1234, seq, payload);
            tunnel.Inject(request);
            Assert.True(tunnel.TryTakeReceived(out byte[] reply, Wait), $"no reply to ping {seq}");
            Assert.Equal(StandInPns.MakeEchoReply(request), reply);
        }
    }

    [Theory]
    [InlineData(ClientMppeMode.Bits128, false, 128)]
    [InlineData(ClientMppeMode.Bits128, true, 128)]
    [InlineData(ClientMppeMode.Bits56, false, 56)]
    [InlineData(ClientMppeMode.Bits40, true, 40)]
    [InlineData(ClientMppeMode.Any, false, 128)]
    public async Task MsChapV2_call_with_mppe_carries_pings_both_ways_and_hangs_up_cleanly(ClientMppeMode mode, bool stateful, int bits)
    {
        await using var pns = new StandInPns(new StandInPnsOptions
        {
            Mppe = new MppePolicy(MppePolicy.StrengthBits, Required: true, PreferStateless: !stateful),
        });
        var progress = new List<string>();
        var (session, link) = await DialAsync(pns, pns.ClientOptions() with { Mppe = mode, Stateful = stateful, Progress = progress.Add });

        Assert.Equal(IPAddress.Parse(StandInPns.FirstClientAddress), link.LocalAddress);
        Assert.Equal(StandInPns.ServerTunnelAddress, link.PeerAddress);
        Assert.Equal(IPAddress.Parse("198.19.0.53"), link.PrimaryDns);
        Assert.Equal(PppAuthProtocol.MsChapV2, link.AuthenticationProtocol);
        Assert.Equal(bits, link.MppeBits);
        Assert.Equal(!stateful, link.MppeStateless);
        Assert.Equal($"mppe={bits} {(stateful ? "stateful" : "stateless")}", link.MppeText);
        Assert.Equal(pns.ServerLink!.PeerMru - 4, link.Mtu);
        Assert.Equal("pptp0", link.InterfaceName);
        Assert.Equal(64, pns.ClientWindow);
        Assert.StartsWith("control connection up", progress[0], StringComparison.Ordinal);
        Assert.Matches(@"^call established call-id=\d+ peer-call-id=16962 peer-window=32$", progress[1]);

        PingThrough(session, link, 300, payload: 1000); // > 256 packets: stateful mode crosses a flag packet (RFC 3078 §7.2)

        Assert.Equal(300, pns.IcmpEchoesAnswered);
        Assert.True(pns.EncryptedReceived >= 300);
        Assert.Equal(0, pns.ClearIpReceived);
        // The send side counts a packet after the GRE send returned: on a loaded machine the reply can be back first.
        for (int i = 0; i < 200 && session.Counters.IpPacketsFromTunnel < 300; i++)
            await Task.Delay(10);
        PptpClientCounters counters = session.Counters;
        Assert.Equal(300, counters.IpPacketsFromTunnel);
        Assert.Equal(300, counters.IpPacketsToTunnel);
        Assert.Equal(0, counters.MppeDropped);

        var tunnel = (MemoryTunnelInterface)session.Interface!;
        await session.HangUpAsync();
        Assert.Equal("user request", await session.Completion.WaitAsync(Wait));
        // LCP Terminate-Request (RFC 1661 §5.5), then CCRQ, then StopCCRQ.
        Assert.Contains((byte)5, pns.LcpCodesReceived);
        Assert.Equal(
            [PptpControlMessageType.StartControlConnectionRequest, PptpControlMessageType.OutgoingCallRequest,
             PptpControlMessageType.CallClearRequest, PptpControlMessageType.StopControlConnectionRequest],
            pns.ControlReceived.ToArray());
        Assert.True(tunnel.IsClosed);
        Assert.Null(session.Interface);
        Assert.Empty(pns.Failures);
    }

    [Fact]
    public async Task Pap_without_mppe_carries_clear_ipv4()
    {
        await using var pns = new StandInPns(new StandInPnsOptions { Authentication = [PppAuthProtocol.Pap], Mppe = null });
        var (session, link) = await DialAsync(pns, pns.ClientOptions() with { Mppe = ClientMppeMode.None });
        Assert.Null(link.MppeBits);
        Assert.Equal("mppe=none", link.MppeText);
        Assert.Equal(PppAuthProtocol.Pap, link.AuthenticationProtocol);
        Assert.Equal(pns.ServerLink!.PeerMru, link.Mtu);
        PingThrough(session, link, 10);
        Assert.Equal(10, pns.ClearIpReceived);
        Assert.Equal(0, pns.EncryptedReceived);
        await session.HangUpAsync();
        await session.Completion.WaitAsync(Wait);
        Assert.Empty(pns.Failures);
    }

    [Fact]
    public async Task Acknowledgments_go_alone_when_no_data_returns()
    {
        await using var pns = new StandInPns();
        var (session, link) = await DialAsync(pns, pns.ClientOptions());
        int before = pns.GreAckOnlyReceived;
        // The tunnel interface swallows the replies' ICMP: the client receives data but sends none back on its own.
        var tunnel = (MemoryTunnelInterface)session.Interface!;
        tunnel.Inject(StandInPns.MakeEchoRequest(link.LocalAddress, link.PeerAddress, 7, 1));
        Assert.True(tunnel.TryTakeReceived(out _, Wait));
        // RFC 2637 §4.4: the reply's Sequence Number must be acknowledged even though nothing goes the server's way.
        for (int i = 0; i < 200 && pns.GreAckOnlyReceived == before; i++)
            await Task.Delay(10);
        Assert.True(pns.GreAckOnlyReceived > before, "no acknowledgment-only packet");
        Assert.True(session.Counters.AcknowledgmentOnlySent > 0);
        await session.HangUpAsync();
    }

    [Fact]
    public async Task Lost_gre_packets_do_not_stop_stateless_mppe()
    {
        await using var pns = new StandInPns();
        var (session, link) = await DialAsync(pns, pns.ClientOptions());
        var tunnel = (MemoryTunnelInterface)session.Interface!;
        int sent = 0;
        pns.DropFilter = packet => Interlocked.Increment(ref sent) % 3 != 0; // every third server packet lost
        int replies = 0;
        for (ushort seq = 1; seq <= 30; seq++)
        {
            tunnel.Inject(StandInPns.MakeEchoRequest(link.LocalAddress, link.PeerAddress, 9, seq));
            if (tunnel.TryTakeReceived(out byte[] reply, TimeSpan.FromMilliseconds(300)))
            {
                replies++;
                Assert.Equal(0, reply[20]); // an echo reply, decrypted correctly despite the gaps in the coherency count
            }
        }
        Assert.InRange(replies, 15, 25);
        Assert.Equal(0, session.Counters.MppeDropped);
        Assert.True(session.Counters.GreLost > 0);
        await session.HangUpAsync();
    }

    [Fact]
    public async Task Wrong_password_fails_with_the_ms_chap_error()
    {
        await using var pns = new StandInPns();
        PptpClientSession session = await PptpClient.ConnectAsync(pns.ClientOptions(password: "not-it"));
        var e = await Assert.ThrowsAsync<PptpClientException>(() => session.LinkUp.WaitAsync(Wait));
        Assert.Equal(PptpClientFailure.AuthenticationFailed, e.Failure);
        Assert.Contains("E=691 (ERROR_AUTHENTICATION_FAILURE)", e.Message, StringComparison.Ordinal);
        await session.Completion.WaitAsync(Wait);
    }

    [Fact]
    public async Task Mppe_strength_the_server_does_not_allow_is_a_mismatch()
    {
        await using var pns = new StandInPns(new StandInPnsOptions
        {
            Mppe = new MppePolicy(MppeSupportedBits.Encryption40Bit, Required: true, PreferStateless: true),
        });
        PptpClientSession session = await PptpClient.ConnectAsync(pns.ClientOptions() with { Mppe = ClientMppeMode.Bits128 });
        var e = await Assert.ThrowsAsync<PptpClientException>(() => session.LinkUp.WaitAsync(Wait));
        Assert.Equal(PptpClientFailure.MppeMismatch, e.Failure);
        await session.Completion.WaitAsync(Wait);
    }

    [Fact]
    public async Task No_mppe_against_a_server_that_requires_it_is_a_mismatch()
    {
        await using var pns = new StandInPns();
        PptpClientSession session = await PptpClient.ConnectAsync(pns.ClientOptions() with { Mppe = ClientMppeMode.None });
        var e = await Assert.ThrowsAsync<PptpClientException>(() => session.LinkUp.WaitAsync(Wait));
        Assert.True(PptpClientFailure.MppeMismatch == e.Failure, e.Message);
        await session.Completion.WaitAsync(Wait);
    }

    [Theory]
    [InlineData(OutgoingCallResultCode.Busy, "4 (Busy)")]
    [InlineData(OutgoingCallResultCode.DoNotAccept, "7 (Do Not Accept)")]
    public async Task Refused_call_reports_the_outgoing_call_reply_result(OutgoingCallResultCode result, string text)
    {
        await using var pns = new StandInPns(new StandInPnsOptions { CallResult = result });
        var e = await Assert.ThrowsAsync<PptpClientException>(() => PptpClient.ConnectAsync(pns.ClientOptions()));
        Assert.Equal(PptpClientFailure.Refused, e.Failure);
        Assert.StartsWith("call refused: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(result.ToRfcText(), e.Message, StringComparison.Ordinal);
        Assert.Contains(text, e.Message, StringComparison.Ordinal);
        for (int i = 0; i < 200 && !pns.ControlReceived.Contains(PptpControlMessageType.StopControlConnectionRequest); i++)
            await Task.Delay(10);
        Assert.Contains(PptpControlMessageType.StopControlConnectionRequest, pns.ControlReceived);
    }

    [Fact]
    public async Task Refused_control_connection_reports_the_result()
    {
        await using var pns = new StandInPns(new StandInPnsOptions { ControlResult = StartControlConnectionResultCode.RequesterNotAuthorized });
        var e = await Assert.ThrowsAsync<PptpClientException>(() => PptpClient.ConnectAsync(pns.ClientOptions()));
        Assert.Equal(PptpClientFailure.Refused, e.Failure);
        Assert.Contains(StartControlConnectionResultCode.RequesterNotAuthorized.ToRfcText(), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Silent_server_times_out()
    {
        await using var pns = new StandInPns(new StandInPnsOptions { Mute = true });
        var e = await Assert.ThrowsAsync<PptpClientException>(() =>
            PptpClient.ConnectAsync(pns.ClientOptions() with { ConnectTimeout = TimeSpan.FromMilliseconds(300) }));
        Assert.Equal(PptpClientFailure.Timeout, e.Failure);
        Assert.Contains("Start-Control-Connection-Reply", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_listener_is_a_connect_failure()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        var e = await Assert.ThrowsAsync<PptpClientException>(() => PptpClient.ConnectAsync(new PptpClientOptions
        {
            Server = IPAddress.Loopback, Port = port, UserName = "u", Password = "p",
        }));
        Assert.Equal(PptpClientFailure.ConnectFailed, e.Failure);
    }

    [Fact]
    public async Task Echo_requests_are_answered()
    {
        await using var pns = new StandInPns();
        var (session, _) = await DialAsync(pns, pns.ClientOptions());
        await pns.SendEchoRequestAsync(0xCAFE0001);
        await pns.SendEchoRequestAsync(0xCAFE0002);
        for (int i = 0; i < 200 && pns.EchoReplies.Count < 2; i++)
            await Task.Delay(10);
        Assert.Equal([0xCAFE0001u, 0xCAFE0002u], pns.EchoReplies.ToArray());
        await session.HangUpAsync();
    }

    [Fact]
    public async Task Server_stop_control_connection_is_answered_and_ends_the_session()
    {
        await using var pns = new StandInPns();
        var (session, _) = await DialAsync(pns, pns.ClientOptions());
        var tunnel = (MemoryTunnelInterface)session.Interface!;
        await pns.SendStopAsync();
        string reason = await session.Completion.WaitAsync(Wait);
        Assert.Contains("stopped the control connection", reason, StringComparison.Ordinal);
        Assert.Contains(StopControlConnectionReason.StopLocalShutdown.ToRfcText(), reason, StringComparison.Ordinal);
        Assert.True(tunnel.IsClosed);
        Assert.DoesNotContain(PptpControlMessageType.CallClearRequest, pns.ControlReceived);
    }

    /// <summary>
    /// Issue 9 item 8: a PAC that clears the call itself once PPP is down (the gateway, the PIX) sends its CDN a little
    /// after the client's LCP Terminate-Request was acknowledged. The client's hang-up must not send a CCRQ for that call
    /// (the PAC has cleared it): it waits for the CDN, then stops the control connection.
    /// </summary>
    [Fact]
    public async Task Hang_up_against_a_pac_that_clears_the_call_itself_sends_no_ccrq_after_its_cdn()
    {
        for (int round = 0; round < 3; round++)
        {
            await using var pns = new StandInPns(new StandInPnsOptions { ClearCallAfterPppDown = TimeSpan.FromMilliseconds(60) });
            var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var (session, _) = await DialAsync(pns, pns.ClientOptions() with
            {
                // The grace is what is tested, not its length: long enough for a loaded machine to deliver the 60 ms CDN.
                CallDisconnectGrace = TimeSpan.FromSeconds(2),
                Log = line => log.Enqueue($"{clock.ElapsedMilliseconds} {line}"),
            });
            await session.HangUpAsync().WaitAsync(Wait);
            PptpControlMessageType[] received = [.. pns.ControlReceived];
            Assert.True(!received.Contains(PptpControlMessageType.CallClearRequest),
                $"round {round}: {string.Join(",", received)}; server down: {pns.ServerDownReason}; LCP codes from the client: {string.Join(",", pns.LcpCodesReceived)}; CDNs after PPP down {pns.CallsClearedAfterPppDown}; failures {string.Join(" | ", pns.Failures)}\n{string.Join("\n", log)}");
            Assert.Equal(PptpControlMessageType.StopControlConnectionRequest, received[^1]);
            Assert.Contains((byte)PppFsmCode.TerminateRequest, pns.LcpCodesReceived);
        }
    }

    [Fact]
    public async Task Server_call_disconnect_ends_the_session_with_stop_control_connection()
    {
        await using var pns = new StandInPns();
        var (session, _) = await DialAsync(pns, pns.ClientOptions());
        await pns.SendCallDisconnectAsync();
        string reason = await session.Completion.WaitAsync(Wait);
        Assert.Contains("call disconnected by the server", reason, StringComparison.Ordinal);
        Assert.Contains(PptpControlMessageType.StopControlConnectionRequest, pns.ControlReceived);
        Assert.DoesNotContain(PptpControlMessageType.CallClearRequest, pns.ControlReceived);
    }

    [Theory]
    [InlineData("MS-CHAP Failure E=691", 691u, "MS-CHAP Failure E=691 (ERROR_AUTHENTICATION_FAILURE)")]
    [InlineData("MS-CHAP Failure E=649", 649u, "MS-CHAP Failure E=649 (ERROR_NO_DIALIN_PERMISSION)")]
    [InlineData("MS-CHAP Failure E=12345", 12345u, "MS-CHAP Failure E=12345")]
    [InlineData("PAP Authenticate-Nak: go away", null, "PAP Authenticate-Nak: go away")]
    public void Authentication_failures_name_the_windows_error(string reason, uint? code, string expected) =>
        Assert.Equal(expected, PptpClient.DescribeAuthenticationFailure(new PppAuthOutcome(false, true, PppAuthProtocol.MsChapV2, "u", reason,
            null, null, PppAuthFailure.ServerRefused, (MsChapErrorCode?)code)));

    [Fact]
    public void Client_messages_parse_with_the_codecs()
    {
        byte[] sccrq = ClientControlMessages.StartControlConnectionRequest("host");
        Assert.Equal(PptpParseError.None, StartControlConnectionRequest.TryParse(sccrq, out var start));
        Assert.Equal("host", PptpString.ToLogString(start.HostName));
        byte[] ocrq = ClientControlMessages.OutgoingCallRequest(0x1111, 7, 64);
        Assert.Equal(PptpParseError.None, OutgoingCallRequest.TryParse(ocrq, out var call));
        Assert.Equal(0x1111, call.CallId);
        Assert.Equal(64, call.PacketRecvWindowSize);
        Assert.Equal(PptpBearerType.Any, call.BearerType);
        Assert.Equal(PptpFramingType.Any, call.FramingType);
        ControlMessage? echo = ControlMessage.Decode(ClientControlMessages.EchoReply(42), out _);
        Assert.Equal(42u, echo!.Value.Identifier);
        Assert.Null(ControlMessage.Decode(new byte[5], out PptpParseError error));
        Assert.Equal(PptpParseError.TooShort, error);
    }
}
