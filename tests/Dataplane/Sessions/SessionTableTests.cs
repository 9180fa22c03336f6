using CsCheck;
using PptpGw.Dataplane.Sessions;

namespace PptpGw.Tests.Dataplane.Sessions;

public class SessionTableTests
{
    // 198.18.0.0/15 for peers (benchmarking range), 100.64.0.0/10 for tunnel addresses: just numbers here.
    private const uint Peer1 = 0xC612_0001;   // 198.18.0.1
    private const uint Peer2 = 0xC612_0002;   // 198.18.0.2
    private const uint Tunnel1 = 0x6440_0001; // 100.64.0.1
    private const uint Tunnel2 = 0x6440_0002;

    private static SessionConfig Cfg(uint peer, ushort callId, uint tunnel, ushort peerCallId = 0x4000, ushort worker = 0,
        SessionFlags flags = SessionFlags.None) => new(peer, callId, peerCallId, tunnel, worker, flags);

    private static SessionHandle Install(SessionTable table, in SessionConfig config)
    {
        Assert.Equal(SessionInstallError.None, table.TryInstall(in config, out SessionHandle handle));
        Assert.False(handle.IsNone);
        return handle;
    }

    [Fact]
    public void InstalledSessionIsFoundFromBothSidesWithItsConfiguration()
    {
        var table = new SessionTable(capacity: 8, workerCount: 2, seed: 1);
        var config = Cfg(Peer1, 0x1234, Tunnel1, peerCallId: 0xBEEF, worker: 1, flags: SessionFlags.Mppe128 | SessionFlags.MppeStateless);
        SessionHandle handle = Install(table, config);

        Assert.True(table.TryLookupOutside(Peer1, 0x1234, out int outside));
        Assert.True(table.TryLookupInside(Tunnel1, out int inside));
        Assert.Equal(handle.Slot, outside);
        Assert.Equal(handle.Slot, inside);
        Assert.Equal(config, table.GetConfig(outside));
        Assert.Equal(handle, table.HandleOf(outside));
        Assert.True(table.IsCurrent(handle));
        Assert.Equal(1u, handle.Generation & 1);
        Assert.Equal(1, table.Count);
        Assert.True(table.TryGetConfig(handle, out SessionConfig copy));
        Assert.Equal(config, copy);
    }

    [Fact]
    public void TheOutsideKeyIsPeerAndCallIdTogether()
    {
        var table = new SessionTable(8, 1, seed: 2);
        SessionHandle a = Install(table, Cfg(Peer1, 7, Tunnel1));
        // The same call id from another peer is another session (call ids are only unique per peer).
        SessionHandle b = Install(table, Cfg(Peer2, 7, Tunnel2));

        Assert.True(table.TryLookupOutside(Peer1, 7, out int slotA));
        Assert.True(table.TryLookupOutside(Peer2, 7, out int slotB));
        Assert.Equal(a.Slot, slotA);
        Assert.Equal(b.Slot, slotB);
        Assert.False(table.TryLookupOutside(Peer1, 8, out int none));
        Assert.Equal(-1, none);
        Assert.False(table.TryLookupOutside(0xC612_0003, 7, out _));
        Assert.False(table.TryLookupInside(0x6440_0003, out _));
        Assert.False(table.TryLookupInside(0, out _));
    }

    [Fact]
    public void DuplicateKeysAreRefusedAndChangeNothing()
    {
        var table = new SessionTable(8, 1, seed: 3);
        SessionHandle first = Install(table, Cfg(Peer1, 1, Tunnel1));

        Assert.Equal(SessionInstallError.DuplicateOutsideKey, table.TryInstall(Cfg(Peer1, 1, Tunnel2), out SessionHandle h1));
        Assert.Equal(SessionInstallError.DuplicateInsideKey, table.TryInstall(Cfg(Peer2, 1, Tunnel1), out SessionHandle h2));
        Assert.True(h1.IsNone);
        Assert.True(h2.IsNone);
        Assert.Equal(1, table.Count);
        Assert.False(table.TryLookupInside(Tunnel2, out _));
        Assert.True(table.TryLookupInside(Tunnel1, out int slot));
        Assert.Equal(first.Slot, slot);
    }

    [Fact]
    public void ProgrammerErrorsThrow()
    {
        var table = new SessionTable(8, 2, seed: 4);
        Assert.Throws<ArgumentException>(() => table.TryInstall(Cfg(Peer1, 0, Tunnel1), out _));
        Assert.Throws<ArgumentException>(() => table.TryInstall(Cfg(Peer1, 1, Tunnel1, worker: 2), out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SessionTable(0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SessionTable(SessionTable.MaxCapacity + 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SessionTable(8, 0));
        Assert.Equal(0, table.Count);
    }

    [Fact]
    public void RemovedSessionIsNotFoundAndItsHandleGoesStale()
    {
        var table = new SessionTable(8, 1, seed: 5);
        SessionHandle handle = Install(table, Cfg(Peer1, 9, Tunnel1));
        SessionHandle other = Install(table, Cfg(Peer2, 9, Tunnel2));

        Assert.True(table.Remove(handle));

        Assert.False(table.TryLookupOutside(Peer1, 9, out _));
        Assert.False(table.TryLookupInside(Tunnel1, out _));
        Assert.False(table.IsCurrent(handle));
        Assert.Equal(0u, table.HandleOf(handle.Slot).Generation & 1);
        Assert.False(table.Remove(handle));
        Assert.False(table.TryGetConfig(handle, out _));
        Assert.False(table.TrySetFlags(handle, SessionFlags.IpcpOpened));
        Assert.Equal(SessionUpdateError.StaleHandle, table.TrySetTunnelAddress(handle, 0x6440_0009));
        Assert.False(table.Remove(SessionHandle.None));
        Assert.False(table.Remove(new SessionHandle(1000, 1)));
        // The other session is untouched, and the removed keys can be installed again.
        Assert.True(table.TryLookupOutside(Peer2, 9, out int slot));
        Assert.Equal(other.Slot, slot);
        Assert.Equal(1, table.Count);
        Install(table, Cfg(Peer1, 9, Tunnel1));
        Assert.Equal(2, table.Count);
    }

    [Fact]
    public void ASlotIsReusedOnlyAfterEveryOnlineWorkerPassedAQuiescentPoint()
    {
        var table = new SessionTable(capacity: 1, workerCount: 2, seed: 6);
        SessionHandle first = Install(table, Cfg(Peer1, 1, Tunnel1));
        Assert.Equal(SessionInstallError.TableFull, table.TryInstall(Cfg(Peer2, 2, Tunnel2), out _));

        Assert.True(table.Remove(first));
        Assert.Equal(SessionInstallError.AwaitingQuiescence, table.TryInstall(Cfg(Peer2, 2, Tunnel2), out _));
        table.Quiescent(0);
        Assert.Equal(SessionInstallError.AwaitingQuiescence, table.TryInstall(Cfg(Peer2, 2, Tunnel2), out _));
        // Worker 1 still held the slot until now: the removed session's configuration must still be intact.
        Assert.Equal(Cfg(Peer1, 1, Tunnel1), table.GetConfig(first.Slot));
        table.Quiescent(1);

        SessionHandle second = Install(table, Cfg(Peer2, 2, Tunnel2));
        Assert.Equal(first.Slot, second.Slot);
        Assert.NotEqual(first.Generation, second.Generation);
        Assert.False(table.IsCurrent(first));
        Assert.True(table.IsCurrent(second));
        // The stale handle cannot remove or change the slot's new occupant.
        Assert.False(table.Remove(first));
        Assert.False(table.TrySetFlags(first, SessionFlags.IpcpOpened));
        Assert.Equal(SessionFlags.None, table.GetConfig(second.Slot).Flags);
        Assert.True(table.TryLookupOutside(Peer2, 2, out int slot));
        Assert.Equal(second.Slot, slot);
        Assert.False(table.TryLookupOutside(Peer1, 1, out _));
    }

    [Fact]
    public void AQuiescentPointBeforeTheRemovalDoesNotCount()
    {
        var table = new SessionTable(1, 1, seed: 7);
        SessionHandle first = Install(table, Cfg(Peer1, 1, Tunnel1));
        table.Quiescent(0);
        Assert.True(table.Remove(first));
        Assert.Equal(0, table.ReclaimRetired());
        Assert.Equal(1, table.GetStatistics().Retired);
        table.Quiescent(0);
        Assert.Equal(1, table.ReclaimRetired());
        Assert.Equal(1, table.GetStatistics().Free);
    }

    [Fact]
    public void OfflineWorkersDoNotHoldBackReuseAndMustComeBackOnline()
    {
        var table = new SessionTable(1, 2, seed: 8);
        Assert.True(table.IsOnline(1));
        table.GoOffline(1);
        Assert.False(table.IsOnline(1));
        Assert.Throws<InvalidOperationException>(() => table.Quiescent(1));

        SessionHandle first = Install(table, Cfg(Peer1, 1, Tunnel1));
        Assert.True(table.Remove(first));
        table.Quiescent(0);
        Install(table, Cfg(Peer2, 2, Tunnel2)); // worker 1 is offline: not waited for

        table.GoOnline(1);
        Assert.True(table.IsOnline(1));
        Assert.True(table.Remove(table.HandleOf(0)));
        table.Quiescent(0);
        Assert.Equal(SessionInstallError.AwaitingQuiescence, table.TryInstall(Cfg(Peer1, 3, Tunnel1), out _));
        table.Quiescent(1);
        Install(table, Cfg(Peer1, 3, Tunnel1));
    }

    [Fact]
    public void SlotsAreReusedLeastRecentlyFreedFirst()
    {
        var table = new SessionTable(4, 1, seed: 9);
        table.GoOffline(0);
        var handles = Enumerable.Range(1, 4).Select(i => Install(table, Cfg(Peer1, (ushort)i, Tunnel1 + (uint)i))).ToArray();
        Assert.Equal([0, 1, 2, 3], handles.Select(h => h.Slot));
        Assert.True(table.Remove(handles[2]));
        Assert.True(table.Remove(handles[0]));
        Assert.Equal(2, Install(table, Cfg(Peer2, 1, 0)).Slot);
        Assert.Equal(0, Install(table, Cfg(Peer2, 2, 0)).Slot);
    }

    [Fact]
    public void TunnelAddressCanBeAssignedChangedAndCleared()
    {
        var table = new SessionTable(8, 1, seed: 10);
        // Installed when the call is up, before IPCP: found from the outside only.
        SessionHandle h = Install(table, Cfg(Peer1, 5, 0));
        SessionHandle other = Install(table, Cfg(Peer2, 5, Tunnel2));
        Assert.True(table.TryLookupOutside(Peer1, 5, out _));

        Assert.Equal(SessionUpdateError.None, table.TrySetTunnelAddress(h, Tunnel1));
        Assert.True(table.TryLookupInside(Tunnel1, out int slot));
        Assert.Equal(h.Slot, slot);
        Assert.Equal(Tunnel1, table.GetConfig(h.Slot).TunnelAddress);

        Assert.Equal(SessionUpdateError.DuplicateInsideKey, table.TrySetTunnelAddress(h, Tunnel2));
        Assert.Equal(Tunnel1, table.GetConfig(h.Slot).TunnelAddress);
        Assert.Equal(SessionUpdateError.None, table.TrySetTunnelAddress(h, Tunnel1));

        const uint tunnel3 = 0x6440_0003;
        Assert.Equal(SessionUpdateError.None, table.TrySetTunnelAddress(h, tunnel3));
        Assert.False(table.TryLookupInside(Tunnel1, out _));
        Assert.True(table.TryLookupInside(tunnel3, out slot));
        Assert.Equal(h.Slot, slot);

        Assert.Equal(SessionUpdateError.None, table.TrySetTunnelAddress(h, 0));
        Assert.False(table.TryLookupInside(tunnel3, out _));
        Assert.True(table.TryLookupInside(Tunnel2, out slot));
        Assert.Equal(other.Slot, slot);

        // Two inside entries were replaced (Tunnel1 → tunnel3 → none); removing the session, now without a tunnel
        // address, leaves the inside index alone.
        Assert.Equal(2, table.GetStatistics().InsideTombstones);
        Assert.True(table.Remove(h));
        Assert.Equal(2, table.GetStatistics().InsideTombstones);
        Assert.Equal(1, table.GetStatistics().OutsideTombstones);
    }

    [Fact]
    public void FlagsChangeInPlace()
    {
        var table = new SessionTable(8, 1, seed: 11);
        SessionHandle h = Install(table, Cfg(Peer1, 5, Tunnel1, flags: SessionFlags.TransmitAcfc));
        const SessionFlags negotiated = SessionFlags.Mppe40 | SessionFlags.TransmitAcfc | SessionFlags.TransmitPfc | SessionFlags.IpcpOpened;
        Assert.True(table.TrySetFlags(h, negotiated));
        Assert.Equal(negotiated, table.GetConfig(h.Slot).Flags);
        Assert.Equal(Cfg(Peer1, 5, Tunnel1, flags: negotiated), table.GetConfig(h.Slot));
    }

    private struct RecordingInitializer(SessionTable table) : ISessionSlotInitializer
    {
        public int Slot = -1;
        public bool VisibleDuringInitialization;
        public SessionConfig Seen;

        public void InitializeSlot(int slot, in SessionConfig config)
        {
            Slot = slot;
            Seen = config;
            VisibleDuringInitialization = table.TryLookupOutside(config.PeerAddress, config.CallId, out _)
                || table.TryLookupInside(config.TunnelAddress, out _);
        }
    }

    [Fact]
    public void TheInitializerRunsBeforeTheSessionCanBeFound()
    {
        var table = new SessionTable(8, 1, seed: 12);
        var init = new RecordingInitializer(table);
        var config = Cfg(Peer1, 77, Tunnel1);
        Assert.Equal(SessionInstallError.None, table.TryInstall(in config, ref init, out SessionHandle h));
        Assert.Equal(h.Slot, init.Slot);
        Assert.Equal(config, init.Seen);
        Assert.False(init.VisibleDuringInitialization);
        Assert.True(table.TryLookupOutside(Peer1, 77, out _));
    }

    private struct ThrowingInitializer : ISessionSlotInitializer
    {
        public readonly void InitializeSlot(int slot, in SessionConfig config) => throw new InvalidOperationException("no RC4 state");
    }

    [Fact]
    public void AFailingInitializerLeavesNoSessionAndFreesTheSlot()
    {
        var table = new SessionTable(1, 1, seed: 13);
        var init = new ThrowingInitializer();
        Assert.Throws<InvalidOperationException>(() => table.TryInstall(Cfg(Peer1, 1, Tunnel1), ref init, out _));
        Assert.Equal(0, table.Count);
        Assert.False(table.TryLookupOutside(Peer1, 1, out _));
        Assert.False(table.IsCurrent(table.HandleOf(0)));
        // The slot is free again at once (it was never visible), and the table works afterwards.
        Install(table, Cfg(Peer1, 1, Tunnel1));
    }

    [Fact]
    public void OverlappingWriterCallsAreDetected()
    {
        var table = new SessionTable(8, 1, seed: 14);
        var init = new ReentrantInitializer(table);
        Assert.Throws<InvalidOperationException>(() => table.TryInstall(Cfg(Peer1, 1, Tunnel1), ref init, out _));
        Assert.Equal(0, table.Count);
        Install(table, Cfg(Peer1, 1, Tunnel1)); // the guard was released by the outer call
    }

    private readonly struct ReentrantInitializer(SessionTable table) : ISessionSlotInitializer
    {
        public void InitializeSlot(int slot, in SessionConfig config) => table.TryInstall(Cfg(Peer2, 2, Tunnel2), out _);
    }

    [Fact]
    public void TombstonesAccumulateUntilARebuildClearsThem()
    {
        const int capacity = 64; // 128 buckets; a rebuild once live + tombstones exceed 80
        var table = new SessionTable(capacity, 1, seed: 15);
        table.GoOffline(0);
        Assert.Equal(128, table.GetStatistics().IndexSize);
        var live = new Dictionary<ushort, SessionHandle>();
        for (ushort id = 1; id <= 60; id++)
            live[id] = Install(table, Cfg(Peer1, id, Tunnel1 + id));

        int maxTombstones = 0;
        int previousOutside = 0, previousInside = 0;
        ushort next = 61;
        for (int round = 0; round < 200; round++)
        {
            ushort victim = live.Keys.Min();
            Assert.True(table.Remove(live[victim]));
            live.Remove(victim);
            SessionTableStatistics s = table.GetStatistics();
            // Live entries and tombstones never fill more than 5/8 of an index ...
            Assert.True(s.Live + s.OutsideTombstones <= 80);
            Assert.True(s.Live + s.InsideTombstones <= 80);
            // ... and tombstones only go down by one (an install reusing one) or to nothing (a rebuild).
            if (s.OutsideTombstones < previousOutside - 1)
                Assert.True(s.OutsideTombstones <= 1);
            if (s.InsideTombstones < previousInside - 1)
                Assert.True(s.InsideTombstones <= 1);
            previousOutside = s.OutsideTombstones;
            previousInside = s.InsideTombstones;
            maxTombstones = Math.Max(maxTombstones, s.OutsideTombstones);
            live[next] = Install(table, Cfg(Peer2, next, Tunnel2 + 1000 + next));
            next++;

            // Every live session is still found from both sides, with its own configuration.
            foreach (var (id, h) in live)
            {
                uint peer = id <= 60 ? Peer1 : Peer2;
                Assert.True(table.TryLookupOutside(peer, id, out int slot));
                Assert.Equal(h.Slot, slot);
                Assert.True(table.TryLookupInside(table.GetConfig(slot).TunnelAddress, out int inside));
                Assert.Equal(h.Slot, inside);
            }
        }
        Assert.True(maxTombstones >= 15, $"max tombstones {maxTombstones}");
        Assert.True(table.GetStatistics().Rebuilds >= 4, $"rebuilds {table.GetStatistics().Rebuilds}");
        Assert.Equal(0, table.GetStatistics().Reseeds);
    }

    [Fact]
    public void KeysThatCollideUnderTheSeedMakeTheTableReseed()
    {
        const int capacity = 128; // 256 buckets, 8 bits of home bucket
        var table = new SessionTable(capacity, 1, seed: 16);
        ulong seed = table.InsideSeed;
        // Tunnel addresses whose home bucket is 0 under the current seed: a hostile or unlucky pool.
        var colliding = new List<uint>();
        for (uint a = 0x6440_0001; colliding.Count < SessionTable.ProbeLengthLimit + 8; a++)
        {
            if (SessionIndex.Hash(a, seed) >> 56 == 0)
                colliding.Add(a);
        }

        for (int i = 0; i < colliding.Count; i++)
            Install(table, Cfg(Peer1, (ushort)(i + 1), colliding[i]));

        SessionTableStatistics s = table.GetStatistics();
        Assert.True(s.Reseeds >= 1);
        Assert.NotEqual(seed, table.InsideSeed);
        Assert.True(s.InsideMaxProbeLength <= SessionTable.ProbeLengthLimit, $"max probe {s.InsideMaxProbeLength}");
        for (int i = 0; i < colliding.Count; i++)
        {
            Assert.True(table.TryLookupInside(colliding[i], out int slot));
            Assert.Equal(colliding[i], table.GetConfig(slot).TunnelAddress);
        }
    }

    [Fact]
    public void HandlesRoundTripThroughOneWord()
    {
        Gen.Select(Gen.Int[0, SessionTable.MaxCapacity - 1], Gen.UInt).Sample((slot, generation) =>
        {
            var h = new SessionHandle(slot, generation);
            Assert.Equal(h, SessionHandle.FromUInt64(h.ToUInt64()));
        });
        Assert.True(SessionHandle.None.IsNone);
    }

    /// <summary>
    /// Random sequences of installs, removals, tunnel address changes and quiescent points against a dictionary model,
    /// on a small table so that slots are reused and both indexes are rebuilt many times.
    /// </summary>
    [Fact]
    public void BehavesLikeADictionaryUnderRandomOperations()
    {
        // op: 0..2 install key, 3 remove key, 4 set tunnel of key, 5 quiescent; key picks from 48 outside keys.
        Gen.Select(Gen.Int[0, 5], Gen.Int[0, 47], Gen.Int[0, 15]).Array[1, 400].Sample(ops =>
        {
            var table = new SessionTable(capacity: 16, workerCount: 1, seed: 17);
            var model = new Dictionary<int, (SessionHandle Handle, uint Tunnel)>();
            foreach (var (op, key, t) in ops)
            {
                uint peer = Peer1 + (uint)(key % 3);
                ushort callId = (ushort)(key / 3 + 1);
                uint tunnel = t == 0 ? 0 : 0x6440_0000u + (uint)t;
                bool tunnelTaken = tunnel != 0 && model.Values.Any(v => v.Tunnel == tunnel);
                switch (op)
                {
                    case <= 2:
                        SessionInstallError e = table.TryInstall(Cfg(peer, callId, tunnel, peerCallId: (ushort)key), out SessionHandle h);
                        if (model.ContainsKey(key))
                            Assert.Equal(SessionInstallError.DuplicateOutsideKey, e);
                        else if (tunnelTaken)
                            Assert.Equal(SessionInstallError.DuplicateInsideKey, e);
                        else if (model.Count == 16)
                            Assert.Equal(SessionInstallError.TableFull, e);
                        else if (e == SessionInstallError.None)
                            model[key] = (h, tunnel);
                        else
                            Assert.Equal(SessionInstallError.AwaitingQuiescence, e);
                        break;
                    case 3:
                        if (model.Remove(key, out var removed))
                            Assert.True(table.Remove(removed.Handle));
                        else
                            Assert.False(table.TryLookupOutside(peer, callId, out _));
                        break;
                    case 4:
                        if (model.TryGetValue(key, out var entry))
                        {
                            SessionUpdateError u = table.TrySetTunnelAddress(entry.Handle, tunnel);
                            if (tunnelTaken && entry.Tunnel != tunnel)
                                Assert.Equal(SessionUpdateError.DuplicateInsideKey, u);
                            else
                            {
                                Assert.Equal(SessionUpdateError.None, u);
                                model[key] = (entry.Handle, tunnel);
                            }
                        }
                        break;
                    default:
                        table.Quiescent(0);
                        break;
                }

                Assert.Equal(model.Count, table.Count);
                for (int k = 0; k < 48; k++)
                {
                    bool found = table.TryLookupOutside(Peer1 + (uint)(k % 3), (ushort)(k / 3 + 1), out int slot);
                    Assert.Equal(model.TryGetValue(k, out var m), found);
                    if (found)
                    {
                        Assert.Equal(m.Handle, table.HandleOf(slot));
                        Assert.Equal((ushort)k, table.GetConfig(slot).PeerCallId);
                    }
                }
                for (uint a = 1; a <= 15; a++)
                {
                    bool found = table.TryLookupInside(0x6440_0000u + a, out int slot);
                    var owner = model.Where(kv => kv.Value.Tunnel == 0x6440_0000u + a).Select(kv => (int?)kv.Key).SingleOrDefault();
                    Assert.Equal(owner.HasValue, found);
                    if (found)
                        Assert.Equal(model[owner!.Value].Handle.Slot, slot);
                }
            }
        }, iter: 300);
    }
}
