namespace PptpGw.Load;

/// <summary>Data-packet round-trip latency, milliseconds (null: not measured).</summary>
public sealed record TrafficLatency(double? P50, double? P99);
