using System.Diagnostics;
using PptpGw.Dataplane.Sessions;

namespace PptpGw.Tests.Dataplane.Sessions;

/// <summary>
/// One writer installs, re-addresses and removes sessions without pause on a small table (so slots are reused and both
/// indexes rebuilt all the time) while two workers look keys up in bursts. Every session's fields are a function of
/// its key, so a worker can tell a wrong, torn or half-installed session from the right one.
/// </summary>
public class SessionTableConcurrencyTests
{
    private const int Keys = 512;
    private const int Capacity = 128;
    private const int Burst = 32;

    private static uint Peer(int k) => 0xC612_0000u + (uint)(k >> 3);   // 64 peers, 8 calls each
    private static ushort CallId(int k) => (ushort)((k & 7) + 1);
    private static ushort PeerCallId(int k) => (ushort)(k * 97 + 13);
    private static uint Tunnel(int k) => 0x6440_0000u + (uint)k + 1;
    private static ushort WorkerOf(int k) => (ushort)(k & 1);
    private static SessionFlags FlagsOf(int k) => (SessionFlags)(k & 0x7F);

    private static SessionConfig ConfigOf(int k, bool withTunnel) =>
        new(Peer(k), CallId(k), PeerCallId(k), withTunnel ? Tunnel(k) : 0, WorkerOf(k), FlagsOf(k));

    /// <summary>Null when the slot holds exactly key k's session (tunnel address set or not), else what is wrong.</summary>
    private static string? Check(SessionTable table, int slot, int k)
    {
        SessionConfig c = table.GetConfig(slot); // one copy, then compare: a torn copy would mismatch somewhere
        if (c.PeerAddress != Peer(k) || c.CallId != CallId(k))
            return $"slot {slot} holds {c} for key {k}";
        if (c.PeerCallId != PeerCallId(k) || c.Worker != WorkerOf(k) || c.Flags != FlagsOf(k))
            return $"slot {slot} torn: {c} for key {k}";
        if (c.TunnelAddress != 0 && c.TunnelAddress != Tunnel(k))
            return $"slot {slot} has tunnel {c.TunnelAddress:X8} for key {k}";
        return null;
    }

    private sealed class ReaderResult
    {
        public long Lookups;
        public long Hits;
        public long Bursts;
        public string? Error;
    }

    private static void Read(SessionTable table, int worker, CancellationToken stop, ReaderResult result)
    {
        var random = new Random(worker + 1);
        Span<int> slots = stackalloc int[Burst];
        Span<int> keys = stackalloc int[Burst];
        try
        {
            while (!stop.IsCancellationRequested && result.Error is null)
            {
                int held = 0;
                for (int n = 0; n < Burst; n++)
                {
                    int k = random.Next(Keys);
                    int slot;
                    bool hit;
                    if ((n & 1) == 0)
                    {
                        hit = table.TryLookupOutside(Peer(k), CallId(k), out slot);
                    }
                    else
                    {
                        // Check below: the tunnel address may since have been withdrawn (0), never another one.
                        hit = table.TryLookupInside(Tunnel(k), out slot);
                    }
                    result.Lookups++;
                    if (!hit)
                        continue;
                    result.Hits++;
                    result.Error ??= Check(table, slot, k);
                    slots[held] = slot;
                    keys[held] = k;
                    held++;
                }

                // Still inside the burst: every slot found must still hold its session (removed or not, never reused).
                Thread.SpinWait(200);
                for (int n = 0; n < held; n++)
                    result.Error ??= Check(table, slots[n], keys[n]);

                table.Quiescent(worker);
                result.Bursts++;
                if (result.Bursts % 512 == 0)
                {
                    // A worker parking and coming back.
                    table.GoOffline(worker);
                    Thread.Yield();
                    table.GoOnline(worker);
                }
            }
        }
        catch (Exception e)
        {
            result.Error = e.ToString();
        }
    }

    [Fact]
    public void ReadersNeverSeeAWrongTornOrReusedSession()
    {
        var table = new SessionTable(Capacity, workerCount: 2);
        // At least 1.5 s, and on until the writer has churned enough (a loaded machine gives it less CPU: the test
        // is about what the readers see, not about speed); the cap only guards the run.
        var duration = TimeSpan.FromSeconds(1.5);
        var cap = TimeSpan.FromSeconds(60);
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();
        var results = new[] { new ReaderResult(), new ReaderResult() };
        var readers = new[]
        {
            new Thread(() => Read(table, 0, stop.Token, results[0])) { IsBackground = true },
            new Thread(() => Read(table, 1, stop.Token, results[1])) { IsBackground = true },
        };
        foreach (var t in readers)
            t.Start();

        var live = new SessionHandle[Keys];
        var random = new Random(42);
        long installs = 0, removals = 0, readdressed = 0;
        bool Churned() => installs > 10 * Capacity && removals > 10 * Capacity && readdressed > 100
            && results.All(r => r.Bursts > 100 && r.Hits > 1000);
        while (clock.Elapsed < duration || (!Churned() && clock.Elapsed < cap && results.All(r => r.Error is null)))
        {
            int k = random.Next(Keys);
            if (!live[k].IsNone)
            {
                if (random.Next(4) == 0)
                {
                    // IPCP assigning or withdrawing the tunnel address of a live session.
                    uint now = table.GetConfig(live[k].Slot).TunnelAddress;
                    Assert.Equal(SessionUpdateError.None, table.TrySetTunnelAddress(live[k], now == 0 ? Tunnel(k) : 0));
                    readdressed++;
                }
                else
                {
                    Assert.True(table.Remove(live[k]));
                    live[k] = SessionHandle.None;
                    removals++;
                }
                continue;
            }
            SessionInstallError e = table.TryInstall(ConfigOf(k, withTunnel: random.Next(3) != 0), out SessionHandle h);
            switch (e)
            {
                case SessionInstallError.None:
                    live[k] = h;
                    installs++;
                    break;
                case SessionInstallError.AwaitingQuiescence:
                    Thread.Yield(); // let the workers pass a quiescent point
                    break;
                default:
                    Assert.Equal(SessionInstallError.TableFull, e);
                    break;
            }
        }
        stop.Cancel();
        foreach (var t in readers)
            Assert.True(t.Join(TimeSpan.FromSeconds(30)));

        foreach (var r in results)
        {
            Assert.Null(r.Error);
            Assert.True(r.Bursts > 100, $"bursts {r.Bursts}");
            Assert.True(r.Hits > 1000, $"hits {r.Hits} of {r.Lookups}");
        }
        SessionTableStatistics s = table.GetStatistics();
        // The writer really did churn: slots reused many times over, indexes rebuilt.
        Assert.True(installs > 10 * Capacity, $"installs {installs}");
        Assert.True(removals > 10 * Capacity, $"removals {removals}");
        Assert.True(readdressed > 100, $"readdressed {readdressed}");
        Assert.True(s.Rebuilds > 0);
        Assert.Equal(s.Live, live.Count(h => !h.IsNone));
    }
}
