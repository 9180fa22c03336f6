using Microsoft.Extensions.Time.Testing;
using PptpGw.Gateway.Orchestration;

namespace PptpGw.Tests.Gateway.Orchestration;

/// <summary>
/// Idle-Timeout (RFC 2865 §5.28) on an injected clock: the call ends once its data counter has not moved for the limit,
/// never earlier, and within two check intervals after; any new packet restarts the wait.
/// </summary>
public sealed class IdleTimeoutMonitorTests
{
    private sealed class Counter
    {
        public ulong? Value = 0;
        public ulong? Read() => Value;
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 1)]
    [InlineData(60, 15)]
    [InlineData(600, 30)]
    [InlineData(86400, 30)]
    public void The_check_interval_is_a_quarter_of_the_limit_within_1_to_30_seconds(int limitSeconds, int expectedSeconds) =>
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), IdleTimeoutMonitor.CheckInterval(TimeSpan.FromSeconds(limitSeconds)));

    [Fact]
    public void An_idle_session_ends_after_the_limit_and_not_before()
    {
        var time = new FakeTimeProvider();
        var counter = new Counter { Value = 17 }; // packets before link-up are the baseline
        int ended = 0;
        using var monitor = new IdleTimeoutMonitor(time, TimeSpan.FromSeconds(60), counter.Read, () => ended++);

        time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(0, ended);
        // Interval 15 s: the first check at or after 60 s of idleness ends it (at 60 s exactly here).
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, ended);
        time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(1, ended); // once
    }

    [Fact]
    public void A_session_that_keeps_sending_stays_and_ends_a_limit_after_its_last_packet()
    {
        var time = new FakeTimeProvider();
        var counter = new Counter();
        int ended = 0;
        TimeSpan limit = TimeSpan.FromSeconds(20), interval = IdleTimeoutMonitor.CheckInterval(limit);
        using var monitor = new IdleTimeoutMonitor(time, limit, counter.Read, () => ended++);

        // A packet every 7 s for ten minutes: never 20 s without one.
        for (int s = 0; s < 600; s++)
        {
            if (s % 7 == 0)
                counter.Value++;
            time.Advance(TimeSpan.FromSeconds(1));
        }
        Assert.Equal(0, ended);

        // Then silence: it ends no earlier than the limit after the last packet (at s = 595), and within two intervals.
        TimeSpan sinceLast = TimeSpan.FromSeconds(5);
        while (ended == 0)
        {
            time.Advance(TimeSpan.FromMilliseconds(250));
            sinceLast += TimeSpan.FromMilliseconds(250);
            Assert.True(sinceLast <= limit + (2 * interval), $"still up {sinceLast} after the last packet");
        }
        Assert.True(sinceLast >= limit, $"ended {sinceLast} after the last packet, before the limit {limit}");
    }

    [Fact]
    public void A_session_whose_counter_is_gone_is_not_ended_by_the_monitor()
    {
        var time = new FakeTimeProvider();
        var counter = new Counter();
        int ended = 0;
        using var monitor = new IdleTimeoutMonitor(time, TimeSpan.FromSeconds(4), counter.Read, () => ended++);
        counter.Value = null; // the dataplane session went: the call's release disposes the monitor
        time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(0, ended);
    }

    [Fact]
    public void Dispose_stops_it()
    {
        var time = new FakeTimeProvider();
        int ended = 0;
        var monitor = new IdleTimeoutMonitor(time, TimeSpan.FromSeconds(4), new Counter().Read, () => ended++);
        time.Advance(TimeSpan.FromSeconds(2));
        monitor.Dispose();
        time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(0, ended);
    }
}
