namespace PptpGw.Load;

/// <summary>A process over the run (the gateway from <c>--gateway-pid</c>, or the tool).</summary>
public sealed record ProcessSummary(int Pid, long RssBytesStart, long RssBytesMax, double CpuSeconds, int FdsMax,
    double? RssBytesPerSession);
