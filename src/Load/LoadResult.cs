namespace PptpGw.Load;

/// <summary>
/// The whole result of a run, as <c>--json FILE</c> writes it (snake_case). Traffic figures are null until the tool sends
/// traffic (the data path is the next step): null means "not measured", never zero.
/// </summary>
public sealed record LoadResult
{
    public required int SessionsRequested { get; init; }
    public required long SessionsEstablished { get; init; }
    public required int Tunnels { get; init; }
    public required int CallsPerTunnel { get; init; }
    public required int SourceAddresses { get; init; }
    /// <summary>"open" (a target rate) or "closed" (N in flight).</summary>
    public required string Mode { get; init; }
    public double? TargetRatePerS { get; init; }
    /// <summary>Open loop only: achieved start rate and backlog under the in-flight bound.</summary>
    public OpenLoopSummary? OpenLoop { get; init; }
    public int? Concurrency { get; init; }
    public required string Authentication { get; init; }
    public required string Mppe { get; init; }
    /// <summary>Sessions established per second, from the first dispatch to the last link-up (the ramp).</summary>
    public required double SetupRatePerS { get; init; }
    public required double SetupSeconds { get; init; }
    public required LatencySummary SetupLatencyMs { get; init; }
    public required double HoldSeconds { get; init; }
    /// <summary>Sessions still up when the hold ended (before the hang-up).</summary>
    public required long SessionsUpAtEndOfHold { get; init; }
    public required TeardownSummary Teardown { get; init; }
    /// <summary>LCP echo during the hold; null when not asked for (<c>--lcp-echo</c>).</summary>
    public LcpEchoSummary? LcpEcho { get; init; }
    public required IReadOnlyDictionary<string, long> Failures { get; init; }
    public required ProcessSummary? Gateway { get; init; }
    public required ProcessSummary Tool { get; init; }
    public bool TrafficMeasured { get; init; }
    public required ThroughputSummary ThroughputBps { get; init; }
    public double? Loss { get; init; }
    public required TrafficLatency LatencyMs { get; init; }
    /// <summary>"worker" (the client-role dataplane) or "mux" (control traffic only).</summary>
    public string DataPath { get; init; } = "mux";
    /// <summary>Calls by (PPP frames sent, received, discarded) at link-up, "slow" ones (over 2.5 s) apart: which frame a slow set-up waited for.</summary>
    public IReadOnlyDictionary<string, long>? SetupFrameShapes { get; init; }
    /// <summary>The traffic phase in full (per session for small runs), or null without traffic.</summary>
    public TrafficSummary? Traffic { get; init; }
    /// <summary>The tool's own GRE path: packets in and out, drops by reason (the worker's), for finding lost frames.</summary>
    public IReadOnlyDictionary<string, long>? ToolGre { get; init; }
    public required IReadOnlyList<TimelinePoint> Timeline { get; init; }
    public required string StartedUtc { get; init; }
    public string? LoadAverage { get; init; }
}
