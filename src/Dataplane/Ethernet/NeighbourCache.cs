using PptpGw.Dataplane.Buffers;

namespace PptpGw.Dataplane.Ethernet;

/// <summary>What <see cref="NeighbourCache.Lookup"/> found.</summary>
public enum NeighbourState : byte
{
    /// <summary>No entry, or one still waiting for a reply.</summary>
    Unresolved = 0,

    /// <summary>Confirmed within the reachable time.</summary>
    Reachable,

    /// <summary>Known but not confirmed for longer than the reachable time: used, and a new request is due.</summary>
    Stale,
}

/// <summary>
/// A small IPv4 → MAC table (RFC 826's translation table, with RFC 1122 §2.3.2.1's "flush out-of-date entries"),
/// owned by one worker thread: open addressing over a power-of-two array, at most <see cref="ProbeLimit"/> slots per
/// address, no deletion (an entry is only ever overwritten, so no probe chain is broken). Bounded: a full probe range
/// evicts its least recently confirmed entry, so ARP from a hostile LAN cannot grow it.
/// </summary>
/// <remarks>
/// Each unresolved entry may hold one packet (the latest), sent when the reply arrives — as Linux's
/// <c>unres_qlen</c>, so the first packet to a new neighbour is not lost. Requests are rate-limited per entry.
/// </remarks>
public sealed class NeighbourCache
{
    /// <summary>Slots looked at for one address.</summary>
    public const int ProbeLimit = 8;

    private readonly Entry[] _entries;
    private readonly int _mask;
    private readonly long _reachableTicks;
    private readonly long _expireTicks;
    private readonly long _retryTicks;
    private readonly IPacketAllocator _release;

    /// <summary>Creates the table.</summary>
    /// <param name="capacity">Slots (rounded up to a power of two, at least 16).</param>
    /// <param name="timestampFrequency">Ticks per second of the timestamps passed in.</param>
    /// <param name="reachable">How long a confirmation holds (then the entry is stale and re-requested on use).</param>
    /// <param name="retry">Least time between two requests for one address.</param>
    /// <param name="release">Where a held packet goes when a newer one or another address displaces it.</param>
    public NeighbourCache(int capacity, long timestampFrequency, TimeSpan reachable, TimeSpan retry, IPacketAllocator release)
    {
        ArgumentNullException.ThrowIfNull(release);
        _release = release;
        int size = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, capacity));
        _entries = new Entry[size];
        _mask = size - 1;
        _reachableTicks = (long)(reachable.TotalSeconds * timestampFrequency);
        _expireTicks = 4 * _reachableTicks; // stale this long: gone (overwritable), the MAC is no longer trusted
        _retryTicks = Math.Max(1, (long)(retry.TotalSeconds * timestampFrequency));
    }

    /// <summary>Held packets freed because a newer packet or another address took their place.</summary>
    public long HeldDropped { get; private set; }

    /// <summary>Entries holding an address (diagnostics).</summary>
    public int Count
    {
        get
        {
            int n = 0;
            foreach (ref readonly Entry e in _entries.AsSpan())
                n += e.Address != 0 ? 1 : 0;
            return n;
        }
    }

    /// <summary>The MAC of <paramref name="address"/> if known (reachable or stale).</summary>
    public NeighbourState Lookup(uint address, long now, out MacAddress mac)
    {
        int i = Find(address);
        if (i >= 0)
        {
            ref Entry e = ref _entries[i];
            if (e.Resolved)
            {
                long age = now - e.ConfirmedAt;
                if (age <= _expireTicks)
                {
                    mac = e.Mac;
                    return age <= _reachableTicks ? NeighbourState.Reachable : NeighbourState.Stale;
                }
            }
        }

        mac = default;
        return NeighbourState.Unresolved;
    }

    /// <summary>Records a confirmed mapping (an ARP reply to us, or a request aimed at us); returns the packet that waited for it, if any.</summary>
    public PacketHandle Confirm(uint address, MacAddress mac, long now)
    {
        int i = FindOrClaim(address, now);
        ref Entry e = ref _entries[i];
        e.Mac = mac;
        e.Resolved = true;
        e.ConfirmedAt = now;
        PacketHandle held = e.Held;
        e.Held = default;
        return held;
    }

    /// <summary>Updates an existing entry only (RFC 826: merge when already in the table; an unsolicited packet does not create one).</summary>
    public bool Refresh(uint address, MacAddress mac, long now)
    {
        int i = Find(address);
        if (i < 0 || !_entries[i].Resolved)
            return false;
        _entries[i].Mac = mac;
        _entries[i].ConfirmedAt = now;
        return true;
    }

    /// <summary>
    /// Notes that <paramref name="address"/> is needed: true when a request should go out now (none sent within the
    /// retry time). <paramref name="packet"/>, if not null, waits for the reply in place of the one held before (freed).
    /// </summary>
    public bool Need(uint address, long now, PacketHandle packet)
    {
        int i = FindOrClaim(address, now);
        ref Entry e = ref _entries[i];
        if (!packet.IsNull)
        {
            Drop(e.Held);
            e.Held = packet;
        }

        if (e.RequestedAt != 0 && now - e.RequestedAt < _retryTicks)
            return false;
        e.RequestedAt = now == 0 ? 1 : now;
        return true;
    }

    /// <summary>Takes every held packet out (teardown), calling <paramref name="release"/> for each.</summary>
    public void ReleaseHeld(Action<PacketHandle> release)
    {
        ArgumentNullException.ThrowIfNull(release);
        for (int i = 0; i < _entries.Length; i++)
        {
            if (!_entries[i].Held.IsNull)
            {
                release(_entries[i].Held);
                _entries[i].Held = default;
            }
        }
    }

    private int Hash(uint address) => (int)((address * 0x9E3779B1u) >> 16) & _mask;

    private int Find(uint address)
    {
        if (address == 0)
            return -1;
        int h = Hash(address);
        for (int k = 0; k < ProbeLimit; k++)
        {
            int i = (h + k) & _mask;
            uint a = _entries[i].Address;
            if (a == address)
                return i;
            if (a == 0)
                return -1; // slots only go from empty to used: nothing further along
        }

        return -1;
    }

    private int FindOrClaim(uint address, long now)
    {
        int h = Hash(address);
        int victim = -1;
        long oldest = long.MaxValue;
        for (int k = 0; k < ProbeLimit; k++)
        {
            int i = (h + k) & _mask;
            ref Entry e = ref _entries[i];
            if (e.Address == address)
                return i;
            if (e.Address == 0)
            {
                victim = i;
                break;
            }

            long seen = e.Resolved ? e.ConfirmedAt : e.RequestedAt;
            if (e.Held.IsNull && seen < oldest)
            {
                oldest = seen;
                victim = i;
            }
        }

        if (victim < 0)
            victim = h; // every slot holds a packet: reuse the home slot and drop its packet
        ref Entry v = ref _entries[victim];
        Drop(v.Held);
        v = new Entry { Address = address };
        return victim;
    }

    private void Drop(PacketHandle packet)
    {
        if (packet.IsNull)
            return;
        HeldDropped++;
        Span<PacketHandle> one = [packet];
        _release.FreeBurst(one);
    }

    private struct Entry
    {
        public uint Address;
        public bool Resolved;
        public MacAddress Mac;
        public long ConfirmedAt;
        public long RequestedAt;
        public PacketHandle Held;
    }
}
