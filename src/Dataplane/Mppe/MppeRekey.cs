using System.Runtime.CompilerServices;

namespace PptpGw.Dataplane.Mppe;

/// <summary>
/// The hot-path form of <see cref="MppeKeySchedule.ChangeKey(ReadOnlySpan{byte}, Span{byte}, MppeKeyStrength)"/>
/// (RFC 3078 §7.3) over raw key memory: the fast SHA-1 (<see cref="MppeSha1"/>), the mask-indexed key schedule,
/// no argument checks (the callers hold validated state). Same result, octet for octet; the tests compare them.
/// </summary>
internal static unsafe class MppeRekey
{
    private const int PadLength = 40;

    /// <summary>
    /// GetNewKeyFromSHA (RFC 3079 §2.4/§3.4): SHA-1(StartKey | 40 x 00 | SessionKey | 40 x F2), first
    /// <paramref name="keyLength"/> octets into <paramref name="interim"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void GetNewKeyFromSha(byte* startKey, byte* sessionKey, int keyLength, byte* interim)
    {
        // 16 + 40 + 16 + 40 = 112 octets at most: two SHA-1 blocks once padded.
        byte* input = stackalloc byte[2 * MppeKeySchedule.LongKeyLength + 2 * PadLength];
        int length = 2 * keyLength + 2 * PadLength;
        Unsafe.CopyBlockUnaligned(input, startKey, (uint)keyLength);
        Unsafe.InitBlockUnaligned(input + keyLength, 0x00, PadLength);
        Unsafe.CopyBlockUnaligned(input + keyLength + PadLength, sessionKey, (uint)keyLength);
        Unsafe.InitBlockUnaligned(input + 2 * keyLength + PadLength, 0xF2, PadLength);
        byte* digest = stackalloc byte[MppeSha1.DigestLength];
        MppeSha1.Hash(input, length, digest);
        Unsafe.CopyBlockUnaligned(interim, digest, (uint)keyLength);
        Unsafe.InitBlockUnaligned(input, 0, (uint)length);
        Unsafe.InitBlockUnaligned(digest, 0, MppeSha1.DigestLength);
    }

    /// <summary>
    /// One key change (RFC 3078 §7.3) of the session key in place: InterimKey = GetNewKeyFromSHA(StartKey,
    /// SessionKey); SessionKey = RC4(InterimKey) applied to InterimKey; salt for 40/56 bits. The cipher that will
    /// use the new key is keyed by the caller (it may be a different state, or keyed later).
    /// </summary>
    [SkipLocalsInit] // the scratch S-boxes are written whole by the key schedule (and wiped after)
    public static void ChangeKey(byte* startKey, byte* sessionKey, int keyLength, MppeKeyStrength strength)
    {
        byte* interim = stackalloc byte[MppeKeySchedule.LongKeyLength];
        GetNewKeyFromSha(startKey, sessionKey, keyLength, interim);
        Rc4 scratch;
        Rc4.SetKeyMppe(&scratch, interim, keyLength);
        Unsafe.CopyBlockUnaligned(sessionKey, interim, (uint)keyLength);
        Rc4.Transform1(&scratch, sessionKey, keyLength);
        ReduceKeyStrength(sessionKey, strength);
        Unsafe.InitBlockUnaligned(interim, 0, MppeKeySchedule.LongKeyLength);
        Unsafe.InitBlockUnaligned(&scratch, 0, (uint)sizeof(Rc4));
    }

    /// <summary>
    /// Two key changes of two different sessions at once: the two SHA-1s, then the two interim-key RC4 schedules
    /// interleaved (<see cref="Rc4.SetKeyMppe2"/>), which is where a stateless key change spends most of its time.
    /// </summary>
    [SkipLocalsInit]
    public static void ChangeKey2(
        byte* startKeyA, byte* sessionKeyA, int keyLengthA, MppeKeyStrength strengthA,
        byte* startKeyB, byte* sessionKeyB, int keyLengthB, MppeKeyStrength strengthB)
    {
        byte* interimA = stackalloc byte[MppeKeySchedule.LongKeyLength];
        byte* interimB = stackalloc byte[MppeKeySchedule.LongKeyLength];
        GetNewKeyFromSha(startKeyA, sessionKeyA, keyLengthA, interimA);
        GetNewKeyFromSha(startKeyB, sessionKeyB, keyLengthB, interimB);
        Rc4 scratchA, scratchB;
        Rc4.SetKeyMppe2(&scratchA, interimA, keyLengthA, &scratchB, interimB, keyLengthB);
        Unsafe.CopyBlockUnaligned(sessionKeyA, interimA, (uint)keyLengthA);
        Unsafe.CopyBlockUnaligned(sessionKeyB, interimB, (uint)keyLengthB);
        Rc4.Transform1(&scratchA, sessionKeyA, keyLengthA);
        Rc4.Transform1(&scratchB, sessionKeyB, keyLengthB);
        ReduceKeyStrength(sessionKeyA, strengthA);
        ReduceKeyStrength(sessionKeyB, strengthB);
        Unsafe.InitBlockUnaligned(interimA, 0, MppeKeySchedule.LongKeyLength);
        Unsafe.InitBlockUnaligned(interimB, 0, MppeKeySchedule.LongKeyLength);
        Unsafe.InitBlockUnaligned(&scratchA, 0, (uint)sizeof(Rc4));
        Unsafe.InitBlockUnaligned(&scratchB, 0, (uint)sizeof(Rc4));
    }

    /// <summary>
    /// Four key changes of four different sessions at once (the stateless burst): the four SHA-1s, the four interim-key
    /// schedules in one loop (<see cref="Rc4.SetKeyMppe4"/>) and their 8 or 16 octets of keystream interleaved.
    /// <paramref name="scratch"/> is four contiguous states, left keyed with the interim keys: the caller wipes them
    /// (once per burst, not once per key change).
    /// </summary>
    [SkipLocalsInit]
    public static void ChangeKey4(byte** startKeys, byte** sessionKeys, int* keyLengths, MppeKeyStrength* strengths, Rc4* scratch)
    {
        byte* interim = stackalloc byte[4 * MppeKeySchedule.LongKeyLength];
        for (int c = 0; c < 4; c++)
        {
            byte* key = interim + c * MppeKeySchedule.LongKeyLength;
            GetNewKeyFromSha(startKeys[c], sessionKeys[c], keyLengths[c], key);
            if (keyLengths[c] == MppeKeySchedule.ShortKeyLength)
                Unsafe.CopyBlockUnaligned(key + MppeKeySchedule.ShortKeyLength, key, MppeKeySchedule.ShortKeyLength); // the same schedule
        }
        FromInterimKeys4(interim, sessionKeys, keyLengths, strengths, scratch);
        Unsafe.InitBlockUnaligned(interim, 0, 4 * MppeKeySchedule.LongKeyLength);
    }

    /// <summary>
    /// <paramref name="count"/> (8 or 16, at most <see cref="MppeSha1x8.Lanes"/>) key changes of different sessions at
    /// once: their SHA-1s in the lanes of one multi-buffer SHA-1 (<see cref="MppeSha1x8"/>; libcrypto one at a time where
    /// it is not accelerated), then four-way groups as in <see cref="ChangeKey4"/>. <paramref name="scratch"/>: four
    /// contiguous states, left keyed (the caller wipes them).
    /// </summary>
    [SkipLocalsInit]
    public static void ChangeKeys(int count, byte** startKeys, byte** sessionKeys, int* keyLengths, MppeKeyStrength* strengths, Rc4* scratch)
    {
        if (!MppeSha1x8.IsAccelerated)
        {
            for (int c = 0; c < count; c += 4)
                ChangeKey4(startKeys + c, sessionKeys + c, keyLengths + c, strengths + c, scratch);
            return;
        }
        byte* interim = stackalloc byte[16 * MppeKeySchedule.LongKeyLength];
        MppeSha1x8.GetNewKeysFromSha(startKeys, sessionKeys, keyLengths, count, interim);
        for (int c = 0; c < count; c += 4)
            FromInterimKeys4(interim + c * MppeKeySchedule.LongKeyLength, sessionKeys + c, keyLengths + c, strengths + c, scratch);
        Unsafe.InitBlockUnaligned(interim, 0, (uint)(count * MppeKeySchedule.LongKeyLength));
    }

    // RFC 3078 §7.3's second half for four sessions: SessionKey = RC4(InterimKey) applied to InterimKey, then the
    // salt. interim: four 16-octet keys (an 8-octet key written twice).
    [SkipLocalsInit]
    private static void FromInterimKeys4(byte* interim, byte** sessionKeys, int* keyLengths, MppeKeyStrength* strengths, Rc4* scratch)
    {
        byte* keystream = stackalloc byte[4 * MppeKeySchedule.LongKeyLength];
        Rc4.SetKeyMppe4(scratch, interim);
        Rc4.Keystream16x4(scratch, keystream);
        for (int c = 0; c < 4; c++)
        {
            byte* key = interim + c * MppeKeySchedule.LongKeyLength;
            byte* stream = keystream + c * MppeKeySchedule.LongKeyLength;
            for (int n = 0; n < keyLengths[c]; n++)
                sessionKeys[c][n] = (byte)(key[n] ^ stream[n]);
            ReduceKeyStrength(sessionKeys[c], strengths[c]);
        }
        Unsafe.InitBlockUnaligned(keystream, 0, 4 * MppeKeySchedule.LongKeyLength);
    }

    /// <summary>RFC 3078 §7.3 salts: D1 26 9E for 40 bits, D1 for 56 bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ReduceKeyStrength(byte* sessionKey, MppeKeyStrength strength)
    {
        if (strength == MppeKeyStrength.Bits40)
        {
            sessionKey[0] = 0xD1;
            sessionKey[1] = 0x26;
            sessionKey[2] = 0x9E;
        }
        else if (strength == MppeKeyStrength.Bits56)
        {
            sessionKey[0] = 0xD1;
        }
    }
}
