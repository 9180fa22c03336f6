using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using PptpGw.ControlPlane.Aaa.Radius;
using PptpGw.ControlPlane.Config;

namespace PptpGw.Tests.ControlPlane.Aaa.Radius;

/// <summary>The client against an in-process fake server that misbehaves on purpose.</summary>
public sealed class RadiusClientTests
{
    private const string Key = "fake-secret";
    private static readonly byte[] Secret = "fake-secret"u8.ToArray();

    private sealed class FakeServer : IDisposable
    {
        public Socket Socket { get; } = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        public FakeServer() => Socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        public int Port => ((IPEndPoint)Socket.LocalEndPoint!).Port;

        public async Task<(byte[] Datagram, IPEndPoint From)?> ReceiveAsync(TimeSpan timeout)
        {
            var buffer = new byte[4096];
            using var cts = new CancellationTokenSource(timeout);
            try
            {
                var r = await Socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), cts.Token);
                return (buffer[..r.ReceivedBytes], (IPEndPoint)r.RemoteEndPoint);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
        }

        public void Dispose() => Socket.Dispose();
    }

    private static AaaServerGroup Group(int port, bool requireMa = false, int timeoutSeconds = 1) =>
        new("Fake", AaaProtocol.Radius, [new AaaServerHost("inside", IPAddress.Loopback, Key, timeoutSeconds, port, port)], requireMa);

    private static byte[] Reply(byte[] request, RadiusCode code, byte[] secret, bool messageAuthenticator = false, bool corruptMessageAuthenticator = false)
    {
        var buffer = new byte[256];
        var w = new RadiusPacketWriter(buffer, code, request[1]);
        int ma = messageAuthenticator ? w.WriteMessageAuthenticator() : -1;
        w.WriteUInt32(RadiusAttributeType.SessionTimeout, 77);
        var packet = w.Complete();
        RadiusAuthenticator.SignResponse(packet, request.AsSpan(4, 16), secret, ma);
        if (corruptMessageAuthenticator)
        {
            // A wrong HMAC under a correct Response Authenticator: only the Message-Authenticator check can catch it.
            packet[ma] ^= 1;
            RadiusAuthenticator.SignResponse(packet, request.AsSpan(4, 16), secret, -1);
        }
        return packet.ToArray();
    }

    private static RadiusAccessRequest Pap() => new("alice", PapCredentials.FromString("alice-pass"));

    [Fact]
    public async Task Ignores_forged_and_misdirected_replies_and_takes_the_genuine_one()
    {
        using var server = new FakeServer();
        // One transmission, so the genuine reply must come within the server timeout: 5 s, not 1, because the six
        // replies below are sent from the test's thread pool, which a parallel CPU-heavy test class can hold for a
        // second (seen: Timeout instead of Reject when run beside RenegotiationGatewayTests).
        await using var client = new RadiusClient(Group(server.Port, timeoutSeconds: 5), new RadiusClientOptions { Transmissions = 1 });
        var pending = client.AuthenticateAsync(Pap());
        var (request, from) = (await server.ReceiveAsync(TimeSpan.FromSeconds(5)))!.Value;

        Assert.Equal(RadiusPacketError.None, RadiusPacket.TryParse(request, out var parsed));
        Assert.Equal(MessageAuthenticatorStatus.Valid, RadiusAuthenticator.CheckMessageAuthenticator(parsed.Raw, parsed.Authenticator, Secret));

        // Wrong secret: bad Response Authenticator.
        await server.Socket.SendToAsync(Reply(request, RadiusCode.AccessAccept, "guess"u8.ToArray()), from);
        // Right secret but a Code that does not answer an Access-Request.
        await server.Socket.SendToAsync(Reply(request, RadiusCode.AccountingResponse, Secret), from);
        // Right everything, but from another port.
        using (var other = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            other.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            await other.SendToAsync(Reply(request, RadiusCode.AccessAccept, Secret), from);
        }
        // A Message-Authenticator that does not verify.
        await server.Socket.SendToAsync(Reply(request, RadiusCode.AccessAccept, Secret, true, corruptMessageAuthenticator: true), from);
        // Garbage.
        await server.Socket.SendToAsync(new byte[] { 2, 1, 0 }, from);
        await Task.Delay(100);
        Assert.False(pending.IsCompleted);

        await server.Socket.SendToAsync(Reply(request, RadiusCode.AccessReject, Secret), from);
        var result = await pending.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(RadiusAccessOutcome.Reject, result.Outcome);
        var s = client.Statistics;
        Assert.Equal(1, s.DroppedBadAuthenticator);
        Assert.Equal(1, s.DroppedBadMessageAuthenticator);
        Assert.Equal(1, s.DroppedUnexpectedCode);
        Assert.Equal(1, s.DroppedWrongSource);
        Assert.Equal(1, s.DroppedMalformed);
        Assert.Equal(1, s.Rejects);
    }

    [Fact]
    public async Task Required_message_authenticator_accepts_a_signed_reply()
    {
        using var server = new FakeServer();
        await using var client = new RadiusClient(Group(server.Port, requireMa: true), new RadiusClientOptions { Transmissions = 1 });
        var pending = client.AuthenticateAsync(Pap());
        var (request, from) = (await server.ReceiveAsync(TimeSpan.FromSeconds(5)))!.Value;
        await server.Socket.SendToAsync(Reply(request, RadiusCode.AccessAccept, Secret), from); // unsigned: dropped
        await server.Socket.SendToAsync(Reply(request, RadiusCode.AccessAccept, Secret, messageAuthenticator: true), from);
        var result = await pending.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(RadiusAccessOutcome.Accept, result.Outcome);
        Assert.Equal(77u, result.SessionTimeout);
        Assert.Equal(1, client.Statistics.DroppedMissingMessageAuthenticator);
    }

    [Fact]
    public async Task Cancellation_ends_a_request_and_frees_its_identifier()
    {
        using var server = new FakeServer();
        await using var client = new RadiusClient(Group(server.Port));
        using var cts = new CancellationTokenSource();
        var pending = client.AuthenticateAsync(Pap(), cts.Token);
        Assert.NotNull(await server.ReceiveAsync(TimeSpan.FromSeconds(5)));
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void Refuses_groups_it_cannot_serve()
    {
        var tacacs = new AaaServerGroup("T", AaaProtocol.TacacsPlus, [new AaaServerHost("inside", IPAddress.Loopback, "k", 5, 49, 49)], false);
        Assert.Throws<ArgumentException>(() => new RadiusClient(tacacs));
        var keyless = new AaaServerGroup("R", AaaProtocol.Radius, [new AaaServerHost("inside", IPAddress.Loopback, null, 5, 1645, 1646)], false);
        Assert.Throws<ArgumentException>(() => new RadiusClient(keyless));
    }
}
