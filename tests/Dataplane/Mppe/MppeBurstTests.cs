using System.Security.Cryptography;
using CsCheck;
using PptpGw.ControlPlane.Ppp.Auth;
using PptpGw.Dataplane.Mppe;
using static PptpGw.Tests.Dataplane.Mppe.MppeTestKit;

namespace PptpGw.Tests.Dataplane.Mppe;

public class MppeBurstTests
{
    // Sessions 0-3 stateless, 4-7 stateful; mixed strengths.
    private const int Sessions = 8;

    private static (MppeSender[] Senders, MppeReceiver[] Receivers) Sessions8()
    {
        var senders = new MppeSender[Sessions];
        var receivers = new MppeReceiver[Sessions];
        MppeKeyStrength[] strengths = [MppeKeyStrength.Bits128, MppeKeyStrength.Bits40, MppeKeyStrength.Bits56, MppeKeyStrength.Bits128];
        for (int s = 0; s < Sessions; s++)
        {
            MppeKeyStrength strength = strengths[s % 4];
            byte[] key = StartKey(strength, s % 2 == 0 ? MppeRole.Server : MppeRole.Client);
            key[^1] ^= (byte)s; // a different start key per session
            senders[s].Initialize(key, strength, stateless: s < 4);
            receivers[s].Initialize(key, strength, stateless: s < 4);
        }
        return (senders, receivers);
    }

    private static readonly Gen<(int Session, int Length)[]> BurstGen =
        Gen.Select(Gen.Int[0, Sessions - 1], Gen.Int[1, 1500]).Array[1, MppeBurst.MaxPackets];

    [Fact]
    public void Burst_EqualsOnePacketAtATime_AndDecryptsBack()
    {
        BurstGen.Array[1, 6].Sample(bursts =>
        {
            var (senders, receivers) = Sessions8();
            var (oneSenders, oneReceivers) = Sessions8();
            int burstIndex = 0;
            foreach (var burst in bursts)
            {
                // A Reset-Request for one stateful session per burst: its next packet changes the key and is flushed.
                int resetSession = 4 + burstIndex++ % 4;
                senders[resetSession].OnResetRequestReceived();
                oneSenders[resetSession].OnResetRequestReceived();
                // Lay the burst out in one slab, as a worker would.
                var packets = new MppePacket[burst.Length];
                int offset = 0;
                for (int k = 0; k < burst.Length; k++)
                {
                    packets[k] = new MppePacket(burst[k].Session, offset + 3, burst[k].Length + MppeHeader.Length);
                    offset += burst[k].Length + MppeHeader.Length + 7;
                }
                var slab = new byte[offset];
                RandomNumberGenerator.Fill(slab);
                AssertBurstEqualsOnePacketAtATime(senders, receivers, oneSenders, oneReceivers, slab, packets);
            }
            for (int s = 0; s < Sessions; s++)
            {
                Assert.Equal(oneSenders[s].KeyChanges, senders[s].KeyChanges);
                Assert.Equal(oneReceivers[s].KeyChanges, receivers[s].KeyChanges);
                Assert.Equal(oneReceivers[s].PacketsDecrypted, receivers[s].PacketsDecrypted);
                Assert.Equal(oneReceivers[s].CoherencyCount, receivers[s].CoherencyCount);
            }
        }, iter: 40);
    }

    [Fact]
    public void DecryptBurst_WithLossAndReordering_EqualsOnePacketAtATime()
    {
        // Packets of all 8 sessions, then the network loses some and swaps neighbours; both receivers see the same.
        Gen.Select(Gen.Int[0, 20].Array[200], Gen.Int[0, 9].Array[200]).Sample((sessions, fate) =>
        {
            var (senders, receivers) = Sessions8();
            var (_, oneReceivers) = Sessions8();
            var sent = new List<(int Session, byte[] Packet)>();
            foreach (int pick in sessions)
            {
                int session = pick % Sessions;
                if (pick >= 17)
                    senders[session].OnResetRequestReceived(); // stateful: a flushed packet that resynchronises a loss
                byte[] packet = Packet(sent.Count, 20 + pick * 13);
                Assert.Equal(MppeDropReason.None, senders[session].Encrypt(packet));
                sent.Add((session, packet));
            }
            var delivered = new List<(int Session, byte[] Packet)>();
            for (int n = 0; n < sent.Count; n++)
            {
                if (fate[n] == 0)
                    continue; // lost
                if (fate[n] == 1 && n + 1 < sent.Count)
                {
                    delivered.Add(sent[n + 1]); // swapped with the next
                    delivered.Add(sent[n]);
                    n++;
                    continue;
                }
                delivered.Add(sent[n]);
            }

            for (int start = 0; start < delivered.Count; start += MppeBurst.MaxPackets)
            {
                var chunk = delivered.Skip(start).Take(MppeBurst.MaxPackets).ToList();
                var packets = new MppePacket[chunk.Count];
                int offset = 0;
                foreach (var (session, packet) in chunk)
                    offset += packet.Length;
                var slab = new byte[offset];
                offset = 0;
                for (int k = 0; k < chunk.Count; k++)
                {
                    chunk[k].Packet.CopyTo(slab, offset);
                    packets[k] = new MppePacket(chunk[k].Session, offset, chunk[k].Packet.Length);
                    offset += chunk[k].Packet.Length;
                }
                var results = new MppeDropReason[chunk.Count];
                MppeBurst.Decrypt(receivers, slab, packets, results);
                for (int k = 0; k < chunk.Count; k++)
                {
                    byte[] one = (byte[])chunk[k].Packet.Clone();
                    Assert.Equal(oneReceivers[chunk[k].Session].Decrypt(one), results[k]);
                    Assert.Equal(one, slab.AsSpan(packets[k].Offset, packets[k].Length).ToArray());
                }
            }
            for (int s = 0; s < Sessions; s++)
            {
                Assert.Equal(oneReceivers[s].KeyChanges, receivers[s].KeyChanges);
                Assert.Equal(oneReceivers[s].Resyncs, receivers[s].Resyncs);
                Assert.Equal(oneReceivers[s].LatePacketsDecrypted, receivers[s].LatePacketsDecrypted);
                foreach (MppeDropReason reason in Enum.GetValues<MppeDropReason>().Skip(1))
                    Assert.Equal(oneReceivers[s].GetDropCount(reason), receivers[s].GetDropCount(reason));
            }
        }, iter: 30);
    }

    [Fact]
    public void Burst_ReportsEachPacketsDrop_AndStillProcessesTheOthers()
    {
        var (senders, receivers) = Sessions8();
        var slab = new byte[4 * 100];
        var packets = new[]
        {
            new MppePacket(0, 0, 100),
            new MppePacket(5, 100, 2),   // too short
            new MppePacket(4, 200, 100),
            new MppePacket(1, 300, 100),
        };
        RandomNumberGenerator.Fill(slab);
        byte[] plain = (byte[])slab.Clone();
        var results = new MppeDropReason[4];
        Assert.Equal(3, MppeBurst.Encrypt(senders, slab, packets, results));
        Assert.Equal([MppeDropReason.None, MppeDropReason.TooShort, MppeDropReason.None, MppeDropReason.None], results);

        slab[300] = 0x80; // session 1's packet: clear the D bit in transit
        Assert.Equal(2, MppeBurst.Decrypt(receivers, slab, packets, results));
        Assert.Equal([MppeDropReason.None, MppeDropReason.TooShort, MppeDropReason.None, MppeDropReason.NotEncrypted], results);
        Assert.Equal(plain.AsSpan(2, 98).ToArray(), slab.AsSpan(2, 98).ToArray());
        Assert.Equal(plain.AsSpan(202, 98).ToArray(), slab.AsSpan(202, 98).ToArray());
        Assert.Equal(1UL, receivers[1].GetDropCount(MppeDropReason.NotEncrypted));
    }

    [Fact]
    public void Burst_RejectsCallerMistakes()
    {
        var (senders, _) = Sessions8();
        var slab = new byte[100];
        var results = new MppeDropReason[40];
        Assert.Throws<ArgumentException>(() => MppeBurst.Encrypt(senders, slab, new MppePacket[33], results));
        Assert.Throws<ArgumentException>(() => MppeBurst.Encrypt(senders, slab, [new MppePacket(8, 0, 10)], results));
        Assert.Throws<ArgumentException>(() => MppeBurst.Encrypt(senders, slab, [new MppePacket(0, 95, 10)], results));
        Assert.Throws<ArgumentException>(() => MppeBurst.Encrypt(senders, slab, [new MppePacket(0, 0, 10)], new MppeDropReason[0]));
    }

    [Fact]
    public void Burst_AllocatesNothing()
    {
        var (senders, receivers) = Sessions8();
        var slab = new byte[32 * 200];
        var packets = new MppePacket[32];
        for (int k = 0; k < 32; k++)
            packets[k] = new MppePacket(k % Sessions, k * 200, 200);
        var results = new MppeDropReason[32];
        MppeBurst.Encrypt(senders, slab, packets, results);
        MppeBurst.Decrypt(receivers, slab, packets, results);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int n = 0; n < 2000; n++)
        {
            MppeBurst.Encrypt(senders, slab, packets, results);
            MppeBurst.Decrypt(receivers, slab, packets, results);
        }
        Assert.Equal(0L, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.All(results, r => Assert.Equal(MppeDropReason.None, r));
    }
}

/// <summary>The fast building blocks give the same octets as the plain ones.</summary>
public unsafe class MppeFastPathTests
{
    [Fact]
    public void FastKeyChange_EqualsMppeKeySchedule()
    {
        Gen.Select(Gen.Byte.Array[16], Gen.Byte.Array[16], Gen.OneOfConst(MppeKeyStrength.Bits40, MppeKeyStrength.Bits56, MppeKeyStrength.Bits128))
            .Sample((start, session, strength) =>
            {
                byte[] expected = session[..MppeKeySchedule.SessionKeyLength(strength)];
                MppeKeySchedule.ChangeKey(start, expected, strength);
                byte[] actual = (byte[])session.Clone();
                fixed (byte* s = start)
                fixed (byte* k = actual)
                    MppeRekey.ChangeKey(s, k, expected.Length, strength);
                Assert.Equal(expected, actual[..expected.Length]);
            }, iter: 200);
    }

    /// <summary>Four key changes at once (<see cref="MppeRekey.ChangeKey4"/>, mixed strengths) equal four of the plain ones.</summary>
    [Theory]
    [InlineData(4)]
    [InlineData(8)]
    [InlineData(16)] // the 16-lane multi-buffer SHA-1 with AVX-512; elsewhere ChangeKeys runs it as 8-lane work
    public void KeyChangesAtOnce_EqualMppeKeySchedule(int count)
    {
        var strength = Gen.OneOfConst(MppeKeyStrength.Bits40, MppeKeyStrength.Bits56, MppeKeyStrength.Bits128);
        Gen.Select(Gen.Byte.Array[16].Array[count], Gen.Byte.Array[16].Array[count], strength.Array[count]).Sample((starts, sessions, strengths) =>
        {
            byte* block = stackalloc byte[16 * 32];
            byte** startKeys = stackalloc byte*[16];
            byte** sessionKeys = stackalloc byte*[16];
            int* lengths = stackalloc int[16];
            MppeKeyStrength* kinds = stackalloc MppeKeyStrength[16];
            Rc4* scratch = stackalloc Rc4[4];
            var expected = new byte[count][];
            for (int c = 0; c < count; c++)
            {
                lengths[c] = MppeKeySchedule.SessionKeyLength(strengths[c]);
                kinds[c] = strengths[c];
                expected[c] = sessions[c][..lengths[c]];
                MppeKeySchedule.ChangeKey(starts[c], expected[c], strengths[c]);
                startKeys[c] = block + 32 * c;
                sessionKeys[c] = block + 32 * c + 16;
                starts[c].CopyTo(new Span<byte>(startKeys[c], 16));
                sessions[c].CopyTo(new Span<byte>(sessionKeys[c], 16));
            }
            if (count == 4)
                MppeRekey.ChangeKey4(startKeys, sessionKeys, lengths, kinds, scratch);
            else if (count <= MppeSha1x8.Lanes)
                MppeRekey.ChangeKeys(count, startKeys, sessionKeys, lengths, kinds, scratch);
            else
                for (int c = 0; c < count; c += 8)
                    MppeRekey.ChangeKeys(8, startKeys + c, sessionKeys + c, lengths + c, kinds + c, scratch);
            for (int c = 0; c < count; c++)
                Assert.Equal(expected[c], new ReadOnlySpan<byte>(sessionKeys[c], lengths[c]).ToArray());
        }, iter: 200);
    }

    [Fact]
    public void NativeSha1_EqualsDotNet()
    {
        Assert.True(MppeSha1.IsNative, "libcrypto.so.3 is expected on the build machine");
        Gen.Byte.Array[0, 300].Sample(input =>
        {
            var digest = new byte[20];
            fixed (byte* i = input)
            fixed (byte* d = digest)
                MppeSha1.HashNative(i, input.Length, d);
            Assert.Equal(SHA1.HashData(input), digest);
        }, iter: 200);
    }

    [Fact]
    public void MppeKeySchedules_AndTwoStreamTransform_EqualSingleStream()
    {
        Gen.Select(Gen.Byte.Array[16], Gen.Byte.Array[8], Gen.Byte.Array[0, 1500], Gen.Byte.Array[0, 1500]).Sample((keyA, keyB, dataA, dataB) =>
        {
            var a = new Rc4(keyA);
            var b = new Rc4(keyB);
            byte[] expectedA = (byte[])dataA.Clone();
            byte[] expectedB = (byte[])dataB.Clone();
            a.Transform(expectedA);
            b.Transform(expectedB);
            a.Transform(expectedA.AsSpan(0, Math.Min(7, expectedA.Length))); // keep going: the states must also match
            b.Transform(expectedB.AsSpan(0, Math.Min(7, expectedB.Length)));

            Rc4 fastA = default, fastB = default;
            fixed (byte* ka = keyA)
            fixed (byte* kb = keyB)
                Rc4.SetKeyMppe2(&fastA, ka, 16, &fastB, kb, 8);
            byte[] actualA = (byte[])dataA.Clone();
            byte[] actualB = (byte[])dataB.Clone();
            Rc4.Transform2(ref fastA, actualA, ref fastB, actualB);
            fastA.Transform(actualA.AsSpan(0, Math.Min(7, actualA.Length)));
            fastB.Transform(actualB.AsSpan(0, Math.Min(7, actualB.Length)));
            Assert.Equal(expectedA, actualA);
            Assert.Equal(expectedB, actualB);

            Rc4 single = default;
            fixed (byte* ka = keyA)
                Rc4.SetKeyMppe(&single, ka, 16);
            byte[] viaSingle = (byte[])dataA.Clone();
            single.Transform(viaSingle);
            var reference = new Rc4(keyA);
            byte[] viaReference = (byte[])dataA.Clone();
            reference.Transform(viaReference);
            Assert.Equal(viaReference, viaSingle);
        }, iter: 100);

        var same = new Rc4([1, 2, 3]);
        Assert.Throws<ArgumentException>(() => Rc4.Transform2(ref same, new byte[4], ref same, new byte[4]));
    }
}
