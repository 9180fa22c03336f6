using System.Net;
using PptpGw.Client;
using PptpGw.ControlPlane.Pools;

namespace PptpGw.Tests.Gateway;

/// <summary>
/// <c>vpdn group G idle-timeout S</c> on a gateway with its real dataplane (memory ports, MPPE-128): of two calls on one
/// control connection, the one whose client sends nothing is ended after S seconds with Idle-Timeout, the one that pings
/// stays up. Activity is the dataplane's count of the client's data packets (control frames excluded).
/// </summary>
public sealed class IdleTimeoutGatewayTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);
    private static readonly IPAddress Inside = IPAddress.Parse("10.1.1.1");

    [Fact]
    public async Task The_idle_call_ends_and_the_pinging_one_stays()
    {
        await using MemoryGatewayBed bed = MemoryGatewayBed.Start("vpdn group 1 idle-timeout 3");
        PptpClientOptions options = bed.ClientOptions;
        await using PptpTunnel tunnel = await PptpTunnel.OpenAsync(options.ToTunnelOptions());
        using var gre = new GreDemultiplexer(bed.Wire.Client);
        await using PptpClientSession idle = await PptpClient.DialOnTunnelAsync(tunnel, gre, options);
        await using PptpClientSession busy = await PptpClient.DialOnTunnelAsync(tunnel, gre, options);
        PptpClientLink idleLink = await idle.LinkUp.WaitAsync(Guard);
        PptpClientLink busyLink = await busy.LinkUp.WaitAsync(Guard);
        var tun = Assert.IsType<MemoryTunnelInterface>(busy.Interface);

        // The busy call pings twice a second until the idle one is gone (at 3 s, within 3 + 2 × 1 s).
        DateTime start = DateTime.UtcNow;
        ushort seq = 0;
        while (!idle.Completion.IsCompleted)
        {
            Assert.True(DateTime.UtcNow - start < TimeSpan.FromSeconds(15), "the idle call was not ended");
            Assert.NotNull(IcmpEcho.Ping(tun, busyLink.LocalAddress, Inside, 7, ++seq, TimeSpan.FromSeconds(5)));
            await Task.Delay(500);
        }
        TimeSpan idleFor = DateTime.UtcNow - start;
        Assert.True(idleFor >= TimeSpan.FromSeconds(3), $"ended after {idleFor}, before the 3 s limit");
        await GatewayTestBed.EventuallyAsync(() => bed.Capture.Lines.Any(l => l.Contains("Idle-Timeout of 3 s expired, no data from the client; disconnecting",
            StringComparison.Ordinal)), "the Idle-Timeout log line");
        await GatewayTestBed.EventuallyAsync(() => bed.Host.Orchestrator.LiveCalls == 1, "the idle call to be released");
        Assert.False(bed.Host.Pool!.IsAllocated(Ipv4.FromIPAddress(idleLink.LocalAddress)));

        // The busy call keeps going past several limits.
        for (int i = 0; i < 10; i++)
        {
            Assert.NotNull(IcmpEcho.Ping(tun, busyLink.LocalAddress, Inside, 7, ++seq, TimeSpan.FromSeconds(5)));
            await Task.Delay(500);
        }
        Assert.False(busy.Completion.IsCompleted);
        Assert.Equal(1, bed.Host.Orchestrator.LiveCalls);
    }
}
