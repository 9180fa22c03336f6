using CsCheck;
using PptpGw.Dataplane.Gre;

namespace PptpGw.Tests.Dataplane.Gre;

public class SessionDeadlineListTests
{
    [Fact]
    public void KeepsJoiningOrderAndMovesReAddedSessionsToTheTail()
    {
        var list = new SessionDeadlineList(10);
        list.Add(3, 10);
        list.Add(7, 20);
        list.Add(1, 30);
        list.Add(3, 40); // re-joins: now the newest
        Assert.Equal(3, list.Count);
        Assert.True(list.TryPeekOldest(out int oldest, out long since));
        Assert.Equal((7, 20L), (oldest, since));
        Assert.False(list.TryTakeOldest(19, out _));
        Assert.True(list.TryTakeOldest(20, out int taken));
        Assert.Equal(7, taken);
        Assert.True(list.Remove(1));
        Assert.False(list.Remove(1));
        Assert.True(list.TryTakeOldest(40, out taken));
        Assert.Equal(3, taken);
        Assert.False(list.TryPeekOldest(out _, out _));
        Assert.Equal(0, list.Count);
    }

    [Fact]
    public void BehavesLikeAnOrderedModelUnderRandomOperations()
    {
        const int capacity = 32;
        var operation = Gen.Select(Gen.Int[0, 2], Gen.Int[0, capacity - 1]);
        operation.Array[1, 200].Sample(ops =>
        {
            var list = new SessionDeadlineList(capacity);
            var model = new List<(int Session, long Since)>();
            long now = 0;
            foreach (var (kind, session) in ops)
            {
                now++;
                switch (kind)
                {
                    case 0:
                        list.Add(session, now);
                        model.RemoveAll(e => e.Session == session);
                        model.Add((session, now));
                        break;
                    case 1:
                        Assert.Equal(model.RemoveAll(e => e.Session == session) == 1, list.Remove(session));
                        break;
                    default:
                        long cutoff = now - 5;
                        bool expected = model.Count > 0 && model[0].Since <= cutoff;
                        Assert.Equal(expected, list.TryTakeOldest(cutoff, out int taken));
                        if (expected)
                        {
                            Assert.Equal(model[0].Session, taken);
                            model.RemoveAt(0);
                        }
                        break;
                }
                Assert.Equal(model.Count, list.Count);
                for (int s = 0; s < capacity; s++)
                    Assert.Equal(model.Exists(e => e.Session == s), list.Contains(s));
            }
        });
    }
}
