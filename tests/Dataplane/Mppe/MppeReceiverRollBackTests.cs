using System.Runtime.InteropServices;
using System.Security.Cryptography;
using CsCheck;
using PptpGw.Dataplane.Mppe;
using static PptpGw.Tests.Dataplane.Mppe.MppeTestKit;

namespace PptpGw.Tests.Dataplane.Mppe;

/// <summary>
/// The stateful rollback without a copy of the receiver (issue 9's verification cost, issue 16): a receiver marked
/// before a burst (<see cref="MppeReceiver.Mark"/>), whose stream is then run backwards over the burst's packets, last
/// first (<see cref="MppeReceiver.RewindDecrypted"/>), and whose counters are put back (<see cref="MppeReceiver.RollBack"/>)
/// is byte for byte the receiver that never saw the burst, and the packets are their ciphertexts again — over random
/// keys, strengths, packet lengths, session interleavings, positions in the stream and dropped packets.
/// </summary>
public unsafe class MppeReceiverRollBackTests
{
    private const int Sessions = 4;

    private static byte[] Bytes(ref MppeReceiver receiver) =>
        MemoryMarshal.AsBytes(MemoryMarshal.CreateSpan(ref receiver, 1)).ToArray();

    private static readonly Gen<(int Session, int Length)[]> BurstGen =
        Gen.Select(Gen.Int[0, Sessions - 1], Gen.Int[1, 1500]).Array[1, MppeBurst.MaxPackets];

    [Fact]
    public void RolledBackReceiver_EqualsOneThatNeverSawTheBurst()
    {
        MppeKeyStrength[] strengths = [MppeKeyStrength.Bits128, MppeKeyStrength.Bits40, MppeKeyStrength.Bits56, MppeKeyStrength.Bits128];
        int checkedBursts = 0, withDrops = 0;
        Gen.Select(Gen.Byte.Array[16].Array[Sessions], Gen.Int[0, 300], BurstGen.Array[1, 8]).Sample((keys, lead, bursts) =>
        {
            var senders = new MppeSender[Sessions];
            var receivers = new MppeReceiver[Sessions];
            for (int s = 0; s < Sessions; s++)
            {
                senders[s].Initialize(keys[s], strengths[s], stateless: false);
                receivers[s].Initialize(keys[s], strengths[s], stateless: false);
            }
            // Somewhere in the stream (past flag packets, whose key changes re-key RC4) before the bursts start.
            var one = new byte[40];
            for (int n = 0; n < lead; n++)
            {
                int s = n % Sessions;
                Assert.Equal(MppeDropReason.None, senders[s].Encrypt(one));
                Assert.Equal(MppeDropReason.None, receivers[s].Decrypt(one));
            }
            // Session 3 loses a packet: its receiver waits for a flushed one and drops the others (counted).
            if (lead % 2 == 1)
            {
                Assert.Equal(MppeDropReason.None, senders[3].Encrypt(one));
                Assert.Equal(MppeDropReason.None, senders[3].Encrypt(one));
                Assert.Equal(MppeDropReason.StatefulPacketLoss, receivers[3].Decrypt(one));
            }

            foreach (var burst in bursts)
            {
                var packets = new MppePacket[burst.Length];
                int offset = 0;
                for (int k = 0; k < burst.Length; k++)
                {
                    packets[k] = new MppePacket(burst[k].Session, offset, burst[k].Length + MppeHeader.Length);
                    offset += burst[k].Length + MppeHeader.Length;
                }
                var slab = new byte[offset];
                RandomNumberGenerator.Fill(slab);
                byte[] plain = (byte[])slab.Clone();
                var results = new MppeDropReason[packets.Length];
                Assert.Equal(packets.Length, MppeBurst.Encrypt(senders, slab, packets, results));
                byte[] cipher = (byte[])slab.Clone();

                // A packet that changes the key re-keys the stream: the worker copies the receiver for such a burst.
                bool changesKey = packets.Any(p => MppeHeader.TryRead(slab.AsSpan(p.Offset, p.Length), out MppeHeader h) == MppeHeaderError.None
                    && MppeReceiver.ChangesKey(h));
                if (!changesKey)
                {
                    var never = (MppeReceiver[])receivers.Clone();
                    var marks = new MppeReceiverMark[Sessions];
                    for (int s = 0; s < Sessions; s++)
                        receivers[s].Mark(out marks[s]);
                    MppeBurst.Decrypt(receivers, slab, packets, results);
                    if (results.Any(r => r != MppeDropReason.None))
                        withDrops++;
                    for (int k = packets.Length - 1; k >= 0; k--)
                    {
                        if (results[k] == MppeDropReason.None)
                            receivers[packets[k].Session].RewindDecrypted(slab.AsSpan(packets[k].Offset, packets[k].Length));
                    }
                    for (int s = 0; s < Sessions; s++)
                    {
                        receivers[s].RollBack(in marks[s]);
                        Assert.Equal(Bytes(ref never[s]), Bytes(ref receivers[s]));
                    }
                    Assert.Equal(cipher, slab);
                    checkedBursts++;
                }

                // Then the burst for real: the rolled-back receivers decrypt it as if nothing had happened.
                MppeBurst.Decrypt(receivers, slab, packets, results);
                for (int k = 0; k < packets.Length; k++)
                {
                    if (results[k] == MppeDropReason.None)
                        Assert.Equal(plain.AsSpan(packets[k].Offset + 2, packets[k].Length - 2).ToArray(), slab.AsSpan(packets[k].Offset + 2, packets[k].Length - 2).ToArray());
                    else
                        Assert.Equal(MppeDropReason.StatefulResyncPending, results[k]);
                }
            }
        }, iter: 60);
        Assert.True(checkedBursts > 100, $"only {checkedBursts} bursts were rolled back");
        Assert.True(withDrops > 5, $"only {withDrops} rolled-back bursts had dropped packets");
    }

    [Fact]
    public void RollBack_RefusesAStatelessReceiverOrOneWhoseKeyChanged()
    {
        var (senders, receivers) = Pair(MppeKeyStrength.Bits128, stateless: true);
        receivers[0].Mark(out MppeReceiverMark mark);
        Assert.Throws<InvalidOperationException>(() => receivers[0].RollBack(in mark));

        (senders, receivers) = Pair(MppeKeyStrength.Bits128, stateless: false);
        receivers[0].Mark(out mark);
        senders[0].OnResetRequestReceived();
        var packet = new byte[30];
        Assert.Equal(MppeDropReason.None, senders[0].Encrypt(packet));
        Assert.Equal(MppeDropReason.None, receivers[0].Decrypt(packet)); // flushed: a key change
        Assert.Throws<InvalidOperationException>(() => receivers[0].RollBack(in mark));
    }
}
