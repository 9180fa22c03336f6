namespace PptpGw.Load;

/// <summary>What the live view shows: the run's stage and counters at one moment.</summary>
public sealed record LoadProgress(string Stage, TimeSpan Elapsed, int Requested, long Started, long Established, long Up, long InFlight,
    long Failed, double CurrentRate, IReadOnlyDictionary<string, long> Failures, ProcessSample? Gateway);
