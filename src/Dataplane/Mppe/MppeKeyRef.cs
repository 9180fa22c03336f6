namespace PptpGw.Dataplane.Mppe;

/// <summary>
/// Where a session's MPPE keys lie (RFC 3078 §7.3: the start key, the current session key, changed in place; 16
/// readable octets each), with the key's length and strength: what a batched key change (<see cref="MppeRekey"/>) reads.
/// </summary>
internal readonly unsafe struct MppeKeyRef(byte* startKey, byte* sessionKey, int keyLength, MppeKeyStrength strength)
{
    public byte* StartKey { get; } = startKey;

    public byte* SessionKey { get; } = sessionKey;

    public int KeyLength { get; } = keyLength;

    public MppeKeyStrength Strength { get; } = strength;
}
