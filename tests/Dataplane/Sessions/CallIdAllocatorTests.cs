using Microsoft.Extensions.Time.Testing;
using PptpGw.Dataplane.Sessions;

namespace PptpGw.Tests.Dataplane.Sessions;

public class CallIdAllocatorTests
{
    private const uint PeerA = 0xC612_0001;
    private const uint PeerB = 0xC612_0002;

    /// <summary>
    /// Call ids are the GRE key a blind attacker must guess (issue 9 item 1): 2,000 ids handed to one peer are spread
    /// over the whole space and one does not tell the next (a counter would give 1,999 "next = previous + 1" pairs).
    /// </summary>
    [Fact]
    public void IdsAreUnpredictableAndSpreadOverTheWholeSpace()
    {
        var ids = new CallIdAllocator(new FakeTimeProvider());
        var got = new List<ushort>();
        for (int i = 0; i < 2000; i++)
        {
            Assert.True(ids.TryAllocate(PeerA, out ushort id));
            got.Add(id);
        }
        Assert.Equal(2000, got.Distinct().Count());
        Assert.DoesNotContain((ushort)0, got);
        int successors = got.Zip(got.Skip(1)).Count(p => Math.Abs(p.Second - p.First) <= 16);
        Assert.True(successors < 10, $"{successors} of 1999 ids were within 16 of the previous one");
        // 2,000 uniform draws fill nearly all 256 high-octet bins (expected 255.9) and all four quarters evenly.
        Assert.True(got.Select(id => id >> 8).Distinct().Count() > 240);
        foreach (int quarter in Enumerable.Range(0, 4))
            Assert.InRange(got.Count(id => id >> 14 == quarter), 400, 600);
    }

    [Fact]
    public void PrefersIdsNoPeerHoldsAndIsUniquePerPeer()
    {
        var ids = new CallIdAllocator(new FakeTimeProvider(), random: new Random(7));
        var a = new HashSet<ushort>();
        var all = new List<ushort>();
        // 30,000 calls from two peers (less than half the space): ids stay globally unique but for a handful.
        for (int i = 0; i < 30_000; i++)
        {
            uint peer = i % 2 == 0 ? PeerA : PeerB;
            Assert.True(ids.TryAllocate(peer, out ushort id));
            all.Add(id);
            if (peer == PeerA)
                Assert.True(a.Add(id));
        }
        Assert.True(30_000 - all.Distinct().Count() < 30, $"{30_000 - all.Distinct().Count()} ids shared by both peers");
        Assert.Equal(30_000, ids.AllocatedCount);
        Assert.True(ids.IsAllocated(PeerA, a.First()));
    }

    [Fact]
    public void NeverHandsOutZeroAndAPeerGetsEveryOtherId()
    {
        var ids = new CallIdAllocator(new FakeTimeProvider(), random: new Random(3));
        var got = new HashSet<ushort>();
        for (int i = 0; i < CallIdAllocator.IdsPerPeer; i++)
        {
            Assert.True(ids.TryAllocate(PeerA, out ushort id));
            Assert.True(got.Add(id));
        }
        Assert.DoesNotContain((ushort)0, got);
        Assert.Equal(CallIdAllocator.IdsPerPeer, got.Count);
        Assert.False(ids.TryAllocate(PeerA, out ushort none));
        Assert.Equal(0, none);
        Assert.False(ids.Release(PeerA, 0));
        Assert.False(ids.IsAllocated(PeerA, 0));
    }

    [Fact]
    public void AReleasedIdIsQuarantinedForItsPeerOnly()
    {
        var time = new FakeTimeProvider();
        var ids = new CallIdAllocator(time, TimeSpan.FromSeconds(10));
        Assert.True(ids.TryAllocate(PeerA, out ushort id));
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
        var ids = new CallIdAllocator(time, TimeSpan.FromSeconds(5), new Random(5));
        for (int i = 1; i <= CallIdAllocator.IdsPerPeer; i++)
            Assert.True(ids.TryAllocate(PeerA, out _));
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
    public void AFreedIdDoesNotComeBackToItsPeerWithinTheQuarantine()
    {
        var ids = new CallIdAllocator(new FakeTimeProvider(), TimeSpan.FromSeconds(10));
        Assert.True(ids.TryAllocate(PeerA, out ushort first));
        Assert.True(ids.Release(PeerA, first));
        for (int i = 0; i < 5000; i++)
        {
            Assert.True(ids.TryAllocate(PeerA, out ushort id));
            Assert.NotEqual(first, id);
            Assert.True(ids.Release(PeerA, id));
        }
    }

    /// <summary>Sized for 1,000,000 sessions: 131,072 peers (the lab's address range) with 7-8 calls each.</summary>
    [Fact]
    public void AMillionCallsFromManyPeersAreUniquePerPeer()
    {
        var ids = new CallIdAllocator(new FakeTimeProvider(), random: new Random(11));
        var perPeer = new Dictionary<uint, HashSet<ushort>>();
        for (int i = 0; i < 1_000_000; i++)
        {
            uint peer = 0xC612_0000u + (uint)(i % 131_072);
            Assert.True(ids.TryAllocate(peer, out ushort id));
            Assert.NotEqual(0, id);
            if (!perPeer.TryGetValue(peer, out HashSet<ushort>? set))
                perPeer[peer] = set = [];
            Assert.True(set.Add(id));
        }
        Assert.Equal(1_000_000, ids.AllocatedCount);
    }

    [Fact]
    public void TheDefaultGeneratorGivesValidIds()
    {
        var ids = new CallIdAllocator();
        Assert.True(ids.TryAllocate(PeerA, out ushort id));
        Assert.InRange(id, 1, 65535);
        Assert.Equal(CallIdAllocator.DefaultQuarantine, ids.Quarantine);
        Assert.Throws<ArgumentOutOfRangeException>(() => new CallIdAllocator(quarantine: TimeSpan.FromSeconds(-1)));
    }
}
