namespace PptpGw.Dataplane.Mppe;

/// <summary>
/// What a stateful burst changes in an <see cref="MppeReceiver"/> besides its RC4 stream, when none of the burst's
/// packets changes the key: coherency count, resync flag and counters (~150 octets, against the 1.5 KB of a whole
/// receiver). Taken with <see cref="MppeReceiver.Mark"/> before the burst; <see cref="MppeReceiver.RollBack"/> restores
/// it after the stream was run backwards over the packets (<see cref="MppeReceiver.RewindDecrypted"/>).
/// </summary>
/// <remarks>No key material: the session key does not change in such a burst, and i, j only locate the stream.</remarks>
internal unsafe struct MppeReceiverMark
{
    internal ulong Packets;
    internal ulong KeyChanges;
    internal ulong Resyncs;
    internal ulong LateDecrypted;
    internal fixed ulong Drops[MppeCounters.ReasonCount];
    internal ushort CoherencyCount;
    internal bool ResyncPending;
    internal bool Valid;
}
