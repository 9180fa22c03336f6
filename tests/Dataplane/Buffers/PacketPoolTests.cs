using System.Runtime.CompilerServices;
using PptpGw.Dataplane.Buffers;

namespace PptpGw.Tests.Dataplane.Buffers;

public class PacketPoolTests
{
    [Fact]
    public unsafe void DescriptorLayoutMirrorsTheMbufFieldsAndFillsOneCacheLine()
    {
        Assert.Equal(64, sizeof(PacketBuffer));
        Assert.Equal(8, sizeof(PacketHandle));
        PacketBuffer b = default;
        byte* start = (byte*)&b;
        Assert.Equal(0, (byte*)&b.BufferAddress - start);
        Assert.Equal(16, (byte*)&b.DataOffset - start);
        Assert.Equal(18, (byte*)&b.DataLength - start);
        Assert.Equal(20, (byte*)&b.BufferLength - start);
        Assert.Equal(22, (byte*)&b.Port - start);
        Assert.Equal(PacketBurst.Size * sizeof(PacketHandle), Unsafe.SizeOf<PacketBurst>());
    }

    [Fact]
    public void AllocatedPacketsAreDistinctAlignedAndStartAfterTheHeadroom()
    {
        using var pool = new PacketPool(64);
        var handles = new PacketHandle[64];
        Assert.Equal(64, pool.AllocateBurst(handles));
        var seen = new HashSet<nint>();
        foreach (PacketHandle h in handles)
        {
            unsafe
            {
                Assert.True(seen.Add((nint)h.Buffer.BufferAddress));
                Assert.Equal(0, (nint)h.Buffer.BufferAddress % 64);
            }

            Assert.True(pool.Owns(h));
            Assert.Equal(PacketPool.DefaultHeadroom, h.Headroom);
            Assert.Equal(0, h.Length);
            Assert.Equal(-1, h.SessionIndex);
            Assert.Equal(PacketPool.DefaultBufferSize - PacketPool.DefaultHeadroom, h.Tailroom);
        }

        // No two buffers overlap: each is a whole BufferSize apart.
        unsafe
        {
            var starts = handles.Select(h => (long)h.Buffer.BufferAddress).Order().ToArray();
            for (int i = 1; i < starts.Length; i++)
            {
                Assert.True(starts[i] - starts[i - 1] >= PacketPool.DefaultBufferSize);
            }
        }

        pool.FreeBurst(handles);
        Assert.Equal(64, pool.AvailableCount);
    }

    [Fact]
    public void ExhaustionIsReportedAndFreedPacketsCanBeAllocatedAgain()
    {
        using var pool = new PacketPool(40);
        var all = new PacketHandle[50];
        Assert.Equal(40, pool.AllocateBurst(all));
        Assert.Equal(0, pool.AvailableCount);
        Assert.False(pool.TryAllocate(out PacketHandle none));
        Assert.True(none.IsNull);
        Assert.Equal(0, pool.AllocateBurst(all.AsSpan(40)));

        pool.Free(all[7]);
        Assert.True(pool.TryAllocate(out PacketHandle again));
        Assert.Equal(all[7], again);
        pool.FreeBurst(all.AsSpan(0, 40));
        Assert.Equal(40, pool.AvailableCount);
    }

    [Fact]
    public void AllocationResetsWhatThePreviousOwnerLeft()
    {
        using var pool = new PacketPool(1);
        Assert.True(pool.TryAllocate(out PacketHandle p));
        Assert.True(p.TryAppend(100, out _));
        Assert.True(p.TryPrepend(20, out _));
        p.PeerAddress = 0xC6120001;
        p.SessionIndex = 5;
        p.UserData = 9;
        p.Port = 3;
        pool.Free(p);

        Assert.True(pool.TryAllocate(out PacketHandle q));
        Assert.Equal(p, q);
        Assert.Equal(PacketPool.DefaultHeadroom, q.Headroom);
        Assert.Equal(0, q.Length);
        Assert.Equal(0u, q.PeerAddress);
        Assert.Equal(-1, q.SessionIndex);
        Assert.Equal(0u, q.UserData);
        Assert.Equal(0, q.Port);
    }

    [Fact]
    public void DoubleFreesAndForeignHandlesAreCaught()
    {
        using var pool = new PacketPool(4);
        using var other = new PacketPool(4);
        Assert.True(pool.TryAllocate(out PacketHandle p));
        Assert.True(other.TryAllocate(out PacketHandle foreign));
        pool.Free(p);
        Assert.Throws<InvalidOperationException>(() => pool.Free(p));
        Assert.Throws<ArgumentException>(() => pool.Free(foreign));
        PacketCache cache = pool.CreateCache();
        Assert.Throws<InvalidOperationException>(() => cache.Free(p));
    }

    [Fact]
    public void HeadersArePrependedAndStrippedInPlace()
    {
        using var pool = new PacketPool(2, bufferSize: 256, headroom: 32);
        Assert.True(pool.TryAllocate(out PacketHandle p));
        Assert.True(p.TryAppend(10, out Span<byte> payload));
        payload.Fill(0xAB);
        Span<byte> before = p.Data;

        Assert.True(p.TryPrepend(16, out Span<byte> gre));
        gre.Fill(0x30);
        Assert.Equal(26, p.Length);
        Assert.Equal(16, p.Headroom);
        Assert.True(p.Data[16..].SequenceEqual(before)); // the payload did not move
        Assert.True(System.Runtime.CompilerServices.Unsafe.AreSame(ref p.Data[16], ref before[0]));

        Assert.False(p.TryPrepend(17, out _));
        Assert.Equal(26, p.Length);
        Assert.True(p.TryRemoveFront(16));
        Assert.True(p.Data.SequenceEqual(before));
        Assert.False(p.TryRemoveFront(11));
        Assert.True(p.TryTrim(4));
        Assert.Equal(6, p.Length);
        Assert.False(p.TryTrim(7));
        Assert.False(p.TryAppend(p.Tailroom + 1, out _));
        Assert.True(p.TrySetData(0, 256));
        Assert.False(p.TrySetData(1, 256));
        Assert.False(p.TrySetData(-1, 0));
        Assert.Equal(256, p.DataRoom.Length);
    }

    [Fact]
    public void CachesRefillAndSpillThroughTheSharedRingWithoutLosingPackets()
    {
        using var pool = new PacketPool(1000);
        PacketCache cache = pool.CreateCache(64);
        var held = new List<PacketHandle>();
        Span<PacketHandle> burst = stackalloc PacketHandle[PacketBurst.Size];

        int n;
        while ((n = cache.AllocateBurst(burst)) > 0)
        {
            for (int i = 0; i < n; i++)
            {
                held.Add(burst[i]);
            }
        }

        Assert.Equal(1000, held.Count);
        Assert.Equal(1000, held.Distinct().Count());
        Assert.False(cache.TryAllocate(out _));

        foreach (PacketHandle h in held)
        {
            cache.Free(h);
            Assert.InRange(cache.Count, 1, 64);
        }

        Assert.Equal(1000, pool.AvailableCount + cache.Count);
        cache.Flush();
        Assert.Equal(1000, pool.AvailableCount);
    }

    [Fact]
    public void PacketsAllocatedOnOneThreadCanBeFreedOnAnother()
    {
        const int Rounds = 20_000;
        using var pool = new PacketPool(1024);
        var handoff = new SpscRing<PacketHandle>(256);
        int freed = 0;

        var consumer = new Thread(() =>
        {
            PacketCache cache = pool.CreateCache();
            Span<PacketHandle> burst = stackalloc PacketHandle[PacketBurst.Size];
            var spin = default(SpinWait);
            while (freed < Rounds * 8)
            {
                int n = handoff.DequeueBurst(burst);
                if (n == 0)
                {
                    spin.SpinOnce();
                    continue;
                }

                cache.FreeBurst(burst[..n]);
                freed += n;
            }

            cache.Flush();
        });
        consumer.Start();

        PacketCache producerCache = pool.CreateCache();
        Span<PacketHandle> mine = stackalloc PacketHandle[8];
        var wait = default(SpinWait);
        for (int round = 0; round < Rounds; round++)
        {
            int got;
            while ((got = producerCache.AllocateBurst(mine)) < mine.Length)
            {
                producerCache.FreeBurst(mine[..got]);
                wait.SpinOnce();
            }

            int sent = 0;
            while (sent < mine.Length)
            {
                sent += handoff.EnqueueBurst(mine[sent..]);
            }
        }

        Assert.True(consumer.Join(TimeSpan.FromSeconds(60)));
        producerCache.Flush();
        Assert.Equal(Rounds * 8, freed);
        Assert.Equal(1024, pool.AvailableCount);
    }

    [Fact]
    public void ThreadsSharingThePoolWithoutCachesNeverGetTheSamePacket()
    {
        const int Rounds = 10_000;
        using var pool = new PacketPool(128);
        int conflicts = 0;

        void Worker(byte tag)
        {
            Span<PacketHandle> burst = stackalloc PacketHandle[PacketBurst.Size];
            for (int round = 0; round < Rounds; round++)
            {
                int n = pool.AllocateBurst(burst[..(1 + (round % PacketBurst.Size))]);
                for (int i = 0; i < n; i++)
                {
                    burst[i].TryAppend(8, out Span<byte> data);
                    data.Fill(tag);
                }

                Thread.SpinWait(20);
                for (int i = 0; i < n; i++)
                {
                    if (burst[i].Data.IndexOfAnyExcept(tag) >= 0)
                    {
                        Interlocked.Increment(ref conflicts);
                    }
                }

                pool.FreeBurst(burst[..n]);
            }
        }

        var other = new Thread(() => Worker(0xBB));
        other.Start();
        Worker(0xAA);
        Assert.True(other.Join(TimeSpan.FromSeconds(60)));
        Assert.Equal(0, conflicts);
        Assert.Equal(128, pool.AvailableCount);
    }
}
