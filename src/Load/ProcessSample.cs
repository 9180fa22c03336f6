namespace PptpGw.Load;

/// <summary>One reading of a process from /proc: CPU seconds used so far (user + system), resident set, open descriptors.</summary>
public sealed record ProcessSample(double CpuSeconds, long RssBytes, int FileDescriptors);
