using System.Buffers.Binary;
using PptpGw.ControlPlane.Pptp;
using PptpGw.ControlPlane.Pptp.Connection;

namespace PptpGw.Tests.ControlPlane.Pptp.Connection;

public sealed class PptpControlConnectionTests
{
    private static readonly TimeSpan Echo = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task HappyPath_Windows_session_from_SCCRQ_to_StopCCRQ()
    {
        await using var h = new ConnectionHarness();

        // SCCRQ → SCCRP with our capabilities (RFC 2637 §2.2).
        await h.Peer.SendAsync(Wire.Sccrq());
        byte[] sccrpFrame = await h.Peer.ReceiveAsync<StartControlConnectionReply>();
        StartControlConnectionReply sccrp = Wire.Sccrp(sccrpFrame);
        Assert.Equal(PptpControlMessage.ProtocolVersion, sccrp.ProtocolVersion);
        Assert.Equal(StartControlConnectionResultCode.Successful, sccrp.ResultCode);
        Assert.Equal(PptpGeneralErrorCode.None, sccrp.ErrorCode);
        Assert.Equal(PptpFramingCapabilities.Asynchronous | PptpFramingCapabilities.Synchronous, sccrp.FramingCapabilities);
        Assert.Equal(PptpBearerCapabilities.Analog | PptpBearerCapabilities.Digital, sccrp.BearerCapabilities);
        Assert.Equal((ushort)1, sccrp.MaximumChannels);
        Assert.Equal((ushort)0x0100, sccrp.FirmwareRevision);
        Assert.Equal("pptpgw", PptpString.ToLogString(sccrp.HostName));
        Assert.Equal("pptpgw", PptpString.ToLogString(sccrp.VendorString));

        // OCRQ → the handler is asked → OCRP Connected with our id, the peer's id, our window (§2.8).
        await h.Peer.SendAsync(Wire.Ocrq(0x4000, window: 64));
        byte[] ocrpFrame = await h.Peer.ReceiveAsync<OutgoingCallReply>();
        OutgoingCallReply ocrp = Wire.Ocrp(ocrpFrame);
        Assert.NotEqual((ushort)0, ocrp.CallId);
        Assert.Equal((ushort)0x4000, ocrp.PeersCallId);
        Assert.Equal(OutgoingCallResultCode.Connected, ocrp.ResultCode);
        Assert.Equal(PptpGeneralErrorCode.None, ocrp.ErrorCode);
        Assert.Equal(100_000_000u, ocrp.ConnectSpeed);
        Assert.Equal((ushort)64, ocrp.PacketRecvWindowSize);
        Assert.Equal((ushort)0, ocrp.PacketProcessingDelay);
        ushort callId = ocrp.CallId;

        CallRequestInfo request = await ConnectionHarness.Next(h.Handler.Requests);
        Assert.Equal((9u, callId, (ushort)0x4000, (ushort)58613, (ushort)64, 300u, 100_000_000u),
            (request.TunnelId, request.CallId, request.PeerCallId, request.CallSerialNumber, request.PeerReceiveWindowSize, request.MinimumBps, request.MaximumBps));
        Assert.Equal(ConnectionHarness.PeerEndPoint, request.Peer);
        EstablishedCall established = await ConnectionHarness.Next(h.Handler.Established);
        Assert.Same(h.Connection, established.Connection);
        Assert.Equal((callId, (ushort)0x4000, (ushort)64, (ushort)64), (established.CallId, established.PeerCallId, established.PeerReceiveWindowSize, established.ReceiveWindowSize));

        // SLI → recorded and passed on (§2.15).
        await h.Peer.SendAsync(Wire.Sli(callId, 0xFFFFFFFF, 0x00000000));
        Assert.Equal((9u, callId, 0xFFFFFFFFu, 0u), await ConnectionHarness.Next(h.Handler.LinkInfos));
        PptpCallSnapshot callSnapshot = Assert.Single(h.Connection.GetSnapshot().Calls);
        Assert.Equal((0xFFFFFFFFu, 0u, "estabd"), (callSnapshot.SendAccm, callSnapshot.ReceiveAccm, callSnapshot.StateName));

        // The peer's Echo-Request → Echo-Reply with its identifier (§2.6).
        await h.Peer.SendAsync(Wire.EchoRequest(0xCAFE));
        EchoReply echoReply = Wire.Echorp(await h.Peer.ReceiveAsync<EchoReply>());
        Assert.Equal((0xCAFEu, EchoReplyResultCode.Ok, PptpGeneralErrorCode.None), (echoReply.Identifier, echoReply.ResultCode, echoReply.ErrorCode));

        // 60 s without a message → our Echo-Request; answered → another 60 s later, the next one.
        h.Time.Advance(Echo);
        uint first = Wire.Echorq(await h.Peer.ReceiveAsync<EchoRequest>()).Identifier;
        await h.Peer.SendAsync(Wire.EchoReply(first));
        // The reply re-arms the idle timer only once processed; a message with an answer proves that.
        await h.Peer.SendAsync(Wire.EchoRequest(1));
        Assert.Equal(1u, Wire.Echorp(await h.Peer.ReceiveAsync<EchoReply>()).Identifier);
        h.Time.Advance(Echo);
        uint second = Wire.Echorq(await h.Peer.ReceiveAsync<EchoRequest>()).Identifier;
        Assert.NotEqual(first, second);
        await h.Peer.SendAsync(Wire.EchoReply(second));

        // CCRQ (the peer's call id, §2.12) → CDN with our call id, Result Code 4 Request (§2.13).
        await h.Peer.SendAsync(Wire.Ccrq(0x4000));
        CallDisconnectNotify cdn = Wire.Cdn(await h.Peer.ReceiveAsync<CallDisconnectNotify>());
        Assert.Equal((callId, CallDisconnectResultCode.Request, PptpGeneralErrorCode.None), (cdn.CallId, cdn.ResultCode, cdn.ErrorCode));
        Assert.Equal((9u, callId, PptpCallClearReason.PeerCallClearRequest), await ConnectionHarness.Next(h.Handler.Cleared));
        Assert.Empty(h.Connection.GetSnapshot().Calls);
        Assert.Equal(0, ((RoundRobinCallIdSource)h.CallIds).CountInUse(ConnectionHarness.PeerEndPoint.Address));

        // StopCCRQ → StopCCRP OK, then TCP closed.
        await h.Peer.SendAsync(Wire.StopRequest());
        StopControlConnectionReply stopReply = Wire.StopRp(await h.Peer.ReceiveAsync<StopControlConnectionReply>());
        Assert.Equal((StopControlConnectionResultCode.Ok, PptpGeneralErrorCode.None), (stopReply.ResultCode, stopReply.ErrorCode));
        await h.Peer.ExpectClosedAsync();
        await h.ClosedAsync();
        Assert.Equal(PptpCloseReason.PeerStopRequest, h.Connection.CloseReason);
        Assert.Equal(PptpControlConnectionState.Closed, h.Connection.State);
        Assert.Equal(new[] { (9u, PptpCloseReason.PeerStopRequest) }, h.Events.Deleted);
        Assert.Empty(h.Events.Errors);

        // debug vpdn events/packet lines as the reference prints them.
        Assert.Contains("Tnl 9 PPTP: SCCRQ-ok -> state change wt-sccrq to estabd", h.Events.Lines);
        Assert.Contains($"Tnl/Cl 9/{callId} PPTP: vacc-ok -> state change wt-vacc to estabd", h.Events.Lines);
        Assert.Contains("Tnl 9 PPTP: CC I SCCRQ", h.Events.Lines);
        Assert.Contains("Tnl 9 PPTP: CC O OCRP", h.Events.Lines);
        Assert.Contains("Tnl 9 PPTP: CC I 009c00011a2b3c4d0001000001000000000000010000...", h.Events.Lines);
    }

    [Fact]
    public async Task Snapshot_reports_state_age_endpoints_counters_and_calls()
    {
        await using var h = new ConnectionHarness();
        await h.EstablishAsync();
        ushort callId = await h.PlaceCallAsync(0x4000);
        h.Time.Advance(TimeSpan.FromSeconds(24));

        PptpTunnelSnapshot s = h.Connection.GetSnapshot();
        Assert.Equal((9u, 9u, "estabd", TimeSpan.FromSeconds(24)), (s.TunnelId, s.RemoteId, s.StateName, s.TimeSinceStateChange));
        Assert.Equal((ConnectionHarness.PeerEndPoint, ConnectionHarness.LocalEndPoint), (s.Remote, s.Local));
        // In: SCCRQ 156 + OCRQ 168; out: SCCRP 156 + OCRP 32.
        Assert.Equal((2L, 2L, 188L, 324L), (s.PacketsSent, s.PacketsReceived, s.BytesSent, s.BytesReceived));
        Assert.Equal(("", "Microsoft Windows NT", (ushort)0x0100), (s.PeerHostName, s.PeerVendor, s.PeerProtocolVersion));
        PptpCallSnapshot call = Assert.Single(s.Calls);
        Assert.Equal((callId, (ushort)0x4000, (ushort)58613, "estabd", (ushort)64, (ushort)64), (call.CallId, call.PeerCallId, call.CallSerialNumber, call.StateName, call.PeerReceiveWindowSize, call.ReceiveWindowSize));
        Assert.Equal(TimeSpan.FromSeconds(24), call.TimeSinceStateChange);
    }

    [Fact]
    public async Task Debug_events_of_a_Windows_session_match_the_reference_lines()
    {
        // The PIX gives the session the tunnel's id (Tnl/Cl 9/9); so does this call id source.
        await using var h = new ConnectionHarness(callIds: new FixedCallIdSource(9));
        await h.EstablishAsync();
        await h.PlaceCallAsync(0x4000);
        string[] lines = [.. h.Events.Lines];
        string[] expectedInOrder =
        [
            "Tnl 9 PPTP: Tunnel created; peer initiated",
            "Tnl 9 PPTP: CC I 009c00011a2b3c4d0001000001000000000000010000...",
            "Tnl 9 PPTP: CC I SCCRQ",
            "Tnl 9 PPTP: SCCRQ-ok -> state change wt-sccrq to estabd",
            "Tnl 9 PPTP: CC O SCCRP",
            "Tnl 9 PPTP: CC I 00a800011a2b3c4d000700004000e4f50000012c05f5...",
            "Tnl 9 PPTP: CC I OCRQ",
            "Tnl/Cl 9/9 PPTP: vacc-ok -> state change wt-vacc to estabd",
            "Tnl 9 PPTP: CC O OCRP",
        ];
        int at = 0;
        foreach (string line in lines)
            if (at < expectedInOrder.Length && line == expectedInOrder[at])
                at++;
        Assert.True(at == expectedInOrder.Length, $"missing in order: {(at < expectedInOrder.Length ? expectedInOrder[at] : "")}\nactual:\n{string.Join('\n', lines)}");
    }

    [Theory]
    [InlineData(OutgoingCallResultCode.DoNotAccept, PptpGeneralErrorCode.None)]
    [InlineData(OutgoingCallResultCode.Busy, PptpGeneralErrorCode.None)]
    [InlineData(OutgoingCallResultCode.GeneralError, PptpGeneralErrorCode.NoResource)]
    public async Task Outgoing_call_refused_by_the_handler(OutgoingCallResultCode result, PptpGeneralErrorCode error)
    {
        await using var h = new ConnectionHarness();
        h.Handler.Decide = (_, _) => ValueTask.FromResult(CallDecision.Refuse(result, "user limit reached", error));
        await h.EstablishAsync();

        await h.Peer.SendAsync(Wire.Ocrq(0x1234));
        OutgoingCallReply ocrp = Wire.Ocrp(await h.Peer.ReceiveAsync<OutgoingCallReply>());
        Assert.Equal(((ushort)0, (ushort)0x1234, result, error), (ocrp.CallId, ocrp.PeersCallId, ocrp.ResultCode, ocrp.ErrorCode));
        Assert.Equal(0, ((RoundRobinCallIdSource)h.CallIds).CountInUse(ConnectionHarness.PeerEndPoint.Address));
        Assert.Empty(h.Connection.GetSnapshot().Calls);
        Assert.True(h.Events.HasError(PptpErrorKind.CallRefused, "user limit reached"));
        Assert.False(h.Handler.Established.Reader.TryRead(out _));
        Assert.False(h.Handler.Cleared.Reader.TryRead(out _));
        Assert.Equal(PptpControlConnectionState.Established, h.Connection.State);
    }

    [Fact]
    public async Task Outgoing_call_beyond_the_per_connection_limit_gets_No_Resource()
    {
        await using var h = new ConnectionHarness(new PptpConnectionOptions { MaxCallsPerConnection = 1 });
        await h.EstablishAsync();
        ushort first = await h.PlaceCallAsync(0x0100);

        await h.Peer.SendAsync(Wire.Ocrq(0x0200));
        OutgoingCallReply ocrp = Wire.Ocrp(await h.Peer.ReceiveAsync<OutgoingCallReply>());
        Assert.Equal(((ushort)0x0200, OutgoingCallResultCode.GeneralError, PptpGeneralErrorCode.NoResource), (ocrp.PeersCallId, ocrp.ResultCode, ocrp.ErrorCode));
        Assert.Equal(first, Assert.Single(h.Connection.GetSnapshot().Calls).CallId);
    }

    [Fact]
    public async Task Outgoing_call_reusing_a_live_peer_call_id_gets_Bad_Call_ID()
    {
        await using var h = new ConnectionHarness(new PptpConnectionOptions { MaxCallsPerConnection = 4 });
        await h.EstablishAsync();
        await h.PlaceCallAsync(0x0100);
        await h.Peer.SendAsync(Wire.Ocrq(0x0100));
        OutgoingCallReply ocrp = Wire.Ocrp(await h.Peer.ReceiveAsync<OutgoingCallReply>());
        Assert.Equal((OutgoingCallResultCode.GeneralError, PptpGeneralErrorCode.BadCallId), (ocrp.ResultCode, ocrp.ErrorCode));
    }

    [Fact]
    public async Task Handler_that_does_not_decide_in_time_gets_OCRP_Time_out_and_a_late_acceptance_is_undone()
    {
        await using var h = new ConnectionHarness();
        var decision = new TaskCompletionSource<CallDecision>(TaskCreationOptions.RunContinuationsAsynchronously);
        CancellationToken seen = default;
        h.Handler.Decide = (_, token) => { seen = token; return new ValueTask<CallDecision>(decision.Task); };
        await h.EstablishAsync();

        await h.Peer.SendAsync(Wire.Ocrq(0x0042));
        CallRequestInfo request = await ConnectionHarness.Next(h.Handler.Requests);
        Assert.Equal("wt-vacc", Assert.Single(h.Connection.GetSnapshot().Calls).StateName);
        h.Time.Advance(TimeSpan.FromSeconds(30));
        OutgoingCallReply ocrp = Wire.Ocrp(await h.Peer.ReceiveAsync<OutgoingCallReply>());
        Assert.Equal(((ushort)0, (ushort)0x0042, OutgoingCallResultCode.TimeOut), (ocrp.CallId, ocrp.PeersCallId, ocrp.ResultCode));
        Assert.True(seen.IsCancellationRequested);

        // The id stays reserved until the handler answers; its late "yes" is reported back as cleared.
        Assert.Equal(1, ((RoundRobinCallIdSource)h.CallIds).CountInUse(ConnectionHarness.PeerEndPoint.Address));
        decision.SetResult(CallDecision.Accept());
        Assert.Equal((9u, request.CallId, PptpCallClearReason.DecisionTimeout), await ConnectionHarness.Next(h.Handler.Cleared));
        Assert.Equal(0, ((RoundRobinCallIdSource)h.CallIds).CountInUse(ConnectionHarness.PeerEndPoint.Address));
        Assert.False(h.Handler.Established.Reader.TryRead(out _));
    }

    [Fact]
    public async Task Call_Clear_Request_while_the_handler_decides_sends_CDN()
    {
        await using var h = new ConnectionHarness();
        var decision = new TaskCompletionSource<CallDecision>(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Handler.Decide = (_, _) => new ValueTask<CallDecision>(decision.Task);
        await h.EstablishAsync();
        await h.Peer.SendAsync(Wire.Ocrq(0x0042));
        CallRequestInfo request = await ConnectionHarness.Next(h.Handler.Requests);

        // §3.2.4.1: wait_cs_ans "Recv. Call Clear Req. / Send Disconnect Notify".
        await h.Peer.SendAsync(Wire.Ccrq(0x0042));
        CallDisconnectNotify cdn = Wire.Cdn(await h.Peer.ReceiveAsync<CallDisconnectNotify>());
        Assert.Equal((request.CallId, CallDisconnectResultCode.Request), (cdn.CallId, cdn.ResultCode));
        decision.SetResult(CallDecision.Accept());
        Assert.Equal((9u, request.CallId, PptpCallClearReason.PeerCallClearRequest), await ConnectionHarness.Next(h.Handler.Cleared));
    }

    [Fact]
    public async Task Handler_exception_refuses_the_call_with_PAC_Error()
    {
        await using var h = new ConnectionHarness();
        h.Handler.Decide = (_, _) => throw new InvalidOperationException("pool exhausted");
        await h.EstablishAsync();
        await h.Peer.SendAsync(Wire.Ocrq(0x0007));
        OutgoingCallReply ocrp = Wire.Ocrp(await h.Peer.ReceiveAsync<OutgoingCallReply>());
        Assert.Equal((OutgoingCallResultCode.GeneralError, PptpGeneralErrorCode.PacError), (ocrp.ResultCode, ocrp.ErrorCode));
        Assert.True(h.Events.HasError(PptpErrorKind.HandlerFailure, "pool exhausted"));
    }

    [Fact]
    public async Task Incoming_call_request_is_refused_with_Do_Not_Accept()
    {
        await using var h = new ConnectionHarness();
        await h.EstablishAsync();
        await h.Peer.SendAsync(Wire.Icrq(0x0005));
        IncomingCallReply icrp = Wire.Icrp(await h.Peer.ReceiveAsync<IncomingCallReply>());
        Assert.Equal(((ushort)0, (ushort)0x0005, IncomingCallResultCode.DoNotAccept, PptpGeneralErrorCode.None),
            (icrp.CallId, icrp.PeersCallId, icrp.ResultCode, icrp.ErrorCode));
        Assert.False(h.Handler.Requests.Reader.TryRead(out _));
        Assert.True(h.Events.HasError(PptpErrorKind.UnsupportedMessage, "incoming calls are not supported"));
    }

    [Fact]
    public async Task Echo_timeout_tears_the_connection_down_and_clears_calls()
    {
        await using var h = new ConnectionHarness();
        await h.EstablishAsync();
        ushort callId = await h.PlaceCallAsync();

        h.Time.Advance(Echo);
        Assert.Equal(1u, Wire.Echorq(await h.Peer.ReceiveAsync<EchoRequest>()).Identifier);
        // The peer stays silent for the reply timeout.
        h.Time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(PptpControlConnectionState.Established, h.Connection.State);
        h.Time.Advance(TimeSpan.FromSeconds(1));
        await h.Peer.ExpectClosedAsync();
        await h.ClosedAsync();
        Assert.Equal(PptpCloseReason.EchoTimeout, h.Connection.CloseReason);
        Assert.Equal((9u, callId, PptpCallClearReason.ControlConnectionClosed), await ConnectionHarness.Next(h.Handler.Cleared));
        Assert.Contains("Tnl 9 PPTP: echo-timeout -> state change estabd to closed", h.Events.Lines);
    }

    [Fact]
    public async Task Keep_alive_disabled_sends_no_echo_and_does_not_time_out()
    {
        await using var h = new ConnectionHarness(new PptpConnectionOptions { EchoInterval = TimeSpan.Zero });
        await h.EstablishAsync();
        h.Time.Advance(TimeSpan.FromHours(1));
        // Anything queued before would come first: the next message is the answer to this request.
        await h.Peer.SendAsync(Wire.EchoRequest(5));
        Assert.Equal(5u, Wire.Echorp(await h.Peer.ReceiveAsync<EchoReply>()).Identifier);
        Assert.Equal(PptpControlConnectionState.Established, h.Connection.State);
    }

    [Fact]
    public async Task No_SCCRQ_within_the_timeout_closes_the_connection()
    {
        await using var h = new ConnectionHarness();
        // The default is pptpd's stimeout, 10 s (issue 9: an idle connection holds a descriptor).
        h.Time.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(PptpControlConnectionState.WaitStartControlConnectionRequest, h.Connection.State);
        h.Time.Advance(TimeSpan.FromSeconds(1));
        await h.Peer.ExpectClosedAsync();
        await h.ClosedAsync();
        Assert.Equal(PptpCloseReason.StartRequestTimeout, h.Connection.CloseReason);
        Assert.True(h.Events.HasError(PptpErrorKind.Timeout, "no SCCRQ within 10 s"));
        Assert.Contains("Tnl 9 PPTP: SCCRQ-timeout -> state change wt-sccrq to closed", h.Events.Lines);
    }

    [Fact]
    public async Task Unsupported_protocol_version_gets_SCCRP_result_5_and_the_receiver_stays_idle()
    {
        await using var h = new ConnectionHarness();
        await h.Peer.SendAsync(Wire.Sccrq(version: 0x00FF));
        StartControlConnectionReply sccrp = Wire.Sccrp(await h.Peer.ReceiveAsync<StartControlConnectionReply>());
        Assert.Equal((PptpControlMessage.ProtocolVersion, StartControlConnectionResultCode.ProtocolVersionNotSupported, PptpGeneralErrorCode.None),
            (sccrp.ProtocolVersion, sccrp.ResultCode, sccrp.ErrorCode));
        Assert.Equal(PptpControlConnectionState.WaitStartControlConnectionRequest, h.Connection.State);
        Assert.True(h.Events.HasError(PptpErrorKind.StartRequestRefused, "protocol version 0xff not supported"));

        // §3.1.2: the receiver stays idle; a supported SCCRQ still establishes.
        await h.EstablishAsync();
    }

    [Fact]
    public async Task Newer_protocol_version_is_answered_with_ours()
    {
        await using var h = new ConnectionHarness();
        await h.Peer.SendAsync(Wire.Sccrq(version: 0x0101));
        StartControlConnectionReply sccrp = Wire.Sccrp(await h.Peer.ReceiveAsync<StartControlConnectionReply>());
        Assert.Equal((PptpControlMessage.ProtocolVersion, StartControlConnectionResultCode.Successful), (sccrp.ProtocolVersion, sccrp.ResultCode));
    }

    [Fact]
    public async Task Second_SCCRQ_gets_Command_channel_already_exists_and_the_connection_stays()
    {
        await using var h = new ConnectionHarness();
        await h.EstablishAsync();
        await h.Peer.SendAsync(Wire.Sccrq());
        StartControlConnectionReply sccrp = Wire.Sccrp(await h.Peer.ReceiveAsync<StartControlConnectionReply>());
        Assert.Equal(StartControlConnectionResultCode.CommandChannelAlreadyExists, sccrp.ResultCode);
        Assert.Equal(PptpControlConnectionState.Established, h.Connection.State);
        await h.PlaceCallAsync();
    }

    [Fact]
    public async Task Requests_before_SCCRQ_get_General_Error_Not_Connected()
    {
        await using var h = new ConnectionHarness();
        await h.Peer.SendAsync(Wire.Ocrq(0x0011));
        OutgoingCallReply ocrp = Wire.Ocrp(await h.Peer.ReceiveAsync<OutgoingCallReply>());
        Assert.Equal(((ushort)0x0011, OutgoingCallResultCode.GeneralError, PptpGeneralErrorCode.NotConnected), (ocrp.PeersCallId, ocrp.ResultCode, ocrp.ErrorCode));
        await h.Peer.SendAsync(Wire.EchoRequest(3));
        EchoReply echo = Wire.Echorp(await h.Peer.ReceiveAsync<EchoReply>());
        Assert.Equal((3u, EchoReplyResultCode.GeneralError, PptpGeneralErrorCode.NotConnected), (echo.Identifier, echo.ResultCode, echo.ErrorCode));
        await h.Peer.SendAsync(Wire.Icrq(0x0012));
        IncomingCallReply icrp = Wire.Icrp(await h.Peer.ReceiveAsync<IncomingCallReply>());
        Assert.Equal((IncomingCallResultCode.GeneralError, PptpGeneralErrorCode.NotConnected), (icrp.ResultCode, icrp.ErrorCode));
        Assert.False(h.Handler.Requests.Reader.TryRead(out _));
    }

    [Fact]
    public async Task Message_with_a_wrong_length_for_its_type_gets_Bad_Format_and_the_connection_stays()
    {
        await using var h = new ConnectionHarness();
        await h.EstablishAsync();
        // An OCRQ two octets longer than §2.7's 168: framed fine, rejected by the parser.
        byte[] ocrq = Wire.Ocrq(0x0777);
        byte[] longer = new byte[ocrq.Length + 2];
        ocrq.CopyTo(longer, 0);
        BinaryPrimitives.WriteUInt16BigEndian(longer, (ushort)longer.Length);
        await h.Peer.SendAsync(longer);

        OutgoingCallReply ocrp = Wire.Ocrp(await h.Peer.ReceiveAsync<OutgoingCallReply>());
        Assert.Equal(((ushort)0x0777, OutgoingCallResultCode.GeneralError, PptpGeneralErrorCode.BadFormat), (ocrp.PeersCallId, ocrp.ResultCode, ocrp.ErrorCode));
        Assert.True(h.Events.HasError(PptpErrorKind.MalformedMessage, "OCRQ, Length 170, PPTP message type 1: " + PptpParseError.LengthAboveMessageSize.ToText()));
        Assert.False(h.Handler.Requests.Reader.TryRead(out _));
        await h.PlaceCallAsync();
    }

    [Fact]
    public async Task Unknown_control_message_type_is_logged_and_ignored()
    {
        await using var h = new ConnectionHarness();
        await h.EstablishAsync();
        byte[] unknown = Wire.EchoRequest(1);
        BinaryPrimitives.WriteUInt16BigEndian(unknown.AsSpan(8), 99);
        await h.Peer.SendAsync(unknown);
        // Nothing is answered to it: the next message on the wire answers the following request.
        await h.Peer.SendAsync(Wire.EchoRequest(2));
        Assert.Equal(2u, Wire.Echorp(await h.Peer.ReceiveAsync<EchoReply>()).Identifier);
        Assert.True(h.Events.HasError(PptpErrorKind.MalformedMessage, "control message type 99, Length 16, PPTP message type 1: " + PptpParseError.UnknownControlMessageType.ToText()));
    }

    [Fact]
    public async Task Nonzero_reserved_field_with_strict_policy_gets_Bad_Value()
    {
        await using var h = new ConnectionHarness(new PptpConnectionOptions { ReservedFieldPolicy = PptpReservedFieldPolicy.Reject });
        await h.EstablishAsync();
        byte[] echo = Wire.EchoRequest(0x0A0B0C0D);
        echo[11] = 1; // Reserved0
        await h.Peer.SendAsync(echo);
        EchoReply reply = Wire.Echorp(await h.Peer.ReceiveAsync<EchoReply>());
        Assert.Equal((0x0A0B0C0Du, EchoReplyResultCode.GeneralError, PptpGeneralErrorCode.BadValue), (reply.Identifier, reply.ResultCode, reply.ErrorCode));
    }

    [Fact]
    public async Task Nonzero_reserved_field_is_tolerated_and_reported_by_default()
    {
        await using var h = new ConnectionHarness();
        await h.EstablishAsync();
        byte[] echo = Wire.EchoRequest(4);
        echo[11] = 1;
        await h.Peer.SendAsync(echo);
        EchoReply reply = Wire.Echorp(await h.Peer.ReceiveAsync<EchoReply>());
        Assert.Equal((4u, EchoReplyResultCode.Ok), (reply.Identifier, reply.ResultCode));
        Assert.True(h.Events.HasError(PptpErrorKind.ReservedFieldNonZero, "ECHORQ"));
    }

    [Theory]
    [InlineData("00101234", "BadMagicCookie")]          // Magic Cookie wrong: out of sync
    [InlineData("00dd0001", "LengthAboveMaximum")]      // Length 221 > 220
    [InlineData("000b0001", "LengthBelowHeader")]       // Length 11 < 12
    public async Task Corrupt_stream_closes_the_connection(string firstOctetsHex, string status)
    {
        await using var h = new ConnectionHarness();
        await h.EstablishAsync();
        ushort callId = await h.PlaceCallAsync();
        byte[] garbage = new byte[16];
        Convert.FromHexString(firstOctetsHex).CopyTo(garbage, 0);
        await h.Peer.SendAsync(garbage);

        await h.Peer.ExpectClosedAsync();
        await h.ClosedAsync();
        Assert.Equal(PptpCloseReason.StreamCorrupt, h.Connection.CloseReason);
        Assert.True(h.Events.HasError(PptpErrorKind.CorruptStream, $"stream lost PPTP framing ({status})"));
        Assert.Equal((9u, callId, PptpCallClearReason.ControlConnectionClosed), await ConnectionHarness.Next(h.Handler.Cleared));
    }

    [Theory]
    [InlineData(PptpCallClearReason.AdminClear, CallDisconnectResultCode.AdminShutdown, PptpGeneralErrorCode.None)]
    [InlineData(PptpCallClearReason.AaaDisconnect, CallDisconnectResultCode.AdminShutdown, PptpGeneralErrorCode.None)]
    [InlineData(PptpCallClearReason.PppTerminated, CallDisconnectResultCode.LostCarrier, PptpGeneralErrorCode.None)]
    [InlineData(PptpCallClearReason.GatewayError, CallDisconnectResultCode.GeneralError, PptpGeneralErrorCode.PacError)]
    public async Task Gateway_clears_a_call_with_CDN(PptpCallClearReason reason, CallDisconnectResultCode result, PptpGeneralErrorCode error)
    {
        await using var h = new ConnectionHarness();
        await h.EstablishAsync();
        ushort callId = await h.PlaceCallAsync();

        Assert.True(await h.Connection.ClearCallAsync(callId, reason));
        CallDisconnectNotify cdn = Wire.Cdn(await h.Peer.ReceiveAsync<CallDisconnectNotify>());
        Assert.Equal((callId, result, error), (cdn.CallId, cdn.ResultCode, cdn.ErrorCode));
        Assert.Equal((9u, callId, reason), await ConnectionHarness.Next(h.Handler.Cleared));
        Assert.False(await h.Connection.ClearCallAsync(callId, reason));
        Assert.Empty(h.Connection.GetSnapshot().Calls);
        Assert.Equal(PptpControlConnectionState.Established, h.Connection.State);
    }

    [Fact]
    public async Task Gateway_stop_sends_StopCCRQ_and_closes_on_the_reply()
    {
        await using var h = new ConnectionHarness();
        await h.EstablishAsync();
        ushort callId = await h.PlaceCallAsync();

        ValueTask stop = h.Connection.StopAsync(StopControlConnectionReason.StopLocalShutdown);
        StopControlConnectionRequest request = Wire.StopRq(await h.Peer.ReceiveAsync<StopControlConnectionRequest>());
        Assert.Equal(StopControlConnectionReason.StopLocalShutdown, request.Reason);
        Assert.Equal((9u, callId, PptpCallClearReason.ControlConnectionClosed), await ConnectionHarness.Next(h.Handler.Cleared));
        Assert.Equal("wt-stoprp", h.Connection.GetSnapshot().StateName);
        await h.Peer.SendAsync(Wire.StopReply());

        await h.Peer.ExpectClosedAsync();
        await stop;
        Assert.Equal(PptpCloseReason.LocalStop, h.Connection.CloseReason);
    }

    [Fact]
    public async Task Gateway_stop_closes_after_the_reply_timeout()
    {
        await using var h = new ConnectionHarness();
        await h.EstablishAsync();
        ValueTask stop = h.Connection.StopAsync(StopControlConnectionReason.None, TimeSpan.FromSeconds(2));
        Assert.Equal(StopControlConnectionReason.None, Wire.StopRq(await h.Peer.ReceiveAsync<StopControlConnectionRequest>()).Reason);
        h.Time.Advance(TimeSpan.FromSeconds(2));
        await h.Peer.ExpectClosedAsync();
        await stop;
        Assert.Equal(PptpCloseReason.StopReplyTimeout, h.Connection.CloseReason);
    }

    [Fact]
    public async Task Gateway_stop_before_SCCRQ_just_closes()
    {
        await using var h = new ConnectionHarness();
        await h.Connection.StopAsync();
        await h.Peer.ExpectClosedAsync();
        Assert.Equal(PptpCloseReason.LocalStopBeforeStart, h.Connection.CloseReason);
    }

    [Fact]
    public async Task Peer_closing_TCP_clears_the_calls()
    {
        await using var h = new ConnectionHarness();
        await h.EstablishAsync();
        ushort callId = await h.PlaceCallAsync();
        await h.Peer.Stream.DisposeAsync();
        await h.ClosedAsync();
        Assert.Equal(PptpCloseReason.PeerClosed, h.Connection.CloseReason);
        Assert.Equal((9u, callId, PptpCallClearReason.ControlConnectionClosed), await ConnectionHarness.Next(h.Handler.Cleared));
        Assert.Equal(0, ((RoundRobinCallIdSource)h.CallIds).CountInUse(ConnectionHarness.PeerEndPoint.Address));
    }

    [Fact]
    public async Task Peer_CDN_and_unknown_call_ids_are_handled_without_replies()
    {
        await using var h = new ConnectionHarness();
        await h.EstablishAsync();
        ushort callId = await h.PlaceCallAsync(0x4000);
        await h.Peer.SendAsync(Wire.Sli(0x7777, 0, 0));
        await h.Peer.SendAsync(Wire.Ccrq(0x7777));
        await h.Peer.SendAsync(Wire.Wen(0x4000));
        await h.Peer.SendAsync(Wire.Cdn(0x4000));
        Assert.Equal((9u, callId, PptpCallClearReason.PeerCallDisconnectNotify), await ConnectionHarness.Next(h.Handler.Cleared));
        // None of them is answered: the next message on the wire is this echo's reply.
        await h.Peer.SendAsync(Wire.EchoRequest(8));
        Assert.Equal(8u, Wire.Echorp(await h.Peer.ReceiveAsync<EchoReply>()).Identifier);
        Assert.True(h.Events.HasError(PptpErrorKind.UnknownCallId, "SLI for call id 30583"));
        Assert.True(h.Events.HasError(PptpErrorKind.UnknownCallId, "CCRQ for peer call id 30583"));
        Assert.True(h.Events.HasError(PptpErrorKind.PeerReportedError, "WEN call id 16384: CRC errors 3, framing errors 1"));
        Assert.Empty(h.Connection.GetSnapshot().Calls);
    }

    [Fact]
    public async Task Messages_split_across_reads_are_reassembled()
    {
        await using var h = new ConnectionHarness();
        byte[] sccrq = Wire.Sccrq();
        byte[] echo = Wire.EchoRequest(42);
        byte[] both = [.. sccrq, .. echo];
        // One octet, then the rest of SCCRQ with the head of the echo, then its tail.
        await h.Peer.SendAsync(both[..1]);
        await h.Peer.SendAsync(both[1..160]);
        await h.Peer.SendAsync(both[160..]);
        Assert.Equal(StartControlConnectionResultCode.Successful, Wire.Sccrp(await h.Peer.ReceiveAsync<StartControlConnectionReply>()).ResultCode);
        Assert.Equal(42u, Wire.Echorp(await h.Peer.ReceiveAsync<EchoReply>()).Identifier);
    }
    [Fact]
    public async Task Cancelling_the_run_closes_at_once_without_StopCCRQ()
    {
        (PipeDuplexStream server, PipeDuplexStream client) = PipeDuplexStream.CreatePair();
        var handler = new FakeCallHandler();
        var connection = new PptpControlConnection(server, 5, ConnectionHarness.PeerEndPoint, ConnectionHarness.LocalEndPoint,
            new PptpConnectionOptions(), handler, new RoundRobinCallIdSource(), timeProvider: new Microsoft.Extensions.Time.Testing.FakeTimeProvider());
        await using var peer = new TestPeer(client);
        using var cancel = new CancellationTokenSource();
        Task run = connection.RunAsync(cancel.Token);
        await peer.SendAsync(Wire.Sccrq());
        await peer.ReceiveAsync<StartControlConnectionReply>();
        await peer.SendAsync(Wire.Ocrq(0x0001));
        await peer.ReceiveAsync<OutgoingCallReply>();

        await cancel.CancelAsync();
        await peer.ExpectClosedAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(PptpCloseReason.Aborted, connection.CloseReason);
        Assert.Equal(PptpCallClearReason.ControlConnectionClosed, (await ConnectionHarness.Next(handler.Cleared)).Reason);
        Assert.True(server.IsDisposed);
        await Assert.ThrowsAsync<InvalidOperationException>(() => connection.RunAsync());
    }
}
