namespace PptpGw.Load;

/// <summary>Data throughput, bits per second (null: not measured).</summary>
public sealed record ThroughputSummary(double? Up, double? Down);
