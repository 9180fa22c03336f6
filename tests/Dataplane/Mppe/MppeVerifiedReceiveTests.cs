using System.Buffers.Binary;
using PptpGw.Dataplane.Mppe;
using PptpGw.Dataplane.Packets;
using static PptpGw.Tests.Dataplane.Mppe.MppeTestKit;

namespace PptpGw.Tests.Dataplane.Mppe;

/// <summary>
/// <see cref="MppeReceiver.TryDecryptVerified"/>: decrypt on a copy of the key state, commit only when the plaintext
/// is a well-formed IPv4 frame (issue 9, items 2 and 3).
/// </summary>
public sealed class MppeVerifiedReceiveTests
{
    private const int NoLimit = MppeReceiver.MaxTentativeKeyChanges;

    /// <summary>[MPPE header room][00 21][IPv4 datagram of <paramref name="payload"/> octets], as a sender expects it.</summary>
    internal static byte[] Ipv4Packet(int seed, int payload = 40)
    {
        var packet = new byte[MppeHeader.Length + 2 + Ipv4Header.MinHeaderLength + payload];
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(MppeHeader.Length), PppProtocol.Ipv4);
        Span<byte> ip = packet.AsSpan(MppeHeader.Length + 2);
        Assert.Equal(20, Ipv4HeaderWriter.TryWriteHeader(ip, 0xC6130105, 0xC6130001, Ipv4Header.ProtocolIcmp, payload, (ushort)seed, 64));
        new Random(seed).NextBytes(ip[20..]);
        return packet;
    }

    private static List<(byte[] Packet, byte[] Plain)> Encrypt(ref MppeSender sender, int count, int seed = 0)
    {
        var list = new List<(byte[], byte[])>();
        for (int i = 0; i < count; i++)
        {
            byte[] packet = Ipv4Packet(seed + i);
            byte[] plain = packet[MppeHeader.Length..];
            Assert.Equal(MppeDropReason.None, sender.Encrypt(packet));
            list.Add((packet, plain));
        }
        return list;
    }

    private static MppeDropReason Receive(ref MppeReceiver receiver, byte[] packet, int limit = NoLimit) =>
        receiver.TryDecryptVerified(packet, limit, out _, out _, out _);

    private static byte[] Forged(Random random, ushort ccount, bool flushed = true, int length = 62)
    {
        var forged = new byte[length];
        random.NextBytes(forged);
        BinaryPrimitives.WriteUInt16BigEndian(forged, (ushort)((flushed ? 0x9000 : 0x1000) | (ccount & 0x0FFF)));
        return forged;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Forged_coherency_counts_spread_over_the_space_leave_the_receiver_where_it_was(bool stateless)
    {
        var (senders, receivers) = Pair(MppeKeyStrength.Bits128, stateless);
        var packets = Encrypt(ref senders[0], 40);
        for (int i = 0; i < 10; i++)
            Assert.Equal(MppeDropReason.None, Receive(ref receivers[0], packets[i].Packet));
        ushort ccount = receivers[0].CoherencyCount;
        ulong decrypted = receivers[0].PacketsDecrypted;

        // Issue 9 item 2: twenty in-window packets with flushed + encrypted bits, counts all over the 4096 space.
        var random = new Random(9);
        for (int f = 0; f < 20; f++)
        {
            MppeDropReason result = Receive(ref receivers[0], Forged(random, (ushort)(ccount + 1 + (f * 211))));
            Assert.NotEqual(MppeDropReason.None, result);
            Assert.Equal(ccount, receivers[0].CoherencyCount);
        }
        Assert.Equal(decrypted, receivers[0].PacketsDecrypted);
        // Stateless walks every count up to 4079 ahead and verifies; stateful refuses counts half the space or more
        // ahead as late without work (RFC 3078 §8.2 leaves nothing to decrypt them with) and verifies the rest.
        ulong failed = receivers[0].GetDropCount(MppeDropReason.VerificationFailed);
        Assert.Equal(20UL, failed + receivers[0].GetDropCount(MppeDropReason.TooLate));
        Assert.True(failed >= (stateless ? 20UL : 9UL));

        // The real stream goes on at once, packet for packet.
        for (int i = 10; i < 40; i++)
        {
            var (packet, plain) = packets[i];
            Assert.Equal(MppeDropReason.None, Receive(ref receivers[0], packet));
            Assert.Equal(plain, packet[2..]);
        }
    }

    [Fact]
    public void A_forged_next_count_in_stateful_mode_does_not_consume_the_keystream()
    {
        var (senders, receivers) = Pair(MppeKeyStrength.Bits40, stateless: false);
        var packets = Encrypt(ref senders[0], 6);
        Assert.Equal(MppeDropReason.None, Receive(ref receivers[0], packets[0].Packet));
        // Exactly the next count, not flushed: with Decrypt it would advance the RC4 stream and silence the session.
        Assert.Equal(MppeDropReason.VerificationFailed, Receive(ref receivers[0], Forged(new Random(1), 1, flushed: false)));
        Assert.Equal(MppeDropReason.VerificationFailed, Receive(ref receivers[0], Forged(new Random(2), 1, flushed: true)));
        for (int i = 1; i < 6; i++)
        {
            var (packet, plain) = packets[i];
            Assert.Equal(MppeDropReason.None, Receive(ref receivers[0], packet));
            Assert.Equal(plain, packet[2..]);
        }
    }

    [Theory]
    [InlineData(MppeKeyStrength.Bits128)]
    [InlineData(MppeKeyStrength.Bits40)]
    public void A_real_jump_of_2000_repeated_20_times_recovers_at_the_next_packet(MppeKeyStrength strength)
    {
        var (senders, receivers) = Pair(strength, stateless: true);
        foreach (var (packet, plain) in Encrypt(ref senders[0], 3))
        {
            Assert.Equal(MppeDropReason.None, Receive(ref receivers[0], packet));
            Assert.Equal(plain, packet[2..]);
        }

        for (int jump = 0; jump < 20; jump++)
        {
            // 2000 packets lost in a row (the sender's counts move on), then traffic again.
            _ = Encrypt(ref senders[0], 1999, seed: 1000);
            var next = Encrypt(ref senders[0], 3, seed: 50 * jump);
            MppeDropReason first = receivers[0].TryDecryptVerified(next[0].Packet, NoLimit, out int changes, out bool advanced, out _);
            Assert.Equal(MppeDropReason.None, first);
            Assert.Equal(2000, changes);
            Assert.True(advanced);
            Assert.Equal(next[0].Plain, next[0].Packet[2..]);
            for (int i = 1; i < 3; i++)
            {
                Assert.Equal(MppeDropReason.None, Receive(ref receivers[0], next[i].Packet));
                Assert.Equal(next[i].Plain, next[i].Packet[2..]);
            }
        }
        Assert.Equal(0UL, receivers[0].GetDropCount(MppeDropReason.VerificationFailed));
    }

    [Fact]
    public void Jumps_up_to_4079_ahead_are_walked_and_the_last_16_counts_stay_decryptable_when_late()
    {
        var (senders, receivers) = Pair(MppeKeyStrength.Bits128, stateless: true);
        var packets = Encrypt(ref senders[0], 4000);
        Assert.Equal(MppeDropReason.None, Receive(ref receivers[0], packets[0].Packet));
        // 3000 ahead: beyond half the space, which Linux (and Decrypt) take as late; verification tells.
        Assert.Equal(MppeDropReason.None, Receive(ref receivers[0], packets[3000].Packet));
        Assert.Equal(packets[3000].Plain, packets[3000].Packet[2..]);
        // Packets the jump passed over, arriving late (reordered): the last 15 before it still decrypt.
        for (int i = 2999; i > 2985; i--)
        {
            Assert.Equal(MppeDropReason.None, Receive(ref receivers[0], packets[i].Packet));
            Assert.Equal(packets[i].Plain, packets[i].Packet[2..]);
        }
        // A count 1000 behind is walked as 3096 ahead (within the budget) and fails: no evidence, nothing moves.
        Assert.Equal(MppeDropReason.VerificationFailed, Receive(ref receivers[0], packets[2000].Packet));
        Assert.Equal((ushort)3000, receivers[0].CoherencyCount);
    }

    [Fact]
    public void A_jump_beyond_the_budget_is_refused_before_any_work_and_decrypts_once_allowed()
    {
        var (senders, receivers) = Pair(MppeKeyStrength.Bits56, stateless: true);
        var packets = Encrypt(ref senders[0], 600);
        Assert.Equal(MppeDropReason.None, Receive(ref receivers[0], packets[0].Packet));
        ulong changes = receivers[0].KeyChanges;
        byte[] copy = (byte[])packets[500].Packet.Clone();
        Assert.Equal(MppeDropReason.RekeyBudgetExhausted, receivers[0].TryDecryptVerified(packets[500].Packet, 499, out int spent, out _, out _));
        Assert.Equal(0, spent);
        Assert.Equal(changes, receivers[0].KeyChanges);
        Assert.Equal(copy, packets[500].Packet); // untouched
        Assert.Equal(MppeDropReason.None, receivers[0].TryDecryptVerified(packets[500].Packet, 500, out spent, out _, out _));
        Assert.Equal(500, spent);
        Assert.Equal(packets[500].Plain, packets[500].Packet[2..]);
    }

    [Fact]
    public void Stateful_gap_asks_for_a_reset_without_state_and_the_flushed_answer_resynchronises()
    {
        var (senders, receivers) = Pair(MppeKeyStrength.Bits128, stateless: false);
        var packets = Encrypt(ref senders[0], 4);
        Assert.Equal(MppeDropReason.None, Receive(ref receivers[0], packets[0].Packet));
        // packets[1] lost: the next one cannot be decrypted (RFC 3078 §8.2), and is no evidence of anything.
        Assert.Equal(MppeDropReason.StatefulPacketLoss, Receive(ref receivers[0], packets[2].Packet));
        Assert.False(receivers[0].IsResyncPending);
        Assert.Equal((ushort)0, receivers[0].CoherencyCount);
        // A forged flushed packet after the gap does not resynchronise either.
        Assert.Equal(MppeDropReason.VerificationFailed, Receive(ref receivers[0], Forged(new Random(5), 5, flushed: true)));
        Assert.Equal((ushort)0, receivers[0].CoherencyCount);
        // The sender gets our Reset-Request: its next packet is flushed, after a key change, and verifies.
        senders[0].OnResetRequestReceived();
        var (flushed, plain) = Encrypt(ref senders[0], 1, seed: 77)[0];
        Assert.True(Header(flushed).IsFlushed);
        Assert.Equal(MppeDropReason.None, Receive(ref receivers[0], flushed));
        Assert.Equal(plain, flushed[2..]);
        Assert.Equal(1UL, receivers[0].Resyncs);
        foreach (var (packet, p) in Encrypt(ref senders[0], 300, seed: 900)) // crosses a flag packet (0xFF)
        {
            Assert.Equal(MppeDropReason.None, Receive(ref receivers[0], packet));
            Assert.Equal(p, packet[2..]);
        }
    }

    [Fact]
    public void Replays_of_the_newest_or_a_late_count_decrypt_but_do_not_count_as_advancing()
    {
        var (senders, receivers) = Pair(MppeKeyStrength.Bits128, stateless: true);
        var packets = Encrypt(ref senders[0], 5);
        for (int i = 0; i < 5; i++)
            Assert.Equal(MppeDropReason.None, receivers[0].TryDecryptVerified((byte[])packets[i].Packet.Clone(), NoLimit, out _, out bool advanced, out _) );
        Assert.Equal(MppeDropReason.None, receivers[0].TryDecryptVerified((byte[])packets[4].Packet.Clone(), NoLimit, out _, out bool again, out _));
        Assert.False(again);
        Assert.Equal(MppeDropReason.None, receivers[0].TryDecryptVerified((byte[])packets[2].Packet.Clone(), NoLimit, out _, out bool late, out _));
        Assert.False(late);
    }
}

/// <summary><see cref="MppePlaintext"/>: what counts as evidence.</summary>
public sealed class MppePlaintextTests
{
    [Fact]
    public void A_well_formed_IPv4_frame_passes_with_either_protocol_field()
    {
        byte[] packet = MppeVerifiedReceiveTests.Ipv4Packet(3);
        Assert.True(MppePlaintext.IsWellFormed(packet.AsSpan(2), out int length));
        Assert.Equal(2, length);
        byte[] pfc = packet[3..]; // 21 | datagram (RFC 1661 §6.5)
        Assert.True(MppePlaintext.IsWellFormed(pfc, out length));
        Assert.Equal(1, length);
    }

    [Fact]
    public void Anything_else_fails()
    {
        byte[] good = MppeVerifiedReceiveTests.Ipv4Packet(4)[2..];
        Assert.False(MppePlaintext.IsWellFormed(good[..^1], out _));              // total length != frame
        Assert.False(MppePlaintext.IsWellFormed([.. good, 0], out _));            // trailing octet
        byte[] checksum = (byte[])good.Clone();
        checksum[2 + 10] ^= 1;
        Assert.False(MppePlaintext.IsWellFormed(checksum, out _));
        byte[] ttl = (byte[])good.Clone();
        ttl[2 + 8] ^= 0x40;                                                       // header changed, checksum stale
        Assert.False(MppePlaintext.IsWellFormed(ttl, out _));
        byte[] ipv6 = (byte[])good.Clone();
        ipv6[1] = 0x57;
        Assert.False(MppePlaintext.IsWellFormed(ipv6, out _));
        byte[] version = (byte[])good.Clone();
        version[2] = 0x65;
        Assert.False(MppePlaintext.IsWellFormed(version, out _));
        Assert.False(MppePlaintext.IsWellFormed([0x00, 0x21], out _));
        Assert.False(MppePlaintext.IsWellFormed([], out _));
    }

    [Fact]
    public void Random_plaintext_essentially_never_passes()
    {
        var random = new Random(12345);
        var buffer = new byte[80];
        int passed = 0;
        for (int i = 0; i < 200_000; i++)
        {
            random.NextBytes(buffer);
            if (MppePlaintext.IsWellFormed(buffer, out _))
                passed++;
        }
        Assert.Equal(0, passed);
    }
}
