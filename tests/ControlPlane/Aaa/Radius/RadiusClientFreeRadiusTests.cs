using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using PptpGw.ControlPlane.Aaa.Accounting;
using PptpGw.ControlPlane.Aaa.Radius;
using PptpGw.ControlPlane.Config;
using PptpGw.ControlPlane.Logging;
using PptpGw.ControlPlane.Ppp.Auth;
using PptpGw.ControlPlane.Ppp.Chap;
using MppeKeyStrength = PptpGw.Dataplane.Mppe.MppeKeyStrength;

namespace PptpGw.Tests.ControlPlane.Aaa.Radius;

/// <summary>The RADIUS client against the real FreeRADIUS 3.2 of shared/aaa/freeradius (users alice, bob, carol, mallory).</summary>
[Collection(FreeRadiusCollection.Name)]
public sealed class RadiusClientFreeRadiusTests(FreeRadiusFixture server)
{
    private static readonly RadiusNasIdentity Nas = new(IPAddress.Parse("198.18.0.1"), "pptpgw-test");

    private static RadiusClient NewClient(GatewayLog? log = null, RadiusClientOptions? options = null, AaaServerGroup? group = null) =>
        new(group ?? FreeRadiusFixture.Group(false, FreeRadiusFixture.Host()), options ?? new RadiusClientOptions { Nas = Nas, Transmissions = 2 }, log);

    private static RadiusAccessRequest Request(string user, RadiusCredentials credentials) =>
        new(user, credentials) { NasPort = 7, CallingStationId = "198.18.1.2", CalledStationId = "198.18.0.1" };

    private static byte[] Bytes(int length, byte start)
    {
        var b = new byte[length];
        for (int i = 0; i < length; i++)
            b[i] = (byte)(start + i * 17);
        return b;
    }

    private static MsChapV2Credentials V2(string user, string password, byte ident, out byte[] authChallenge, out byte[] peerChallenge, out byte[] ntResponse)
    {
        authChallenge = Bytes(16, 0x11);
        peerChallenge = Bytes(16, 0x5A);
        ntResponse = new byte[24];
        MsChapV2.GenerateNtResponse(authChallenge, peerChallenge, Encoding.UTF8.GetBytes(user), password, ntResponse);
        return new MsChapV2Credentials(ident, authChallenge, peerChallenge, ntResponse);
    }

    [FreeRadiusFact]
    public async Task Pap_alice_is_accepted_by_the_server_that_answered()
    {
        await using var client = NewClient();
        var result = await client.AuthenticateAsync(Request("alice", PapCredentials.FromString("alice-pass")));
        Assert.Equal(RadiusAccessOutcome.Accept, result.Outcome);
        Assert.Equal(RadiusCode.AccessAccept, result.Code);
        Assert.Equal(IPAddress.Loopback, result.Server!.Address);
        Assert.Null(result.FramedIpAddress);
        Assert.False(result.HasMppeKeys);
        Assert.Null(result.MppeSendKey);
        Assert.Null(result.MsChapNtKey);
        Assert.Equal(1, client.Statistics.Accepts);
    }

    [FreeRadiusFact]
    public async Task Pap_wrong_password_and_mallory_are_rejected_with_the_reply_message()
    {
        await using var client = NewClient();
        var wrong = await client.AuthenticateAsync(Request("alice", PapCredentials.FromString("not-alice-pass")));
        Assert.Equal(RadiusAccessOutcome.Reject, wrong.Outcome);
        var mallory = await client.AuthenticateAsync(Request("mallory", PapCredentials.FromString("anything")));
        Assert.Equal(RadiusAccessOutcome.Reject, mallory.Outcome);
        Assert.Equal("mallory is not allowed", mallory.ReplyMessage);
    }

    [FreeRadiusFact]
    public async Task Chap_alice_is_accepted_and_a_wrong_response_rejected()
    {
        await using var client = NewClient();
        var challenge = Bytes(16, 3);
        var response = new byte[16];
        ChapMd5.ComputeResponse(42, "alice-pass"u8, challenge, response);
        var ok = await client.AuthenticateAsync(Request("alice", new ChapCredentials(42, challenge, response)));
        Assert.Equal(RadiusAccessOutcome.Accept, ok.Outcome);

        ChapMd5.ComputeResponse(42, "bob-pass"u8, challenge, response);
        var bad = await client.AuthenticateAsync(Request("alice", new ChapCredentials(42, challenge, response)));
        Assert.Equal(RadiusAccessOutcome.Reject, bad.Outcome);
    }

    [FreeRadiusFact]
    public async Task Bob_gets_his_framed_address_session_timeout_and_interim_interval()
    {
        await using var client = NewClient();
        var challenge = Bytes(20, 9); // CHAP challenges need not be 16 octets: CHAP-Challenge carries it (RFC 2865 §5.40)
        var response = new byte[16];
        ChapMd5.ComputeResponse(1, "bob-pass"u8, challenge, response);
        var result = await client.AuthenticateAsync(Request("bob", new ChapCredentials(1, challenge, response)) with { CallingStationId = "198.18.77.77" });
        Assert.Equal(RadiusAccessOutcome.Accept, result.Outcome);

        // What the server decoded from our Access-Request (its auth-detail log).
        var sent = server.ReadAuthenticationRecords().Last(r => r.GetValueOrDefault("Calling-Station-Id") == "198.18.77.77");
        Assert.Equal("bob", sent["User-Name"]);
        Assert.Equal("198.18.0.1", sent["NAS-IP-Address"]);
        Assert.Equal("pptpgw-test", sent["NAS-Identifier"]);
        Assert.Equal("7", sent["NAS-Port"]);
        Assert.Equal("Virtual", sent["NAS-Port-Type"]);
        Assert.Equal("Framed-User", sent["Service-Type"]);
        Assert.Equal("PPP", sent["Framed-Protocol"]);
        Assert.Equal("198.18.0.1", sent["Called-Station-Id"]);
        Assert.Equal("PPTP", sent["Tunnel-Type:0"]);
        Assert.Equal("IPv4", sent["Tunnel-Medium-Type:0"]);
        Assert.Equal("0x" + Convert.ToHexStringLower(challenge), sent["CHAP-Challenge"]);
        Assert.Equal(IPAddress.Parse("198.19.7.7"), result.FramedIpAddress);
        Assert.Equal(IPAddress.Parse("255.255.255.255"), result.FramedIpNetmask);
        Assert.Equal(3600u, result.SessionTimeout);
        Assert.Equal(60u, result.AcctInterimInterval);
    }

    [FreeRadiusFact]
    public async Task MsChapV1_alice_gets_the_NtPasswordHashHash_and_the_RFC3079_start_key()
    {
        await using var client = NewClient();
        var challenge = Bytes(8, 0x3C);
        var nt = new byte[24];
        MsChapV1.NtChallengeResponse(challenge, "alice-pass", nt);
        var result = await client.AuthenticateAsync(Request("alice", new MsChapV1Credentials(9, challenge, new byte[24], nt)));

        Assert.Equal(RadiusAccessOutcome.Accept, result.Outcome);
        Span<byte> hash = stackalloc byte[16];
        Span<byte> hashHash = stackalloc byte[16];
        PasswordHashes.NtPasswordHash("alice-pass", hash);
        PasswordHashes.HashNtPasswordHash(hash, hashHash);
        Assert.Equal(hashHash.ToArray(), result.MsChapNtKey!.Value.ToArray());
        Assert.Equal(new byte[8], result.MsChapLmKey!.Value.ToArray()); // FreeRADIUS leaves the LM key empty
        Assert.Equal(MppeEncryptionPolicy.EncryptionRequired, result.EncryptionPolicy);
        Assert.Equal(MppeEncryptionTypes.Bits128, result.EncryptionTypes);
        Assert.True(result.HasMppeKeys);

        var startKey = new byte[16];
        Assert.Equal(16, result.GetMsChapV1StartKey(challenge, MppeKeyStrength.Bits128, startKey));
        var expected = new byte[16];
        MppeKeyDerivation.DeriveMsChapV1StartKey("alice-pass", challenge, MppeKeyStrength.Bits128, expected);
        Assert.Equal(expected, startKey);
        // A zero LM key cannot make a 40-bit key: the helper says so instead of handing out zeros.
        Assert.Equal(0, result.GetMsChapV1StartKey(challenge, MppeKeyStrength.Bits40, startKey));
    }

    [FreeRadiusFact]
    public async Task MsChapV2_alice_gets_the_authenticator_response_and_the_RFC3079_send_and_receive_keys()
    {
        await using var client = NewClient();
        var credentials = V2("alice", "alice-pass", 0x21, out var authChallenge, out var peerChallenge, out var ntResponse);
        var result = await client.AuthenticateAsync(Request("alice", credentials));

        Assert.Equal(RadiusAccessOutcome.Accept, result.Outcome);
        var digest = new byte[20];
        MsChapV2.GenerateAuthenticatorResponse("alice-pass", ntResponse, peerChallenge, authChallenge, "alice"u8, digest);
        Assert.Equal(MsChapV2.FormatAuthenticatorResponse(digest), result.MsChap2Success);
        Assert.Equal((byte)0x21, result.MsChap2SuccessIdentifier);

        var hash = new byte[16];
        PasswordHashes.NtPasswordHash("alice-pass", hash);
        var send = new byte[16];
        var recv = new byte[16];
        MppeKeyDerivation.DeriveMsChapV2StartKeys(hash, ntResponse, MppeRole.Server, send, recv);
        Assert.Equal(send, result.MppeSendKey!.Value.ToArray());
        Assert.Equal(recv, result.MppeRecvKey!.Value.ToArray());
        Assert.Null(result.MsChapNtKey);

        var send40 = new byte[8];
        var recv40 = new byte[8];
        Assert.Equal(8, result.GetMsChapV2StartKeys(MppeKeyStrength.Bits40, send40, recv40));
        Assert.Equal(send[..8], send40);
        Assert.Equal(recv[..8], recv40);
    }

    [FreeRadiusFact]
    public async Task MsChapV2_wrong_password_is_rejected_with_the_MsChapError_to_relay()
    {
        await using var client = NewClient();
        var credentials = V2("alice", "wrong-pass", 0x22, out _, out _, out _);
        var result = await client.AuthenticateAsync(Request("alice", credentials));
        Assert.Equal(RadiusAccessOutcome.Reject, result.Outcome);
        Assert.StartsWith("E=691 R=1 C=", result.MsChapError, StringComparison.Ordinal);
        Assert.Contains("V=3", result.MsChapError, StringComparison.Ordinal);
        Assert.False(result.HasMppeKeys);
    }

    [FreeRadiusFact]
    public async Task Domain_carol_is_accepted_with_MsChapV2_and_Pap()
    {
        await using var client = NewClient();
        var credentials = V2(@"DOMAIN\carol", "carol-pass", 3, out var authChallenge, out var peerChallenge, out var ntResponse);
        var v2 = await client.AuthenticateAsync(Request(@"DOMAIN\carol", credentials));
        Assert.Equal(RadiusAccessOutcome.Accept, v2.Outcome);
        var digest = new byte[20];
        MsChapV2.GenerateAuthenticatorResponse("carol-pass", ntResponse, peerChallenge, authChallenge, @"DOMAIN\carol"u8, digest);
        Assert.Equal(MsChapV2.FormatAuthenticatorResponse(digest), v2.MsChap2Success);

        var pap = await client.AuthenticateAsync(Request(@"DOMAIN\carol", PapCredentials.FromString("carol-pass")));
        Assert.Equal(RadiusAccessOutcome.Accept, pap.Outcome);
    }

    [FreeRadiusFact]
    public async Task Fails_over_from_a_dead_first_server_marks_it_dead_and_skips_it_next_time()
    {
        int closedPort;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            closedPort = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }
        var log = new GatewayLog();
        var sink = new CaptureLogSink();
        log.AddSink(sink);
        var group = FreeRadiusFixture.Group(false, FreeRadiusFixture.Host(authPort: closedPort), FreeRadiusFixture.Host());
        await using var client = NewClient(log, new RadiusClientOptions { Nas = Nas, Transmissions = 1, DeadTime = TimeSpan.FromMinutes(1) }, group);

        var first = await client.AuthenticateAsync(Request("alice", PapCredentials.FromString("alice-pass")));
        Assert.Equal(RadiusAccessOutcome.Accept, first.Outcome);
        Assert.Same(group.Hosts[1], first.Server);
        Assert.True(client.IsMarkedDead(0));
        Assert.False(client.IsMarkedDead(1));
        Assert.Contains(sink.Lines, l => l.Contains("AAA Marking RADIUS server 127.0.0.1 in aaa-server group RadiusTest as FAILED", StringComparison.Ordinal));

        var stopwatch = Stopwatch.StartNew();
        var second = await client.AuthenticateAsync(Request("alice", PapCredentials.FromString("alice-pass")));
        Assert.Equal(RadiusAccessOutcome.Accept, second.Outcome);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(0.9), $"the dead server was tried again ({stopwatch.Elapsed})");
        Assert.Equal(0, client.Statistics.Timeouts);
    }

    [FreeRadiusFact]
    public async Task Strict_client_127_0_0_2_is_answered_with_a_Message_Authenticator_and_ignored_without()
    {
        var strict = IPAddress.Parse("127.0.0.2");
        await using (var with = NewClient(options: new RadiusClientOptions { Nas = Nas, LocalAddress = strict, Transmissions = 1 }))
        {
            Assert.Equal(strict, ((IPEndPoint)with.GetLocalEndPoint(0)!).Address);
            var ok = await with.AuthenticateAsync(Request("alice", PapCredentials.FromString("alice-pass")));
            Assert.Equal(RadiusAccessOutcome.Accept, ok.Outcome);
        }
        await using var without = NewClient(options: new RadiusClientOptions
        {
            Nas = Nas, LocalAddress = strict, Transmissions = 1, SendMessageAuthenticator = false,
        });
        var dropped = await without.AuthenticateAsync(Request("alice", PapCredentials.FromString("alice-pass")));
        Assert.Equal(RadiusAccessOutcome.Timeout, dropped.Outcome);
        Assert.Equal(1, without.Statistics.Timeouts);
    }

    [FreeRadiusFact]
    public async Task Requiring_a_Message_Authenticator_refuses_FreeRadius_3_2_1_replies_which_carry_none()
    {
        var log = new GatewayLog();
        var sink = new CaptureLogSink();
        log.AddSink(sink);
        await using var client = NewClient(log, new RadiusClientOptions { Nas = Nas, Transmissions = 1 },
            FreeRadiusFixture.Group(true, FreeRadiusFixture.Host()));
        Assert.True(client.RequiresMessageAuthenticator);
        var result = await client.AuthenticateAsync(Request("alice", PapCredentials.FromString("alice-pass")));
        Assert.Equal(RadiusAccessOutcome.Timeout, result.Outcome);
        Assert.Equal(1, client.Statistics.DroppedMissingMessageAuthenticator);
        Assert.Equal(0, client.Statistics.Accepts);
        Assert.Contains(sink.Lines, l => l.Contains("no Message-Authenticator and aaa-server group RadiusTest requires one", StringComparison.Ordinal));
    }

    [FreeRadiusFact]
    public async Task A_wrong_shared_secret_gets_no_accepted_answer()
    {
        await using var client = NewClient(options: new RadiusClientOptions { Nas = Nas, Transmissions = 1 },
            group: FreeRadiusFixture.Group(false, FreeRadiusFixture.Host(key: "not-the-secret")));
        var result = await client.AuthenticateAsync(Request("alice", PapCredentials.FromString("alice-pass")));
        Assert.Equal(RadiusAccessOutcome.Timeout, result.Outcome);
    }

    /// <summary>The durable accounting of the FreeRADIUS group, its spool in a fresh temporary directory.</summary>
    private static AccountingService OpenAccounting(TimeProvider? time = null, TimeSpan? interim = null, string? spool = null) =>
        AccountingService.Open("RadiusTest", new RadiusAccountingTransport(FreeRadiusFixture.Group(false, FreeRadiusFixture.Host())),
            new RadiusAccountingFormat(Nas), new AccountingQueueOptions { SpoolDirectory = spool ?? TestTemp.Directory("pgw-acct-") },
            interim, timeProvider: time);

    [FreeRadiusFact]
    public async Task Accounting_start_interim_stop_land_in_the_detail_file_with_counters_and_class()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var accounting = OpenAccounting(time, TimeSpan.FromSeconds(300));
        var counters = new AccountingCounters(0, 0, 0, 0);
        var info = new AccountingSessionData(AccountingSession.NewSessionId(), "bob")
        {
            NasPort = 7,
            FramedIpAddress = IPAddress.Parse("198.19.7.7"),
            CallingStationId = "198.18.1.2",
            CalledStationId = "198.18.1.1",
            Classes = [Encoding.ASCII.GetBytes("class-from-accept")],
        };

        // bob's Accept says Acct-Interim-Interval = 60: that wins over the configured 300 s.
        var session = accounting.Begin(info, () => counters, serverInterimInterval: 60);
        Assert.Equal(TimeSpan.FromSeconds(60), session.InterimInterval);
        Assert.Equal(1, accounting.ActiveSessions);
        await session.Start().Acknowledged.WaitAsync(TimeSpan.FromSeconds(5));
        var start = await server.WaitForAccountingRecordAsync(info.SessionId, "Start", TimeSpan.FromSeconds(5));
        Assert.Equal("bob", start["User-Name"]);
        Assert.Equal("198.19.7.7", start["Framed-IP-Address"]);
        Assert.Equal("Virtual", start["NAS-Port-Type"]);
        Assert.Equal("0x636c6173732d66726f6d2d616363657074", start["Class"]);
        // Issue 17's attributes: the event's time, who the NAS is, and the address the client dialled.
        Assert.True(start.ContainsKey("Event-Timestamp"), "no Event-Timestamp");
        Assert.Equal("198.18.0.1", start["NAS-IP-Address"]);
        Assert.Equal("pptpgw-test", start["NAS-Identifier"]);
        Assert.Equal("198.18.1.1", start["Called-Station-Id"]);

        counters = new AccountingCounters(5_000_000_000, 1234, 40, 30);
        time.Advance(TimeSpan.FromSeconds(60)); // the interim timer fires
        var interim = await server.WaitForAccountingRecordAsync(info.SessionId, "Interim-Update", TimeSpan.FromSeconds(5));
        Assert.Equal("60", interim["Acct-Session-Time"]);
        Assert.Equal((5_000_000_000 & 0xFFFFFFFF).ToString(System.Globalization.CultureInfo.InvariantCulture), interim["Acct-Input-Octets"]);
        Assert.Equal("1", interim["Acct-Input-Gigawords"]);
        Assert.Equal("1234", interim["Acct-Output-Octets"]);
        Assert.Equal("40", interim["Acct-Input-Packets"]);

        counters = new AccountingCounters(5_000_001_000, 2234, 50, 35);
        time.Advance(TimeSpan.FromSeconds(30));
        var stopRecord = session.Stop(AcctTerminateCause.UserRequest);
        Assert.NotNull(stopRecord);
        Assert.Same(stopRecord, session.Stop(AcctTerminateCause.AdminReset)); // only one Stop
        await stopRecord.Acknowledged.WaitAsync(TimeSpan.FromSeconds(5));
        var stop = await server.WaitForAccountingRecordAsync(info.SessionId, "Stop", TimeSpan.FromSeconds(5));
        Assert.Equal("User-Request", stop["Acct-Terminate-Cause"]);
        Assert.Equal("90", stop["Acct-Session-Time"]);
        Assert.Equal("2234", stop["Acct-Output-Octets"]);
        Assert.NotEqual("0", stop["Acct-Input-Octets"]);
        Assert.True(stop.ContainsKey("Event-Timestamp"), "no Event-Timestamp in the Stop");
        Assert.Equal("198.18.1.1", stop["Called-Station-Id"]);
        Assert.Equal(0, accounting.ActiveSessions);
    }

    [FreeRadiusFact]
    public async Task Shutdown_stops_every_running_session_with_Admin_Reboot_then_sends_Accounting_Off()
    {
        var accounting = OpenAccounting();
        var ids = new[] { AccountingSession.NewSessionId(), AccountingSession.NewSessionId() };
        foreach (var id in ids)
            accounting.Begin(new AccountingSessionData(id, "alice"), () => new AccountingCounters(100, 200, 1, 2)).Start();
        Assert.Equal(2, accounting.ActiveSessions);

        Assert.Equal(0, await accounting.ShutdownAsync()); // nothing left in the spool

        Assert.Equal(0, accounting.ActiveSessions);
        foreach (var id in ids)
        {
            var stop = await server.WaitForAccountingRecordAsync(id, "Stop", TimeSpan.FromSeconds(5));
            Assert.Equal("Admin-Reboot", stop["Acct-Terminate-Cause"]);
            Assert.Equal("100", stop["Acct-Input-Octets"]);
        }
        // Accounting-On when it opened, Accounting-Off after the Stops (RFC 2866 §5.1), both naming the NAS.
        var records = server.ReadAccountingRecords();
        int on = LastIndex(records, r => r.GetValueOrDefault("Acct-Status-Type") == "Accounting-On" && r.GetValueOrDefault("NAS-Identifier") == "pptpgw-test");
        int off = LastIndex(records, r => r.GetValueOrDefault("Acct-Status-Type") == "Accounting-Off" && r.GetValueOrDefault("NAS-Identifier") == "pptpgw-test");
        int lastStop = LastIndex(records, r => ids.Contains(r.GetValueOrDefault("Acct-Session-Id")) && r.GetValueOrDefault("Acct-Status-Type") == "Stop");
        Assert.True(on >= 0 && off > lastStop && lastStop > on, $"On at {on}, last Stop at {lastStop}, Off at {off}");
        Assert.Equal("198.18.0.1", records[off]["NAS-IP-Address"]);
        Assert.True(records[off].ContainsKey("Event-Timestamp"));
    }

    private static int LastIndex(IReadOnlyList<Dictionary<string, string>> records, Func<Dictionary<string, string>, bool> match)
    {
        for (int i = records.Count - 1; i >= 0; i--)
        {
            if (match(records[i]))
                return i;
        }
        return -1;
    }
}
