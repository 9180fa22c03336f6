namespace PptpGw.Load;

/// <summary>
/// Open loop against a gateway that may not keep up: the target start rate, the rate starts were actually made at, the
/// bound on set-ups in flight, the largest backlog (starts due by the target and not yet made) and how many starts had
/// to wait for the bound.
/// </summary>
public sealed record OpenLoopSummary(double TargetRatePerS, double AchievedStartRatePerS, int MaxInFlight, long MaxBacklog, long StartsDelayed);
