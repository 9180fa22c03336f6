using System.Net;
using System.Net.Sockets;
using PptpGw.ControlPlane.Aaa.Radius;
using PptpGw.ControlPlane.Config;

namespace PptpGw.Tests.ControlPlane.Aaa.Radius;

/// <summary>
/// The client's bound on requests in flight per server (<see cref="RadiusClientOptions.MaxInFlightPerServer"/>), its
/// queue and the shedding beyond it, against an in-process fake RADIUS server (a UDP socket on loopback that answers
/// when the test says so: what a real server's load cannot be made to do on cue).
/// </summary>
public sealed class RadiusInFlightBoundTests
{
    private static readonly byte[] Secret = "fake-bound-secret"u8.ToArray();

    private static RadiusAccessRequest Pap(int i) => new($"user{i}", PapCredentials.FromString("pw"));

    private static byte[] Accept(byte[] request)
    {
        var buffer = new byte[64];
        var packet = new RadiusPacketWriter(buffer, RadiusCode.AccessAccept, request[1]).Complete();
        RadiusAuthenticator.SignResponse(packet, request.AsSpan(4, 16), Secret, -1);
        return packet.ToArray();
    }

    [Fact]
    public async Task At_most_N_requests_reach_the_server_the_queue_waits_and_the_overflow_is_shed()
    {
        using var fake = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        fake.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)fake.LocalEndPoint!).Port;
        // A 60 s timeout: nothing is retransmitted while the test holds replies back.
        var group = new AaaServerGroup("FakeBound", AaaProtocol.Radius,
            [new AaaServerHost("inside", IPAddress.Loopback, "fake-bound-secret", 60, port, port)], false);
        const int inFlight = 4, queued = 3, total = 10;
        await using var client = new RadiusClient(group, new RadiusClientOptions { Transmissions = 1, MaxInFlightPerServer = inFlight, MaxQueuedPerServer = queued });

        var requests = Enumerable.Range(0, total).Select(i => client.AuthenticateAsync(Pap(i))).ToArray();

        // The overflow beyond places + queue is shed at once, unsent, and counted as such (not as a server time-out).
        var shed = requests.Skip(inFlight + queued).ToArray();
        var shedResults = await Task.WhenAll(shed).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.All(shedResults, r => Assert.Equal(RadiusAccessOutcome.Timeout, r.Outcome));
        Assert.Equal(total - inFlight - queued, client.Statistics.Shed);
        Assert.Equal(0, client.Statistics.Timeouts);
        Assert.False(client.IsMarkedDead(0));

        // The server sees exactly N requests while none is answered; each answer lets one queued request through.
        var buffer = new byte[4096];
        var outstanding = new Queue<(byte[] Request, EndPoint From)>();
        async Task<(byte[], EndPoint)?> Receive(TimeSpan timeout)
        {
            using var cts = new CancellationTokenSource(timeout);
            try
            {
                var r = await fake.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), cts.Token);
                return (buffer[..r.ReceivedBytes], r.RemoteEndPoint);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
        }
        for (int i = 0; i < inFlight; i++)
            outstanding.Enqueue((await Receive(TimeSpan.FromSeconds(10)))!.Value);
        Assert.Null(await Receive(TimeSpan.FromMilliseconds(500)));
        Assert.Equal(inFlight, client.GetInFlight(0));

        int answered = 0, seen = inFlight;
        while (outstanding.Count > 0)
        {
            var (request, from) = outstanding.Dequeue();
            await fake.SendToAsync(Accept(request), from);
            answered++;
            if (seen < inFlight + queued)
            {
                outstanding.Enqueue((await Receive(TimeSpan.FromSeconds(10)))!.Value);
                seen++;
            }
            Assert.True(seen - answered <= inFlight, $"{seen - answered} requests outstanding at the server, bound {inFlight}");
        }

        var served = await Task.WhenAll(requests.Take(inFlight + queued)).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.All(served, r => Assert.Equal(RadiusAccessOutcome.Accept, r.Outcome));
        Assert.Equal(inFlight + queued, client.Statistics.Accepts);
        Assert.Equal(0, client.Statistics.Retransmissions);
        Assert.Null(await Receive(TimeSpan.FromMilliseconds(200)));
        Assert.Equal(0, client.GetInFlight(0));
    }

    [Fact]
    public void Refuses_a_bound_outside_the_identifier_space()
    {
        var group = new AaaServerGroup("FakeBound", AaaProtocol.Radius, [new AaaServerHost("inside", IPAddress.Loopback, "k", 5, 1, 1)], false);
        Assert.Throws<ArgumentException>(() => new RadiusClient(group, new RadiusClientOptions { MaxInFlightPerServer = 0 }));
        Assert.Throws<ArgumentException>(() => new RadiusClient(group, new RadiusClientOptions { MaxInFlightPerServer = 257 }));
        Assert.Throws<ArgumentException>(() => new RadiusClient(group, new RadiusClientOptions { MaxQueuedPerServer = -1 }));
    }
}
