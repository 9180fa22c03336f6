namespace PptpGw.Dataplane.Sessions;

/// <summary>
/// A session as the control plane and messages that outlive a worker's burst name it: the slot index plus the slot's
/// generation at install. Slot indexes are reused; a handle whose generation is no longer the slot's
/// (<see cref="SessionTable.IsCurrent"/>) names a session that has been removed, and every table operation refuses it.
/// Within one burst a worker uses the bare slot index (see <see cref="SessionTable"/>).
/// </summary>
/// <param name="Slot">Index into the table's slots and into every per-slot array of the dataplane.</param>
/// <param name="Generation">The slot's generation while this session lives: odd, never 0.</param>
public readonly record struct SessionHandle(int Slot, uint Generation)
{
    /// <summary>The handle of no session (<c>default</c>): generation 0 is never a live generation.</summary>
    public static SessionHandle None => default;

    /// <summary>True for <see cref="None"/>.</summary>
    public bool IsNone => Generation == 0;

    /// <summary>The handle in one 64-bit word (generation high, slot low), for ring messages.</summary>
    public ulong ToUInt64() => ((ulong)Generation << 32) | (uint)Slot;

    /// <summary>The inverse of <see cref="ToUInt64"/>.</summary>
    public static SessionHandle FromUInt64(ulong value) => new((int)(uint)value, (uint)(value >> 32));
}

/// <summary>Why <see cref="SessionTable.TryInstall(in SessionConfig, out SessionHandle)"/> refused a session.</summary>
public enum SessionInstallError
{
    /// <summary>Installed: the session can be found from the outside (and from the inside when it has a tunnel address).</summary>
    None = 0,

    /// <summary>Every slot holds a live session.</summary>
    TableFull,

    /// <summary>
    /// No slot is free now, but removed sessions' slots will be once every worker has passed a quiescent point
    /// (<see cref="SessionTable.Quiescent"/>); a worker that stopped calling it without going offline holds them back.
    /// </summary>
    AwaitingQuiescence,

    /// <summary>A live session already has this (peer address, call id): the call id allocator and the table disagree.</summary>
    DuplicateOutsideKey,

    /// <summary>A live session already has this tunnel address: the address pool and the table disagree.</summary>
    DuplicateInsideKey,
}

/// <summary>Why <see cref="SessionTable.TrySetTunnelAddress"/> refused a change.</summary>
public enum SessionUpdateError
{
    /// <summary>Changed (or already so).</summary>
    None = 0,

    /// <summary>The handle names a session that has been removed (or never existed).</summary>
    StaleHandle,

    /// <summary>Another live session has this tunnel address.</summary>
    DuplicateInsideKey,
}

/// <summary>
/// Resets a slot's per-packet state (in the arrays other parts of the dataplane keep, indexed by slot) while the
/// slot is being installed: after its <see cref="SessionConfig"/> is written and before any worker can find it, so a
/// worker never sees a new session with the previous occupant's GRE sequence numbers or RC4 state.
/// </summary>
public interface ISessionSlotInitializer
{
    /// <summary>Called once, on the writer's thread, for the slot of the session being installed.</summary>
    void InitializeSlot(int slot, in SessionConfig config);
}

/// <summary>
/// A snapshot of a <see cref="SessionTable"/>'s bookkeeping, taken on the writer's side.
/// </summary>
/// <param name="Live">Installed sessions.</param>
/// <param name="Retired">Removed sessions whose slots wait for every worker to pass a quiescent point.</param>
/// <param name="Free">Slots ready for a new session.</param>
/// <param name="OutsideTombstones">Removed entries still marked in the outside index (cleared by a rebuild).</param>
/// <param name="InsideTombstones">Removed entries still marked in the inside index.</param>
/// <param name="OutsideMaxProbeLength">Most entries of the outside index a lookup reads, hit or miss (1 + the largest
/// displacement any entry of the current index array has had; 1 = every key in its home bucket).</param>
/// <param name="InsideMaxProbeLength">The same for the inside index.</param>
/// <param name="IndexSize">Buckets in each index (a power of two at least twice the capacity).</param>
/// <param name="Rebuilds">Copy-on-write rebuilds of either index so far (tombstone clean-ups and reseeds).</param>
/// <param name="Reseeds">Rebuilds that drew a new hash seed because an insert probed further than allowed.</param>
/// <param name="Epoch">Removals so far: the epoch workers acknowledge in <see cref="SessionTable.Quiescent"/>.</param>
public readonly record struct SessionTableStatistics(
    int Live, int Retired, int Free,
    int OutsideTombstones, int InsideTombstones,
    int OutsideMaxProbeLength, int InsideMaxProbeLength, int IndexSize,
    long Rebuilds, long Reseeds, long Epoch);
