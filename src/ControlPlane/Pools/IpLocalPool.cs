using System.Collections.Immutable;
using System.Numerics;

namespace PptpGw.ControlPlane.Pools;

/// <summary>
/// The addresses of one <c>ip local pool</c>, over one or more disjoint ranges, handed out to PPP clients in IPCP.
/// <para>
/// Storage: one bit per address (1 = in use) in <see cref="ulong"/> words, plus a summary bitmap with one bit per word
/// (1 = the word has a free address). A pool of 100,000 addresses costs 12.5 KB + 200 B and no per-address objects;
/// finding a free address scans at most one summary word per 4,096 addresses.
/// </para>
/// <para>
/// Policy: next-fit (round-robin). A cursor follows the last address handed out and allocation takes the first free
/// address at or after it, wrapping at the end. An address released by a session that just ended is therefore handed out
/// again only after every other free address has been used once more, so a client reconnecting (or a stale route, ARP
/// or firewall state on the inside still pointing at the old session) does not meet its old address on someone else.
/// </para>
/// <para>
/// Addresses outside the ranges (a RADIUS Framed-IP-Address the operator allows outside the pool) can be recorded with
/// <see cref="TryAllocateSpecific"/>(address, allowOutsidePool: true) so they too are never held twice.
/// </para>
/// <para>
/// Thread-safety: every public member takes one private lock; the control plane may call from several threads.
/// The critical sections are short (a few word operations, a scan of at most a few thousand summary bits), so a plain
/// lock is cheaper and simpler than a lock-free scheme at session set-up rates.
/// </para>
/// </summary>
public sealed class IpLocalPool
{
    /// <summary>Largest pool accepted: 2^24 addresses (a /8), a 2 MB bitmap.</summary>
    public const int MaxCapacity = 1 << 24;

    private readonly Lock _gate = new();
    // The layout (ranges and bitmaps) changes only in TryResize (a configuration reload), under _gate like every use.
    private uint[] _rangeFirst;     // sorted range starts
    private int[] _rangeIndex;      // index of each range's first address in the bitmap
    private ulong[] _used;          // 1 = address in use (and the padding bits past Capacity)
    private ulong[] _hasFree;       // bit w = _used[w] has a zero bit
    private ImmutableArray<Ipv4Range> _ranges;
    private int _capacity;
    private readonly HashSet<uint> _outside = [];
    private int _cursor;
    private int _usedCount;

    /// <summary>
    /// Creates a pool over <paramref name="ranges"/>. Throws <see cref="ArgumentException"/> when there are no ranges,
    /// when two ranges overlap, or when they hold more than <see cref="MaxCapacity"/> addresses: the config validator
    /// reports all three as errors first, so reaching here with them is a programmer error.
    /// </summary>
    public IpLocalPool(string name, IEnumerable<Ipv4Range> ranges)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(ranges);
        Name = name;
        (_ranges, _capacity, _rangeFirst, _rangeIndex, _used, _hasFree) = Layout(name, ranges);
    }

    private static (ImmutableArray<Ipv4Range>, int, uint[], int[], ulong[], ulong[]) Layout(string name, IEnumerable<Ipv4Range> ranges)
    {
        var sorted = ranges.OrderBy(r => r.First).ToImmutableArray();
        if (sorted.IsEmpty)
            throw new ArgumentException($"pool '{name}' has no ranges", nameof(ranges));
        long total = 0;
        for (int i = 0; i < sorted.Length; i++)
        {
            if (i > 0 && sorted[i - 1].Overlaps(sorted[i]))
                throw new ArgumentException($"pool '{name}': ranges {sorted[i - 1]} and {sorted[i]} overlap", nameof(ranges));
            total += sorted[i].Count;
        }
        if (total > MaxCapacity)
            throw new ArgumentException($"pool '{name}' holds {total} addresses, more than {MaxCapacity}", nameof(ranges));

        int capacity = (int)total;
        var rangeFirst = new uint[sorted.Length];
        var rangeIndex = new int[sorted.Length];
        int index = 0;
        for (int i = 0; i < sorted.Length; i++)
        {
            rangeFirst[i] = sorted[i].First;
            rangeIndex[i] = index;
            index += (int)sorted[i].Count;
        }

        int words = (capacity + 63) >> 6;
        var used = new ulong[words];
        var hasFree = new ulong[(words + 63) >> 6];
        for (int w = 0; w < words; w++)
            hasFree[w >> 6] |= 1UL << w;
        int tail = capacity & 63;
        if (tail != 0)
        {
            // Mark the bits past Capacity as used so the scan never returns them.
            used[words - 1] = ulong.MaxValue << tail;
        }
        return (sorted, capacity, rangeFirst, rangeIndex, used, hasFree);
    }

    /// <summary>
    /// A configuration reload: the pool takes <paramref name="ranges"/> (growing, shrinking or moving) while every held
    /// address stays held, so live sessions keep theirs and release them into this same pool later. Refused, changing
    /// nothing, when an address held now would fall outside the new ranges (<see cref="PoolResizeResult.HeldAddresses"/>
    /// lists them): shrinking is only for unused addresses. Throws <see cref="ArgumentException"/> for ranges the config
    /// validator refuses (none, overlapping, too many).
    /// </summary>
    public PoolResizeResult TryResize(IEnumerable<Ipv4Range> ranges)
    {
        ArgumentNullException.ThrowIfNull(ranges);
        var (sorted, capacity, rangeFirst, rangeIndex, used, hasFree) = Layout(Name, ranges);
        lock (_gate)
        {
            int before = _capacity;
            var held = new List<uint>();
            var carried = new List<int>();
            for (int i = 0; i < _capacity; i++)
            {
                if (!IsSet(i))
                    continue;
                uint address = AddressAt(i);
                int target = IndexIn(sorted, rangeFirst, rangeIndex, address);
                if (target < 0)
                    held.Add(address);
                else
                    carried.Add(target);
            }
            if (held.Count > 0)
                return new PoolResizeResult(false, before, before, [.. held]);
            (_ranges, _capacity, _rangeFirst, _rangeIndex, _used, _hasFree) = (sorted, capacity, rangeFirst, rangeIndex, used, hasFree);
            _usedCount = 0;
            foreach (int index in carried)
                Set(index);
            // An address held outside the old ranges (a Framed-IP-Address) that the new ranges cover stays held, now inside.
            foreach (uint address in _outside.ToArray())
            {
                int index = IndexOf(address);
                if (index >= 0)
                {
                    Set(index);
                    _outside.Remove(address);
                }
            }
            _cursor = 0;
            return new PoolResizeResult(true, before, capacity, []);
        }
    }

    /// <summary>The pool's name from <c>ip local pool NAME</c>.</summary>
    public string Name { get; }

    /// <summary>The ranges, sorted by first address, disjoint.</summary>
    public ImmutableArray<Ipv4Range> Ranges
    {
        get { lock (_gate) return _ranges; }
    }

    /// <summary>Number of addresses in the ranges.</summary>
    public int Capacity
    {
        get { lock (_gate) return _capacity; }
    }

    /// <summary>Addresses of the ranges currently held.</summary>
    public int UsedCount
    {
        get { lock (_gate) return _usedCount; }
    }

    /// <summary>Addresses of the ranges currently free.</summary>
    public int FreeCount
    {
        get { lock (_gate) return _capacity - _usedCount; }
    }

    /// <summary>Addresses outside the ranges currently held through <see cref="TryAllocateSpecific"/>.</summary>
    public int OutsideCount
    {
        get { lock (_gate) return _outside.Count; }
    }

    /// <summary>True when <paramref name="address"/> lies in one of the ranges.</summary>
    public bool Contains(uint address)
    {
        lock (_gate)
            return IndexOf(address) >= 0;
    }

    /// <summary>True when <paramref name="address"/> is currently held (inside the ranges or recorded outside them).</summary>
    public bool IsAllocated(uint address)
    {
        lock (_gate)
        {
            int index = IndexOf(address);
            return index >= 0 ? IsSet(index) : _outside.Contains(address);
        }
    }

    /// <summary>
    /// Takes the next free address after the last one handed out (next-fit, see the class remarks).
    /// Returns false, with <paramref name="address"/> 0, when the pool is exhausted.
    /// </summary>
    public bool TryAllocate(out uint address)
    {
        lock (_gate)
        {
            int index = FindFreeFrom(_cursor);
            if (index < 0)
            {
                address = 0;
                return false;
            }
            Set(index);
            _cursor = index + 1 == _capacity ? 0 : index + 1;
            address = AddressAt(index);
            return true;
        }
    }

    /// <summary>
    /// Takes one given address, as when a RADIUS server returns Framed-IP-Address (RFC 2865 §5.8).
    /// An address outside the ranges is refused with <see cref="PoolAllocateResult.OutsidePool"/> unless
    /// <paramref name="allowOutsidePool"/> is set, in which case it is recorded so it cannot be held twice either.
    /// The round-robin cursor does not move.
    /// </summary>
    public PoolAllocateResult TryAllocateSpecific(uint address, bool allowOutsidePool = false)
    {
        lock (_gate)
        {
            int index = IndexOf(address);
            if (index < 0)
            {
                if (!allowOutsidePool)
                    return PoolAllocateResult.OutsidePool;
                return _outside.Add(address) ? PoolAllocateResult.Allocated : PoolAllocateResult.InUse;
            }
            if (IsSet(index))
                return PoolAllocateResult.InUse;
            Set(index);
            return PoolAllocateResult.Allocated;
        }
    }

    /// <summary>Gives an address back. Releasing an address that is not held changes nothing and says so.</summary>
    public PoolReleaseResult Release(uint address)
    {
        lock (_gate)
        {
            int index = IndexOf(address);
            if (index < 0)
                return _outside.Remove(address) ? PoolReleaseResult.Released : PoolReleaseResult.NotAllocated;
            if (!IsSet(index))
                return PoolReleaseResult.NotAllocated;
            int w = index >> 6;
            _used[w] &= ~(1UL << index);
            _hasFree[w >> 6] |= 1UL << w;
            _usedCount--;
            return PoolReleaseResult.Released;
        }
    }

    /// <summary>Bitmap index of <paramref name="address"/>, or -1 when it lies in no range (under <c>_gate</c>).</summary>
    private int IndexOf(uint address) => IndexIn(_ranges, _rangeFirst, _rangeIndex, address);

    private static int IndexIn(ImmutableArray<Ipv4Range> ranges, uint[] rangeFirst, int[] rangeIndex, uint address)
    {
        int r = Array.BinarySearch(rangeFirst, address);
        if (r < 0)
            r = ~r - 1;   // the range starting below the address, if any
        if (r < 0 || address > ranges[r].Last)
            return -1;
        return rangeIndex[r] + (int)(address - rangeFirst[r]);
    }

    private uint AddressAt(int index)
    {
        int r = Array.BinarySearch(_rangeIndex, index);
        if (r < 0)
            r = ~r - 1;
        return _rangeFirst[r] + (uint)(index - _rangeIndex[r]);
    }

    private bool IsSet(int index) => (_used[index >> 6] & (1UL << index)) != 0;

    private void Set(int index)
    {
        int w = index >> 6;
        _used[w] |= 1UL << index;
        if (_used[w] == ulong.MaxValue)
            _hasFree[w >> 6] &= ~(1UL << w);
        _usedCount++;
    }

    /// <summary>First free index at or after <paramref name="start"/>, wrapping once; -1 when none is free.</summary>
    private int FindFreeFrom(int start)
    {
        int w = start >> 6;
        ulong free = ~_used[w] & (ulong.MaxValue << start);   // shift counts are taken mod 64
        if (free != 0)
            return (w << 6) + BitOperations.TrailingZeroCount(free);
        int next = NextWordWithFree(w + 1);
        if (next < 0)
            next = NextWordWithFree(0);   // wrap: may find word w itself, below start
        if (next < 0)
            return -1;
        return (next << 6) + BitOperations.TrailingZeroCount(~_used[next]);
    }

    private int NextWordWithFree(int fromWord)
    {
        if (fromWord >= _used.Length)
            return -1;
        int s = fromWord >> 6;
        ulong bits = _hasFree[s] & (ulong.MaxValue << fromWord);
        while (bits == 0)
        {
            if (++s == _hasFree.Length)
                return -1;
            bits = _hasFree[s];
        }
        return (s << 6) + BitOperations.TrailingZeroCount(bits);
    }
}
