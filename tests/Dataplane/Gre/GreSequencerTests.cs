using PptpGw.Dataplane.Gre;
using PptpGw.Dataplane.Packets;

namespace PptpGw.Tests.Dataplane.Gre;

public class GreSequencerTests
{
    private const long AckDelay = 1_000;
    private const long Wait = 3_000;
    private static readonly GreReorderPolicy Policy = new(15, Wait);

    private static GreSequencer Create(int sessions = 16) => new(sessions, Policy, AckDelay);

    private static GreReceiveResult Data(GreSequencer s, int session, uint seq, long now, List<int>? delivered = null)
    {
        Span<int> deliver = stackalloc int[GreReceiveState.MaxDeliveredPerCall];
        var result = s.Receive(session, true, seq, false, 0, (int)seq, now, deliver, out int n);
        delivered?.AddRange(deliver[..n].ToArray());
        return result;
    }

    private static int Send(GreSequencer s, int session, out EnhancedGreError error, out bool ack, out uint ackNumber)
    {
        var buffer = new byte[EnhancedGrePacket.MaxHeaderLength + 10];
        int offset = s.EncapsulateData(session, buffer, EnhancedGrePacket.MaxHeaderLength, 10);
        error = EnhancedGrePacket.TryParse(buffer.AsSpan(offset), out var packet);
        ack = packet.AcknowledgmentNumberPresent;
        ackNumber = packet.AcknowledgmentNumber;
        return offset;
    }

    [Fact]
    public void AcknowledgmentIsPiggyBackedOnDataAndNoAckOnlyPacketFollows()
    {
        var s = Create();
        s.Open(3, peerCallId: 77, ourReceiveWindow: 64, peerReceiveWindow: 64);
        Data(s, 3, 100, now: 0);
        Data(s, 3, 101, now: 10);
        Assert.Equal(1, s.PendingAcknowledgments);
        Send(s, 3, out var error, out bool ack, out uint ackNumber);
        Assert.Equal(EnhancedGreError.None, error);
        Assert.True(ack);
        Assert.Equal(101u, ackNumber);
        Assert.Equal(0, s.PendingAcknowledgments);
        Assert.False(s.TryGetDueAcknowledgment(10 * AckDelay, out _));
        Assert.Equal(0UL, s.TransmitState(3).AcknowledgmentOnlyPackets);
    }

    [Fact]
    public void AckOnlyPacketIsDueAfterTheDelayWhenNoDataFlows()
    {
        var s = Create();
        s.Open(5, peerCallId: 0x4242, ourReceiveWindow: 64, peerReceiveWindow: 64);
        Data(s, 5, 0, now: 500);
        Data(s, 5, 1, now: 900); // the acknowledgment has been owed since 500
        Assert.False(s.TryGetDueAcknowledgment(500 + AckDelay - 1, out _));
        Assert.True(s.TryGetDueAcknowledgment(500 + AckDelay, out int session));
        Assert.Equal(5, session);
        var packet = new byte[12];
        Assert.Equal(12, s.WriteAcknowledgment(session, packet));
        EnhancedGrePacket.TryParse(packet, out var ack);
        Assert.False(ack.SequenceNumberPresent);
        Assert.Equal(1u, ack.AcknowledgmentNumber);
        Assert.Equal(0x4242, ack.CallId);
        Assert.False(s.TryGetDueAcknowledgment(long.MaxValue, out _));
        // Data after the acknowledgment went out carries none.
        Send(s, 5, out _, out bool piggyBacked, out _);
        Assert.False(piggyBacked);
    }

    [Fact]
    public void DueAcknowledgmentStaysScheduledUntilWritten()
    {
        var s = Create();
        s.Open(1, 1, 64, 64);
        Data(s, 1, 0, now: 0);
        Assert.True(s.TryGetDueAcknowledgment(AckDelay, out int first));
        Assert.Equal(-1, s.WriteAcknowledgment(first, new byte[4]));
        Assert.True(s.TryGetDueAcknowledgment(AckDelay, out int again));
        Assert.Equal(first, again);
    }

    [Fact]
    public void AcknowledgmentOwedAgainAfterPiggyBackingWaitsAFullDelay()
    {
        var s = Create();
        s.Open(2, 1, 64, 64);
        Data(s, 2, 0, now: 0);
        Send(s, 2, out _, out bool ack, out _);
        Assert.True(ack);
        Data(s, 2, 1, now: AckDelay - 10);
        Assert.False(s.TryGetDueAcknowledgment(AckDelay, out _));
        Assert.True(s.TryGetDueAcknowledgment(2 * AckDelay - 10, out int session));
        Assert.Equal(2, session);
    }

    [Fact]
    public void PeerAcknowledgmentOnlyPacketsAreTakenAndNotDelivered()
    {
        var s = Create();
        s.Open(0, 1, 64, 64);
        for (int i = 0; i < 3; i++)
            Send(s, 0, out _, out _, out _);
        Span<int> deliver = stackalloc int[GreReceiveState.MaxDeliveredPerCall];
        var result = s.Receive(0, false, 0, true, 1, 9, 0, deliver, out int n);
        Assert.Equal(GreReceiveResult.AcknowledgmentOnly, result);
        Assert.Equal(0, n);
        Assert.Equal(1u, s.TransmitState(0).PeerAcknowledged);
        Assert.Equal(1u, s.TransmitState(0).Unacknowledged);
        Assert.Equal(0, s.PendingAcknowledgments); // an acknowledgment is never acknowledged
    }

    [Fact]
    public void ParsedPacketOverloadSequencesDataAndTakesItsAcknowledgment()
    {
        var s = Create();
        s.Open(4, 1, 64, 64);
        Send(s, 4, out _, out _, out _);
        var wire = new byte[16 + 3];
        EnhancedGreWriter.TryWriteDataHeader(wire, 0, 9, 3, 50, true, 0);
        EnhancedGrePacket.TryParse(wire, out var packet);
        Span<int> deliver = stackalloc int[GreReceiveState.MaxDeliveredPerCall];
        Assert.Equal(GreReceiveResult.Delivered, s.Receive(4, packet, 123, 0, deliver, out int n));
        Assert.Equal([123], deliver[..n].ToArray());
        Assert.Equal(0u, s.TransmitState(4).PeerAcknowledged);
        Assert.Equal(50u, s.ReceiveState(4).LastInOrder);
    }

    [Fact]
    public void ExpiredGapsAreFoundWithoutScanningAndReleaseInOrder()
    {
        var s = Create();
        s.Open(7, 1, 64, 64);
        s.Open(8, 1, 64, 64);
        var delivered = new List<int>();
        Data(s, 7, 0, 0, delivered);
        Data(s, 7, 2, 100, delivered);
        Data(s, 7, 3, 200, delivered);
        Data(s, 8, 10, 0);
        Data(s, 8, 12, 500);
        Assert.Equal(2, s.SessionsHoldingPackets);
        Span<int> deliver = stackalloc int[GreReceiveState.MaxDeliveredPerCall];
        Assert.False(s.TryExpireReorder(100 + Wait - 1, out _, deliver, out _));
        Assert.True(s.TryExpireReorder(500 + Wait, out int first, deliver, out int n));
        Assert.Equal(7, first);
        delivered.AddRange(deliver[..n].ToArray());
        Assert.Equal([0, 2, 3], delivered);
        Assert.True(s.TryExpireReorder(500 + Wait, out int second, deliver, out n));
        Assert.Equal(8, second);
        Assert.Equal([12], deliver[..n].ToArray());
        Assert.False(s.TryExpireReorder(long.MaxValue, out _, deliver, out _));
        Assert.Equal(0, s.SessionsHoldingPackets);
        Assert.Equal(1UL, s.ReceiveState(7).Lost);
        // Giving up the gap moved the acknowledgment past it.
        Send(s, 7, out _, out bool ack, out uint ackNumber);
        Assert.True(ack);
        Assert.Equal(3u, ackNumber);
    }

    [Fact]
    public void GapFilledInTimeLeavesNothingToExpire()
    {
        var s = Create();
        s.Open(1, 1, 64, 64);
        var delivered = new List<int>();
        Data(s, 1, 0, 0, delivered);
        Data(s, 1, 2, 10, delivered);
        Data(s, 1, 1, 20, delivered);
        Assert.Equal([0, 1, 2], delivered);
        Assert.Equal(0, s.SessionsHoldingPackets);
        Span<int> deliver = stackalloc int[GreReceiveState.MaxDeliveredPerCall];
        Assert.False(s.TryExpireReorder(long.MaxValue, out _, deliver, out _));
    }

    [Fact]
    public void CloseHandsBackHeldPacketsAndUnschedulesEverything()
    {
        var s = Create();
        s.Open(6, 1, 64, 64);
        Data(s, 6, 0, 0);
        Data(s, 6, 3, 0);
        Data(s, 6, 2, 0);
        var held = new int[GreReceiveState.MaxReorderDepth];
        Assert.Equal(2, s.Close(6, held));
        Assert.Equal([2, 3], held[..2]);
        Assert.Equal(0, s.PendingAcknowledgments);
        Assert.Equal(0, s.SessionsHoldingPackets);
        Assert.False(s.ReceiveState(6).IsSynchronized);
    }

    [Fact]
    public void AckSchedulerWithManySessionsReturnsExactlyTheDueOnesOldestFirst()
    {
        const int sessions = 100_000;
        var s = new GreSequencer(sessions, Policy, AckDelay);
        var rng = new Random(2637);
        // 20,000 sessions receive one packet each, at increasing times; every other one then sends data.
        var owedAt = new Dictionary<int, long>();
        long now = 0;
        for (int i = 0; i < 20_000; i++)
        {
            int session = rng.Next(sessions);
            if (owedAt.ContainsKey(session))
                continue;
            s.Open(session, (ushort)session, 64, 64);
            now += rng.Next(0, 3);
            Data(s, session, (uint)i, now);
            if (i % 2 == 0)
                Send(s, session, out _, out _, out _);
            else
                owedAt[session] = now;
        }
        Assert.Equal(owedAt.Count, s.PendingAcknowledgments);

        long cutoff = now / 2 + AckDelay;
        var expected = owedAt.Where(kv => kv.Value + AckDelay <= cutoff).Select(kv => kv.Key).ToHashSet();
        var due = new List<int>();
        var packet = new byte[12];
        long last = long.MinValue;
        while (s.TryGetDueAcknowledgment(cutoff, out int session))
        {
            Assert.True(owedAt[session] >= last);
            last = owedAt[session];
            Assert.Equal(12, s.WriteAcknowledgment(session, packet));
            due.Add(session);
        }
        Assert.NotEmpty(due);
        Assert.Equal(expected, due.ToHashSet());
        Assert.Equal(due.Count, due.Distinct().Count());
        Assert.Equal(owedAt.Count - due.Count, s.PendingAcknowledgments);
    }

    [Fact]
    public void SteadyStateAllocatesNothingOver100000Packets()
    {
        const int sessions = 1_000;
        var s = new GreSequencer(sessions, Policy, AckDelay);
        for (int i = 0; i < sessions; i++)
            s.Open(i, (ushort)i, 64, 64);
        var buffer = new byte[EnhancedGrePacket.MaxHeaderLength + 100];
        var ack = new byte[12];
        var deliver = new int[GreReceiveState.MaxDeliveredPerCall];
        var counts = new uint[sessions];
        long now = 0;
        int deliveredTotal = 0;

        void Run(int packets)
        {
            for (int p = 0; p < packets; p++)
            {
                int session = p % sessions;
                // Each session sends 0, 2, 1, 3, 4, 6, 5, 7, ...: every other pair arrives swapped.
                uint k = counts[session]++;
                uint seq = (k & ~3u) | (k & 3) switch { 1 => 2u, 2 => 1u, var x => x };
                now += 1; // each session sees a packet every 1,000 ticks, a third of the wait
                if (seq % 50 != 25) // and one in fifty is lost: its gap is given up after the wait
                {
                    s.Receive(session, true, seq, true, 0, p, now, deliver, out int n);
                    deliveredTotal += n;
                }
                if (p % 3 == 0)
                    s.EncapsulateData(session, buffer, EnhancedGrePacket.MaxHeaderLength, 100);
                while (s.TryGetDueAcknowledgment(now, out int due))
                    s.WriteAcknowledgment(due, ack);
                while (s.TryExpireReorder(now, out _, deliver, out int released))
                    deliveredTotal += released;
            }
        }

        Run(10_000); // warm up (JIT, tiered compilation)
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run(100_000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.True(deliveredTotal > 100_000, $"delivered {deliveredTotal}");
        ulong lost = 0, reordered = 0, acks = 0, tooOld = 0;
        for (int i = 0; i < sessions; i++)
        {
            lost += s.ReceiveState(i).Lost;
            reordered += s.ReceiveState(i).Reordered + s.ReceiveState(i).HeldAhead;
            acks += s.TransmitState(i).AcknowledgmentOnlyPackets;
            tooOld += s.ReceiveState(i).TooOld;
        }
        Assert.Equal(0UL, tooOld); // every swapped packet arrived within the wait and was recovered
        Assert.True(lost > 0);
        Assert.True(reordered > 0);
        Assert.True(acks > 0);
    }
}

public class GreStateSizeTests
{
    /// <summary>The memory figures in the doc comments (100,000 sessions per gateway) hold.</summary>
    [Fact]
    public void PerSessionStateIsAsSmallAsDocumented()
    {
        Assert.Equal(152, System.Runtime.CompilerServices.Unsafe.SizeOf<GreReceiveState>());
        Assert.Equal(56, System.Runtime.CompilerServices.Unsafe.SizeOf<GreTransmitState>());
        Assert.False(System.Runtime.CompilerServices.RuntimeHelpers.IsReferenceOrContainsReferences<GreReceiveState>());
        Assert.False(System.Runtime.CompilerServices.RuntimeHelpers.IsReferenceOrContainsReferences<GreTransmitState>());
    }
}
