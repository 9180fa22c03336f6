using Microsoft.Extensions.Time.Testing;
using PptpGw.Dataplane.Sessions;

namespace PptpGw.Tests.Dataplane.Sessions;

public class CallIdAllocatorTests
{
    private const uint PeerA = 0xC612_0001;
    private const uint PeerB = 0xC612_0002;

    [Fact]
    public void HandsOutIdsInCursorOrderPreferringIdsNoPeerHolds()
    {
        var ids = new CallIdAllocator(new FakeTimeProvider(), firstCallId: 100);
        Assert.True(ids.TryAllocate(PeerA, out ushort a1));
        Assert.True(ids.TryAllocate(PeerB, out ushort b1));
        Assert.True(ids.TryAllocate(PeerA, out ushort a2));
        Assert.Equal([100, 101, 102], new[] { a1, b1, a2 });
        Assert.Equal(3, ids.AllocatedCount);
        Assert.True(ids.IsAllocated(PeerB, 101));
        Assert.False(ids.IsAllocated(PeerA, 101));
    }

    [Fact]
    public void NeverHandsOutZeroAndWrapsPastIt()
    {
        var ids = new CallIdAllocator(new FakeTimeProvider(), firstCallId: 65534);
        var got = new List<ushort>();
        for (int i = 0; i < 4; i++)
        {
            Assert.True(ids.TryAllocate(PeerA, out ushort id));
            got.Add(id);
        }
        Assert.Equal([65534, 65535, 1, 2], got);
        Assert.False(ids.Release(PeerA, 0));
        Assert.False(ids.IsAllocated(PeerA, 0));
    }

    [Fact]
    public void AReleasedIdIsQuarantinedForItsPeerOnly()
    {
        var time = new FakeTimeProvider();
        var ids = new CallIdAllocator(time, TimeSpan.FromSeconds(10), firstCallId: 7);
        Assert.True(ids.TryAllocate(PeerA, out ushort id));
        Assert.Equal(7, id);
        Assert.True(ids.Release(PeerA, id));
        Assert.False(ids.Release(PeerA, id));          // double release
        Assert.False(ids.Release(PeerB, id));          // not PeerB's
        Assert.True(ids.IsQuarantined(PeerA, id));
        Assert.False(ids.IsAllocated(PeerA, id));
        Assert.Equal(0, ids.AllocatedCount);
        Assert.Equal(1, ids.QuarantinedCount);
        Assert.Equal(TimeSpan.FromSeconds(10), ids.Quarantine);

        time.Advance(TimeSpan.FromSeconds(9.9));
        Assert.True(ids.IsQuarantined(PeerA, id));
        time.Advance(TimeSpan.FromSeconds(0.1));
        Assert.False(ids.IsQuarantined(PeerA, id));
        Assert.Equal(0, ids.QuarantinedCount);
    }

    [Fact]
    public void AJustFreedIdIsNotReusedEvenWhenThePeerHoldsEveryOther()
    {
        var time = new FakeTimeProvider();
        var ids = new CallIdAllocator(time, TimeSpan.FromSeconds(5), firstCallId: 1);
        for (int i = 1; i <= CallIdAllocator.IdsPerPeer; i++)
        {
            Assert.True(ids.TryAllocate(PeerA, out ushort id));
            Assert.Equal(i, id);
        }
        Assert.False(ids.TryAllocate(PeerA, out ushort none));
        Assert.Equal(0, none);
        // Another peer still gets ids: uniqueness is per peer.
        Assert.True(ids.TryAllocate(PeerB, out ushort other));
        Assert.NotEqual(0, other);

        Assert.True(ids.Release(PeerA, 4242));
        Assert.False(ids.TryAllocate(PeerA, out _)); // the only id PeerA lacks is in quarantine
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.True(ids.TryAllocate(PeerA, out ushort again));
        Assert.Equal(4242, again);
    }

    [Fact]
    public void AReleasedIdComesBackOnlyAfterTheCursorWentRound()
    {
        // No quarantine at all: the rotating cursor alone keeps a freed id away while others are free.
        var ids = new CallIdAllocator(new FakeTimeProvider(), TimeSpan.Zero, firstCallId: 1);
        Assert.True(ids.TryAllocate(PeerA, out ushort first));
        Assert.True(ids.Release(PeerA, first));
        Assert.Equal(0, ids.QuarantinedCount);
        for (int i = 0; i < 1000; i++)
        {
            Assert.True(ids.TryAllocate(PeerA, out ushort id));
            Assert.NotEqual(first, id);
            Assert.True(ids.Release(PeerA, id));
        }
    }

    [Fact]
    public void ManyPeersShareTheIdSpaceBeyond65535Calls()
    {
        var ids = new CallIdAllocator(new FakeTimeProvider(), firstCallId: 1);
        var seen = new HashSet<(uint, ushort)>();
        // 100,000 calls from 1,000 peers: per-peer uniqueness, ids globally unique as long as they can be.
        for (int i = 0; i < 100_000; i++)
        {
            uint peer = 0xC612_0000u + (uint)(i % 1000);
            Assert.True(ids.TryAllocate(peer, out ushort id));
            Assert.NotEqual(0, id);
            Assert.True(seen.Add((peer, id)));
            if (i < ushort.MaxValue)
                Assert.Equal(i + 1, id);
        }
        Assert.Equal(100_000, ids.AllocatedCount);
    }

    [Fact]
    public void ARandomStartIsAValidId()
    {
        var ids = new CallIdAllocator();
        Assert.True(ids.TryAllocate(PeerA, out ushort id));
        Assert.InRange(id, 1, 65535);
        Assert.Equal(CallIdAllocator.DefaultQuarantine, ids.Quarantine);
        Assert.Throws<ArgumentOutOfRangeException>(() => new CallIdAllocator(quarantine: TimeSpan.FromSeconds(-1)));
    }
}
