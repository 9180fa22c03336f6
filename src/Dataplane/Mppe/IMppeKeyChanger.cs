namespace PptpGw.Dataplane.Mppe;

/// <summary>
/// What the burst stage needs of a session's MPPE state to run its deferred stateless key change (RFC 3078 §7.3)
/// batched with other sessions': the keys it changes, and the bookkeeping after. Both directions' states
/// (<see cref="MppeSender"/>, <see cref="MppeReceiver"/>) implement it with static members, so one generic body in
/// <see cref="MppeBurst"/> serves both with no virtual call.
/// </summary>
internal unsafe interface IMppeKeyChanger<TSelf>
    where TSelf : unmanaged, IMppeKeyChanger<TSelf>
{
    /// <summary>The start key, the session key (changed in place; 16 readable octets each), its length and strength.</summary>
    static abstract MppeKeyRef Key(TSelf* state);

    /// <summary>Called once the session key has changed: counts the change and fills the packet's key snapshot.</summary>
    static abstract void Finish(TSelf* state, MppeWork* work);
}
