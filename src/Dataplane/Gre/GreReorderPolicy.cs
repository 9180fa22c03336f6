namespace PptpGw.Dataplane.Gre;

/// <summary>
/// How a worker's sessions wait for out-of-order GRE packets (RFC 2637 §4.3 lets a receiver either discard
/// out-of-sequence packets or "temporarily queue and reorder" them; we queue, boundedly).
/// One value per worker, passed by reference on every call so the per-session state stays small.
/// </summary>
public readonly struct GreReorderPolicy
{
    /// <summary>Most packets a session can hold (<see cref="GreReceiveState.MaxReorderDepth"/>, 15).</summary>
    public const int MaxDepth = GreReceiveState.MaxReorderDepth;

    /// <summary>Default wait for a missing packet: 3 ms, long enough for parallel-path reordering on real
    /// networks (sub-millisecond to a few ms) and short next to an RTT-sized TCP retransmit timer.</summary>
    public static readonly TimeSpan DefaultMaxWait = TimeSpan.FromMilliseconds(3);

    /// <summary>Default number of consecutive beyond-window packets that resynchronize the receiver.</summary>
    public const int DefaultResyncThreshold = 4;

    /// <summary>
    /// Creates a policy.
    /// </summary>
    /// <param name="depth">
    /// How many packets ahead of the next expected one a session may hold (0..15). A packet further ahead makes the
    /// receiver give up on the oldest gaps to make room. 0 disables reordering: every forward jump is taken at once
    /// and the skipped numbers are counted lost (what the Linux kernel's pptp does).
    /// </param>
    /// <param name="maxWaitTicks">How long, in the caller's tick unit, a gap may hold back later packets (&gt; 0).</param>
    /// <param name="resyncThreshold">
    /// After this many consecutive beyond-window packets the receiver accepts the next one as its new position
    /// (0 = never). Without it a burst loss of a whole window, or a peer that skipped ahead after its own
    /// acknowledgment time-out (RFC 2637 §4.4), would leave every later packet beyond the window forever.
    /// </param>
    public GreReorderPolicy(int depth, long maxWaitTicks, int resyncThreshold = DefaultResyncThreshold)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(depth);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(depth, MaxDepth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxWaitTicks);
        ArgumentOutOfRangeException.ThrowIfNegative(resyncThreshold);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(resyncThreshold, ushort.MaxValue);
        Depth = depth;
        MaxWaitTicks = maxWaitTicks;
        ResyncThreshold = resyncThreshold;
    }

    /// <summary>Reorder depth in packets, 0..<see cref="MaxDepth"/>.</summary>
    public int Depth { get; }
    /// <summary>Longest wait for a gap, in the tick unit of the <c>nowTicks</c> arguments.</summary>
    public long MaxWaitTicks { get; }
    /// <summary>Consecutive beyond-window packets that force a resynchronization; 0 = never.</summary>
    public int ResyncThreshold { get; }

    /// <summary>
    /// The default policy (depth 15, 3 ms, resynchronize after 4) for ticks of the given frequency
    /// (e.g. <see cref="System.Diagnostics.Stopwatch.Frequency"/>).
    /// </summary>
    public static GreReorderPolicy Default(long ticksPerSecond)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ticksPerSecond);
        return new GreReorderPolicy(MaxDepth, Math.Max(1, ticksPerSecond * 3 / 1000), DefaultResyncThreshold);
    }
}
