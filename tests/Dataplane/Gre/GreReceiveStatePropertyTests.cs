using CsCheck;
using PptpGw.Dataplane.Gre;

namespace PptpGw.Tests.Dataplane.Gre;

public class GreReceiveStatePropertyTests
{
    /// <summary>
    /// A peer's stream starting anywhere in the 32-bit space (wrap included), locally reordered by up to
    /// <c>spread</c> places, with some packets lost and some duplicated, all within one wait.
    /// </summary>
    private static readonly Gen<(uint Start, int Count, int Spread, double Loss, double Duplication, int Seed)> Streams =
        Gen.Select(Gen.UInt, Gen.Int[1, 400], Gen.Int[0, 14], Gen.Double[0, 0.2], Gen.Double[0, 0.1], Gen.Int);

    private static (List<int> Arrivals, int[] Delivered, int Held, GreReceiveState State, List<GreReceiveResult> Results)
        Run(uint start, int count, int spread, double loss, double duplication, int seed)
    {
        var rng = new Random(seed);
        // Sort by index + noise in [0, spread]: no packet moves more than spread places.
        var order = Enumerable.Range(0, count).OrderBy(i => i + rng.Next(spread + 1)).ThenBy(i => i).ToList();
        var arrivals = new List<int>();
        foreach (int i in order)
        {
            if (i != 0 && rng.NextDouble() < loss)
                continue;
            arrivals.Add(i);
            if (rng.NextDouble() < duplication)
                arrivals.Add(i);
        }
        // The first arrival fixes the sequence; make it index 0 so reordering is relative to the start.
        arrivals.Remove(0);
        arrivals.Insert(0, 0);

        var state = new GreReceiveState();
        state.Initialize(64);
        var policy = new GreReorderPolicy(15, 1_000);
        var deliver = new int[GreReceiveState.MaxDeliveredPerCall];
        var delivered = new List<int>();
        var results = new List<GreReceiveResult>();
        for (int a = 0; a < arrivals.Count; a++)
        {
            // Handles are arrival numbers, so duplicates have their own handle.
            results.Add(state.Receive(unchecked(start + (uint)arrivals[a]), a, 0, policy, deliver, out int n));
            delivered.AddRange(deliver.AsSpan(0, n).ToArray());
        }
        int[] held = new int[GreReceiveState.MaxReorderDepth];
        int heldCount = state.TakeHeld(held);
        return (arrivals, delivered.ToArray(), heldCount, state, results);
    }

    [Fact]
    public void EveryHandleIsDeliveredOnceInSequenceOrderOrDroppedWithACounter()
    {
        Streams.Sample(t =>
        {
            var (arrivals, delivered, held, state, results) = Run(t.Start, t.Count, t.Spread, t.Loss, t.Duplication, t.Seed);
            // Delivered in strictly increasing sequence order, each handle once.
            var deliveredIndices = delivered.Select(h => arrivals[h]).ToArray();
            for (int i = 1; i < deliveredIndices.Length; i++)
                Assert.True(deliveredIndices[i] > deliveredIndices[i - 1], $"out of order at {i}");
            Assert.Equal(delivered.Length, delivered.Distinct().Count());
            // Every arrival is delivered, still held, or was dropped (the result says so).
            int dropped = results.Count(r => r is GreReceiveResult.Duplicate or GreReceiveResult.TooOld or GreReceiveResult.BeyondWindow);
            Assert.Equal(arrivals.Count, delivered.Length + held + dropped);
            // Counters account for every packet.
            Assert.Equal((ulong)arrivals.Count, state.Received);
            Assert.Equal(state.Received,
                state.InOrder + state.HeldAhead + state.Reordered + state.Duplicates + state.TooOld + state.BeyondWindow);
            Assert.Equal(results.Count(r => r == GreReceiveResult.Duplicate), (int)state.Duplicates);
            Assert.Equal(results.Count(r => r == GreReceiveResult.TooOld), (int)state.TooOld);
        });
    }

    [Fact]
    public void ReorderingWithinTheDepthLosesNothing()
    {
        Streams.Sample(t =>
        {
            var (arrivals, delivered, held, state, _) = Run(t.Start, t.Count, t.Spread, 0, t.Duplication, t.Seed);
            Assert.Equal(0, held);
            Assert.Equal(0UL, state.Lost);
            Assert.Equal(0u, state.TooOld);
            Assert.Equal(Enumerable.Range(0, t.Count), delivered.Select(h => arrivals[h]));
            Assert.Equal(unchecked(t.Start + (uint)t.Count - 1), state.LastInOrder);
        });
    }
}
