using System.Net;
using Microsoft.Extensions.Time.Testing;
using PptpGw.ControlPlane.Pptp.Connection;

namespace PptpGw.Tests.ControlPlane.Pptp.Connection;

public sealed class SourceRateLimiterTests
{
    private static readonly IPAddress A = IPAddress.Parse("198.18.0.1"), B = IPAddress.Parse("198.18.0.2");

    [Fact]
    public void A_burst_then_one_per_interval_per_source()
    {
        var time = new FakeTimeProvider();
        var limiter = new SourceRateLimiter(3, TimeSpan.FromMilliseconds(100), time);
        Assert.True(limiter.TryAcquire(A));
        Assert.True(limiter.TryAcquire(A));
        Assert.True(limiter.TryAcquire(A));
        Assert.False(limiter.TryAcquire(A));
        Assert.True(limiter.TryAcquire(B)); // its own bucket
        time.Advance(TimeSpan.FromMilliseconds(99));
        Assert.False(limiter.TryAcquire(A));
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(limiter.TryAcquire(A));
        Assert.False(limiter.TryAcquire(A));
        // Refills up to the burst, not beyond.
        time.Advance(TimeSpan.FromSeconds(10));
        for (int i = 0; i < 3; i++)
            Assert.True(limiter.TryAcquire(A));
        Assert.False(limiter.TryAcquire(A));
        // An IPv4-mapped IPv6 peer (dual-mode socket) is the same source.
        Assert.False(limiter.TryAcquire(A.MapToIPv6()));
    }

    [Fact]
    public void The_long_run_rate_is_one_per_interval_and_idle_sources_are_forgotten()
    {
        var time = new FakeTimeProvider();
        var limiter = new SourceRateLimiter(10, TimeSpan.FromMilliseconds(50), time);
        int allowed = 0;
        // 10 s of one attempt per millisecond: the burst plus 10 s / 50 ms.
        for (int ms = 0; ms < 10_000; ms++)
        {
            if (limiter.TryAcquire(A))
                allowed++;
            time.Advance(TimeSpan.FromMilliseconds(1));
        }
        Assert.InRange(allowed, 10 + 199, 10 + 200);

        for (int i = 0; i < 10_000; i++)
            limiter.TryAcquire(new IPAddress(0x0000_12C6u + ((uint)i << 16)));
        time.Advance(TimeSpan.FromSeconds(1));
        for (int i = 0; i < 5000; i++)
            limiter.TryAcquire(B); // the sweep runs every 4096 calls
        Assert.True(limiter.TrackedSources < 100, $"{limiter.TrackedSources} sources still tracked");
    }
}
