using System.Runtime.CompilerServices;

namespace PptpGw.Dataplane.Sessions;

public sealed partial class SessionTable
{
    // ------------------------------------------------------------------------------------------------------------
    // Writer side: the control plane, one call at a time. May allocate (index rebuilds); never waits for workers.
    // ------------------------------------------------------------------------------------------------------------

    /// <summary>Installs a session; see <see cref="TryInstall{TInitializer}"/>.</summary>
    public SessionInstallError TryInstall(in SessionConfig config, out SessionHandle handle)
    {
        NoInitializer none = default;
        return TryInstall(in config, ref none, out handle);
    }

    /// <summary>
    /// Installs a session: takes a free slot, stores <paramref name="config"/> in it, lets
    /// <paramref name="initializer"/> reset the slot's per-packet state, then makes the session visible to lookups
    /// from the outside and, when <see cref="SessionConfig.TunnelAddress"/> is not 0, from the inside.
    /// Throws for a configuration no caller should build (call id 0, worker out of range) and, with the slot freed
    /// again, for an exception from the initializer.
    /// </summary>
    public SessionInstallError TryInstall<TInitializer>(in SessionConfig config, ref TInitializer initializer, out SessionHandle handle)
        where TInitializer : ISessionSlotInitializer, allows ref struct
    {
        if (config.CallId == 0)
            throw new ArgumentException("call id 0 is reserved", nameof(config));
        if (config.Worker >= _workers.Length)
            throw new ArgumentException($"worker {config.Worker} is not one of the table's {_workers.Length}", nameof(config));

        EnterWriter();
        try
        {
            handle = SessionHandle.None;
            if (TryLookupOutside(config.PeerAddress, config.CallId, out _))
                return SessionInstallError.DuplicateOutsideKey;
            if (config.TunnelAddress != 0 && TryLookupInside(config.TunnelAddress, out _))
                return SessionInstallError.DuplicateInsideKey;

            if (_w.FreeCount == 0)
                Reclaim();
            if (_w.FreeCount == 0)
                return _w.RetiredCount > 0 ? SessionInstallError.AwaitingQuiescence : SessionInstallError.TableFull;

            int slot = _w.Free[_w.FreeHead];
            _w.FreeHead = (_w.FreeHead + 1) % _w.Free.Length;
            _w.FreeCount--;

            // No worker can reach this slot (free slots have no index entry, and a reclaimed slot's last readers have
            // passed a quiescent point), so plain stores suffice here; the index entries below publish them.
            _configs[slot] = config;
            uint generation = _generations[slot] + 1; // even → odd
            Volatile.Write(ref _generations[slot], generation);
            try
            {
                initializer.InitializeSlot(slot, in _configs[slot]);
            }
            catch
            {
                Volatile.Write(ref _generations[slot], generation + 1);
                PushFree(slot);
                throw;
            }

            if (config.TunnelAddress != 0)
                Insert(ref _inside, inside: true, config.TunnelAddress, slot);
            Insert(ref _outside, inside: false, OutsideKey(config.PeerAddress, config.CallId), slot);
            Volatile.Write(ref _w.Live, _w.Live + 1);
            handle = new SessionHandle(slot, generation);
            return SessionInstallError.None;
        }
        finally
        {
            ExitWriter();
        }
    }

    /// <summary>
    /// Removes the session: lookups stop finding it at once; its slot is reused only after every online worker has
    /// passed <see cref="Quiescent"/>. False (and nothing changes) when the handle is stale.
    /// </summary>
    public bool Remove(SessionHandle handle)
    {
        EnterWriter();
        try
        {
            if (!IsCurrent(handle))
                return false;
            int slot = handle.Slot;
            ref readonly SessionConfig c = ref _configs[slot];
            _outside.Remove(OutsideKey(c.PeerAddress, c.CallId), slot);
            if (c.TunnelAddress != 0)
                _inside.Remove(c.TunnelAddress, slot);
            Volatile.Write(ref _generations[slot], handle.Generation + 1); // odd → even: handles go stale
            long epoch = Interlocked.Increment(ref _epoch);                // full fence after the tombstones
            int tail = (_w.RetiredHead + _w.RetiredCount) % _w.RetiredSlot.Length;
            _w.RetiredSlot[tail] = slot;
            _w.RetiredEpoch[tail] = epoch;
            _w.RetiredCount++;
            Volatile.Write(ref _w.Live, _w.Live - 1);

            // A removal only adds tombstones; clean them once they and the live entries fill 5/8 of an index.
            RebuildIfCrowded(ref _outside, inside: false);
            RebuildIfCrowded(ref _inside, inside: true);
            return true;
        }
        finally
        {
            ExitWriter();
        }
    }

    /// <summary>
    /// Sets (or, with 0, clears) the tunnel address of a live session — IPCP assigns it after the call is up
    /// (RFC 1332 §3.3). The old address stops finding the session before the new one starts; a worker reading the
    /// field meanwhile sees the old or the new value, never a mix.
    /// </summary>
    public SessionUpdateError TrySetTunnelAddress(SessionHandle handle, uint tunnelAddress)
    {
        EnterWriter();
        try
        {
            if (!IsCurrent(handle))
                return SessionUpdateError.StaleHandle;
            int slot = handle.Slot;
            uint old = _configs[slot].TunnelAddress;
            if (old == tunnelAddress)
                return SessionUpdateError.None;
            if (tunnelAddress != 0 && TryLookupInside(tunnelAddress, out _))
                return SessionUpdateError.DuplicateInsideKey;
            if (old != 0)
                _inside.Remove(old, slot);
            // Workers confirm inside lookups against this field: a stale entry for the old address now misses.
            Volatile.Write(ref Unsafe.AsRef(in _configs[slot]._tunnelAddress), tunnelAddress);
            if (tunnelAddress != 0)
                Insert(ref _inside, inside: true, tunnelAddress, slot);
            RebuildIfCrowded(ref _inside, inside: true);
            return SessionUpdateError.None;
        }
        finally
        {
            ExitWriter();
        }
    }

    /// <summary>Replaces the flags of a live session with one atomic store. False when the handle is stale.</summary>
    public bool TrySetFlags(SessionHandle handle, SessionFlags flags)
    {
        EnterWriter();
        try
        {
            if (!IsCurrent(handle))
                return false;
            Volatile.Write(ref Unsafe.As<SessionFlags, ushort>(ref Unsafe.AsRef(in _configs[handle.Slot]._flags)), (ushort)flags);
            return true;
        }
        finally
        {
            ExitWriter();
        }
    }

    /// <summary>A copy of the configuration of a live session (for the control plane's show commands). False when stale.</summary>
    public bool TryGetConfig(SessionHandle handle, out SessionConfig config)
    {
        if (IsCurrent(handle))
        {
            config = _configs[handle.Slot];
            // Seqlock-style: from a thread other than the writer's, the slot could be removed and reused during the
            // copy; the fence keeps the copy's loads before the second generation check, which then fails.
            Interlocked.MemoryBarrier();
            if (IsCurrent(handle))
                return true;
        }
        config = default;
        return false;
    }

    /// <summary>Bookkeeping counters; call on the writer's thread for an exact snapshot.</summary>
    public SessionTableStatistics GetStatistics()
    {
        SessionIndex outside = Volatile.Read(ref _outside);
        SessionIndex inside = Volatile.Read(ref _inside);
        return new SessionTableStatistics(
            Live: _w.Live,
            Retired: _w.RetiredCount,
            Free: _w.FreeCount,
            OutsideTombstones: outside.Tombstones,
            InsideTombstones: inside.Tombstones,
            OutsideMaxProbeLength: outside.MaxDisplacement + 1,
            InsideMaxProbeLength: inside.MaxDisplacement + 1,
            IndexSize: outside.Size,
            Rebuilds: _w.Rebuilds,
            Reseeds: _w.Reseeds,
            Epoch: Volatile.Read(ref _epoch));
    }

    /// <summary>
    /// Moves retired slots whose removal every online worker has acknowledged to the free list. Runs by itself when an
    /// install finds no free slot; the control plane may also call it (e.g. from a periodic tick). Returns the number
    /// of slots freed.
    /// </summary>
    public int ReclaimRetired()
    {
        EnterWriter();
        try
        {
            return Reclaim();
        }
        finally
        {
            ExitWriter();
        }
    }

    private int Reclaim()
    {
        if (_w.RetiredCount == 0)
            return 0;
        long safe = Offline;
        foreach (ref WorkerEpoch worker in _workers.AsSpan())
            safe = Math.Min(safe, Volatile.Read(ref worker.Epoch)); // acquire: the workers' bursts happened before
        int freed = 0;
        while (_w.RetiredCount > 0 && _w.RetiredEpoch[_w.RetiredHead] <= safe)
        {
            PushFree(_w.RetiredSlot[_w.RetiredHead]);
            _w.RetiredHead = (_w.RetiredHead + 1) % _w.RetiredSlot.Length;
            _w.RetiredCount--;
            freed++;
        }
        return freed;
    }

    private void PushFree(int slot)
    {
        _w.Free[(_w.FreeHead + _w.FreeCount) % _w.Free.Length] = slot;
        _w.FreeCount++;
    }

    private void Insert(ref SessionIndex index, bool inside, ulong key, int slot)
    {
        int displacement = index.Insert(key, slot);
        if (displacement > index.ReseedDisplacement)
        {
            Rebuild(ref index, inside, reseed: true);
            return;
        }
        RebuildIfCrowded(ref index, inside);
    }

    private void RebuildIfCrowded(ref SessionIndex index, bool inside)
    {
        if (index.Used > index.Size / 8 * 5)
            Rebuild(ref index, inside, reseed: false);
    }

    /// <summary>
    /// Copy-on-write: fills a new index from the live slots (the session being installed included: its generation is
    /// already odd) and publishes it with a release store. A reseed draws a new hash seed, and raises the reseed
    /// threshold of the new index above its own largest displacement so a key set that defeats every seed cannot make
    /// each insert rebuild.
    /// </summary>
    private void Rebuild(ref SessionIndex index, bool inside, bool reseed)
    {
        var fresh = new SessionIndex(index.Size, reseed ? _w.NextSeed() : index.Seed, ProbeLengthLimit);
        for (int slot = 0; slot < _configs.Length; slot++)
        {
            if ((_generations[slot] & 1) == 0)
                continue;
            ref readonly SessionConfig c = ref _configs[slot];
            if (inside)
            {
                if (c.TunnelAddress != 0)
                    fresh.Insert(c.TunnelAddress, slot);
            }
            else
            {
                fresh.Insert(OutsideKey(c.PeerAddress, c.CallId), slot);
            }
        }
        fresh.ReseedDisplacement = Math.Max(ProbeLengthLimit, 2 * fresh.MaxDisplacement);
        Volatile.Write(ref index, fresh);
        _w.Rebuilds++;
        if (reseed)
            _w.Reseeds++;
    }

    private void EnterWriter()
    {
        if (Interlocked.Exchange(ref _w.Busy, 1) != 0)
            throw new InvalidOperationException("SessionTable has a single writer: two writer calls overlapped");
    }

    private void ExitWriter() => Volatile.Write(ref _w.Busy, 0);

    private struct NoInitializer : ISessionSlotInitializer
    {
        public readonly void InitializeSlot(int slot, in SessionConfig config)
        {
        }
    }
}
