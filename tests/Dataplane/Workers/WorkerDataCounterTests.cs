using Microsoft.Extensions.Time.Testing;
using PptpGw.Dataplane.Control;
using PptpGw.Dataplane.Mppe;
using PptpGw.Dataplane.Workers;

namespace PptpGw.Tests.Dataplane.Workers;

/// <summary>
/// The per-session counter Idle-Timeout watches: the client's data packets are <see cref="SessionCounters.PacketsIn"/>
/// minus the control frames handed up (LCP echoes prove the link, not its use), and what we send does not count.
/// </summary>
public sealed class WorkerDataCounterTests
{
    private static readonly uint Peer = WorkerTestPeer.Address("198.18.0.10");
    private static readonly uint Tunnel = WorkerTestPeer.Address("198.19.1.5");
    private static readonly uint Server = WorkerTestPeer.Address("198.19.0.1");

    [Fact]
    public void Control_frames_and_traffic_towards_the_client_do_not_count_as_the_clients_data()
    {
        using var peer = new WorkerTestPeer(new DataplaneOptions
        {
            SessionCapacity = 16, PoolCapacity = 4096, HashSeed = 3, Time = new FakeTimeProvider(), RandomInitialSequenceNumbers = false,
        });
        TestClient client = peer.Open(Peer, 0x0101, 0x0202, Tunnel, MppeKeyStrength.Bits128, stateless: true);

        // LCP Echo-Requests (RFC 1661 §5.8) from the client, and datagrams from the inside towards it.
        for (int i = 0; i < 3; i++)
            peer.SendFromClient(client, Convert.FromHexString("FF03C02109" + i.ToString("X2") + "00080000ABCD"));
        for (int i = 0; i < 4; i++)
            peer.SendInside(0, WorkerTestPeer.Ipv4(Server, Tunnel, 40, i));
        peer.Step();
        Assert.True(peer.Host.TryGetCounters(client.Handle, out SessionCounters counters));
        Assert.Equal(3UL, counters.PacketsIn);
        Assert.Equal(3UL, counters.ControlPacketsIn);
        Assert.Equal(0UL, counters.DataPacketsIn);
        Assert.Equal(4UL, counters.PacketsOut);

        // Two encrypted datagrams from the client: data.
        for (int i = 0; i < 2; i++)
            peer.SendFromClient(client, WorkerTestPeer.PppIpv4(client, WorkerTestPeer.Ipv4(Tunnel, Server, 40, 10 + i), encrypt: true));
        peer.Step();
        Assert.True(peer.Host.TryGetCounters(client.Handle, out counters));
        Assert.Equal(2UL, counters.DataPacketsIn);
        Assert.Equal(3UL, counters.ControlPacketsIn);
    }
}
