using System.Security.Cryptography;

namespace PptpGw.Dataplane.Mppe;

/// <summary>MPPE session key strength negotiated in CCP option 18 (RFC 3078 §2.1: the L, M and S bits).</summary>
public enum MppeKeyStrength
{
    /// <summary>40-bit: 8-octet keys whose first three octets are the salt D1 26 9E (RFC 3078 §7.3).</summary>
    Bits40 = 40,
    /// <summary>56-bit: 8-octet keys whose first octet is the salt D1 (RFC 3078 §7.3).</summary>
    Bits56 = 56,
    /// <summary>128-bit: 16-octet keys, no salt.</summary>
    Bits128 = 128,
}

/// <summary>
/// The MPPE session key schedule: the initial session key from a start key (RFC 3079 §2, §3) and every key
/// change after it (RFC 3078 §7.3). This is what the dataplane calls when it rekeys.
/// </summary>
public static class MppeKeySchedule
{
    /// <summary>Octets in a 40- or 56-bit session key.</summary>
    public const int ShortKeyLength = 8;
    /// <summary>Octets in a 128-bit session key.</summary>
    public const int LongKeyLength = 16;

    private const int PadLength = 40;
    private const int Sha1Length = 20;

    /// <summary>8 for 40- and 56-bit keys, 16 for 128-bit keys (RFC 3079 §2.1-2.3, §3.1-3.3).</summary>
    public static int SessionKeyLength(MppeKeyStrength strength) => strength switch
    {
        MppeKeyStrength.Bits40 or MppeKeyStrength.Bits56 => ShortKeyLength,
        MppeKeyStrength.Bits128 => LongKeyLength,
        _ => throw new ArgumentOutOfRangeException(nameof(strength), strength, "Not an MPPE key strength."),
    };

    /// <summary>
    /// GetNewKeyFromSHA (RFC 3079 §2.4, §3.4; RFC 3078 §7.3): the first <c>interimKey.Length</c> (8 or 16) octets of
    /// SHA-1(StartKey | SHApad1 | SessionKey | SHApad2), where SHApad1 is 40 zero octets, SHApad2 40 octets of
    /// 0xF2, and StartKey and SessionKey contribute their first <c>interimKey.Length</c> octets.
    /// </summary>
    public static void GetNewKeyFromSha(ReadOnlySpan<byte> startKey, ReadOnlySpan<byte> sessionKey, Span<byte> interimKey)
    {
        int length = interimKey.Length;
        if (length is not (ShortKeyLength or LongKeyLength))
            throw new ArgumentOutOfRangeException(nameof(interimKey), length, "MPPE keys are 8 or 16 octets.");
        ArgumentOutOfRangeException.ThrowIfLessThan(startKey.Length, length, nameof(startKey));
        ArgumentOutOfRangeException.ThrowIfLessThan(sessionKey.Length, length, nameof(sessionKey));

        Span<byte> input = stackalloc byte[2 * LongKeyLength + 2 * PadLength];
        input = input[..(2 * length + 2 * PadLength)];
        startKey[..length].CopyTo(input);
        input.Slice(length, PadLength).Clear();
        sessionKey[..length].CopyTo(input[(length + PadLength)..]);
        input[(2 * length + PadLength)..].Fill(0xF2);

        Span<byte> digest = stackalloc byte[Sha1Length];
        SHA1.HashData(input, digest);
        digest[..length].CopyTo(interimKey);
        CryptographicOperations.ZeroMemory(input);
        CryptographicOperations.ZeroMemory(digest);
    }

    /// <summary>
    /// Reduces a key to its negotiated strength (RFC 3078 §7.3, RFC 3079 §2.1, §2.2, §3.1, §3.2): a 40-bit key gets
    /// the salt D1 26 9E in octets 0-2, a 56-bit key D1 in octet 0; a 128-bit key is left alone.
    /// </summary>
    public static void ReduceKeyStrength(Span<byte> sessionKey, MppeKeyStrength strength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sessionKey.Length, SessionKeyLength(strength), nameof(sessionKey));
        switch (strength)
        {
            case MppeKeyStrength.Bits40:
                sessionKey[0] = 0xD1;
                sessionKey[1] = 0x26;
                sessionKey[2] = 0x9E;
                break;
            case MppeKeyStrength.Bits56:
                sessionKey[0] = 0xD1;
                break;
        }
    }

    /// <summary>
    /// The first session key of a direction (RFC 3079 §2.1-2.3, §3.1-3.3): GetNewKeyFromSHA(StartKey, StartKey),
    /// then <see cref="ReduceKeyStrength"/>. No RC4 step: that belongs to the later key changes only.
    /// </summary>
    /// <param name="startKey">The direction's start key (e.g. MasterSendKey); at least the session key length.</param>
    /// <param name="sessionKey">Receives exactly <see cref="SessionKeyLength"/> octets.</param>
    public static void DeriveInitialSessionKey(ReadOnlySpan<byte> startKey, MppeKeyStrength strength, Span<byte> sessionKey)
    {
        int length = SessionKeyLength(strength);
        ArgumentOutOfRangeException.ThrowIfLessThan(sessionKey.Length, length, nameof(sessionKey));
        GetNewKeyFromSha(startKey, startKey, sessionKey[..length]);
        ReduceKeyStrength(sessionKey, strength);
    }

    /// <summary>
    /// One key change (RFC 3078 §7.3): InterimKey = GetNewKeyFromSHA(StartKey, SessionKey); the new SessionKey is
    /// InterimKey encrypted with RC4 keyed by InterimKey, then reduced to strength; finally <paramref name="cipher"/>
    /// is keyed with the new SessionKey, ready for the packet that triggered the change.
    /// </summary>
    /// <param name="startKey">The direction's start key, unchanged for the life of the session.</param>
    /// <param name="sessionKey">The current session key (<see cref="SessionKeyLength"/> octets), replaced in place.</param>
    public static void ChangeKey(ReadOnlySpan<byte> startKey, Span<byte> sessionKey, MppeKeyStrength strength, ref Rc4 cipher)
    {
        NextSessionKey(startKey, sessionKey, strength, ref cipher);
        cipher.SetKey(sessionKey[..SessionKeyLength(strength)]);
    }

    /// <summary>One key change (RFC 3078 §7.3) of <paramref name="sessionKey"/> alone, without a cipher to rekey.</summary>
    public static void ChangeKey(ReadOnlySpan<byte> startKey, Span<byte> sessionKey, MppeKeyStrength strength)
    {
        var scratch = default(Rc4);
        NextSessionKey(startKey, sessionKey, strength, ref scratch);
        scratch = default; // the scratch S-box was keyed with the interim key
    }

    private static void NextSessionKey(ReadOnlySpan<byte> startKey, Span<byte> sessionKey, MppeKeyStrength strength, ref Rc4 rc4)
    {
        int length = SessionKeyLength(strength);
        ArgumentOutOfRangeException.ThrowIfLessThan(sessionKey.Length, length, nameof(sessionKey));
        Span<byte> interim = stackalloc byte[length];
        GetNewKeyFromSha(startKey, sessionKey, interim);
        rc4.SetKey(interim);
        rc4.Transform(interim, sessionKey[..length]);
        ReduceKeyStrength(sessionKey, strength);
        CryptographicOperations.ZeroMemory(interim);
    }
}
