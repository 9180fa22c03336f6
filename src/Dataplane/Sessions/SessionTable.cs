using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace PptpGw.Dataplane.Sessions;

/// <summary>
/// The dataplane's sessions: preallocated slots 0..<see cref="Capacity"/>−1 holding each session's
/// <see cref="SessionConfig"/>, and two hash indexes that find a slot from a packet: from the outside by
/// (peer address, our call id) — the source address and the GRE key's call id of a packet from the client
/// (RFC 2637 §4.1; call ids are 16-bit, so 100,000 sessions need the peer address in the key) — and from the inside
/// by the client's tunnel address (the destination of a packet routed into the tunnel).
///
/// <para><b>Threads.</b> One writer — the control plane, one call at a time (overlapping writer calls throw) — installs,
/// changes and removes sessions. Any number of workers look sessions up concurrently, without locks, without
/// allocating, without ever waiting for the writer.</para>
///
/// <para><b>Slot indexes and handles.</b> A lookup returns a slot index; the rest of the dataplane keeps per-packet
/// state (GRE sequence numbers, RC4 state, counters) in arrays indexed by the same slot. A worker may use a slot index
/// only until its next <see cref="Quiescent"/> call (the end of its burst). Anything that outlives a burst — a
/// control frame handed up to the control plane, the control plane's own session records — uses a
/// <see cref="SessionHandle"/> (slot + generation), which the table refuses once the session is removed.</para>
///
/// <para><b>Memory-ordering argument.</b>
/// <list type="number">
/// <item>Install: the writer stores the slot's configuration, then its (odd) generation, then runs the caller's
/// <see cref="ISessionSlotInitializer"/>, and only then publishes the index entries with release stores
/// (<see cref="Volatile.Write(ref long, long)"/>). A worker reads an entry with an acquire load
/// (<see cref="Volatile.Read(ref readonly long)"/>) before it reads the slot, so a worker that finds the entry sees the
/// whole configuration and the initialized per-slot state: never a half-installed session.</item>
/// <item>Every lookup confirms the key against the slot's configuration, so a slot is only ever returned for the key
/// it holds (fingerprint collisions and concurrent changes of the tunnel address end in a miss, never a wrong slot).</item>
/// <item>Remove: the writer replaces the entries by tombstones (release), marks the generation even, then increments
/// the global epoch with <see cref="Interlocked.Increment(ref long)"/> (a full fence) to E and retires the slot with
/// E. The slot's contents are left untouched.</item>
/// <item>Reuse: a retired slot is handed to a new session only when every online worker has published, in
/// <see cref="Quiescent"/>, an observed epoch ≥ E. A worker publishes epoch e only after its burst is over (release
/// store: its reads and writes of the slot's state are complete), and every lookup it starts afterwards begins with
/// an acquire load ordered after its load of e ≥ E, so it sees the tombstones and any index swapped in before them.
/// Hence no worker can still hold, or newly obtain, the old session's slot index when the writer rewrites the slot:
/// readers never see a torn configuration and never mix two sessions' per-slot state.</item>
/// <item>Index rebuilds (to clear tombstones, or to draw a new seed) are copy-on-write: the writer fills a new array
/// and swaps the reference with a release store. A worker that loaded the old array finishes its probe there (the
/// garbage collector keeps the array alive); the old array holds no entry the new one lacks except removed ones,
/// whose slots are covered by item 4.</item>
/// <item>Offline workers (<see cref="GoOffline"/>, e.g. blocked in a receive call) do not hold back reuse;
/// <see cref="GoOnline"/> publishes the worker's epoch with a full fence before its next lookup, so either the writer
/// sees it online or the worker sees the writer's tombstones (the store-load pattern of Dekker's algorithm).</item>
/// </list></para>
///
/// <para><b>Sizing.</b> Each index has a power of two at least 2 × capacity buckets (262,144 for 100,000 sessions: 2 MB
/// each), so live entries fill at most half of it; a rebuild clears tombstones once live entries and tombstones fill
/// 5/8. Lookups stop after the index's largest displacement, so misses cost no more than the longest hit.</para>
/// </summary>
public sealed partial class SessionTable
{
    /// <summary>Most slots a table can have (4,194,304); each index then takes 64 MB.</summary>
    public const int MaxCapacity = 1 << 22;

    /// <summary>Most workers a table can track (worker indexes are <see cref="ushort"/> in <see cref="SessionConfig"/>).</summary>
    public const int MaxWorkers = 1024;

    /// <summary>
    /// An insert displaced further than this many buckets past its home makes the writer rebuild the index with a new
    /// random seed; at ≤ 5/8 occupancy random keys essentially never get there, hostile or unlucky ones do.
    /// </summary>
    public const int ProbeLengthLimit = 64;

    private const long Offline = long.MaxValue;

    // --- Read by workers. Written by the writer only as described in the class comment. ---
    private readonly SessionConfig[] _configs;
    private readonly uint[] _generations;      // odd = live, even = free or retired
    private readonly WorkerEpoch[] _workers;   // one cache line pair each: no false sharing between workers
    private SessionIndex _outside;             // swapped with Volatile.Write
    private SessionIndex _inside;
    private long _epoch;                       // removals so far; incremented with Interlocked

    // --- Writer-only state, in its own object so the writer's stores stay off the lines workers read. ---
    private readonly WriterState _w;

    /// <summary>Creates a table with every slot free and every worker online at epoch 0.</summary>
    /// <param name="capacity">Number of slots: the most sessions that can be live at once (1..<see cref="MaxCapacity"/>).</param>
    /// <param name="workerCount">Number of workers that look sessions up (1..<see cref="MaxWorkers"/>); each must call
    /// <see cref="Quiescent"/> after every burst, or <see cref="GoOffline"/> while it does not look anything up.</param>
    /// <param name="seed">Seed for the hash seeds, for reproducible tests; <c>null</c> draws them from the operating
    /// system's random number generator so peers cannot predict bucket positions.</param>
    public SessionTable(int capacity, int workerCount, ulong? seed = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, MaxCapacity);
        ArgumentOutOfRangeException.ThrowIfLessThan(workerCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(workerCount, MaxWorkers);

        _configs = new SessionConfig[capacity];
        _generations = new uint[capacity];
        _workers = new WorkerEpoch[workerCount];
        _w = new WriterState(capacity, seed);
        int size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, 2 * capacity));
        _outside = new SessionIndex(size, _w.NextSeed(), ProbeLengthLimit);
        _inside = new SessionIndex(size, _w.NextSeed(), ProbeLengthLimit);
    }

    /// <summary>Number of slots.</summary>
    public int Capacity => _configs.Length;

    /// <summary>Number of workers the table waits for before reusing a slot.</summary>
    public int WorkerCount => _workers.Length;

    /// <summary>Live sessions (exact on the writer's thread; a recent value elsewhere).</summary>
    public int Count => Volatile.Read(ref _w.Live);

    // ------------------------------------------------------------------------------------------------------------
    // Worker side: lock-free, allocation-free.
    // ------------------------------------------------------------------------------------------------------------

    /// <summary>
    /// Finds the session of a packet from the outside: <paramref name="peerAddress"/> is the IPv4 source of the GRE
    /// packet, <paramref name="callId"/> the low 16 bits of its key (our call id, RFC 2637 §4.1). The slot is valid
    /// until the worker's next <see cref="Quiescent"/>.
    /// </summary>
    public bool TryLookupOutside(uint peerAddress, ushort callId, out int slot)
    {
        SessionIndex index = Volatile.Read(ref _outside);
        ulong h = SessionIndex.Hash(OutsideKey(peerAddress, callId), index.Seed);
        uint fingerprint = (uint)h;
        long[] entries = index.Entries;
        int mask = index.Mask;
        int i = (int)(h >> index.Shift);
        int limit = Volatile.Read(ref index.MaxDisplacement);
        SessionConfig[] configs = _configs;
        for (int d = 0; d <= limit; d++)
        {
            long v = Volatile.Read(ref entries[i]);
            if (v == SessionIndex.Empty)
                break;
            if ((uint)((ulong)v >> 32) == fingerprint && v != SessionIndex.Tombstone)
            {
                int s = (int)(uint)v - 1;
                ref readonly SessionConfig c = ref configs[s];
                if (c._peerAddress == peerAddress && c._callId == callId)
                {
                    slot = s;
                    return true;
                }
            }
            i = (i + 1) & mask;
        }
        slot = -1;
        return false;
    }

    /// <summary>
    /// Finds the session of a packet from the inside: <paramref name="tunnelAddress"/> is the IPv4 destination, the
    /// address IPCP gave the client. The slot is valid until the worker's next <see cref="Quiescent"/>.
    /// </summary>
    public bool TryLookupInside(uint tunnelAddress, out int slot)
    {
        SessionIndex index = Volatile.Read(ref _inside);
        ulong h = SessionIndex.Hash(tunnelAddress, index.Seed);
        uint fingerprint = (uint)h;
        long[] entries = index.Entries;
        int mask = index.Mask;
        int i = (int)(h >> index.Shift);
        int limit = Volatile.Read(ref index.MaxDisplacement);
        SessionConfig[] configs = _configs;
        for (int d = 0; d <= limit; d++)
        {
            long v = Volatile.Read(ref entries[i]);
            if (v == SessionIndex.Empty)
                break;
            if ((uint)((ulong)v >> 32) == fingerprint && v != SessionIndex.Tombstone)
            {
                int s = (int)(uint)v - 1;
                // Volatile: TrySetTunnelAddress stores this field alone while the session is live.
                if (Volatile.Read(in configs[s]._tunnelAddress) == tunnelAddress && tunnelAddress != 0)
                {
                    slot = s;
                    return true;
                }
            }
            i = (i + 1) & mask;
        }
        slot = -1;
        return false;
    }

    /// <summary>
    /// The configuration in a slot, by reference (no copy). For a slot a lookup returned in the current burst it is
    /// the found session's, complete and stable until the worker's next <see cref="Quiescent"/>; only
    /// <see cref="SessionConfig.TunnelAddress"/> and <see cref="SessionConfig.Flags"/> can change meanwhile, each
    /// atomically (read them once per packet).
    /// </summary>
    public ref readonly SessionConfig GetConfig(int slot) => ref _configs[slot];

    /// <summary>The handle of the session now in a slot (its generation is even — a removed session — after a removal).</summary>
    public SessionHandle HandleOf(int slot) => new(slot, Volatile.Read(ref _generations[slot]));

    /// <summary>True while the session the handle names is installed.</summary>
    public bool IsCurrent(SessionHandle handle) =>
        (uint)handle.Slot < (uint)_generations.Length
        && (handle.Generation & 1) == 1
        && Volatile.Read(ref _generations[handle.Slot]) == handle.Generation;

    /// <summary>
    /// Called by a worker between bursts: it holds no slot index from before this call. Lets the writer reuse the
    /// slots of sessions removed before it. Cheap: one shared load and, when the epoch moved, one store to the worker's
    /// own cache line. Throws when the worker is offline (<see cref="GoOnline"/> first).
    /// </summary>
    public void Quiescent(int worker)
    {
        ref long mine = ref _workers[worker].Epoch;
        long seen = mine;
        if (seen == Offline)
            ThrowOffline(worker);
        long now = Volatile.Read(ref _epoch);
        if (now != seen)
            Volatile.Write(ref mine, now); // release: the burst's accesses to slots happen before
    }

    /// <summary>
    /// A worker that stops looking sessions up for a while (blocked in a receive call, parked, stopping) goes offline so
    /// it does not hold back slot reuse. It holds no slot index afterwards.
    /// </summary>
    public void GoOffline(int worker) => Volatile.Write(ref _workers[worker].Epoch, Offline);

    /// <summary>An offline worker calls this before its next lookup.</summary>
    public void GoOnline(int worker)
    {
        // Full fence (Interlocked): the store must be visible before this worker's next index loads; see the class comment.
        Interlocked.Exchange(ref _workers[worker].Epoch, Volatile.Read(ref _epoch));
    }

    /// <summary>True while the worker is online (writer-side diagnostics).</summary>
    public bool IsOnline(int worker) => Volatile.Read(ref _workers[worker].Epoch) != Offline;

    /// <summary>The inside index's current hash seed (tests build colliding key sets with it).</summary>
    internal ulong InsideSeed => Volatile.Read(ref _inside).Seed;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong OutsideKey(uint peerAddress, ushort callId) => ((ulong)peerAddress << 16) | callId;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowOffline(int worker) =>
        throw new InvalidOperationException($"worker {worker} is offline: call GoOnline before looking sessions up");

    /// <summary>A worker's last observed epoch, alone on 128 bytes (two cache lines: adjacent-line prefetch).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct WorkerEpoch
    {
        [FieldOffset(0)] public long Epoch;
    }

    private sealed class WriterState
    {
        internal int Busy;
        internal int Live;

        // Free slots, FIFO: a freed slot goes to the back, so slots are reused in least-recently-freed order.
        internal readonly int[] Free;
        internal int FreeHead;
        internal int FreeCount;

        // Retired slots with the epoch of their removal, FIFO (epochs increase along it).
        internal readonly int[] RetiredSlot;
        internal readonly long[] RetiredEpoch;
        internal int RetiredHead;
        internal int RetiredCount;

        internal long Rebuilds;
        internal long Reseeds;

        private ulong _seedState;
        private readonly bool _deterministic;

        internal WriterState(int capacity, ulong? seed)
        {
            Free = new int[capacity];
            for (int i = 0; i < capacity; i++)
                Free[i] = i;
            FreeCount = capacity;
            RetiredSlot = new int[capacity];
            RetiredEpoch = new long[capacity];
            _deterministic = seed.HasValue;
            _seedState = seed ?? 0;
        }

        /// <summary>A hash seed: SplitMix64 from the given seed, or the operating system's generator.</summary>
        internal ulong NextSeed()
        {
            if (!_deterministic)
            {
                Span<byte> bytes = stackalloc byte[8];
                RandomNumberGenerator.Fill(bytes);
                return MemoryMarshal.Read<ulong>(bytes);
            }
            ulong z = _seedState += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
