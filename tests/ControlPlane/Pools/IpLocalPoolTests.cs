using CsCheck;
using PptpGw.ControlPlane.Pools;

namespace PptpGw.Tests.ControlPlane.Pools;

public class IpLocalPoolTests
{
    private static uint A(string text) => Ipv4.TryParse(text, out uint v) ? v : throw new ArgumentException(text);

    private static Ipv4Range R(string first, string last) => new(A(first), A(last));

    private static List<uint> AllocateAll(IpLocalPool pool)
    {
        var list = new List<uint>();
        while (pool.TryAllocate(out uint address))
            list.Add(address);
        return list;
    }

    [Fact]
    public void AllocatesEveryAddressOfEveryRangeOnceThenIsExhausted()
    {
        // Given out of order: the pool sorts its ranges. 50 + 1 + 100 addresses, none a multiple of 64.
        var pool = new IpLocalPool("p", [R("10.0.2.1", "10.0.2.100"), R("10.0.1.1", "10.0.1.50"), R("10.0.9.9", "10.0.9.9")]);
        Assert.Equal(151, pool.Capacity);

        var all = AllocateAll(pool);

        var expected = Enumerable.Range(1, 50).Select(i => A("10.0.1.0") + (uint)i)
            .Concat(Enumerable.Range(1, 100).Select(i => A("10.0.2.0") + (uint)i))
            .Append(A("10.0.9.9"));
        Assert.Equal(expected, all);
        Assert.Equal(0, pool.FreeCount);
        Assert.Equal(151, pool.UsedCount);
        Assert.False(pool.TryAllocate(out uint none));
        Assert.Equal(0u, none);
    }

    [Fact]
    public void AReleasedAddressIsNotReusedWhileOthersAreFree()
    {
        var pool = new IpLocalPool("p", [R("192.168.1.1", "192.168.1.4")]);
        Assert.True(pool.TryAllocate(out uint first));
        Assert.True(pool.TryAllocate(out uint second));
        Assert.Equal(PoolReleaseResult.Released, pool.Release(first));

        Assert.True(pool.TryAllocate(out uint third));
        Assert.True(pool.TryAllocate(out uint fourth));
        Assert.Equal([A("192.168.1.3"), A("192.168.1.4")], new[] { third, fourth });

        // Only now, with the rest in use, does the cursor wrap back to the released address.
        Assert.True(pool.TryAllocate(out uint fifth));
        Assert.Equal(first, fifth);
        Assert.False(pool.TryAllocate(out _));
        Assert.NotEqual(first, second);
    }

    [Fact]
    public void DoubleReleaseChangesNothing()
    {
        var pool = new IpLocalPool("p", [R("192.168.1.1", "192.168.1.10")]);
        Assert.True(pool.TryAllocate(out uint address));

        Assert.Equal(PoolReleaseResult.Released, pool.Release(address));
        Assert.Equal(PoolReleaseResult.NotAllocated, pool.Release(address));
        Assert.Equal(PoolReleaseResult.NotAllocated, pool.Release(A("192.168.1.5")));
        Assert.Equal(PoolReleaseResult.NotAllocated, pool.Release(A("8.8.8.8")));
        Assert.Equal(0, pool.UsedCount);
        Assert.Equal(10, pool.FreeCount);
    }

    [Fact]
    public void SpecificAddressInsideThePool()
    {
        var pool = new IpLocalPool("p", [R("192.168.1.1", "192.168.1.3")]);

        Assert.Equal(PoolAllocateResult.Allocated, pool.TryAllocateSpecific(A("192.168.1.1")));
        Assert.Equal(PoolAllocateResult.InUse, pool.TryAllocateSpecific(A("192.168.1.1")));
        Assert.True(pool.IsAllocated(A("192.168.1.1")));
        Assert.Equal(1, pool.UsedCount);

        // Round-robin allocation skips the address a RADIUS server claimed.
        Assert.Equal([A("192.168.1.2"), A("192.168.1.3")], AllocateAll(pool));
        Assert.Equal(PoolAllocateResult.InUse, pool.TryAllocateSpecific(A("192.168.1.2")));
    }

    [Fact]
    public void SpecificAddressOutsideThePool()
    {
        var pool = new IpLocalPool("p", [R("192.168.1.1", "192.168.1.3")]);
        uint outside = A("172.16.0.7");

        Assert.Equal(PoolAllocateResult.OutsidePool, pool.TryAllocateSpecific(outside));
        Assert.False(pool.IsAllocated(outside));
        Assert.Equal(PoolAllocateResult.Allocated, pool.TryAllocateSpecific(outside, allowOutsidePool: true));
        Assert.Equal(PoolAllocateResult.InUse, pool.TryAllocateSpecific(outside, allowOutsidePool: true));
        Assert.True(pool.IsAllocated(outside));
        Assert.Equal(1, pool.OutsideCount);
        Assert.Equal(0, pool.UsedCount);
        Assert.False(pool.Contains(outside));

        Assert.Equal(PoolReleaseResult.Released, pool.Release(outside));
        Assert.Equal(PoolReleaseResult.NotAllocated, pool.Release(outside));
        Assert.Equal(0, pool.OutsideCount);
    }

    [Fact]
    public void RefusesOverlappingOrEmptyRanges()
    {
        Assert.Throws<ArgumentException>(() => new IpLocalPool("p", [R("10.0.0.1", "10.0.0.10"), R("10.0.0.10", "10.0.0.20")]));
        Assert.Throws<ArgumentException>(() => new IpLocalPool("p", []));
        Assert.Throws<ArgumentException>(() => new IpLocalPool("p", [R("10.0.0.0", "11.0.0.0")]));
    }

    [Fact]
    public void HundredThousandAddresses()
    {
        // 10.0.0.0 - 10.1.134.159: exactly 100,000 addresses.
        var range = new Ipv4Range(A("10.0.0.0"), A("10.0.0.0") + 99_999);
        var pool = new IpLocalPool("big", [range]);
        Assert.Equal(100_000, pool.Capacity);

        var all = AllocateAll(pool);
        Assert.Equal(100_000, all.Count);
        Assert.Equal(100_000, new HashSet<uint>(all).Count);
        Assert.All(all, a => Assert.True(range.Contains(a)));
        Assert.Equal(0, pool.FreeCount);

        // Free every third address; exactly those come back, lowest first after the cursor wraps.
        var freed = all.Where((_, i) => i % 3 == 0).ToList();
        foreach (uint a in freed)
            Assert.Equal(PoolReleaseResult.Released, pool.Release(a));
        Assert.Equal(freed.Count, pool.FreeCount);
        Assert.Equal(freed, AllocateAll(pool));
        Assert.Equal(100_000, pool.UsedCount);
    }

    [Fact]
    public void BehavesLikeASetUnderRandomOperations()
    {
        // Model check: a HashSet of held addresses and the next-fit rule, against random allocate/release/specific calls.
        var ops = Gen.Int[0, 2].Select(Gen.Int[0, 199]).Array[1, 400];
        ops.Sample(list =>
        {
            var pool = new IpLocalPool("p", [R("10.0.0.0", "10.0.0.99"), R("10.0.1.0", "10.0.1.99")]);
            var held = new HashSet<uint>();
            uint AddressOf(int i) => i < 100 ? A("10.0.0.0") + (uint)i : A("10.0.1.0") + (uint)(i - 100);
            foreach (var (op, index) in list)
            {
                uint address = AddressOf(index);
                switch (op)
                {
                    case 0:
                        if (pool.TryAllocate(out uint got))
                            Assert.True(held.Add(got));
                        else
                            Assert.Equal(200, held.Count);
                        break;
                    case 1:
                        Assert.Equal(held.Remove(address) ? PoolReleaseResult.Released : PoolReleaseResult.NotAllocated, pool.Release(address));
                        break;
                    default:
                        Assert.Equal(held.Add(address) ? PoolAllocateResult.Allocated : PoolAllocateResult.InUse, pool.TryAllocateSpecific(address));
                        break;
                }
                Assert.Equal(held.Count, pool.UsedCount);
            }
            Assert.All(held, a => Assert.True(pool.IsAllocated(a)));
        });
    }

    [Fact]
    public void ConcurrentCallersNeverShareAnAddress()
    {
        var pool = new IpLocalPool("p", [R("10.0.0.0", "10.0.39.255")]);   // 10,240 addresses
        var perThread = new List<uint>[4];
        Parallel.For(0, 4, t =>
        {
            var mine = new List<uint>();
            for (int i = 0; i < 5_000; i++)
            {
                if (pool.TryAllocate(out uint a))
                    mine.Add(a);
                if (i % 4 == 3)
                {
                    Assert.Equal(PoolReleaseResult.Released, pool.Release(mine[^1]));
                    mine.RemoveAt(mine.Count - 1);
                }
            }
            perThread[t] = mine;
        });

        var everything = perThread.SelectMany(l => l).ToList();
        Assert.Equal(everything.Count, everything.Distinct().Count());
        Assert.Equal(everything.Count, pool.UsedCount);
    }
}
