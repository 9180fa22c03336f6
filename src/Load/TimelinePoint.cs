namespace PptpGw.Load;

/// <summary>One second of a run.</summary>
/// <param name="Seconds">Seconds since the start of the run (end of the interval).</param>
/// <param name="SetupsPerSecond">Sessions that came up in this interval, per second.</param>
/// <param name="Established">Sessions up at the end of the interval.</param>
/// <param name="InFlight">Set-ups started and not finished.</param>
/// <param name="Failures">Failures so far.</param>
/// <param name="GatewayRssBytes">The gateway's resident set, or null without <c>--gateway-pid</c>.</param>
/// <param name="GatewayCpuPercent">The gateway's CPU use in the interval (100 = one core), or null.</param>
public sealed record TimelinePoint(double Seconds, double SetupsPerSecond, int Established, int InFlight, long Failures,
    long? GatewayRssBytes, double? GatewayCpuPercent)
{
    /// <summary>Open loop: starts due by the target rate and not yet made (the in-flight bound held them back); null in closed loop.</summary>
    public long? Backlog { get; init; }

    /// <summary>Traffic: echo replies received back per second in this interval (null without traffic).</summary>
    public double? TrafficRepliesPerSecond { get; init; }
}
