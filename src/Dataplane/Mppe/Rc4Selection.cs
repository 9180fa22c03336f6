using System.Globalization;
using System.Text;

namespace PptpGw.Dataplane.Mppe;

/// <summary>
/// The outcome of <see cref="Rc4Schedules"/>' start-up choice: the three schedules, forced or measured, and what was
/// measured (empty when forced). <see cref="Description"/> is the log line's text.
/// </summary>
public sealed class Rc4Selection
{
    internal Rc4Selection(
        Rc4Schedule single, Rc4Schedule pair, Rc4Schedule keySchedule, Rc4SelectionSource source, int rounds, TimeSpan elapsed,
        IReadOnlyList<Rc4Measurement> singleRates, IReadOnlyList<Rc4Measurement> pairRates, IReadOnlyList<Rc4Measurement> keyScheduleRates,
        string? ignoredOverride, TimeSpan timed = default)
    {
        Single = single;
        Pair = pair;
        KeySchedule = keySchedule;
        Source = source;
        Rounds = rounds;
        Elapsed = elapsed;
        Timed = timed;
        SingleRates = singleRates;
        PairRates = pairRates;
        KeyScheduleRates = keyScheduleRates;
        IgnoredOverride = ignoredOverride;
        Description = Describe();
    }

    /// <summary>The single-stream keystream loop.</summary>
    public Rc4Schedule Single { get; }

    /// <summary>The two-stream loop's order.</summary>
    public Rc4Schedule Pair { get; }

    /// <summary>The MPPE key schedules' order.</summary>
    public Rc4Schedule KeySchedule { get; }

    /// <summary>Forced by the environment variable, or measured.</summary>
    public Rc4SelectionSource Source { get; }

    /// <summary>Interleaved rounds timed (0 when forced).</summary>
    public int Rounds { get; }

    /// <summary>The whole choice: verification, JIT, warm-up and rounds.</summary>
    public TimeSpan Elapsed { get; }

    /// <summary>The timed part (warm-up and rounds), bounded by <see cref="Rc4Schedules.MeasurementBudget"/> after <see cref="Rc4Schedules.MinRounds"/>.</summary>
    public TimeSpan Timed { get; }

    /// <summary>Single-stream candidates, MB/s.</summary>
    public IReadOnlyList<Rc4Measurement> SingleRates { get; }

    /// <summary>Two-stream candidates, MB/s of both streams together.</summary>
    public IReadOnlyList<Rc4Measurement> PairRates { get; }

    /// <summary>Key-schedule candidates (16-octet keys, half of them two interleaved, half alone), key schedules per µs.</summary>
    public IReadOnlyList<Rc4Measurement> KeyScheduleRates { get; }

    /// <summary>Why an environment override was not used (it did not parse or verify), or null.</summary>
    public string? IgnoredOverride { get; }

    /// <summary>"read-ahead, pairs read-ahead, key schedule read-ahead-select".</summary>
    public string Summary => $"{Rc4Schedules.Name(Single)}, pairs {Rc4Schedules.Name(Pair)}, key schedule {Rc4Schedules.Name(KeySchedule)}";

    /// <summary>The summary and why: the override, or the medians measured and the rule that picked among them.</summary>
    public string Description { get; }

    private string Describe()
    {
        var inv = CultureInfo.InvariantCulture;
        if (Source == Rc4SelectionSource.Forced)
            return $"{Summary} (forced by {Rc4Schedules.EnvironmentVariable}; RFC 6229 verified)";
        var text = new StringBuilder(Summary);
        text.Append(inv, $" (measured at start-up: {Rounds} interleaved rounds in {Timed.TotalMilliseconds:F0} ms, {Elapsed.TotalMilliseconds:F0} ms with verification and JIT; medians: ");
        Append(text, "single stream MB/s", SingleRates, rate => rate.ToString("F0", inv));
        text.Append("; ");
        Append(text, "two streams MB/s", PairRates, rate => rate.ToString("F0", inv));
        text.Append("; ");
        Append(text, "key schedule ns/key", KeyScheduleRates, rate => (1000 / rate).ToString("F0", inv));
        text.Append(inv, $"; defaults {Rc4Schedules.Name(Rc4Schedules.DefaultSingle)}, pairs {Rc4Schedules.Name(Rc4Schedules.DefaultPair)}, key schedule {Rc4Schedules.Name(Rc4Schedules.DefaultKeySchedule)} unless another is >= {Rc4Schedules.Margin * 100:F0} % faster; RFC 6229 verified)");
        if (IgnoredOverride != null)
            text.Append("; ").Append(IgnoredOverride);
        return text.ToString();
    }

    private static void Append(StringBuilder text, string what, IReadOnlyList<Rc4Measurement> rates, Func<double, string> format)
    {
        text.Append(what);
        foreach (Rc4Measurement m in rates)
        {
            text.Append(' ').Append(Rc4Schedules.Name(m.Schedule)).Append(' ');
            text.Append(m.Verified ? format(m.MedianRate) : "FAILED RFC 6229");
        }
    }
}
