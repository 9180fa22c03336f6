namespace PptpGw.Load;

/// <summary>One session's traffic: its address, packets sent and answered, round-trip mean and max (ms).</summary>
public sealed record SessionTraffic(string Address, long Sent, long Received, double Loss, double? RoundTripMeanMs, double? RoundTripMaxMs);
