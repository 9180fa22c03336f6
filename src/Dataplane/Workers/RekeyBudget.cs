namespace PptpGw.Dataplane.Workers;

/// <summary>
/// How much stateless-MPPE rekeying a worker spends on coherency jumps (RFC 3078 §7.3: one key change, a SHA-1 and
/// two RC4 key schedules, ~1-2 µs, per coherency count skipped). A jump must be walked before the packet can be
/// verified, so a forged count costs up to <see cref="Mppe.MppeReceiver.MaxTentativeKeyChanges"/> changes
/// (milliseconds). Two token buckets bound it: one per session (a flood at one session cannot use the worker's
/// share) and one per worker (a flood at every session costs at most <see cref="PerWorkerPerSecond"/> changes a
/// second, and never more than <see cref="PerWorkerBurst"/> in one turn of the loop, so other sessions' packets wait
/// at most that long). The first key change of each packet is free: it is the normal cost of the next packet. Only a
/// walk whose packet fails verification is charged: a verified walk is the peer's own count advancing over packets
/// lost on the way, one key change per count it sent, as if none had been lost (issue 13: charging those let losses
/// in a full queue drain the budget and the loss feed itself). A jump is tried only when both buckets hold it.
/// A packet refused by the budget is counted (<see cref="DataplaneDropReason.MppeRekeyBudgetExhausted"/>) and
/// changes nothing; the next packet of a real client is tried again once the bucket has refilled.
/// </summary>
/// <param name="PerSessionPerSecond">Refill rate of each session's bucket, in key changes per second.</param>
/// <param name="PerSessionBurst">Capacity of each session's bucket; at least one full jump (4096) so a real jump
/// of any size recovers at the next packet.</param>
/// <param name="PerWorkerPerSecond">Refill rate of the worker's bucket.</param>
/// <param name="PerWorkerBurst">Capacity of the worker's bucket: the most rekeying one loop turn can do.</param>
public readonly record struct RekeyBudget(int PerSessionPerSecond, int PerSessionBurst, int PerWorkerPerSecond, int PerWorkerBurst)
{
    /// <summary>
    /// 8,192/s and 4,096 per session, 32,768/s and 4,096 per worker: any single jump recovers at once; at ~1.5 µs a
    /// change, a flood of forged counts costs a worker at most ~5 % of a core and delays a loop turn by at most
    /// ~6 ms.
    /// </summary>
    public static RekeyBudget Default { get; } = new(8192, 4096, 32768, 4096);
}

/// <summary>A token bucket over the worker's clock ticks (one per session in the worker's slot state, one per worker).</summary>
internal struct RekeyTokenBucket
{
    private long _tokens;
    private long _lastTicks;

    /// <summary>Starts full at <paramref name="nowTicks"/>.</summary>
    public void Reset(long capacity, long nowTicks)
    {
        _tokens = capacity;
        _lastTicks = nowTicks;
    }

    /// <summary>Refills for the time since the last refill and returns the tokens available.</summary>
    public long Available(long nowTicks, long perSecond, long capacity, long ticksPerSecond)
    {
        long elapsed = nowTicks - _lastTicks;
        if (elapsed > 0 && _tokens < capacity)
        {
            // Whole tokens only; the remainder of the interval is kept by not moving _lastTicks past it.
            long add = elapsed >= ticksPerSecond ? capacity : elapsed * perSecond / ticksPerSecond;
            if (add > 0)
            {
                _tokens = Math.Min(capacity, _tokens + add);
                _lastTicks = nowTicks;
            }
        }
        else if (_tokens >= capacity)
        {
            _lastTicks = nowTicks;
        }
        return _tokens;
    }

    /// <summary>Takes <paramref name="tokens"/> (never below zero).</summary>
    public void Spend(long tokens) => _tokens = Math.Max(0, _tokens - tokens);
}
