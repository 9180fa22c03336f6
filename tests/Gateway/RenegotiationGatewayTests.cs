using System.Net;
using PptpGw.Client;
using PptpGw.ControlPlane.Ppp.Session;

namespace PptpGw.Tests.Gateway;

/// <summary>
/// LCP and CCP renegotiation on a live call through the whole gateway (its PPP session, the dataplane's network-down and
/// re-keying commands, the real workers with MPPE-128), our client asking: the call and its traffic survive.
/// </summary>
public sealed class RenegotiationGatewayTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);
    private static readonly IPAddress Inside = IPAddress.Parse("10.1.1.1");

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Lcp_and_ccp_renegotiation_keep_the_call_and_its_encrypted_traffic(bool stateful)
    {
        await using MemoryGatewayBed bed = MemoryGatewayBed.Start(stateful ? "vpdn group 1 ppp encryption mppe stateful" : "");
        await using PptpClientSession session = await PptpClient.ConnectAsync(bed.ClientOptions with
        {
            GreTransportFactory = (_, _) => bed.Wire.Client,
            Stateful = stateful,
        });
        PptpClientLink link = await session.LinkUp.WaitAsync(Guard);
        Assert.Equal((128, !stateful), (link.MppeBits, link.MppeStateless));
        var tunnel = Assert.IsType<MemoryTunnelInterface>(session.Interface);
        ushort seq = 0;
        void Pings(int count)
        {
            for (int i = 0; i < count; i++)
                Assert.True(IcmpEcho.Ping(tunnel, link.LocalAddress, Inside, 0x5151, ++seq, TimeSpan.FromSeconds(10), payload: 600) is not null,
                    $"no reply to ping {seq}");
        }
        Pings(300); // stateful: past a flag packet (RFC 3078 §7.2), so the restart below is from a used key

        foreach ((PppRenegotiation what, int round) in new[] { (PppRenegotiation.Ccp, 1), (PppRenegotiation.Lcp, 2), (PppRenegotiation.Ccp, 3) })
        {
            Assert.True(session.Renegotiate(what), $"{what} renegotiation refused");
            await GatewayTestBed.EventuallyAsync(() => session.Renegotiations == round, $"{what} renegotiation {round} to finish");
            Pings(20);
            Assert.False(session.Completion.IsCompleted);
            Assert.Equal(1, bed.Host.Orchestrator.LiveCalls);
        }

        Assert.Equal(0, session.Counters.MppeDropped);
        Assert.Equal(seq, bed.Wire.EchoesAnswered);
        Assert.Single(bed.Capture.Lines, l => l.Contains("%PIX-6-603104: PPTP Tunnel created", StringComparison.Ordinal));
        Assert.True(bed.Host.Pool!.IsAllocated(PptpGw.ControlPlane.Pools.Ipv4.FromIPAddress(link.LocalAddress)));
        Assert.Equal(1, bed.Host.Pool.UsedCount);

        await session.HangUpAsync();
        Assert.Equal("user request", await session.Completion.WaitAsync(Guard));
        await GatewayTestBed.EventuallyAsync(() => bed.Host.Orchestrator.LiveCalls == 0, "the call to be released");
    }
}
