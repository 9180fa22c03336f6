using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using PptpGw.ControlPlane.Aaa.Radius;
using PptpGw.ControlPlane.Config;

namespace PptpGw.Tests.ControlPlane.Aaa.Radius;

/// <summary>A session table of one: alice, Acct-Session-Id S1, 198.19.7.7, NAS-Port 7.</summary>
internal sealed class FakeSessions : IDynamicAuthorizationHandler
{
    public ConcurrentQueue<string> Calls { get; } = new();

    private static bool Matches(SessionMatch m) =>
        (m.AcctSessionId is null || m.AcctSessionId == "S1")
        && (m.UserName is null || m.UserName == "alice")
        && (m.FramedIpAddress is null || m.FramedIpAddress.Equals(IPAddress.Parse("198.19.7.7")))
        && (m.NasPort is null || m.NasPort == 7);

    public ValueTask<bool> DisconnectAsync(SessionMatch match, CancellationToken cancellationToken)
    {
        Calls.Enqueue($"disconnect {match.AcctSessionId}/{match.UserName}");
        return ValueTask.FromResult(Matches(match));
    }

    public ValueTask<bool> ApplyAsync(SessionMatch match, AuthorizationChange change, CancellationToken cancellationToken)
    {
        Calls.Enqueue(string.Join(' ', new[] { change.SessionTimeout is { } s ? $"timeout {s}" : null, change.IdleTimeout is { } i ? $"idle {i}" : null }.OfType<string>()));
        return ValueTask.FromResult(Matches(match));
    }
}

public sealed class DynamicAuthorizationServerTests
{
    private static readonly byte[] Secret = "coa-secret"u8.ToArray();
    private static readonly IPEndPoint Peer = new(IPAddress.Loopback, 40000);

    private static DynamicAuthorizationServer NewServer(FakeSessions sessions) =>
        new(new IPEndPoint(IPAddress.Loopback, 0), [new DynamicAuthorizationClient(IPAddress.Loopback, "coa-secret")], sessions,
            new RadiusNasIdentity(IPAddress.Parse("198.18.0.1"), "pptpgw"));

    private delegate void Attributes(ref RadiusPacketWriter w);

    private static byte[] Request(RadiusCode code, byte id, Attributes attributes, byte[]? secret = null, bool messageAuthenticator = false)
    {
        var buffer = new byte[4096];
        var w = new RadiusPacketWriter(buffer, code, id);
        int ma = messageAuthenticator ? w.WriteMessageAuthenticator() : -1;
        attributes(ref w);
        var packet = w.Complete();
        RadiusAuthenticator.SignRequest(packet, secret ?? Secret, ma);
        return packet.ToArray();
    }

    private static (RadiusCode Code, uint? ErrorCause) Decode(byte[] request, byte[]? response)
    {
        Assert.NotNull(response);
        Assert.Equal(RadiusPacketError.None, RadiusPacket.TryParse(response, out var p));
        Assert.Equal(request[1], p.Identifier);
        Assert.True(RadiusAuthenticator.VerifyResponseAuthenticator(p.Raw, request.AsSpan(4, 16), Secret));
        return (p.Code, p.TryGetAttribute(RadiusAttributeType.ErrorCause, out var v) ? BinaryPrimitives.ReadUInt32BigEndian(v) : null);
    }

    [Fact]
    public async Task Disconnect_of_a_known_session_is_acknowledged_and_of_an_unknown_one_refused_with_503()
    {
        var sessions = new FakeSessions();
        await using var das = NewServer(sessions);
        var known = Request(RadiusCode.DisconnectRequest, 1, (ref RadiusPacketWriter w) => w.WriteText(RadiusAttributeType.AcctSessionId, "S1"));
        Assert.Equal((RadiusCode.DisconnectAck, null), Decode(known, await das.HandleAsync(known, Peer, default)));
        var unknown = Request(RadiusCode.DisconnectRequest, 2, (ref RadiusPacketWriter w) => w.WriteText(RadiusAttributeType.UserName, "bob"));
        Assert.Equal((RadiusCode.DisconnectNak, (uint)RadiusErrorCause.SessionContextNotFound), Decode(unknown, await das.HandleAsync(unknown, Peer, default)));
        Assert.Equal(["disconnect S1/", "disconnect /bob"], sessions.Calls);
        Assert.Equal(1, das.Statistics.Acks);
        Assert.Equal(1, das.Statistics.Naks);
    }

    [Fact]
    public async Task CoA_applies_a_session_timeout_and_echoes_a_message_authenticator()
    {
        var sessions = new FakeSessions();
        await using var das = NewServer(sessions);
        var coa = Request(RadiusCode.CoaRequest, 3, (ref RadiusPacketWriter w) =>
        {
            w.WriteIPv4(RadiusAttributeType.FramedIpAddress, IPAddress.Parse("198.19.7.7"));
            w.WriteUInt32(RadiusAttributeType.SessionTimeout, 120);
        }, messageAuthenticator: true);
        var response = await das.HandleAsync(coa, Peer, default);
        Assert.Equal((RadiusCode.CoaAck, null), Decode(coa, response));
        Assert.Equal(MessageAuthenticatorStatus.Valid, RadiusAuthenticator.CheckMessageAuthenticator(response, coa.AsSpan(4, 16), Secret));
        Assert.Equal(["timeout 120"], sessions.Calls);
    }

    [Fact]
    public async Task CoA_applies_an_idle_timeout_alone_or_with_a_session_timeout()
    {
        var sessions = new FakeSessions();
        await using var das = NewServer(sessions);
        var idle = Request(RadiusCode.CoaRequest, 7, (ref RadiusPacketWriter w) =>
        {
            w.WriteText(RadiusAttributeType.UserName, "alice");
            w.WriteUInt32(RadiusAttributeType.IdleTimeout, 300);
        });
        Assert.Equal((RadiusCode.CoaAck, null), Decode(idle, await das.HandleAsync(idle, Peer, default)));
        var both = Request(RadiusCode.CoaRequest, 8, (ref RadiusPacketWriter w) =>
        {
            w.WriteText(RadiusAttributeType.UserName, "alice");
            w.WriteUInt32(RadiusAttributeType.SessionTimeout, 3600);
            w.WriteUInt32(RadiusAttributeType.IdleTimeout, 0);
        });
        Assert.Equal((RadiusCode.CoaAck, null), Decode(both, await das.HandleAsync(both, Peer, default)));
        // RFC 2865 §5.28: Idle-Timeout is a 4-octet integer.
        var bad = Request(RadiusCode.CoaRequest, 9, (ref RadiusPacketWriter w) =>
        {
            w.WriteText(RadiusAttributeType.UserName, "alice");
            w.Write(RadiusAttributeType.IdleTimeout, [0, 1]);
        });
        Assert.Equal((RadiusCode.CoaNak, (uint)RadiusErrorCause.InvalidAttributeValue), Decode(bad, await das.HandleAsync(bad, Peer, default)));
        Assert.Equal(["idle 300", "timeout 3600 idle 0"], sessions.Calls);
    }

    [Theory]
    [InlineData("missing", RadiusErrorCause.MissingAttribute)]
    [InlineData("unsupported", RadiusErrorCause.UnsupportedAttribute)]
    [InlineData("nas", RadiusErrorCause.NasIdentificationMismatch)]
    [InlineData("service", RadiusErrorCause.UnsupportedService)]
    [InlineData("coa-nothing", RadiusErrorCause.InvalidRequest)]
    [InlineData("bad-value", RadiusErrorCause.InvalidAttributeValue)]
    public async Task Refuses_what_it_cannot_act_on_with_the_RFC5176_error_cause(string kind, RadiusErrorCause expected)
    {
        var sessions = new FakeSessions();
        await using var das = NewServer(sessions);
        var code = kind == "coa-nothing" ? RadiusCode.CoaRequest : RadiusCode.DisconnectRequest;
        var request = Request(code, 4, (ref RadiusPacketWriter w) =>
        {
            if (kind != "missing")
                w.WriteText(RadiusAttributeType.UserName, "alice");
            switch (kind)
            {
                case "unsupported":
                    w.WriteText((RadiusAttributeType)11, "filter"); // Filter-Id
                    break;
                case "nas":
                    w.WriteText(RadiusAttributeType.NasIdentifier, "some-other-nas");
                    break;
                case "service":
                    w.WriteUInt32(RadiusAttributeType.ServiceType, (uint)RadiusServiceType.AuthorizeOnly);
                    break;
                case "bad-value":
                    w.Write(RadiusAttributeType.FramedIpAddress, [1, 2, 3]);
                    break;
            }
        });
        var (responseCode, cause) = Decode(request, await das.HandleAsync(request, Peer, default));
        Assert.Equal(code == RadiusCode.CoaRequest ? RadiusCode.CoaNak : RadiusCode.DisconnectNak, responseCode);
        Assert.Equal((uint)expected, cause);
        Assert.Empty(sessions.Calls); // refused before anything was done
    }

    [Fact]
    public async Task Drops_unknown_clients_bad_authenticators_and_other_codes_silently()
    {
        var sessions = new FakeSessions();
        await using var das = NewServer(sessions);
        var good = Request(RadiusCode.DisconnectRequest, 5, (ref RadiusPacketWriter w) => w.WriteText(RadiusAttributeType.UserName, "alice"));
        Assert.Null(await das.HandleAsync(good, new IPEndPoint(IPAddress.Parse("127.0.0.9"), 1), default));
        var wrongKey = Request(RadiusCode.DisconnectRequest, 6, (ref RadiusPacketWriter w) => w.WriteText(RadiusAttributeType.UserName, "alice"), "nope"u8.ToArray());
        Assert.Null(await das.HandleAsync(wrongKey, Peer, default));
        var access = Request(RadiusCode.AccountingRequest, 7, (ref RadiusPacketWriter w) => w.WriteText(RadiusAttributeType.UserName, "alice"));
        Assert.Null(await das.HandleAsync(access, Peer, default));
        Assert.Null(await das.HandleAsync(new byte[] { 40, 1, 0, 5 }, Peer, default));

        var s = das.Statistics;
        Assert.Equal((1, 1, 1, 1), (s.DroppedUnknownClient, s.DroppedBadAuthenticator, s.DroppedUnsupportedCode, s.DroppedMalformed));
        Assert.Empty(sessions.Calls);
    }

    [Fact]
    public async Task A_retransmitted_request_gets_the_same_answer_without_acting_twice()
    {
        var sessions = new FakeSessions();
        await using var das = NewServer(sessions);
        var request = Request(RadiusCode.DisconnectRequest, 8, (ref RadiusPacketWriter w) => w.WriteUInt32(RadiusAttributeType.NasPort, 7));
        var first = await das.HandleAsync(request, Peer, default);
        var second = await das.HandleAsync(request, Peer, default);
        Assert.Equal(first, second);
        Assert.Single(sessions.Calls);
        Assert.Equal(1, das.Statistics.Duplicates);
    }
}

/// <summary>The listener over UDP with radclient (freeradius-utils) as the real RFC 5176 client.</summary>
[Collection(FreeRadiusCollection.Name)]
public sealed class DynamicAuthorizationRadclientTests(FreeRadiusFixture fixture)
{
    private static (int Code, string Output) Radclient(int port, string command, string secret, string attributes) =>
        FreeRadiusFixture.Run("-x -r 1 -t 2", $"127.0.0.1:{port} {command} {secret}", 20_000, attributes, "/usr/bin/radclient");

    [FreeRadiusFact]
    public async Task Radclient_disconnects_and_changes_sessions_and_a_wrong_secret_is_dropped()
    {
        Assert.NotNull(fixture.Directory);
        var sessions = new FakeSessions();
        await using var das = new DynamicAuthorizationServer(new IPEndPoint(IPAddress.Loopback, 0),
            [new DynamicAuthorizationClient(IPAddress.Loopback, "coa-secret")], sessions);
        das.Start();
        int port = das.LocalEndPoint.Port;

        var ack = Radclient(port, "disconnect", "coa-secret", "Acct-Session-Id = \"S1\"\nUser-Name = \"alice\"\n");
        Assert.True(ack.Code == 0, ack.Output);
        Assert.Contains("Received Disconnect-ACK", ack.Output, StringComparison.Ordinal);

        var nak = Radclient(port, "disconnect", "coa-secret", "User-Name = \"nobody\"\nMessage-Authenticator = 0x00\n");
        Assert.Contains("Received Disconnect-NAK", nak.Output, StringComparison.Ordinal);
        Assert.Contains("Session-Context-Not-Found", nak.Output, StringComparison.Ordinal);

        var coa = Radclient(port, "coa", "coa-secret", "Framed-IP-Address = 198.19.7.7\nSession-Timeout = 120\n");
        Assert.Contains("Received CoA-ACK", coa.Output, StringComparison.Ordinal);
        Assert.Contains("timeout 120", sessions.Calls);

        var wrong = Radclient(port, "disconnect", "not-the-secret", "User-Name = \"alice\"\n");
        Assert.NotEqual(0, wrong.Code);
        Assert.DoesNotContain("Received", wrong.Output, StringComparison.Ordinal);
        Assert.Equal(1, das.Statistics.DroppedBadAuthenticator);
        Assert.Equal(2, das.Statistics.Acks);
        Assert.Equal(1, das.Statistics.Naks);
    }
}
