using PptpGw.Dataplane.Buffers;

namespace PptpGw.Tests.Dataplane.Buffers;

public class SpscRingTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(1000)]
    public void CapacityMustBeAPowerOfTwo(int capacity)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SpscRing<int>(capacity));
    }

    [Fact]
    public void SingleElementsComeOutInOrderAndFullAndEmptyAreReported()
    {
        var ring = new SpscRing<int>(4);
        Assert.True(ring.IsEmpty);
        Assert.False(ring.TryDequeue(out _));

        for (int i = 0; i < 4; i++)
        {
            Assert.True(ring.TryEnqueue(i));
        }

        Assert.False(ring.TryEnqueue(99));
        Assert.Equal(4, ring.Count);

        for (int i = 0; i < 4; i++)
        {
            Assert.True(ring.TryDequeue(out int value));
            Assert.Equal(i, value);
        }

        Assert.False(ring.TryDequeue(out _));
        Assert.True(ring.IsEmpty);
    }

    [Fact]
    public void BurstsWrapAroundTheEndOfTheArray()
    {
        var ring = new SpscRing<int>(8);
        int next = 0;
        int expected = 0;
        Span<int> input = stackalloc int[5];
        Span<int> output = stackalloc int[5];

        // Offsets drift by 5 per lap of 8 slots, so every split point of a burst is exercised.
        for (int round = 0; round < 40; round++)
        {
            for (int i = 0; i < input.Length; i++)
            {
                input[i] = next + i;
            }

            Assert.Equal(5, ring.EnqueueBurst(input));
            next += 5;
            Assert.Equal(5, ring.DequeueBurst(output));
            for (int i = 0; i < output.Length; i++)
            {
                Assert.Equal(expected++, output[i]);
            }
        }
    }

    [Fact]
    public void BurstsArePartialWhenTheRingIsNearlyFullOrNearlyEmpty()
    {
        var ring = new SpscRing<int>(8);
        Assert.Equal(6, ring.EnqueueBurst([1, 2, 3, 4, 5, 6]));
        Assert.Equal(2, ring.EnqueueBurst([7, 8, 9, 10]));
        Assert.Equal(0, ring.EnqueueBurst([11]));

        var output = new int[16];
        Assert.Equal(8, ring.DequeueBurst(output));
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8], output[..8]);
        Assert.Equal(0, ring.DequeueBurst(output));
        Assert.Equal(0, ring.EnqueueBurst([]));
    }

    [Fact]
    public void ReferenceSlotsAreClearedOnDequeueSoTheRingKeepsNothingAlive()
    {
        var ring = new SpscRing<object>(4);
        WeakReference weak = EnqueueAndDrop(ring);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.False(weak.IsAlive);

        static WeakReference EnqueueAndDrop(SpscRing<object> ring)
        {
            var item = new object();
            Assert.True(ring.TryEnqueue(item));
            Assert.Equal(1, ring.EnqueueBurst([new object()]));
            Assert.True(ring.TryDequeue(out object? single));
            Assert.Same(item, single);
            var rest = new object[2];
            Assert.Equal(1, ring.DequeueBurst(rest));
            return new WeakReference(item);
        }
    }

    [Fact]
    public void TwoThreadsSeeEverySequenceNumberExactlyOnceInOrder()
    {
        const long Total = 400_000;
        var ring = new SpscRing<long>(256);
        long received = 0;
        long errors = 0;

        var consumer = new Thread(() =>
        {
            Span<long> burst = stackalloc long[32];
            long expected = 0;
            var spin = default(SpinWait);
            while (expected < Total)
            {
                // Mix single and burst dequeues so both paths race the producer.
                int n = (expected & 1) == 0 ? ring.DequeueBurst(burst) : (ring.TryDequeue(out burst[0]) ? 1 : 0);
                if (n == 0)
                {
                    spin.SpinOnce();
                    continue;
                }

                for (int i = 0; i < n; i++)
                {
                    if (burst[i] != expected++)
                    {
                        errors++;
                    }
                }
            }

            received = expected;
        });
        consumer.Start();

        Span<long> chunk = stackalloc long[17];
        long next = 0;
        var wait = default(SpinWait);
        while (next < Total)
        {
            int size = (int)Math.Min(chunk.Length, Total - next);
            for (int i = 0; i < size; i++)
            {
                chunk[i] = next + i;
            }

            int n = (next % 3 == 0) ? (ring.TryEnqueue(chunk[0]) ? 1 : 0) : ring.EnqueueBurst(chunk[..size]);
            if (n == 0)
            {
                wait.SpinOnce();
            }

            next += n;
        }

        Assert.True(consumer.Join(TimeSpan.FromSeconds(60)), "the consumer did not finish");
        Assert.Equal(0, errors);
        Assert.Equal(Total, received);
        Assert.True(ring.IsEmpty);
    }
}
