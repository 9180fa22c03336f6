using CsCheck;
using PptpGw.Dataplane.Mppe;

namespace PptpGw.Tests.Dataplane.Mppe;

/// <summary>
/// The multi-buffer GetNewKeyFromSHA (<see cref="MppeSha1x8"/>) and the bursts built on it (the 8- and 16-way key changes themselves: <c>MppeBurstTests.KeyChangesAtOnce_EqualMppeKeySchedule</c>): every lane
/// against SHA-1 of the RFC 3079 §2.4 message (libcrypto and .NET, themselves checked against FIPS 180-4's vectors),
/// and bursts of many stateless sessions against one packet at a time.
/// </summary>
public unsafe class MppeSha1x8Tests
{
    private static readonly Gen<MppeKeyStrength> Strength = Gen.OneOfConst(MppeKeyStrength.Bits40, MppeKeyStrength.Bits56, MppeKeyStrength.Bits128);

    [Fact]
    public void ReferenceSha1s_MatchFips180Vectors()
    {
        // FIPS 180-4 / RFC 3174 §7.3 test 1 and 2: the references the lanes are compared with.
        (string Message, string Digest)[] vectors =
        [
            ("abc", "A9993E364706816ABA3E25717850C26C9CD0D89D"),
            ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "84983E441C3BD26EBAAE4AA1F95129E5E54670F1"),
        ];
        foreach (var (message, hex) in vectors)
        {
            byte[] input = System.Text.Encoding.ASCII.GetBytes(message);
            Assert.Equal(hex, Convert.ToHexString(System.Security.Cryptography.SHA1.HashData(input)));
            var digest = new byte[20];
            fixed (byte* i = input)
            fixed (byte* d = digest)
                MppeSha1.HashNative(i, input.Length, d);
            Assert.Equal(hex, Convert.ToHexString(digest));
        }
    }

    [Fact]
    public void EveryLane_EqualsSha1OfTheMppeMessage()
    {
        Assert.True(MppeSha1x8.IsAccelerated, "AVX2 is expected on the build machine");
        // Both widths where the host has AVX-512 (16 lanes), else the 8-lane form twice.
        bool wideToo = MppeSha1x8.Lanes == 16;
        Gen.Select(Gen.Byte.Array[32].Array[16], Gen.Bool.Array[16], Gen.Int[1, 16], Gen.Bool).Sample((keys, shortKeys, count, tryWide) =>
        {
            bool wide = wideToo && tryWide;
            if (!wide)
                count = 1 + (count - 1) % 8;
            byte* block = stackalloc byte[16 * 32];
            byte** starts = stackalloc byte*[16];
            byte** sessions = stackalloc byte*[16];
            int* lengths = stackalloc int[16];
            byte* interim = stackalloc byte[16 * 16];
            byte* one = stackalloc byte[16];
            for (int l = 0; l < 16; l++)
            {
                keys[l].CopyTo(new Span<byte>(block + 32 * l, 32));
                starts[l] = block + 32 * l;
                sessions[l] = block + 32 * l + 16;
                lengths[l] = shortKeys[l] ? 8 : 16;
            }
            MppeSha1x8.GetNewKeysFromSha(starts, sessions, lengths, count, interim, wide);
            for (int l = 0; l < count; l++)
            {
                int n = lengths[l];
                // RFC 3079 §2.4: SHA1(StartKey | SHApad1 (40 x 00) | SessionKey | SHApad2 (40 x F2)).
                byte[] message = [.. keys[l].AsSpan(0, n), .. new byte[40], .. keys[l].AsSpan(16, n), .. Enumerable.Repeat((byte)0xF2, 40)];
                byte[] expected = System.Security.Cryptography.SHA1.HashData(message);
                var native = new byte[20];
                fixed (byte* m = message)
                fixed (byte* d = native)
                    MppeSha1.HashNative(m, message.Length, d);
                Assert.Equal(expected, native);
                var lane = new ReadOnlySpan<byte>(interim + 16 * l, 16).ToArray();
                Assert.Equal(expected.AsSpan(0, n).ToArray(), lane[..n]);
                if (n == 8)
                    Assert.Equal(lane[..8], lane[8..]); // the form SetKeyMppe4 takes
                MppeRekey.GetNewKeyFromSha(starts[l], sessions[l], n, one);
                Assert.Equal(new ReadOnlySpan<byte>(one, n).ToArray(), lane[..n]);
            }
        }, iter: 500);
    }

    [Fact]
    public void BurstsOfManyStatelessSessions_EqualOnePacketAtATime()
    {
        // 32 stateless sessions of mixed strengths: bursts that defer 16, 8, 4, 2 and 1 key changes at once.
        const int Sessions = 32;
        var gen = Gen.Select(Gen.Int[0, Sessions - 1], Gen.Int[1, 600]).Array[1, MppeBurst.MaxPackets].Array[1, 4];
        gen.Sample(bursts =>
        {
            var (senders, receivers) = StatelessSessions(Sessions);
            var (oneSenders, oneReceivers) = StatelessSessions(Sessions);
            foreach (var burst in bursts)
            {
                var packets = new MppePacket[burst.Length];
                for (int k = 0, offset = 0; k < burst.Length; offset += packets[k++].Length)
                    packets[k] = new MppePacket(burst[k].Item1, offset, burst[k].Item2 + MppeHeader.Length);
                byte[] slab = System.Security.Cryptography.RandomNumberGenerator.GetBytes(packets[^1].Offset + packets[^1].Length);
                MppeTestKit.AssertBurstEqualsOnePacketAtATime(senders, receivers, oneSenders, oneReceivers, slab, packets);
            }
            for (int s = 0; s < Sessions; s++)
            {
                Assert.Equal(oneSenders[s].KeyChanges, senders[s].KeyChanges);
                Assert.Equal(oneReceivers[s].KeyChanges, receivers[s].KeyChanges);
            }
        }, iter: 60);
    }

    // Stateless sessions of mixed strengths, each with its own start key.
    private static (MppeSender[] Senders, MppeReceiver[] Receivers) StatelessSessions(int count)
    {
        MppeKeyStrength[] kinds = [MppeKeyStrength.Bits128, MppeKeyStrength.Bits40, MppeKeyStrength.Bits128, MppeKeyStrength.Bits56];
        var senders = new MppeSender[count];
        var receivers = new MppeReceiver[count];
        for (int s = 0; s < count; s++)
        {
            byte[] key = MppeTestKit.StartKey(kinds[s % 4], PptpGw.ControlPlane.Ppp.Auth.MppeRole.Server);
            key[^1] ^= (byte)s;
            senders[s].Initialize(key, kinds[s % 4], stateless: true);
            receivers[s].Initialize(key, kinds[s % 4], stateless: true);
        }
        return (senders, receivers);
    }
}
