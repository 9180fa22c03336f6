using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using CsCheck;
using PptpGw.ControlPlane.Aaa.Accounting;
using PptpGw.ControlPlane.Aaa.Tacacs;
using PptpGw.ControlPlane.Config;
using PptpGw.ControlPlane.Logging;
using PptpGw.ControlPlane.Pools;
using PptpGw.ControlPlane.Ppp;
using PptpGw.ControlPlane.Ppp.Auth;
using PptpGw.ControlPlane.Ppp.Chap;
using PptpGw.ControlPlane.Ppp.Session;

namespace PptpGw.Tests.ControlPlane.Aaa.Tacacs;

/// <summary>
/// The TACACS+ client and PPP authenticator against <see cref="StandInTacacsServer"/>, a STAND-IN server written from
/// RFC 8907 for these tests (no TACACS+ server is packaged for Debian), on 127.0.0.1 with ephemeral ports.
/// </summary>
public sealed class TacacsPlusClientTests : IAsyncLifetime
{
    private const string Key = "tac-secret";
    private static readonly Dictionary<string, string> Users = new() { ["alice"] = "wonderland", ["DOMAIN\\bob"] = "builder" };

    private readonly StandInTacacsServer _server = new(Key, Users);
    private readonly GatewayLog _log = new(level: PixSeverity.Debugging);
    private readonly CaptureLogSink _sink = new();

    public TacacsPlusClientTests()
    {
        _log.AddSink(_sink);
        _log.EnableDebug(DebugClasses.PppUauth);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static AaaServerGroup Group(params AaaServerHost[] hosts) => new("TAC", AaaProtocol.TacacsPlus, [.. hosts], false);

    private TacacsPlusClient Client(AaaServerGroup? group = null, TacacsPlusClientOptions? options = null) =>
        new(group ?? Group(_server.Host()), _log, options);

    private TacacsPlusAuthenticator Authenticator(TacacsPlusClient client, TacacsPlusAuthenticatorOptions? options = null) =>
        new TacacsPlusAuthenticator(client, _log, options).ForCall("pptp/7", "203.0.113.9");

    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token;

    private static PapAuthRequest Pap(string user, string password) => new(user, Encoding.UTF8.GetBytes(password));

    private static ChapMd5AuthRequest Chap(string user, string password)
    {
        byte[] challenge = RandomNumberGenerator.GetBytes(16);
        byte[] response = new byte[16];
        ChapMd5.ComputeResponse(0x2A, Encoding.UTF8.GetBytes(password), challenge, response);
        return new ChapMd5AuthRequest(user, 0x2A, challenge, response);
    }

    private static MsChapV1AuthRequest MsChapV1Request(string user, string password)
    {
        byte[] challenge = RandomNumberGenerator.GetBytes(8);
        byte[] nt = new byte[24];
        MsChapV1.NtChallengeResponse(challenge, password, nt);
        return new MsChapV1AuthRequest(user, challenge, new byte[24], nt, true);
    }

    private static MsChapV2AuthRequest MsChapV2Request(string user, string password)
    {
        byte[] challenge = RandomNumberGenerator.GetBytes(16), peer = RandomNumberGenerator.GetBytes(16);
        byte[] nt = new byte[24];
        MsChapV2.GenerateNtResponse(challenge, peer, Encoding.UTF8.GetBytes(user), password, nt);
        return new MsChapV2AuthRequest(user, challenge, peer, nt);
    }

    private ReceivedPacket[] Received(byte type) => [.. _server.Received.Where(p => p.Type == type)];

    [Fact]
    public async Task Pap_pass_sends_a_version_1_START_for_ppp_then_authorizes()
    {
        using var client = Client();
        PppAuthResult result = await Authenticator(client).AuthenticateAsync(Pap("alice", "wonderland"), Timeout);

        Assert.True(result.Accepted, result.Reason);
        Assert.Null(result.Keys); // TACACS+ has no MPPE keys
        ReceivedPacket start = Assert.Single(Received(1));
        Assert.Equal(TacacsVersion.One, start.Version);      // §5.4.1: PAP uses minor version 1
        Assert.Equal(1, start.SequenceNumber);
        Assert.Equal(0, start.HeaderFlags & 0x01);            // obfuscated
        Assert.Equal((byte)TacacsAuthenAction.Login, start.Action);
        Assert.Equal((byte)TacacsAuthenType.Pap, start.AuthenType);
        Assert.Equal((byte)TacacsAuthenService.Ppp, start.Service);
        Assert.Equal(("alice", "pptp/7", "203.0.113.9"), (start.User, start.Port, start.RemoteAddress));
        Assert.Equal("wonderland"u8.ToArray(), start.Data);   // §5.4.2.2: the password
        ReceivedPacket author = Assert.Single(Received(2));
        Assert.Equal(TacacsVersion.Default, author.Version);
        Assert.Equal((byte)TacacsAuthenMethod.TacacsPlus, author.AuthenMethod);
        Assert.Equal(["service=ppp", "protocol=ip"], author.Arguments);
        Assert.NotEqual(start.SessionId, author.SessionId);
    }

    [Fact]
    public async Task Pap_fail_is_a_retryable_reject_with_the_server_message()
    {
        using var client = Client();
        PppAuthResult result = await Authenticator(client).AuthenticateAsync(Pap("alice", "WRONG"), Timeout);
        Assert.False(result.Accepted);
        Assert.True(result.RetryAllowed);
        Assert.Contains("FAIL", result.Reason, StringComparison.Ordinal);
        Assert.Contains("denied", result.Reason, StringComparison.Ordinal);
        Assert.Empty(Received(2)); // no authorization after a FAIL
    }

    [Fact]
    public async Task Chap_pass_and_fail_are_decided_by_the_servers_md5()
    {
        using var client = Client();
        TacacsPlusAuthenticator authenticator = Authenticator(client);
        ChapMd5AuthRequest good = Chap("alice", "wonderland");
        Assert.True((await authenticator.AuthenticateAsync(good, Timeout)).Accepted);
        Assert.False((await authenticator.AuthenticateAsync(Chap("alice", "nope"), Timeout)).Accepted);

        ReceivedPacket start = Received(1)[0];
        Assert.Equal((byte)TacacsAuthenType.Chap, start.AuthenType);
        Assert.Equal([0x2A, .. good.Challenge, .. good.Response], start.Data); // §5.4.2.3: id, challenge, response
    }

    [Fact]
    public async Task MsChapV1_pass_and_fail_with_the_nt_response_checked_by_the_server()
    {
        using var client = Client();
        TacacsPlusAuthenticator authenticator = Authenticator(client);
        MsChapV1AuthRequest request = MsChapV1Request("DOMAIN\\bob", "builder");
        PppAuthResult result = await authenticator.AuthenticateAsync(request, Timeout);
        Assert.True(result.Accepted, result.Reason);
        Assert.Null(result.Keys);
        Assert.False((await authenticator.AuthenticateAsync(MsChapV1Request("DOMAIN\\bob", "bulldozer"), Timeout)).Accepted);

        byte[] data = Received(1)[0].Data;
        Assert.Equal(1 + 8 + 49, data.Length); // §5.4.2.4
        Assert.Equal(request.Challenge, data[1..9]);
        Assert.Equal(request.NtResponse, data[33..57]);
        Assert.Equal(1, data[^1]); // RFC 2433 Flags: use the NT response
    }

    [Fact]
    public async Task MsChapV2_pass_without_authenticator_response_is_rejected_and_logged()
    {
        using var client = Client();
        PppAuthResult result = await Authenticator(client).AuthenticateAsync(MsChapV2Request("alice", "wonderland"), Timeout);

        // The server did verify the NT-Response and answered PASS, but §5.4.2.5 gives it no way to return S=.
        Assert.Equal(1, _server.Received.Count(p => p.Type == 1));
        Assert.False(result.Accepted);
        Assert.False(result.RetryAllowed);
        Assert.Equal(TacacsPlusAuthenticator.NoAuthenticatorResponseMessage, result.Reason);
        Assert.Contains(_sink.Lines, l => l.Contains("TACACS+ cannot complete MS-CHAPv2: no authenticator response", StringComparison.Ordinal));
        Assert.Equal(1 + 16 + 49, Received(1)[0].Data.Length);
    }

    [Fact]
    public async Task MsChapV2_pass_with_an_authenticator_response_in_the_reply_data_is_accepted()
    {
        _server.ReturnMsChapV2AuthenticatorResponse = true;
        using var client = Client();
        MsChapV2AuthRequest request = MsChapV2Request("alice", "wonderland");
        PppAuthResult result = await Authenticator(client).AuthenticateAsync(request, Timeout);

        Assert.True(result.Accepted, result.Reason);
        byte[] expected = new byte[20];
        MsChapV2.GenerateAuthenticatorResponse("wonderland", request.NtResponse, request.PeerChallenge, request.AuthenticatorChallenge,
            "alice"u8, expected);
        Assert.Equal(expected, result.AuthenticatorResponse);
        Assert.False((await Authenticator(client).AuthenticateAsync(MsChapV2Request("alice", "x"), Timeout)).Accepted);
    }

    [Fact]
    public async Task Authorization_addr_and_timeout_become_framed_ip_and_session_timeout()
    {
        _server.Authorization["alice"] = (0x01, ["addr=198.19.0.7", "timeout=30", "idletimeout*10"]);
        using var client = Client();
        PppAuthResult result = await Authenticator(client).AuthenticateAsync(Pap("alice", "wonderland"), Timeout);
        Assert.True(result.Accepted, result.Reason);
        Assert.Equal(Ipv4.FromIPAddress(IPAddress.Parse("198.19.0.7")), result.FramedIpAddress);
        Assert.Equal(TimeSpan.FromMinutes(30), result.SessionTimeout);
        Assert.Null(result.IdleTimeout); // "idletimeout" is not an RFC 8907 argument: optional, ignored
    }

    [Theory]
    [InlineData("idletime=10", 10)]
    [InlineData("idletime*5", 5)]
    [InlineData("idletime=0", null)]
    [InlineData("idletime*soon", null)] // optional and unusable: ignored
    public async Task Authorization_idletime_becomes_the_idle_timeout(string argument, int? minutes)
    {
        _server.Authorization["alice"] = (0x01, [argument]);
        using var client = Client();
        PppAuthResult result = await Authenticator(client).AuthenticateAsync(Pap("alice", "wonderland"), Timeout);
        Assert.True(result.Accepted, result.Reason);
        Assert.Equal(minutes is { } m ? TimeSpan.FromMinutes(m) : null, result.IdleTimeout);
    }

    [Theory]
    [InlineData(0x10, new string[0], "FAIL")]
    [InlineData(0x01, new[] { "inacl=101" }, "inacl=101")]
    [InlineData(0x01, new[] { "addr=not-an-address" }, "not an IPv4 address")]
    [InlineData(0x01, new[] { "idletime=soon" }, "not a number of minutes")]
    [InlineData(0x02, new[] { "service=shell" }, "service=ppp")]
    public async Task Authorization_refusals_reject_the_user(byte status, string[] args, string reason)
    {
        _server.Authorization["alice"] = (status, args);
        using var client = Client();
        PppAuthResult result = await Authenticator(client).AuthenticateAsync(Pap("alice", "wonderland"), Timeout);
        Assert.False(result.Accepted);
        Assert.Contains(reason, result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Authorization_can_be_skipped()
    {
        using var client = Client();
        var authenticator = Authenticator(client, new TacacsPlusAuthenticatorOptions { Authorize = false });
        Assert.True((await authenticator.AuthenticateAsync(Pap("alice", "wonderland"), Timeout)).Accepted);
        Assert.Empty(Received(2));
    }

    [Fact]
    public async Task Accounting_start_and_stop_records_carry_the_RFC_8907_section_8_3_arguments()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));
        using var client = Client();
        await using var accounting = AccountingService.Open(_server.Host().Address.ToString(), new TacacsAccountingTransport(client, Group(_server.Host()), _log),
            new TacacsAccountingFormat(), new AccountingQueueOptions { SpoolDirectory = null }, null, _log, time);
        var data = new AccountingSessionData(AccountingSession.NewSessionId(), "alice")
        {
            Port = "pptp/7",
            CallingStationId = "203.0.113.9",
            FramedIpAddress = IPAddress.Parse("198.19.0.7"),
            AuthenticationProtocol = PptpGw.ControlPlane.Ppp.PppAuthProtocol.MsChapV1,
        };
        AccountingSession session = accounting.Begin(data, () => new AccountingCounters(1000, 2000, 10, 20));
        await session.Start().Acknowledged.WaitAsync(Timeout);
        time.Advance(TimeSpan.FromSeconds(95));
        await session.Stop(PptpGw.ControlPlane.Aaa.Radius.AcctTerminateCause.UserRequest)!.Acknowledged.WaitAsync(Timeout);

        // The queue's Accounting-On goes as a START of service=system (Cisco's "aaa accounting system").
        ReceivedPacket[] all = Received(3);
        Assert.Contains(all, r => r.Arguments.Contains("service=system") && r.Action == (byte)TacacsAcctFlags.Start);
        ReceivedPacket[] records = [.. all.Where(r => r.User == "alice")];
        var session_ = new { TaskId = data.SessionId };
        Assert.Equal(2, records.Length);
        Assert.Equal((byte)TacacsAcctFlags.Start, records[0].Action);
        Assert.Equal((byte)TacacsAcctFlags.Stop, records[1].Action);
        Assert.All(records, r => Assert.Equal(("alice", "pptp/7", "203.0.113.9", (byte)TacacsAuthenType.MsChap, (byte)TacacsAuthenService.Ppp),
            (r.User, r.Port, r.RemoteAddress, r.AuthenType, r.Service)));
        Assert.Equal(["task_id=" + session_.TaskId, "start_time=1700000000", "timezone=UTC", "service=ppp", "protocol=ip", "addr=198.19.0.7"],
            records[0].Arguments);
        Assert.Equal(["task_id=" + session_.TaskId, "start_time=1700000000", "timezone=UTC", "service=ppp", "protocol=ip", "addr=198.19.0.7",
            "stop_time=1700000095", "elapsed_time=95", "bytes_in=1000", "bytes_out=2000", "paks_in=10", "paks_out=20", "reason=User-Request"],
            records[1].Arguments);
    }

    [Fact]
    public async Task Wrong_key_garbles_the_exchange_and_is_treated_as_an_error()
    {
        AaaServerHost host = _server.Host() with { Key = "not-the-key" };
        using var client = Client(Group(host));
        PppAuthResult result = await Authenticator(client).AuthenticateAsync(Pap("alice", "wonderland"), Timeout);
        Assert.False(result.Accepted);
        Assert.False(result.RetryAllowed);
        Assert.Contains("malformed", result.Reason, StringComparison.Ordinal);
        Assert.Empty(_server.Received); // the server could not read the START either (§4.5: it answered ERROR)
    }

    [Fact]
    public async Task Dead_and_silent_servers_fail_over_to_the_next_in_order()
    {
        var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        int deadPort = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        var silent = new TcpListener(IPAddress.Loopback, 0); // accepts in the kernel, never answers
        silent.Start();
        try
        {
            int silentPort = ((IPEndPoint)silent.LocalEndpoint).Port;
            AaaServerGroup group = Group(
                new AaaServerHost("inside", IPAddress.Loopback, Key, 5, deadPort, deadPort),
                new AaaServerHost("inside", IPAddress.Loopback, Key, 5, silentPort, silentPort),
                _server.Host());
            using var client = Client(group, new TacacsPlusClientOptions { Timeout = TimeSpan.FromMilliseconds(300) });
            PppAuthResult result = await Authenticator(client).AuthenticateAsync(Pap("alice", "wonderland"), Timeout);

            Assert.True(result.Accepted, result.Reason);
            Assert.Contains($"127.0.0.1:{_server.Port}", result.ServerName, StringComparison.Ordinal);
            Assert.Contains(_sink.Lines, l => l.Contains($"127.0.0.1:{deadPort}", StringComparison.Ordinal) && l.Contains("ConnectionRefused", StringComparison.Ordinal));
            Assert.Contains(_sink.Lines, l => l.Contains($"127.0.0.1:{silentPort}", StringComparison.Ordinal) && l.Contains("no answer within 0.3 s", StringComparison.Ordinal));
        }
        finally
        {
            silent.Stop();
        }
    }

    [Fact]
    public async Task Error_status_fails_over_and_all_servers_down_is_a_final_reject()
    {
        _server.ForcedAuthenStatus = 0x07;
        await using var second = new StandInTacacsServer(Key, Users);
        using (var client = Client(Group(_server.Host(), second.Host())))
            Assert.True((await Authenticator(client).AuthenticateAsync(Pap("alice", "wonderland"), Timeout)).Accepted);

        second.ForcedAuthenStatus = 0x07;
        using (var client = Client(Group(_server.Host(), second.Host())))
        {
            PppAuthResult result = await Authenticator(client).AuthenticateAsync(Pap("alice", "wonderland"), Timeout);
            Assert.False(result.Accepted);
            Assert.False(result.RetryAllowed);
            Assert.Contains("no TACACS+ server of group 'TAC' answered", result.Reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Single_connection_mode_reuses_one_connection_when_the_server_agrees()
    {
        using var client = Client();
        TacacsPlusAuthenticator authenticator = Authenticator(client);
        for (int i = 0; i < 3; i++)
            Assert.True((await authenticator.AuthenticateAsync(Pap("alice", "wonderland"), Timeout)).Accepted);

        Assert.Equal(1, _server.ConnectionsAccepted);
        Assert.Equal(1, client.ConnectionsOpened);
        ReceivedPacket[] all = [.. _server.Received];
        Assert.Equal(6, all.Length); // 3 x (START + authorization REQUEST)
        Assert.Equal(0x04, all[0].HeaderFlags & 0x04); // asked on the first packet of the connection only (§4.3)
        Assert.All(all[1..], p => Assert.Equal(0, p.HeaderFlags & 0x04));
        Assert.Equal(6, all.Select(p => p.SessionId).Distinct().Count());
    }

    [Fact]
    public async Task Concurrent_sessions_each_get_a_connection_and_idle_ones_are_kept_for_reuse()
    {
        using var client = Client(options: new TacacsPlusClientOptions { MaxIdleConnectionsPerServer = 8 });
        TacacsPlusAuthenticator authenticator = Authenticator(client);
        PppAuthResult[] results = await Task.WhenAll(Enumerable.Range(0, 8)
            .Select(_ => authenticator.AuthenticateAsync(Pap("alice", "wonderland"), Timeout).AsTask()));
        Assert.All(results, r => Assert.True(r.Accepted, r.Reason));
        int opened = client.ConnectionsOpened;
        Assert.InRange(opened, 1, 8);

        foreach (PppAuthResult r in await Task.WhenAll(Enumerable.Range(0, 4)
            .Select(_ => authenticator.AuthenticateAsync(Pap("alice", "wonderland"), Timeout).AsTask())))
            Assert.True(r.Accepted, r.Reason);
        Assert.InRange(client.ConnectionsOpened, opened, 8); // the kept connections served the second wave
        Assert.Equal(24, _server.Received.Count);
        Assert.Equal(24, _server.Received.Select(p => p.SessionId).Distinct().Count());
    }

    [Fact]
    public async Task Without_single_connection_mode_each_session_has_its_own_connection()
    {
        _server.AllowSingleConnect = false;
        using var client = Client();
        for (int i = 0; i < 2; i++)
            Assert.True((await Authenticator(client).AuthenticateAsync(Pap("alice", "wonderland"), Timeout)).Accepted);
        Assert.Equal(4, _server.ConnectionsAccepted);
        Assert.All(_server.Received, p => Assert.Equal(0x04, p.HeaderFlags & 0x04));
    }

    [Fact]
    public async Task A_kept_connection_the_server_closed_is_replaced()
    {
        _server.CloseAfterEachSession = true; // agrees to single-connect, then closes anyway (§4.3 allows it)
        using var client = Client(options: new TacacsPlusClientOptions { SingleConnection = true });
        TacacsPlusAuthenticator authenticator = Authenticator(client);
        for (int i = 0; i < 2; i++)
            Assert.True((await authenticator.AuthenticateAsync(Pap("alice", "wonderland"), Timeout)).Accepted, $"attempt {i}");
        Assert.Equal(4, _server.ConnectionsAccepted);
    }

    [Fact]
    public async Task No_key_sends_clear_bodies_with_the_unencrypted_flag_and_logs_it()
    {
        await using var clear = new StandInTacacsServer("", Users);
        using var client = Client(Group(clear.Host()));
        Assert.Contains(_sink.Lines, l => l.Contains("no key", StringComparison.Ordinal) && l.Contains("UNENCRYPTED", StringComparison.Ordinal));
        Assert.True((await Authenticator(client).AuthenticateAsync(Pap("alice", "wonderland"), Timeout)).Accepted);
        Assert.All(clear.Received, p => Assert.Equal(0x01, p.HeaderFlags & 0x01));
    }

    [Fact]
    public async Task A_clear_reply_to_an_obfuscated_request_is_refused()
    {
        _server.ReplyUnencrypted = true;
        using var client = Client();
        PppAuthResult result = await Authenticator(client).AuthenticateAsync(Pap("alice", "wonderland"), Timeout);
        Assert.False(result.Accepted);
        Assert.Contains(_sink.Lines, l => l.Contains("refused a TACACS+ reply with TAC_PLUS_UNENCRYPTED_FLAG", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Getpass_for_a_ppp_login_is_aborted_with_continue_and_rejected()
    {
        _server.ForcedAuthenStatus = 0x05;
        using var client = Client();
        PppAuthResult result = await Authenticator(client).AuthenticateAsync(Pap("alice", "wonderland"), Timeout);
        Assert.False(result.Accepted);
        Assert.Contains("GETPASS", result.Reason, StringComparison.Ordinal);
        ReceivedPacket? abort = null;
        for (int i = 0; i < 100 && abort is null; i++)
        {
            abort = _server.Received.FirstOrDefault(p => p.SequenceNumber == 3);
            if (abort is null)
                await Task.Delay(20);
        }
        Assert.NotNull(abort);
        Assert.Equal((byte)TacacsAuthenContinueFlags.Abort, abort.Action);
        Assert.Equal(Received(1)[0].SessionId, abort.SessionId);
    }

    [Theory]
    [InlineData("short header")]
    [InlineData("bad version")]
    [InlineData("wrong session")]
    [InlineData("wrong seq")]
    [InlineData("wrong type")]
    [InlineData("too long")]
    [InlineData("truncated body")]
    public async Task Malformed_replies_are_errors_not_exceptions(string fault)
    {
        _server.RawReply = request => Malform(request, fault);
        using var client = Client(options: new TacacsPlusClientOptions { Timeout = TimeSpan.FromSeconds(2), MaxBodyLength = 1024 });
        PppAuthResult result = await Authenticator(client).AuthenticateAsync(Pap("alice", "wonderland"), Timeout);
        Assert.False(result.Accepted);
        Assert.False(result.RetryAllowed);
    }

    private static byte[] Malform(byte[] request, string fault)
    {
        byte[] reply = [.. request[..12], 0x01, 0, 0, 0, 0, 0]; // a PASS body, in clear
        reply[2] = (byte)(request[2] + 1);
        reply[3] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(reply.AsSpan(8), 6);
        uint session = BinaryPrimitives.ReadUInt32BigEndian(request.AsSpan(4));
        StandInTacacsServer.Pad(session, Encoding.ASCII.GetBytes(Key), request[0], reply[2], 6).CopyTo(reply, 12);
        for (int i = 0; i < 6; i++)
            reply[12 + i] ^= i == 0 ? (byte)0x01 : (byte)0;
        switch (fault)
        {
            case "short header": return reply[..7];
            case "bad version": reply[0] = 0x10; break;
            case "wrong session": reply[4] ^= 0xFF; break;
            case "wrong seq": reply[2] = 4; break;
            case "wrong type": reply[1] = 3; break;
            case "too long": BinaryPrimitives.WriteUInt32BigEndian(reply.AsSpan(8), 100_000); break;
            case "truncated body": BinaryPrimitives.WriteUInt32BigEndian(reply.AsSpan(8), 20); break;
        }
        return reply;
    }

    /// <summary>Random reply bodies (correct header, obfuscated with the right key) never make the client throw.</summary>
    [Fact]
    public async Task Random_reply_bodies_never_throw()
    {
        byte[] key = Encoding.ASCII.GetBytes(Key);
        using var client = Client(options: new TacacsPlusClientOptions { Timeout = TimeSpan.FromSeconds(2) });
        TacacsPlusAuthenticator authenticator = Authenticator(client);
        foreach (byte[] body in Gen.Byte.Array[0, 64].Array[40].Single())
        {
            _server.RawReply = request =>
            {
                byte[] reply = [.. request[..12], .. body];
                reply[2] = (byte)(request[2] + 1);
                reply[3] = 0;
                BinaryPrimitives.WriteUInt32BigEndian(reply.AsSpan(8), (uint)body.Length);
                byte[] pad = StandInTacacsServer.Pad(BinaryPrimitives.ReadUInt32BigEndian(request.AsSpan(4)), key, request[0], reply[2], body.Length);
                for (int i = 0; i < body.Length; i++)
                    reply[12 + i] ^= pad[i];
                return reply;
            };
            PppAuthResult result = await authenticator.AuthenticateAsync(Pap("alice", "wonderland"), Timeout);
            Assert.NotNull(result);
        }
    }

    [Fact]
    public async Task Mppe_auto_is_logged_as_unencrypted_and_the_session_options_allow_no_keys()
    {
        var mppe = new MppeSettings(MppeStrengthSetting.Auto, Required: false, MppeStatePreference.Stateless);
        using var client = Client();
        var authenticator = Authenticator(client, new TacacsPlusAuthenticatorOptions { Mppe = mppe });
        PppAuthResult result = await authenticator.AuthenticateAsync(MsChapV1Request("alice", "wonderland"), Timeout);
        Assert.True(result.Accepted, result.Reason);
        Assert.Null(result.Keys);
        Assert.Contains(_sink.Lines, l => l.Contains("TACACS+ returns no MPPE keys", StringComparison.Ordinal)
            && l.Contains("runs unencrypted", StringComparison.Ordinal));

        var options = new PppSessionOptions
        {
            Mppe = PptpGw.ControlPlane.Ppp.Ccp.MppePolicy.FromSettings(mppe),
            Authentication = new PppAuthServerOptions { RequireMppeKeys = true },
        };
        Assert.False(TacacsPlusMppePolicy.Apply(options, Group(_server.Host())).Authentication.RequireMppeKeys);
        var radius = new AaaServerGroup("R", AaaProtocol.Radius, [_server.Host()], false);
        Assert.True(TacacsPlusMppePolicy.Apply(options, radius).Authentication.RequireMppeKeys);
        var required = options with { Mppe = PptpGw.ControlPlane.Ppp.Ccp.MppePolicy.FromSettings(mppe with { Required = true }) };
        Assert.Same(required, TacacsPlusMppePolicy.Apply(required, Group(_server.Host())));
    }

    [Fact]
    public void Check_rejects_mppe_required_with_a_tacacs_group()
    {
        const string config = """
            ip address outside 192.0.2.1 255.255.255.0
            ip address inside 10.0.0.1 255.255.255.0
            ip local pool P 198.19.0.1-198.19.0.9
            aaa-server T protocol tacacs+
            aaa-server T (inside) host 10.0.0.5 secretkey timeout 5
            vpdn group 1 accept dialin pptp
            vpdn group 1 ppp authentication mschap
            vpdn group 1 ppp encryption mppe 128 required
            vpdn group 1 client configuration address local P
            vpdn group 1 client authentication aaa T
            vpdn enable outside
            """;
        ConfigParseResult parsed = PixConfigParser.Parse(config, "t.cfg");
        Assert.Contains(parsed.Diagnostics, d => d.Severity == ConfigSeverity.Error
            && d.Message.Contains("TACACS+ cannot return MPPE keys", StringComparison.Ordinal));
    }

    [Fact]
    public void Client_refuses_a_radius_group()
    {
        var radius = new AaaServerGroup("R", AaaProtocol.Radius, [_server.Host()], false);
        Assert.Throws<ArgumentException>(() => new TacacsPlusClient(radius));
    }

    [Fact]
    public async Task Cancellation_by_the_caller_is_not_a_failover()
    {
        var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        try
        {
            int port = ((IPEndPoint)silent.LocalEndpoint).Port;
            using var client = Client(Group(new AaaServerHost("inside", IPAddress.Loopback, Key, 30, port, port), _server.Host()));
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.AuthenticateAsync(
                new TacacsAuthenticationRequest(TacacsAuthenType.Pap, "alice", "wonderland"u8.ToArray(), "p", "r"), cts.Token).AsTask());
            Assert.Empty(_server.Received);
        }
        finally
        {
            silent.Stop();
        }
    }

    [Fact]
    public async Task Client_level_replies_are_exposed()
    {
        using var client = Client();
        TacacsAuthenticationReply reply = await client.AuthenticateAsync(
            new TacacsAuthenticationRequest(TacacsAuthenType.Pap, "alice", "wonderland"u8.ToArray(), "p", "r"), Timeout);
        Assert.Equal(TacacsAuthenStatus.Pass, reply.Status);
        Assert.Equal("welcome", reply.ServerMessage);
        _server.Authorization["alice"] = (0x02, ["addr=198.19.0.8"]);
        TacacsAuthorizationReply author = await client.AuthorizeAsync(
            new TacacsAuthorizationRequest("alice", "p", "r", ImmutableArray.Create("service=ppp"), TacacsAuthenType.Pap), Timeout);
        Assert.Equal(TacacsAuthorStatus.PassReplace, author.Status);
        Assert.Equal(["addr=198.19.0.8"], author.Arguments.ToArray());
    }
}
