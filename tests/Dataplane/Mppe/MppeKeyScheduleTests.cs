using System.Security.Cryptography;
using CsCheck;
using PptpGw.Dataplane.Mppe;

namespace PptpGw.Tests.Dataplane.Mppe;

public class MppeKeyScheduleTests
{
    private static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    // RFC 3079 §3.5.3 SendStartKey128 (server side, "User"/"clientPass").
    private static readonly byte[] StartKey = Hex("8B 7C DC 14 9B 99 3A 1B A1 18 CB 15 3F 56 DC CB");

    [Theory]
    [InlineData(MppeKeyStrength.Bits40, 8)]
    [InlineData(MppeKeyStrength.Bits56, 8)]
    [InlineData(MppeKeyStrength.Bits128, 16)]
    public void SessionKeyLength_FollowsTheStrength(MppeKeyStrength strength, int length)
    {
        Assert.Equal(length, MppeKeySchedule.SessionKeyLength(strength));
    }

    [Fact]
    public void GetNewKeyFromSha_IsSha1OverStartPad1SessionPad2()
    {
        // RFC 3078 §7.3 / RFC 3079 §3.4, written out the long way: SHApad1 = 40 x 0x00, SHApad2 = 40 x 0xF2.
        Gen.Select(Gen.Byte.Array[16], Gen.Byte.Array[16], Gen.OneOfConst(8, 16)).Sample((start, session, length) =>
        {
            byte[] input = [.. start.AsSpan(0, length), .. new byte[40], .. session.AsSpan(0, length), .. Enumerable.Repeat((byte)0xF2, 40)];
            byte[] expected = SHA1.HashData(input)[..length];
            var actual = new byte[length];
            MppeKeySchedule.GetNewKeyFromSha(start, session, actual);
            Assert.Equal(expected, actual);
        }, iter: 100);
    }

    [Fact]
    public void ReduceKeyStrength_WritesTheSalts()
    {
        byte[] key40 = [1, 2, 3, 4, 5, 6, 7, 8];
        MppeKeySchedule.ReduceKeyStrength(key40, MppeKeyStrength.Bits40);
        Assert.Equal(new byte[] { 0xD1, 0x26, 0x9E, 4, 5, 6, 7, 8 }, key40);

        byte[] key56 = [1, 2, 3, 4, 5, 6, 7, 8];
        MppeKeySchedule.ReduceKeyStrength(key56, MppeKeyStrength.Bits56);
        Assert.Equal(new byte[] { 0xD1, 2, 3, 4, 5, 6, 7, 8 }, key56);

        byte[] key128 = [.. Enumerable.Range(1, 16).Select(i => (byte)i)];
        byte[] before = (byte[])key128.Clone();
        MppeKeySchedule.ReduceKeyStrength(key128, MppeKeyStrength.Bits128);
        Assert.Equal(before, key128);
    }

    [Fact]
    public void ChangeKey_IsRfc3078Section7_3()
    {
        // InterimKey = GetNewKeyFromSHA(StartKey, SessionKey); SessionKey = RC4(InterimKey, InterimKey); salt.
        Gen.Select(Gen.Byte.Array[16], Gen.Byte.Array[16], Gen.OneOfConst(MppeKeyStrength.Bits40, MppeKeyStrength.Bits56, MppeKeyStrength.Bits128))
            .Sample((start, current, strength) =>
            {
                int n = MppeKeySchedule.SessionKeyLength(strength);
                byte[] interim = SHA1.HashData([.. start.AsSpan(0, n), .. new byte[40], .. current.AsSpan(0, n), .. Enumerable.Repeat((byte)0xF2, 40)])[..n];
                var expected = new byte[n];
                new Rc4(interim).Transform(interim, expected);
                MppeKeySchedule.ReduceKeyStrength(expected, strength);

                byte[] sessionKey = current[..n];
                var cipher = new Rc4("anything"u8);
                MppeKeySchedule.ChangeKey(start, sessionKey, strength, ref cipher);
                Assert.Equal(expected, sessionKey);

                // The cipher is left keyed with the new session key, at the start of its stream.
                var fresh = new Rc4(sessionKey);
                var a = new byte[64];
                var b = new byte[64];
                cipher.Transform(a);
                fresh.Transform(b);
                Assert.Equal(b, a);

                // The overload without a cipher computes the same key.
                byte[] alone = current[..n];
                MppeKeySchedule.ChangeKey(start, alone, strength);
                Assert.Equal(expected, alone);
            }, iter: 100);
    }

    [Theory]
    // Initial key: RFC 3079 §3.5.1-3.5.3 SendSessionKey. The two key changes after it were computed with an
    // independent stdlib Python (hashlib SHA-1 + a textbook RC4) following RFC 3078 §7.3.
    [InlineData(MppeKeyStrength.Bits40, "d1269ec49fa62e3e", "d1269ece4d98d181", "d1269edeefbd8aff")]
    [InlineData(MppeKeyStrength.Bits56, "d15c00c49fa62e3e", "d16182a2ab481407", "d178cc274f63faf1")]
    [InlineData(MppeKeyStrength.Bits128, "405cb2247a7956e6e211007ae27b22d4", "726f10500e2b54135b1b74d7682f0471", "2805bc7869bec825573a7803e95a3acd")]
    public void InitialKeyThenTwoChanges(MppeKeyStrength strength, string initial, string first, string second)
    {
        var sessionKey = new byte[MppeKeySchedule.SessionKeyLength(strength)];
        MppeKeySchedule.DeriveInitialSessionKey(StartKey, strength, sessionKey);
        Assert.Equal(initial, Convert.ToHexStringLower(sessionKey));

        var cipher = default(Rc4);
        MppeKeySchedule.ChangeKey(StartKey, sessionKey, strength, ref cipher);
        Assert.Equal(first, Convert.ToHexStringLower(sessionKey));
        MppeKeySchedule.ChangeKey(StartKey, sessionKey, strength, ref cipher);
        Assert.Equal(second, Convert.ToHexStringLower(sessionKey));
    }

    [Fact]
    public void GetNewKeyFromSha_RejectsOtherLengths()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => MppeKeySchedule.GetNewKeyFromSha(StartKey, StartKey, new byte[12]));
        Assert.Throws<ArgumentOutOfRangeException>(() => MppeKeySchedule.GetNewKeyFromSha(StartKey.AsSpan(0, 8), StartKey, new byte[16]));
    }
}
