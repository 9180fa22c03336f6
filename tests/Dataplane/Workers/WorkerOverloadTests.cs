using Microsoft.Extensions.Time.Testing;
using PptpGw.Dataplane.Mppe;
using PptpGw.Dataplane.Workers;

namespace PptpGw.Tests.Dataplane.Workers;

/// <summary>
/// Issue 13 (found by the DPDK load run, bench/RESULTS.md): stateless MPPE under overload. Packets lost in a queue
/// before the worker are coherency-count gaps; each costs one key change (RFC 3078 §7.3), as it would have had it
/// arrived. A real peer's losses must not use up the rekey budget (the bound against forged counts, issue 9), or the
/// refused packets widen the next gaps and the loss feeds itself: 67 % loss at 80,000/s offered over memif.
/// </summary>
public sealed class WorkerOverloadTests
{
    private static readonly uint Peer = WorkerTestPeer.Address("198.18.0.40");
    private static readonly uint Tunnel = WorkerTestPeer.Address("198.19.4.5");
    private static readonly uint Server = WorkerTestPeer.Address("198.19.0.1");

    /// <summary>
    /// Four stateless MPPE-128 sessions, each offering 20,000 packets a second (80,000/s, the run that collapsed) for
    /// half a second of the worker's clock, through a queue that loses <paramref name="lossPercent"/> % of them at
    /// random (so the loss rate, 40,000/s at 50 %, is above the worker's rekey budget of 32,768/s). The worker must
    /// deliver every packet that reached it (loss in proportion to the queue's, never a collapse), and nothing is refused
    /// by the budget. Before the fix, at 75 %: 3,545 of 9,989 arrivals refused by the budget and 22 more undecryptable
    /// (the receiver had fallen more than the coherency space behind); at 50 %: 290 refused.
    /// </summary>
    [Theory]
    [InlineData(10)]
    [InlineData(50)]
    [InlineData(75)]
    public void Losses_before_the_worker_shed_in_proportion_and_do_not_use_up_the_rekey_budget(int lossPercent)
    {
        var time = new FakeTimeProvider();
        using var peer = new WorkerTestPeer(new() { SessionCapacity = 64, PoolCapacity = 8192, HashSeed = 5, Time = time });
        TestClient[] clients = [.. Enumerable.Range(0, 4).Select(i => peer.Open(Peer + (uint)i, (ushort)(0x2400 + i), (ushort)(0x3400 + i),
            Tunnel + (uint)i, MppeKeyStrength.Bits128, stateless: true))];
        Assert.All(clients, c => Assert.Equal(0, c.Worker));

        var random = new Random(13 + lossPercent);
        var scratch = new byte[64];
        int offered = 0, arrived = 0, delivered = 0;
        const int Milliseconds = 500, PerSessionPerMillisecond = 20;
        for (int ms = 0; ms < Milliseconds; ms++)
        {
            foreach (TestClient c in clients)
            {
                for (int p = 0; p < PerSessionPerMillisecond; p++)
                {
                    offered++;
                    if (random.Next(100) < lossPercent)
                    {
                        // Lost in the queue: the client sent it (its coherency count and GRE number moved on).
                        Assert.Equal(MppeDropReason.None, c.Sender[0].Encrypt(scratch));
                        c.NextSequence++;
                        continue;
                    }

                    arrived++;
                    peer.SendFromClient(c, WorkerTestPeer.PppIpv4(c, WorkerTestPeer.Ipv4(c.TunnelAddress, Server, 36, offered), encrypt: true));
                }
            }

            peer.Step();
            delivered += peer.TakeInside(0).Count;
            time.Advance(TimeSpan.FromMilliseconds(1));
        }

        // The reorder wait gives up the last gaps (3 ms each) and releases what is held behind them.
        for (int k = 0; k < 100; k++)
        {
            time.Advance(TimeSpan.FromMilliseconds(1));
            peer.Step();
            delivered += peer.TakeInside(0).Count;
        }

        DataplaneCounters counters = peer.Host.GetCounters();
        string detail = $"offered {offered}, arrived {arrived}, delivered {delivered}; {counters}";
        // Every packet that arrived went up (the reorder wait gives up gaps, it does not drop what arrived).
        Assert.True(delivered == arrived, detail);
        Assert.Equal(0UL, counters[DataplaneDropReason.MppeRekeyBudgetExhausted]);
        Assert.Equal(0UL, counters[DataplaneDropReason.MppeVerificationFailed]);
    }
}
