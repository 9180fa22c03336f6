namespace PptpGw.Dataplane.Gre;

/// <summary>
/// What <see cref="GreReceiveState.Receive"/> did with the packet it was given. Whatever the result, the handles
/// written to the delivery span (possibly older packets released by the same call) go up the stack in that order.
/// </summary>
public enum GreReceiveResult
{
    /// <summary>The packet was the next expected one and was delivered (after any packets it released).</summary>
    Delivered = 0,
    /// <summary>The packet is ahead of a gap and was kept in the reorder buffer; the receiver now owns its handle.</summary>
    Held,
    /// <summary>Dropped: the same Sequence Number was already delivered or is already held. The caller frees it.</summary>
    Duplicate,
    /// <summary>Dropped: older than the next expected packet and not a known duplicate (it arrived after its gap was
    /// given up, or further back than the duplicate history reaches). The caller frees it.</summary>
    TooOld,
    /// <summary>Dropped: at least the receive window we advertised (RFC 2637 §2.8/§2.9 Packet Receive Window Size)
    /// ahead of the next expected packet, which a conforming peer never sends (RFC 2637 §4.2). The caller frees it.</summary>
    BeyondWindow,
    /// <summary>An acknowledgment-only packet (S clear, RFC 2637 §4.1): nothing to deliver; the caller frees it.</summary>
    AcknowledgmentOnly,
}
