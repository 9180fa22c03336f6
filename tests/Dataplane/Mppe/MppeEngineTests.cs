using System.Buffers.Binary;
using CsCheck;
using PptpGw.ControlPlane.Ppp.Auth;
using PptpGw.Dataplane.Mppe;
using static PptpGw.Tests.Dataplane.Mppe.MppeTestKit;

namespace PptpGw.Tests.Dataplane.Mppe;

public class MppeEngineTests
{
    public static TheoryData<MppeKeyStrength, bool> AllModes()
    {
        var data = new TheoryData<MppeKeyStrength, bool>();
        foreach (MppeKeyStrength strength in new[] { MppeKeyStrength.Bits40, MppeKeyStrength.Bits56, MppeKeyStrength.Bits128 })
        {
            data.Add(strength, true);
            data.Add(strength, false);
        }
        return data;
    }

    // ------------------------------------------------------------------ against the RFC schedule

    [Theory]
    [MemberData(nameof(AllModes))]
    public void Encrypt_MatchesTheRfc3079KeySchedule(MppeKeyStrength strength, bool stateless)
    {
        byte[] startKey = StartKey(strength, MppeRole.Server);
        var sender = new MppeSender[1];
        sender[0].Initialize(startKey, strength, stateless);
        var reference = new ReferenceMppeStream(startKey, strength, stateless);

        // 300 packets: stateful crosses the first flag packet (ccount 0xFF) and the key change it brings.
        for (int n = 0; n < 300; n++)
        {
            byte[] packet = Packet(n, 20 + n % 50);
            byte[] plain = packet[MppeHeader.Length..];
            Assert.Equal(MppeDropReason.None, sender[0].Encrypt(packet));

            var (ccount, flushed, keystream) = reference.Next(plain.Length);
            MppeHeader header = Header(packet);
            Assert.Equal(ccount, header.CoherencyCount);
            Assert.Equal(n & 0xFFF, header.CoherencyCount);
            Assert.True(header.IsEncrypted);
            Assert.Equal(flushed, header.IsFlushed);
            Assert.False(header.IsCompressed);
            Assert.Equal(Xor(plain, keystream), packet[MppeHeader.Length..]);
        }
        Assert.Equal(stateless ? 300UL : 1UL, sender[0].KeyChanges);
    }

    [Fact]
    public void FirstPacket_Stateless128_IsRc4UnderTheOnceChangedInitialKey()
    {
        // Written out: SessionKey0 = GetNewKeyFromSHA(StartKey, StartKey) (RFC 3079 §3.1-3.3); the first stateless
        // packet (ccount 0) already uses the next key (RFC 3078 §7.3), RC4-keyed afresh.
        byte[] startKey = StartKey(MppeKeyStrength.Bits128, MppeRole.Server);
        var key = new byte[16];
        MppeKeySchedule.GetNewKeyFromSha(startKey, startKey, key);
        MppeKeySchedule.ChangeKey(startKey, key, MppeKeyStrength.Bits128);
        var rc4 = new Rc4(key);
        byte[] plain = "\0\u0021hello, mppe"u8.ToArray();
        byte[] expected = (byte[])plain.Clone();
        rc4.Transform(expected);

        var sender = new MppeSender[1];
        sender[0].Initialize(startKey, MppeKeyStrength.Bits128, stateless: true);
        byte[] packet = [0, 0, .. plain];
        Assert.Equal(MppeDropReason.None, sender[0].Encrypt(packet));
        Assert.Equal(new byte[] { 0x90, 0x00 }, packet[..2]); // A + D, ccount 0
        Assert.Equal(expected, packet[2..]);
    }

    [Theory]
    [MemberData(nameof(AllModes))]
    public void RoundTrip_BothDirections(MppeKeyStrength strength, bool stateless)
    {
        foreach (MppeRole role in new[] { MppeRole.Server, MppeRole.Client })
        {
            var (senders, receivers) = Pair(strength, stateless, role);
            for (int n = 0; n < 600; n++)
            {
                byte[] packet = Packet(n * 7 + (int)role, 1 + n * 37 % 1500);
                byte[] plain = packet[MppeHeader.Length..];
                Assert.Equal(MppeDropReason.None, senders[0].Encrypt(packet));
                Assert.NotEqual(plain, packet[MppeHeader.Length..]);
                Assert.Equal(MppeDropReason.None, receivers[0].Decrypt(packet));
                Assert.Equal(plain, packet[MppeHeader.Length..]);
            }
            Assert.Equal(600UL, receivers[0].PacketsDecrypted);
            Assert.Equal(senders[0].KeyChanges, receivers[0].KeyChanges);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void CoherencyCount_WrapsAt4096(bool stateless)
    {
        var (senders, receivers) = Pair(MppeKeyStrength.Bits128, stateless);
        for (int n = 0; n < 4096 + 300; n++)
        {
            byte[] packet = Packet(n, 40);
            byte[] plain = packet[2..];
            Assert.Equal(MppeDropReason.None, senders[0].Encrypt(packet));
            Assert.Equal(n % 4096, Header(packet).CoherencyCount);
            Assert.Equal(MppeDropReason.None, receivers[0].Decrypt(packet));
            Assert.Equal(plain, packet[2..]);
        }
        // Stateful: one key change per flag packet, 0x0FF ... 0xFFF then 0x0FF again = 17.
        Assert.Equal(stateless ? 4396UL : 17UL, receivers[0].KeyChanges);
    }

    // ------------------------------------------------------------------ stateless loss and reordering

    private static List<(byte[] Packet, byte[] Plain)> EncryptMany(ref MppeSender sender, int count, int size = 60)
    {
        var list = new List<(byte[], byte[])>();
        for (int n = 0; n < count; n++)
        {
            byte[] packet = Packet(1000 + n, size);
            byte[] plain = packet[2..];
            Assert.Equal(MppeDropReason.None, sender.Encrypt(packet));
            list.Add((packet, plain));
        }
        return list;
    }

    [Fact]
    public void Stateless_Gaps_AreBridgedByKeyChanges()
    {
        var (senders, receivers) = Pair(MppeKeyStrength.Bits128, stateless: true);
        var packets = EncryptMany(ref senders[0], 500);
        foreach (int index in new[] { 0, 1, 7, 8, 200, 456, 457 }) // gaps of 5, 192, 256 (the most for one packet)
        {
            var (packet, plain) = packets[index];
            Assert.Equal(MppeDropReason.None, receivers[0].Decrypt(packet));
            Assert.Equal(plain, packet[2..]);
        }
        Assert.Equal(458UL, receivers[0].KeyChanges);
    }

    [Fact]
    public void Stateless_LatePackets_DecryptFromTheKeyCache()
    {
        var (senders, receivers) = Pair(MppeKeyStrength.Bits128, stateless: true);
        var packets = EncryptMany(ref senders[0], 60);
        // 0..9 in order except 4, which arrives after 9 (5 behind); then 10..40 without 20 and 25, which arrive last:
        // 25 is 15 behind (the oldest the cache holds), 20 is 20 behind (beyond it).
        int[] order = [0, 1, 2, 3, 5, 6, 7, 8, 9, 4, .. Enumerable.Range(10, 31).Where(i => i is not (20 or 25)), 25, 20];
        foreach (int index in order)
        {
            var (packet, plain) = packets[index];
            byte[] before = (byte[])packet.Clone();
            MppeDropReason result = receivers[0].Decrypt(packet);
            if (index == 20)
            {
                Assert.Equal(MppeDropReason.TooLate, result);
                Assert.Equal(before, packet); // untouched
            }
            else
            {
                Assert.Equal(MppeDropReason.None, result);
                Assert.Equal(plain, packet[2..]);
            }
        }
        Assert.Equal(2UL, receivers[0].LatePacketsDecrypted); // 4 and 25 (15 behind: the oldest the cache holds)
        Assert.Equal(1UL, receivers[0].GetDropCount(MppeDropReason.TooLate));
        Assert.Equal(40, receivers[0].CoherencyCount);
    }

    [Fact]
    public void Stateless_FarJump_IsBoundedPerPacketAndStillResynchronises()
    {
        var (senders, receivers) = Pair(MppeKeyStrength.Bits56, stateless: true);
        var packets = EncryptMany(ref senders[0], 1100);
        Assert.Equal(MppeDropReason.None, receivers[0].Decrypt(packets[0].Packet));

        // 1000 packets lost: the next ones are 1000+ ahead. Each costs at most 256 key changes, the first three are
        // dropped, the fourth reaches its count (3 x 256 + 236 = 1004) and decrypts, and the stream continues.
        ulong changes = receivers[0].KeyChanges;
        for (int index = 1001; index < 1005; index++)
        {
            var (packet, plain) = packets[index];
            MppeDropReason result = receivers[0].Decrypt(packet);
            ulong spent = receivers[0].KeyChanges - changes;
            changes = receivers[0].KeyChanges;
            Assert.InRange(spent, 1UL, (ulong)MppeReceiver.MaxKeyChangesPerPacket);
            if (index < 1004)
            {
                Assert.Equal(MppeDropReason.CoherencyJumpTooLarge, result);
            }
            else
            {
                Assert.Equal(MppeDropReason.None, result);
                Assert.Equal(plain, packet[2..]);
            }
        }
        Assert.Equal(3UL, receivers[0].GetDropCount(MppeDropReason.CoherencyJumpTooLarge));
        for (int index = 1005; index < 1100; index++)
        {
            var (packet, plain) = packets[index];
            Assert.Equal(MppeDropReason.None, receivers[0].Decrypt(packet));
            Assert.Equal(plain, packet[2..]);
        }
        // Late packets from before the jump are not mistaken for far-ahead ones.
        Assert.Equal(MppeDropReason.TooLate, receivers[0].Decrypt(packets[500].Packet));
    }

    [Fact]
    public void Stateless_ForgedCoherencyJump_IsDroppedCheaplyAndDoesNotMoveTheStream()
    {
        var (senders, receivers) = Pair(MppeKeyStrength.Bits128, stateless: true);
        var packets = EncryptMany(ref senders[0], 20);
        Assert.Equal(MppeDropReason.None, receivers[0].Decrypt(packets[0].Packet));

        // A forged header 2000 ahead (the worst "ahead" count there is), with garbage behind it.
        byte[] forged = Packet(77, 100);
        BinaryPrimitives.WriteUInt16BigEndian(forged, (ushort)(0x9000 | 2000));
        ulong before = receivers[0].KeyChanges;
        Assert.Equal(MppeDropReason.CoherencyJumpTooLarge, receivers[0].Decrypt(forged));
        Assert.Equal((ulong)MppeReceiver.MaxKeyChangesPerPacket, receivers[0].KeyChanges - before);
        Assert.Equal(0, receivers[0].CoherencyCount);

        // The real stream goes on from where it was.
        for (int index = 1; index < 20; index++)
        {
            var (packet, plain) = packets[index];
            Assert.Equal(MppeDropReason.None, receivers[0].Decrypt(packet));
            Assert.Equal(plain, packet[2..]);
        }
    }

    // ------------------------------------------------------------------ stateful loss, Reset-Request, resync

    [Theory]
    [InlineData(10, 1)]     // one packet lost mid-stream
    [InlineData(250, 12)]   // 250..261 lost, across the flag packet 0x0FF and its key change
    [InlineData(200, 400)]  // 200..599 lost: two flag packets (0x0FF, 0x1FF) missed
    public void Stateful_Loss_SignalsResetRequest_DropsUntilFlushed_ThenResynchronises(int firstLost, int lostCount)
    {
        var (senders, receivers) = Pair(MppeKeyStrength.Bits128, stateless: false);
        var packets = EncryptMany(ref senders[0], firstLost + lostCount + 3);
        for (int index = 0; index < firstLost; index++)
            Assert.Equal(MppeDropReason.None, receivers[0].Decrypt(packets[index].Packet));

        int next = firstLost + lostCount;
        Assert.Equal(MppeDropReason.StatefulPacketLoss, receivers[0].Decrypt(packets[next].Packet));
        Assert.True(receivers[0].IsResyncPending);
        Assert.Equal(1UL, receivers[0].ResetRequestsSignalled);
        Assert.Equal(MppeDropReason.StatefulResyncPending, receivers[0].Decrypt(packets[next + 1].Packet));
        Assert.Equal(MppeDropReason.StatefulResyncPending, receivers[0].Decrypt(packets[next + 2].Packet));
        Assert.Equal(2UL, receivers[0].GetDropCount(MppeDropReason.StatefulResyncPending));
        Assert.Equal(1UL, receivers[0].ResetRequestsSignalled); // one signal per loss, not per dropped packet

        // The control plane sends the Reset-Request; the peer's sender flushes its next packet.
        senders[0].OnResetRequestReceived();
        var after = EncryptMany(ref senders[0], 300);
        Assert.True(Header(after[0].Packet).IsFlushed);
        foreach (var (packet, plain) in after)
        {
            Assert.Equal(MppeDropReason.None, receivers[0].Decrypt(packet));
            Assert.Equal(plain, packet[2..]);
        }
        Assert.False(receivers[0].IsResyncPending);
        Assert.Equal(1UL, receivers[0].Resyncs);
        Assert.Equal(senders[0].KeyChanges, receivers[0].KeyChanges);
    }

    [Fact]
    public void Stateful_PeerResetRequest_FlushesTheNextPacket_UnderANewKey()
    {
        byte[] startKey = StartKey(MppeKeyStrength.Bits40, MppeRole.Client);
        var (senders, receivers) = Pair(MppeKeyStrength.Bits40, stateless: false, MppeRole.Client);
        var reference = new ReferenceMppeStream(startKey, MppeKeyStrength.Bits40, stateless: false);
        for (int n = 0; n < 300; n++)
        {
            bool reset = n is 5 or 6 or 255 or 270; // 255 = 0x0FF: a Reset-Request answered by a flag packet
            if (reset)
            {
                senders[0].OnResetRequestReceived();
                if (n == 6)
                    senders[0].OnResetRequestReceived(); // a retransmitted Reset-Request still resets once
            }
            byte[] packet = Packet(n, 30);
            byte[] plain = packet[2..];
            Assert.Equal(MppeDropReason.None, senders[0].Encrypt(packet));
            var (ccount, flushed, keystream) = reference.Next(plain.Length, reset);
            Assert.Equal(ccount, Header(packet).CoherencyCount);
            Assert.Equal(flushed, Header(packet).IsFlushed);
            Assert.Equal(Xor(plain, keystream), packet[2..]);
            Assert.False(senders[0].IsResetPending);

            Assert.Equal(MppeDropReason.None, receivers[0].Decrypt(packet));
            Assert.Equal(plain, packet[2..]);
        }
        // One change per flushed packet (Linux ppp_mppe): 5, 6, 255 (flag and reset at once: one change), 270.
        Assert.Equal(4UL, senders[0].KeyChanges);
        Assert.Equal(4UL, receivers[0].KeyChanges);
    }

    [Fact]
    public void Stateful_LateOrDuplicatePacket_IsDroppedWithoutLosingTheStream()
    {
        var (senders, receivers) = Pair(MppeKeyStrength.Bits128, stateless: false);
        var packets = EncryptMany(ref senders[0], 10);
        for (int index = 0; index < 5; index++)
            Assert.Equal(MppeDropReason.None, receivers[0].Decrypt(packets[index].Packet));
        byte[] duplicate = (byte[])packets[4].Packet.Clone();
        Assert.Equal(MppeDropReason.TooLate, receivers[0].Decrypt(duplicate));
        Assert.Equal(MppeDropReason.TooLate, receivers[0].Decrypt(packets[2].Packet));
        for (int index = 5; index < 10; index++)
        {
            Assert.Equal(MppeDropReason.None, receivers[0].Decrypt(packets[index].Packet));
            Assert.Equal(packets[index].Plain, packets[index].Packet[2..]);
        }
        Assert.Equal(2UL, receivers[0].GetDropCount(MppeDropReason.TooLate));
        Assert.False(receivers[0].IsResyncPending);
    }

    [Fact]
    public void Stateful_FlushedPacketAfterAGap_ResynchronisesWithoutAResetRequest()
    {
        var (senders, receivers) = Pair(MppeKeyStrength.Bits128, stateless: false);
        var packets = EncryptMany(ref senders[0], 3);
        Assert.Equal(MppeDropReason.None, receivers[0].Decrypt(packets[0].Packet));
        senders[0].OnResetRequestReceived(); // e.g. asked for by an earlier loss; packets 1-2 were lost
        var after = EncryptMany(ref senders[0], 2);
        Assert.Equal(MppeDropReason.None, receivers[0].Decrypt(after[0].Packet));
        Assert.Equal(after[0].Plain, after[0].Packet[2..]);
        Assert.Equal(MppeDropReason.None, receivers[0].Decrypt(after[1].Packet));
        Assert.Equal(after[1].Plain, after[1].Packet[2..]);
        Assert.Equal(0UL, receivers[0].ResetRequestsSignalled);
        Assert.Equal(1UL, receivers[0].Resyncs);
        Assert.Equal(1UL, receivers[0].KeyChanges); // the flushed packet's key change (Linux ppp_mppe)
    }

    // ------------------------------------------------------------------ header checks and their counters

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void EveryDropReason_IsCountedAndLeavesThePacketAlone(bool stateless)
    {
        var (senders, receivers) = Pair(MppeKeyStrength.Bits128, stateless);

        var uninitialised = new MppeReceiver[1];
        Assert.Equal(MppeDropReason.NotInitialized, uninitialised[0].Decrypt(Packet(1, 10)));
        Assert.Equal(1UL, uninitialised[0].GetDropCount(MppeDropReason.NotInitialized));
        var uninitialisedSender = new MppeSender[1];
        Assert.Equal(MppeDropReason.NotInitialized, uninitialisedSender[0].Encrypt(Packet(1, 10)));
        Assert.Equal(1UL, uninitialisedSender[0].GetDropCount(MppeDropReason.NotInitialized));

        Assert.Equal(MppeDropReason.TooShort, senders[0].Encrypt(new byte[2]));
        Assert.Equal(1UL, senders[0].GetDropCount(MppeDropReason.TooShort));
        Assert.Equal(MppeHeader.CoherencyCountMask, senders[0].CoherencyCount); // nothing consumed

        var cases = new (byte[] Packet, MppeDropReason Reason)[]
        {
            (new byte[] { 0x90 }, MppeDropReason.TooShort),
            (new byte[] { 0x90, 0x00 }, MppeDropReason.TooShort),
            ([0x80, 0x00, 0x00, 0x21, 0x45], MppeDropReason.NotEncrypted),
            ([0xB0, 0x00, 0x00, 0x21, 0x45], MppeDropReason.UnexpectedCompression),
            ([0xD0, 0x00, 0x00, 0x21, 0x45], MppeDropReason.UnexpectedCompression),
        };
        foreach (var (packet, reason) in cases)
        {
            byte[] before = (byte[])packet.Clone();
            Assert.Equal(reason, receivers[0].Decrypt(packet));
            Assert.Equal(before, packet);
        }
        Assert.Equal(2UL, receivers[0].GetDropCount(MppeDropReason.TooShort));
        Assert.Equal(1UL, receivers[0].GetDropCount(MppeDropReason.NotEncrypted));
        Assert.Equal(2UL, receivers[0].GetDropCount(MppeDropReason.UnexpectedCompression));
        Assert.Equal(0UL, receivers[0].PacketsDecrypted);
        Assert.Equal(MppeHeader.CoherencyCountMask, receivers[0].CoherencyCount);

        // Nothing above disturbed the stream.
        byte[] good = Packet(3, 50);
        byte[] plain = good[2..];
        Assert.Equal(MppeDropReason.None, senders[0].Encrypt(good));
        Assert.Equal(MppeDropReason.None, receivers[0].Decrypt(good));
        Assert.Equal(plain, good[2..]);
        Assert.Throws<ArgumentOutOfRangeException>(() => receivers[0].GetDropCount((MppeDropReason)200));
    }

    [Fact]
    public void ArbitraryInput_NeverThrows()
    {
        Gen.Byte.Array[0, 64].Array[1, 40].Sample(inputs =>
        {
            var (_, receivers) = Pair(MppeKeyStrength.Bits128, stateless: inputs.Length % 2 == 0);
            foreach (byte[] input in inputs)
                Assert.True(Enum.IsDefined(receivers[0].Decrypt(input)));
        }, iter: 50);
    }

    [Fact]
    public void Clear_ForgetsTheKeys()
    {
        var (senders, receivers) = Pair(MppeKeyStrength.Bits128, stateless: true);
        senders[0].Clear();
        receivers[0].Clear();
        Assert.False(senders[0].IsInitialized);
        Assert.False(receivers[0].IsInitialized);
        Assert.Equal(MppeDropReason.NotInitialized, senders[0].Encrypt(Packet(1, 10)));
    }

    // ------------------------------------------------------------------ allocation

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void HundredThousandPackets_AllocateNothing(bool stateless)
    {
        var (senders, receivers) = Pair(MppeKeyStrength.Bits128, stateless);
        byte[] packet = Packet(5, 64);
        // Warm up (JIT, static constructors, the native library load).
        for (int n = 0; n < 100; n++)
        {
            senders[0].Encrypt(packet);
            receivers[0].Decrypt(packet);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        int failures = 0;
        for (int n = 0; n < 100_000; n++)
        {
            failures += senders[0].Encrypt(packet) == MppeDropReason.None ? 0 : 1;
            failures += receivers[0].Decrypt(packet) == MppeDropReason.None ? 0 : 1;
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, failures);
        Assert.Equal(0L, allocated);
        Assert.Equal(100_100UL, receivers[0].PacketsDecrypted);
    }
}
