using PptpGw.Dataplane.Gre;

namespace PptpGw.Tests.Dataplane.Gre;

public class GreReceiveStateTests
{
    private const long Wait = 3_000; // ticks
    private static readonly GreReorderPolicy Policy = new(15, Wait, resyncThreshold: 4);

    /// <summary>A session receiving packets whose handle is their sequence number's low bits plus an offset.</summary>
    private sealed class Receiver
    {
        public GreReceiveState State;
        public readonly List<int> Delivered = [];
        private readonly int[] _deliver = new int[GreReceiveState.MaxDeliveredPerCall];
        public GreReorderPolicy Policy;

        public Receiver(ushort window = 64, GreReorderPolicy? policy = null)
        {
            State.Initialize(window);
            Policy = policy ?? GreReceiveStateTests.Policy;
        }

        public GreReceiveResult Receive(uint seq, long now = 0, int? handle = null)
        {
            var result = State.Receive(seq, handle ?? (int)seq, now, Policy, _deliver, out int n);
            Delivered.AddRange(_deliver.AsSpan(0, n).ToArray());
            return result;
        }

        public int Expire(long now)
        {
            int n = State.Expire(now, Policy, _deliver);
            Delivered.AddRange(_deliver.AsSpan(0, n).ToArray());
            return n;
        }
    }

    [Fact]
    public void InOrderPacketsAreDeliveredAtOnceAndAcknowledged()
    {
        var r = new Receiver();
        for (uint s = 0; s < 100; s++)
            Assert.Equal(GreReceiveResult.Delivered, r.Receive(s));
        Assert.Equal(Enumerable.Range(0, 100), r.Delivered);
        Assert.Equal(100UL, r.State.InOrder);
        Assert.Equal(100UL, r.State.Received);
        Assert.Equal(99u, r.State.LastInOrder);
        Assert.Equal(0UL, r.State.Lost);
        Assert.False(r.State.HasHeldPackets);
    }

    [Fact]
    public void FirstPacketFixesTheSequenceWhereverThePeerStarts()
    {
        var r = new Receiver();
        Assert.False(r.State.IsSynchronized);
        Assert.Equal(GreReceiveResult.Delivered, r.Receive(123_456));
        Assert.True(r.State.IsSynchronized);
        Assert.Equal(123_457u, r.State.NextExpected);
        Assert.Equal(123_456u, r.State.LastInOrder);
    }

    [Fact]
    public void ReorderedPacketsWithinTheDepthAreRecoveredInOrder()
    {
        var r = new Receiver();
        r.Receive(0);
        Assert.Equal(GreReceiveResult.Held, r.Receive(2));
        Assert.Equal(GreReceiveResult.Held, r.Receive(3));
        Assert.Equal(2, r.State.HeldCount);
        Assert.Equal(0u, r.State.LastInOrder); // held packets are not acknowledged yet
        Assert.Equal(GreReceiveResult.Delivered, r.Receive(1));
        Assert.Equal([0, 1, 2, 3], r.Delivered);
        Assert.Equal(3u, r.State.LastInOrder);
        Assert.Equal(1UL, r.State.InOrder);
        Assert.Equal(2u, r.State.HeldAhead);
        Assert.Equal(1u, r.State.Reordered);
        Assert.Equal(0UL, r.State.Lost);
        Assert.False(r.State.HasHeldPackets);
    }

    [Fact]
    public void LatePacketBehindAnotherGapIsHeldAndCountedReordered()
    {
        var r = new Receiver();
        r.Receive(0);
        r.Receive(5);
        Assert.Equal(GreReceiveResult.Held, r.Receive(3)); // later than 5, still ahead of gap 1
        r.Receive(1);
        r.Receive(2);
        r.Receive(4);
        Assert.Equal([0, 1, 2, 3, 4, 5], r.Delivered);
        Assert.Equal(1u, r.State.HeldAhead);
        Assert.Equal(4u, r.State.Reordered);
    }

    [Fact]
    public void DuplicatesOfDeliveredAndOfHeldPacketsAreDropped()
    {
        var r = new Receiver();
        r.Receive(0);
        r.Receive(1);
        r.Receive(3);
        Assert.Equal(GreReceiveResult.Duplicate, r.Receive(1));
        Assert.Equal(GreReceiveResult.Duplicate, r.Receive(0));
        Assert.Equal(GreReceiveResult.Duplicate, r.Receive(3, handle: 999));
        Assert.Equal(3u, r.State.Duplicates);
        r.Receive(2);
        Assert.Equal([0, 1, 2, 3], r.Delivered); // the duplicate's handle 999 never comes out
    }

    [Fact]
    public void PacketArrivingAfterItsGapWasGivenUpIsTooOld()
    {
        var r = new Receiver();
        r.Receive(0, now: 0);
        r.Receive(2, now: 10);
        Assert.Equal(1, r.Expire(10 + Wait));
        Assert.Equal(1UL, r.State.Lost);
        Assert.Equal(GreReceiveResult.TooOld, r.Receive(1, now: 10 + Wait + 1));
        Assert.Equal(1u, r.State.TooOld);
        Assert.Equal([0, 2], r.Delivered);
    }

    [Fact]
    public void PacketOlderThanTheDuplicateHistoryIsTooOld()
    {
        var r = new Receiver(window: 1000);
        for (uint s = 0; s < 200; s++)
            r.Receive(s);
        Assert.Equal(GreReceiveResult.Duplicate, r.Receive(200 - GreReceiveState.DuplicateHistory));
        Assert.Equal(GreReceiveResult.TooOld, r.Receive(199 - GreReceiveState.DuplicateHistory));
        Assert.Equal(GreReceiveResult.TooOld, r.Receive(5));
        Assert.Equal(1u, r.State.Duplicates);
        Assert.Equal(2u, r.State.TooOld);
    }

    [Fact]
    public void PacketsBeyondTheAdvertisedWindowAreDropped()
    {
        var r = new Receiver(window: 8);
        r.Receive(10);
        // Next expected is 11: 11 + 7 is the last number the window allows.
        Assert.Equal(GreReceiveResult.BeyondWindow, r.Receive(19));
        Assert.Equal(GreReceiveResult.Held, r.Receive(18));
        Assert.Equal(1u, r.State.BeyondWindow);
        Assert.Equal([10], r.Delivered);
    }

    [Fact]
    public void ARunOfBeyondWindowPacketsResynchronizes()
    {
        var r = new Receiver(window: 8);
        r.Receive(0);
        r.Receive(2); // held, released by the resynchronization
        for (uint s = 1000; s < 1003; s++)
            Assert.Equal(GreReceiveResult.BeyondWindow, r.Receive(s));
        Assert.Equal(GreReceiveResult.Delivered, r.Receive(1003));
        Assert.Equal(GreReceiveResult.Delivered, r.Receive(1004));
        Assert.Equal([0, 2, 1003, 1004], r.Delivered);
        Assert.Equal(3u, r.State.BeyondWindow);
        Assert.Equal(1u, r.State.Resynchronizations);
        Assert.Equal(1004u, r.State.LastInOrder);
    }

    [Fact]
    public void AnInWindowPacketBreaksTheBeyondWindowRun()
    {
        var r = new Receiver(window: 8);
        r.Receive(0);
        for (int round = 0; round < 3; round++)
        {
            for (uint s = 0; s < 3; s++)
                Assert.Equal(GreReceiveResult.BeyondWindow, r.Receive(5000 + s));
            r.Receive(r.State.NextExpected);
        }
        Assert.Equal(0u, r.State.Resynchronizations);
        Assert.Equal(9u, r.State.BeyondWindow);
    }

    [Fact]
    public void WithoutResyncThresholdBeyondWindowIsAlwaysDropped()
    {
        var r = new Receiver(window: 8, policy: new GreReorderPolicy(15, Wait, resyncThreshold: 0));
        r.Receive(0);
        for (uint s = 100; s < 200; s++)
            Assert.Equal(GreReceiveResult.BeyondWindow, r.Receive(s));
        Assert.Equal(100u, r.State.BeyondWindow);
        Assert.Equal(0u, r.State.Resynchronizations);
    }

    [Fact]
    public void BoundedWaitGivesUpTheGapAndReleasesHeldPacketsInOrder()
    {
        var r = new Receiver();
        r.Receive(0, now: 0);
        r.Receive(3, now: 100);
        r.Receive(2, now: 200);
        Assert.Equal(100, r.State.GapSinceTicks);
        Assert.Equal(0, r.Expire(100 + Wait - 1));
        Assert.Equal(2, r.Expire(100 + Wait));
        Assert.Equal([0, 2, 3], r.Delivered);
        Assert.Equal(1UL, r.State.Lost);
        Assert.Equal(3u, r.State.LastInOrder);
        Assert.False(r.State.HasHeldPackets);
    }

    [Fact]
    public void ReceiveGivesUpAnExpiredGapBeforeHandlingTheNewPacket()
    {
        var r = new Receiver();
        r.Receive(0, now: 0);
        r.Receive(2, now: 0);
        Assert.Equal(GreReceiveResult.Delivered, r.Receive(3, now: Wait));
        Assert.Equal([0, 2, 3], r.Delivered);
        Assert.Equal(1UL, r.State.Lost);
    }

    [Fact]
    public void EachGapGetsItsOwnWaitFromWhenItHeadsTheLine()
    {
        var r = new Receiver();
        r.Receive(0, now: 0);
        r.Receive(2, now: 0);
        r.Receive(5, now: 50);
        Assert.Equal(1, r.Expire(Wait)); // gap 1 given up, 2 released, gap 3-4 now heads the line
        Assert.Equal(Wait, r.State.GapSinceTicks);
        Assert.Equal(0, r.Expire(2 * Wait - 1));
        r.Receive(3, now: 2 * Wait - 1);
        Assert.Equal(1, r.Expire(2 * Wait));
        Assert.Equal([0, 2, 3, 5], r.Delivered);
        Assert.Equal(2UL, r.State.Lost);
    }

    [Fact]
    public void PacketBeyondTheReorderDepthMakesRoomByGivingUpOldestGaps()
    {
        var r = new Receiver(policy: new GreReorderPolicy(4, Wait));
        r.Receive(0);
        r.Receive(2);
        // Next expected 1, depth 4: 7 fits only once next expected is 3, so 1 is given up and 2 released.
        Assert.Equal(GreReceiveResult.Held, r.Receive(7));
        Assert.Equal([0, 2], r.Delivered);
        Assert.Equal(1UL, r.State.Lost);
        Assert.Equal(3u, r.State.NextExpected);
        r.Receive(3);
        r.Receive(4);
        r.Receive(5);
        r.Receive(6);
        Assert.Equal([0, 2, 3, 4, 5, 6, 7], r.Delivered);
    }

    [Fact]
    public void TheDeepestHeldPacketNeverPassesForTheNextExpectedOne()
    {
        var r = new Receiver();
        r.Receive(0);
        Assert.Equal(GreReceiveResult.Held, r.Receive(1 + GreReceiveState.MaxReorderDepth)); // 16, same slot as 0
        // 17 is 16 ahead of the next expected 1: 1 is given up so that 17 fits.
        Assert.Equal(GreReceiveResult.Held, r.Receive(2 + GreReceiveState.MaxReorderDepth));
        Assert.Equal([0], r.Delivered);
        Assert.Equal(1UL, r.State.Lost);
        for (uint s = 2; s <= GreReceiveState.MaxReorderDepth; s++)
            r.Receive(s);
        Assert.Equal([0, .. Enumerable.Range(2, 16)], r.Delivered);
    }

    [Fact]
    public void DepthZeroTakesEveryForwardJumpAtOnce()
    {
        var r = new Receiver(policy: new GreReorderPolicy(0, Wait));
        r.Receive(0);
        Assert.Equal(GreReceiveResult.Delivered, r.Receive(3));
        Assert.Equal(GreReceiveResult.TooOld, r.Receive(2));
        Assert.Equal(2UL, r.State.Lost);
        Assert.Equal([0, 3], r.Delivered);
    }

    [Fact]
    public void SequenceNumbersWrapAt2To32()
    {
        var r = new Receiver();
        r.Receive(0xFFFF_FFFD, handle: 1);
        r.Receive(0xFFFF_FFFF, handle: 3); // held across the wrap
        r.Receive(0x0000_0000, handle: 4);
        r.Receive(0xFFFF_FFFE, handle: 2);
        r.Receive(0x0000_0001, handle: 5);
        Assert.Equal([1, 2, 3, 4, 5], r.Delivered);
        Assert.Equal(1u, r.State.LastInOrder);
        Assert.Equal(GreReceiveResult.Duplicate, r.Receive(0xFFFF_FFFF));
        Assert.Equal(GreReceiveResult.BeyondWindow, r.Receive(0x7FFF_0000));
        Assert.Equal(0UL, r.State.Lost);
    }

    [Fact]
    public void TakeHeldEmptiesTheRingInOrderWithoutCounting()
    {
        var r = new Receiver();
        r.Receive(0);
        r.Receive(9);
        r.Receive(4);
        r.Receive(6);
        var handles = new int[GreReceiveState.MaxReorderDepth];
        int n = r.State.TakeHeld(handles);
        Assert.Equal([4, 6, 9], handles[..n]);
        Assert.False(r.State.HasHeldPackets);
        Assert.Equal(0UL, r.State.Lost);
    }

    [Fact]
    public void ShortDeliverySpanIsAProgrammerError()
    {
        var state = new GreReceiveState();
        state.Initialize(8);
        Assert.Throws<ArgumentException>(() =>
            state.Receive(0, 0, 0, Policy, new int[GreReceiveState.MaxDeliveredPerCall - 1], out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => state.Initialize(0));
    }
}
