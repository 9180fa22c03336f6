namespace PptpGw.Load;

/// <summary>What the traffic phase measured: aggregate figures and, for runs of at most <see cref="TrafficGenerator.PerSessionLimit"/> sessions, each session's.</summary>
public sealed record TrafficSummary
{
    public required double PacketsPerSecondPerSession { get; init; }
    public required int PacketSize { get; init; }
    public required int Sessions { get; init; }
    public required double Seconds { get; init; }
    public required long PacketsSent { get; init; }
    public required long PacketsReceived { get; init; }
    /// <summary>Replies that did not check out (not an echo reply of ours, wrong session, bad checksum, wrong data).</summary>
    public required long PacketsInvalid { get; init; }
    /// <summary>Requests the tool could not send in time (the target rate exceeded what the tool's path takes).</summary>
    public required long PacketsNotSent { get; init; }
    public required double AchievedPacketsPerSecond { get; init; }
    /// <summary>1 − received / sent.</summary>
    public required double Loss { get; init; }
    /// <summary>Sessions that lost at least one packet; the worst session's loss.</summary>
    public required int SessionsWithLoss { get; init; }
    public required double WorstSessionLoss { get; init; }
    public required LatencySummary RoundTripMs { get; init; }
    /// <summary>The gateway's CPU time over the traffic phase divided by the packets its dataplane forwarded (requests and replies), µs.</summary>
    public double? GatewayCpuMicrosecondsPerPacket { get; init; }
    public IReadOnlyList<SessionTraffic>? PerSession { get; init; }
}
