using PptpGw.Dataplane.Sessions;

namespace PptpGw.Tests.Dataplane.Sessions;

public class SessionTableScaleTests
{
    private const int Sessions = 100_000;
    private const uint TunnelBase = 0x6440_0000; // 100.64.0.0/10: room for 100,000 tunnel addresses

    /// <summary>
    /// 60,000 sessions from three peers (clients behind NAT: 20,000 calls each, more than 65,535 calls in all could
    /// never have globally unique call ids) and 40,000 from peers with one call each.
    /// </summary>
    private static uint PeerOf(int i) => i < 60_000 ? 0xC612_0001u + (uint)(i % 3) : 0xC613_0000u + (uint)(i - 60_000);

    [Fact]
    public void HundredThousandSessionsAreInstalledFoundFromBothSidesAndRemoved()
    {
        var table = new SessionTable(Sessions, workerCount: 4);
        var ids = new CallIdAllocator(random: new Random(1));
        var handles = new SessionHandle[Sessions];
        var callIds = new ushort[Sessions];

        for (int i = 0; i < Sessions; i++)
        {
            Assert.True(ids.TryAllocate(PeerOf(i), out callIds[i]));
            var config = new SessionConfig(PeerOf(i), callIds[i], (ushort)(i * 31 + 1), TunnelBase + 1 + (uint)i, (ushort)(i % 4));
            Assert.Equal(SessionInstallError.None, table.TryInstall(in config, out handles[i]));
        }
        Assert.Equal(Sessions, table.Count);
        Assert.Equal(SessionInstallError.TableFull, table.TryInstall(new SessionConfig(0xC612_0009, 1, 1, 0, 0), out _));

        for (int i = 0; i < Sessions; i++)
        {
            Assert.True(table.TryLookupOutside(PeerOf(i), callIds[i], out int outside));
            Assert.True(table.TryLookupInside(TunnelBase + 1 + (uint)i, out int inside));
            Assert.Equal(handles[i].Slot, outside);
            Assert.Equal(outside, inside);
            ref readonly SessionConfig c = ref table.GetConfig(outside);
            Assert.Equal((ushort)(i * 31 + 1), c.PeerCallId);
            Assert.Equal((ushort)(i % 4), c.Worker);
        }

        // Misses: a call id another peer holds (and 198.18.0.1 does not: ids are random, so peers may share some), an
        // unknown peer, an address past the pool.
        var heldByFirst = Enumerable.Range(0, 60_000).Where(i => PeerOf(i) == 0xC612_0001u).Select(i => callIds[i]).ToHashSet();
        for (int i = 0; i < 1000; i++)
        {
            int other = 3 * i + 1; // a session of peer 198.18.0.2
            Assert.Equal(0xC612_0002u, PeerOf(other));
            Assert.Equal(heldByFirst.Contains(callIds[other]), table.TryLookupOutside(0xC612_0001u, callIds[other], out _));
            Assert.False(table.TryLookupOutside(0xC612_8000u + (uint)i, callIds[i], out _));
            Assert.False(table.TryLookupInside(TunnelBase + Sessions + 1 + (uint)i, out _));
        }

        SessionTableStatistics s = table.GetStatistics();
        Assert.Equal(262_144, s.IndexSize);
        Assert.Equal(0, s.Reseeds);
        Assert.True(s.OutsideMaxProbeLength < SessionTable.ProbeLengthLimit, $"outside max probe {s.OutsideMaxProbeLength}");
        Assert.True(s.InsideMaxProbeLength < SessionTable.ProbeLengthLimit, $"inside max probe {s.InsideMaxProbeLength}");

        for (int i = 0; i < Sessions; i++)
        {
            Assert.True(table.Remove(handles[i]));
            Assert.True(ids.Release(PeerOf(i), callIds[i]));
        }
        Assert.Equal(0, table.Count);
        for (int i = 0; i < Sessions; i += 7)
        {
            Assert.False(table.TryLookupOutside(PeerOf(i), callIds[i], out _));
            Assert.False(table.TryLookupInside(TunnelBase + 1 + (uint)i, out _));
        }
        s = table.GetStatistics();
        Assert.Equal(Sessions, s.Retired);
        // 100,000 tombstones fill 38% of each index: below the 5/8 that calls for a rebuild.
        Assert.Equal(Sessions, s.OutsideTombstones);
        Assert.Equal(Sessions, s.InsideTombstones);
        Assert.Equal(0, s.Rebuilds);

        // Once the four workers have passed a quiescent point every slot can be used again.
        for (int w = 0; w < 4; w++)
            table.Quiescent(w);
        Assert.Equal(Sessions, table.ReclaimRetired());
        Assert.Equal(SessionInstallError.None, table.TryInstall(new SessionConfig(PeerOf(0), 1, 1, TunnelBase + 1, 0), out _));
    }

    [Fact]
    public void LookupsAllocateNothing()
    {
        const int n = 12_500; // lookups cycle over 2n keys: 250,000 / 25,000 = 10 whole cycles
        var table = new SessionTable(n, 1, seed: 99);
        for (int i = 0; i < n; i++)
        {
            var config = new SessionConfig(0xC612_0000u + (uint)(i / 1000), (ushort)(i % 1000 + 1), 1, TunnelBase + (uint)i + 1, 0);
            Assert.Equal(SessionInstallError.None, table.TryInstall(in config, out _));
        }

        long found = RunLookups(table, n); // warm-up: tiered JIT, OSR
        long before = GC.GetAllocatedBytesForCurrentThread();
        found += RunLookups(table, n);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        // 1,000,000 lookups per run; half of the first two of each four hit (PeerCallId 1): 250,000 per run.
        Assert.Equal(2 * 250_000, found);
    }

    private static long RunLookups(SessionTable table, int n)
    {
        long found = 0;
        for (int k = 0; k < 250_000; k++)
        {
            int i = k % (2 * n); // i ≥ n misses
            if (table.TryLookupOutside(0xC612_0000u + (uint)(i / 1000), (ushort)(i % 1000 + 1), out int slot))
                found += table.GetConfig(slot).PeerCallId;
            if (table.TryLookupInside(TunnelBase + (uint)i + 1, out slot))
                found += table.GetConfig(slot).PeerCallId;
            table.TryLookupOutside(0xC612_F000u, (ushort)(k | 1), out _);
            table.TryLookupInside(0xC612_F000u + (uint)k, out _);
        }
        table.Quiescent(0);
        return found;
    }
}
