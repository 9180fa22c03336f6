using Microsoft.Extensions.Time.Testing;
using PptpGw.Dataplane.Buffers;
using PptpGw.Dataplane.Ethernet;

namespace PptpGw.Tests.Dataplane.Ethernet;

public class NeighbourCacheTests
{
    private static readonly MacAddress Mac1 = new(0x020000000001);
    private static readonly MacAddress Mac2 = new(0x020000000002);

    [Fact]
    public void A_confirmed_neighbour_is_reachable_then_stale_then_forgotten()
    {
        using var pool = new PacketPool(16);
        var clock = new FakeTimeProvider();
        var cache = new NeighbourCache(64, clock.TimestampFrequency, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(1), pool);
        Assert.Equal(NeighbourState.Unresolved, cache.Lookup(0xC6120A02, clock.GetTimestamp(), out _));
        Assert.True(cache.Confirm(0xC6120A02, Mac1, clock.GetTimestamp()).IsNull);
        Assert.Equal(NeighbourState.Reachable, cache.Lookup(0xC6120A02, clock.GetTimestamp(), out MacAddress mac));
        Assert.Equal(Mac1, mac);
        clock.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal(NeighbourState.Stale, cache.Lookup(0xC6120A02, clock.GetTimestamp(), out mac));
        Assert.Equal(Mac1, mac);
        Assert.True(cache.Refresh(0xC6120A02, Mac2, clock.GetTimestamp()));
        Assert.Equal(NeighbourState.Reachable, cache.Lookup(0xC6120A02, clock.GetTimestamp(), out mac));
        Assert.Equal(Mac2, mac);
        clock.Advance(TimeSpan.FromSeconds(241));
        Assert.Equal(NeighbourState.Unresolved, cache.Lookup(0xC6120A02, clock.GetTimestamp(), out _));
    }

    [Fact]
    public void Requests_are_rate_limited_and_the_latest_packet_waits()
    {
        using var pool = new PacketPool(16);
        var clock = new FakeTimeProvider();
        var cache = new NeighbourCache(64, clock.TimestampFrequency, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(1), pool);
        Assert.True(pool.TryAllocate(out PacketHandle first));
        Assert.True(pool.TryAllocate(out PacketHandle second));
        int before = pool.AvailableCount;
        Assert.True(cache.Need(0xC6120A02, clock.GetTimestamp(), first));
        Assert.False(cache.Need(0xC6120A02, clock.GetTimestamp(), second)); // within a second: no second request
        Assert.Equal(before + 1, pool.AvailableCount); // the first packet was displaced and freed
        Assert.Equal(1, cache.HeldDropped);
        clock.Advance(TimeSpan.FromSeconds(1.5));
        Assert.True(cache.Need(0xC6120A02, clock.GetTimestamp(), default));
        Assert.Equal(second, cache.Confirm(0xC6120A02, Mac1, clock.GetTimestamp()));
        pool.Free(second);
    }

    [Fact]
    public void Refresh_never_creates_an_entry()
    {
        using var pool = new PacketPool(16);
        var cache = new NeighbourCache(64, 1000, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(1), pool);
        Assert.False(cache.Refresh(0xC6120A09, Mac1, 1));
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void A_flood_of_addresses_stays_within_the_table_and_keeps_resolving()
    {
        using var pool = new PacketPool(16);
        var cache = new NeighbourCache(64, 1000, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(1), pool);
        for (uint a = 1; a <= 10_000; a++)
            _ = cache.Confirm(0xC6120000 + a, Mac1, a);
        Assert.True(cache.Count <= 64);
        _ = cache.Confirm(0xC6120A02, Mac2, 10_001);
        Assert.Equal(NeighbourState.Reachable, cache.Lookup(0xC6120A02, 10_001, out MacAddress mac));
        Assert.Equal(Mac2, mac);
    }
}
