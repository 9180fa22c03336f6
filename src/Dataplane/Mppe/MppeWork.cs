namespace PptpGw.Dataplane.Mppe;

/// <summary>
/// What remains to be done for one packet after its header and key bookkeeping ran (the "prepare" step):
/// optionally key a cipher, then run RC4 over the protected data. Splitting the two lets the burst paths
/// (<see cref="MppeBurst"/>) do the ordered bookkeeping first and the RC4 work of independent streams interleaved.
/// </summary>
internal unsafe struct MppeWork
{
    /// <summary>0: continue the session's cipher as it is. 8 or 16: key the cipher with <see cref="Key"/> first.</summary>
    public int KeyLength;

    /// <summary>
    /// True: the session's own cipher (stateful mode, whose keystream runs across packets). False: a cipher used for
    /// this packet alone (stateless mode: every packet starts from a fresh key schedule).
    /// </summary>
    public bool UsesSessionCipher;

    /// <summary>
    /// Stateless, burst only: the one key change this packet needs was left for the burst to run, paired with
    /// another session's (<see cref="MppeRekey.ChangeKey2"/>); <see cref="Key"/> is filled in then.
    /// </summary>
    public bool KeyChangeDeferred;

    /// <summary>The key snapshot: the session key as it was for this packet (later packets may change it).</summary>
    public fixed byte Key[MppeKeySchedule.LongKeyLength];

    /// <summary>Overwrites the key snapshot.</summary>
    public void Clear()
    {
        KeyLength = 0;
        fixed (byte* key = Key)
            new Span<byte>(key, MppeKeySchedule.LongKeyLength).Clear();
    }
}
