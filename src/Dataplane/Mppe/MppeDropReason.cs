namespace PptpGw.Dataplane.Mppe;

/// <summary>
/// Why an MPPE operation refused a packet. <see cref="None"/> is success. Every other value is counted per
/// direction (<see cref="MppeReceiver.GetDropCount"/>, <see cref="MppeSender.GetDropCount"/>).
/// </summary>
public enum MppeDropReason : byte
{
    /// <summary>The packet was encrypted / decrypted.</summary>
    None = 0,

    /// <summary>The state was never initialised (no keys): a packet for a session without MPPE up.</summary>
    NotInitialized,

    /// <summary>Shorter than the 2-octet MPPE header plus at least one octet of protected data (RFC 3078 §3).</summary>
    TooShort,

    /// <summary>Bit D (encrypted) clear (RFC 3078 §3): MPPE was negotiated, so clear text is refused.</summary>
    NotEncrypted,

    /// <summary>Bit B or C set (RFC 2118 §3.1): MPPC compression, which this gateway never negotiates.</summary>
    UnexpectedCompression,

    /// <summary>
    /// Stateless: the coherency count is further ahead than <see cref="MppeReceiver.MaxKeyChangesPerPacket"/> key
    /// changes. The packet is dropped after spending at most that many key changes on a bounded catch-up
    /// towards its count (see <see cref="MppeReceiver"/>).
    /// </summary>
    CoherencyJumpTooLarge,

    /// <summary>
    /// Behind the receiver: stateless, older than the cache of recent keys (<see cref="MppeReceiver.LateKeyCacheSize"/>);
    /// stateful, any packet at or before the last one decrypted (its keystream is already consumed).
    /// </summary>
    TooLate,

    /// <summary>
    /// Stateful: a gap in the coherency count (RFC 3078 §8: packets lost). The receiver entered the resync state;
    /// the worker must ask the control plane to send a CCP Reset-Request (RFC 1962 §2.1).
    /// </summary>
    StatefulPacketLoss,

    /// <summary>Stateful: waiting for a packet with the flushed bit (A) after a loss; packets without it are dropped.</summary>
    StatefulResyncPending,

    /// <summary>
    /// The packet decrypted (tentatively, on a copy of the key state) to something that is not a well-formed IPv4
    /// frame (<see cref="MppePlaintext.IsWellFormed"/>): a forgery, a wrong coherency count or corruption. No
    /// state was changed: key, coherency count, RC4 stream and late-key cache are as before the packet.
    /// </summary>
    VerificationFailed,

    /// <summary>
    /// The packet needs more key changes (a coherency jump, RFC 3078 §7.3) than the caller's budget allows now
    /// (see the worker's per-session and per-worker rekey budgets). Nothing was computed or changed; a later
    /// packet is tried again once the budget refills.
    /// </summary>
    RekeyBudgetExhausted,
}
