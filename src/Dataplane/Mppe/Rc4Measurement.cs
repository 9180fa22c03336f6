namespace PptpGw.Dataplane.Mppe;

/// <summary>
/// One candidate's start-up measurement (<see cref="Rc4Schedules"/>): whether it reproduced RFC 6229, and its median
/// and best rate over the interleaved rounds, higher is faster (MB/s for keystream loops, key schedules per µs).
/// </summary>
public readonly record struct Rc4Measurement(Rc4Schedule Schedule, bool Verified, double MedianRate, double BestRate);
