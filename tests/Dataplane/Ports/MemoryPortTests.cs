using System.Buffers.Binary;
using PptpGw.Dataplane.Buffers;
using PptpGw.Dataplane.Ports;

namespace PptpGw.Tests.Dataplane.Ports;

public class MemoryPortTests
{
    [Fact]
    public void WhatOneEndTransmitsTheOtherReceivesInOrderWithoutCopying()
    {
        using var pool = new PacketPool(128);
        (MemoryPort a, MemoryPort b) = MemoryPort.CreatePair(64, portIdA: 7, portIdB: 9);
        var sent = new PacketHandle[PacketBurst.Size];
        Assert.Equal(sent.Length, pool.AllocateBurst(sent));
        for (int i = 0; i < sent.Length; i++)
        {
            Assert.True(sent[i].TryAppend(4, out Span<byte> body));
            BinaryPrimitives.WriteInt32BigEndian(body, i);
        }

        Assert.Equal(sent.Length, a.TransmitBurst(sent));
        Assert.Equal(sent.Length, b.PendingReceive);
        Assert.Equal(0, a.PendingReceive);

        var got = new PacketHandle[PacketBurst.Size];
        Assert.Equal(20, b.ReceiveBurst(got.AsSpan(0, 20)));
        Assert.Equal(12, b.ReceiveBurst(got.AsSpan(20)));
        Assert.Equal(0, b.ReceiveBurst(got));
        for (int i = 0; i < got.Length; i++)
        {
            Assert.Equal(sent[i], got[i]);
            Assert.Equal(i, BinaryPrimitives.ReadInt32BigEndian(got[i].Data));
            Assert.Equal(9, got[i].Port);
        }

        // And the other direction.
        Assert.Equal(3, b.TransmitBurst(got.AsSpan(0, 3)));
        Assert.Equal(3, a.ReceiveBurst(sent));
        Assert.Equal(7, sent[0].Port);
        pool.FreeBurst(sent.AsSpan(0, 3));
        pool.FreeBurst(got.AsSpan(3));
        Assert.Equal(128, pool.AvailableCount);
    }

    [Fact]
    public void AFullRingTakesPartOfABurstAndTheRestStaysTheCallers()
    {
        using var pool = new PacketPool(64);
        (MemoryPort a, MemoryPort b) = MemoryPort.CreatePair(16);
        var burst = new PacketHandle[PacketBurst.Size];
        Assert.Equal(burst.Length, pool.AllocateBurst(burst));

        Assert.Equal(16, a.TransmitBurst(burst));
        Assert.Equal(0, a.TransmitBurst(burst.AsSpan(16)));
        pool.FreeBurst(burst.AsSpan(16)); // still ours: freeing them must not trip the double-free check

        Assert.Equal(16, b.Drain(pool));
        Assert.Equal(64, pool.AvailableCount);
    }

    [Fact]
    public void ABurstLoopThroughAMemoryPortAllocatesNothing()
    {
        // Two caches of 128 can together hold at most 256 of the 1024 packets, so neither starves.
        using var pool = new PacketPool(1024);
        (MemoryPort a, MemoryPort b) = MemoryPort.CreatePair(64);
        PacketCache txCache = pool.CreateCache(128);
        PacketCache rxCache = pool.CreateCache(128);

        long checksum = RunLoop(a, b, txCache, rxCache, 10_000); // warm-up: JIT tiers, static init
        long before = GC.GetAllocatedBytesForCurrentThread();
        checksum += RunLoop(a, b, txCache, rxCache, 100_000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(Sum(10_000) + Sum(100_000), checksum);

        static long Sum(long n) => n * (n - 1) / 2;
    }

    private static long RunLoop(MemoryPort a, MemoryPort b, PacketCache txCache, PacketCache rxCache, int packets)
    {
        Span<PacketHandle> tx = stackalloc PacketHandle[PacketBurst.Size];
        PacketBurst rx = default;
        long checksum = 0;
        int sequence = 0;
        while (sequence < packets)
        {
            int n = txCache.AllocateBurst(tx[..Math.Min(tx.Length, packets - sequence)]);
            Assert.True(n > 0, "the pool ran dry");
            for (int i = 0; i < n; i++)
            {
                tx[i].TryAppend(64, out Span<byte> body);
                BinaryPrimitives.WriteInt32LittleEndian(body, sequence++);
                tx[i].TryPrepend(16, out Span<byte> header);
                header.Clear();
            }

            int sent = a.TransmitBurst(tx[..n]);
            txCache.FreeBurst(tx[sent..n]);

            int received = b.ReceiveBurst(rx);
            for (int i = 0; i < received; i++)
            {
                PacketHandle p = rx[i];
                p.TryRemoveFront(16);
                checksum += BinaryPrimitives.ReadInt32LittleEndian(p.Data);
            }

            rxCache.FreeBurst(((Span<PacketHandle>)rx)[..received]);
        }

        return checksum;
    }
}
