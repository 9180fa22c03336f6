namespace PptpGw.Load;

/// <summary>Set-up latency percentiles in milliseconds (from HdrHistogram).</summary>
public sealed record LatencySummary(long Count, double P50, double P90, double P99, double P999, double Max);
