using PptpGw.ControlPlane.Pools;

namespace PptpGw.Tests.ControlPlane.Pools;

/// <summary><see cref="IpLocalPool.TryResize"/>: a reload grows a pool in place and shrinks it only over free addresses.</summary>
public sealed class IpLocalPoolResizeTests
{
    private static uint A(string text) => Ipv4.TryParse(text, out uint v) ? v : throw new ArgumentException(text);

    private static Ipv4Range R(string first, string last) => new(A(first), A(last));

    [Fact]
    public void Growing_keeps_every_held_address_held_and_hands_out_the_new_ones()
    {
        var pool = new IpLocalPool("p", [R("198.18.1.1", "198.18.1.4")]);
        var held = new List<uint>();
        while (pool.TryAllocate(out uint a))
            held.Add(a);
        Assert.Equal(4, held.Count);

        PoolResizeResult result = pool.TryResize([R("198.18.1.1", "198.18.1.4"), R("198.18.2.1", "198.18.2.2")]);

        Assert.True(result.Resized);
        Assert.Equal((4, 6), (result.CapacityBefore, result.CapacityAfter));
        Assert.Equal(6, pool.Capacity);
        Assert.Equal(4, pool.UsedCount);
        Assert.All(held, a => Assert.True(pool.IsAllocated(a)));
        Assert.All(held, a => Assert.Equal(PoolAllocateResult.InUse, pool.TryAllocateSpecific(a)));
        Assert.True(pool.TryAllocate(out uint x));
        Assert.True(pool.TryAllocate(out uint y));
        Assert.Equal([A("198.18.2.1"), A("198.18.2.2")], new[] { x, y }.Order().ToArray());
        Assert.False(pool.TryAllocate(out _));
        // A session that held an old address releases it into the same (resized) pool.
        Assert.Equal(PoolReleaseResult.Released, pool.Release(held[0]));
        Assert.Equal(5, pool.UsedCount);
    }

    [Fact]
    public void Shrinking_over_a_held_address_is_refused_and_changes_nothing()
    {
        var pool = new IpLocalPool("p", [R("198.18.1.1", "198.18.1.10")]);
        Assert.Equal(PoolAllocateResult.Allocated, pool.TryAllocateSpecific(A("198.18.1.9")));

        PoolResizeResult result = pool.TryResize([R("198.18.1.1", "198.18.1.5")]);

        Assert.False(result.Resized);
        Assert.Equal([A("198.18.1.9")], result.HeldAddresses.ToArray());
        Assert.Equal(10, pool.Capacity);
        Assert.True(pool.IsAllocated(A("198.18.1.9")));
        Assert.True(pool.Contains(A("198.18.1.10")));
    }

    [Fact]
    public void Shrinking_over_free_addresses_only_is_applied()
    {
        var pool = new IpLocalPool("p", [R("198.18.1.1", "198.18.1.10")]);
        Assert.Equal(PoolAllocateResult.Allocated, pool.TryAllocateSpecific(A("198.18.1.2")));

        PoolResizeResult result = pool.TryResize([R("198.18.1.1", "198.18.1.3")]);

        Assert.True(result.Resized);
        Assert.Equal(3, pool.Capacity);
        Assert.Equal(1, pool.UsedCount);
        Assert.False(pool.Contains(A("198.18.1.4")));
        Assert.True(pool.IsAllocated(A("198.18.1.2")));
        var handed = new List<uint>();
        while (pool.TryAllocate(out uint a))
            handed.Add(a);
        Assert.Equal([A("198.18.1.1"), A("198.18.1.3")], handed.Order().ToArray());
    }

    [Fact]
    public void An_outside_address_the_new_ranges_cover_stays_held_inside()
    {
        var pool = new IpLocalPool("p", [R("198.18.1.1", "198.18.1.2")]);
        Assert.Equal(PoolAllocateResult.Allocated, pool.TryAllocateSpecific(A("198.18.3.7"), allowOutsidePool: true));

        Assert.True(pool.TryResize([R("198.18.1.1", "198.18.1.2"), R("198.18.3.1", "198.18.3.10")]).Resized);

        Assert.Equal(0, pool.OutsideCount);
        Assert.Equal(1, pool.UsedCount);
        Assert.Equal(PoolAllocateResult.InUse, pool.TryAllocateSpecific(A("198.18.3.7")));
        Assert.Equal(PoolReleaseResult.Released, pool.Release(A("198.18.3.7")));
        Assert.Equal(0, pool.UsedCount);
    }
}
