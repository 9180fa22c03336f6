using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PptpGw.Dataplane.Mppe;

/// <summary>The single-stream RC4 keystream loops the dataplane can run (all over the same 32-bit S-box state).</summary>
public enum Rc4Schedule
{
    /// <summary>Textbook round order, eight keystream octets gathered into one 64-bit word.</summary>
    Plain = 0,

    /// <summary>OpenSSL rc4-x86_64's order: S[i+1] loaded between the two stores of round i, i aligned to 8.</summary>
    ReadAhead = 1,

    /// <summary>S[i+1] loaded before both stores of round i, replaced by the swapped value when j == i + 1.</summary>
    ReadAheadSelect = 2,
}

/// <summary>
/// Which <see cref="Rc4Schedule"/> this process runs, chosen once at start-up by a short self-measurement, or forced
/// by <see cref="EnvironmentVariable"/>.
/// </summary>
/// <remarks>
/// <para>Why measured and not fixed: on two hosts reporting the same CPU model the same loop ran at 0.86 × and 0.55 ×
/// OpenSSL's assembly (bench/RESULTS.md), so the best order of loads and stores is a property of the host.</para>
/// <para>How: each candidate is first checked against RFC 6229 keystream vectors (in pieces of several lengths, so the
/// aligned block path, the lead-in and the tail all run); one that fails is never chosen. Every loop is compiled fully
/// optimised at its first call (<c>AggressiveOptimization</c> on the kernels and on the timing harness: a first version
/// timed tier-0 code and ranked the loops by how well the unoptimised JIT did, picking the slowest), so what is timed is
/// the code the dataplane then runs. After a warm-up call each, the candidates are timed in interleaved rounds (the
/// order rotating each round, ~50 µs per slice) until <see cref="MeasurementBudget"/> is spent or
/// <see cref="MaxRounds"/> ran, and ranked by their median: a burst of load elsewhere on the shared machine falls on
/// all of them alike, and a median is not made by one lucky slice. Each kind keeps its default (<see cref="DefaultSingle"/>,
/// <see cref="DefaultPair"/>, <see cref="DefaultKeySchedule"/>: the best measured on both kinds of host so far) unless
/// another candidate's median beats it by <see cref="Margin"/>: a choice that flips on noise would make two runs on one
/// host differ for nothing.</para>
/// <para><see cref="Active"/> and the others are static readonly fields, so the tiered JIT folds the dispatch in
/// <see cref="Rc4"/> into a direct call.</para>
/// </remarks>
public static unsafe class Rc4Schedules
{
    /// <summary>
    /// Environment variable that forces the choice, for operators and tests: <c>single[,pairs[,key-schedule]]</c>, each
    /// a <see cref="Name"/>, e.g. <c>plain</c> or <c>read-ahead-select,read-ahead,read-ahead</c> (pairs and key schedule
    /// default to the single schedule, or read-ahead when that is <c>plain</c>, which has no pair form). A forced
    /// schedule is still verified against RFC 6229; a value that does not parse or verify is reported and measured over.
    /// </summary>
    public const string EnvironmentVariable = "PPTPGW_RC4_SCHEDULE";

    /// <summary>Upper bound of the timed part of the start-up measurement (warm-up and rounds).</summary>
    public static readonly TimeSpan MeasurementBudget = TimeSpan.FromMilliseconds(30);

    /// <summary>Most rounds timed; fewer when <see cref="MeasurementBudget"/> runs out first (never fewer than <see cref="MinRounds"/>).</summary>
    public const int MaxRounds = 31;

    /// <summary>Fewest rounds timed, even on a machine so loaded that the budget is gone before.</summary>
    public const int MinRounds = 5;

    /// <summary>How much faster (median) than the default another candidate must be to replace it.</summary>
    public const double Margin = 0.03;

    /// <summary>
    /// The single-stream default: loads S[i+1] before both stores. In C on the "slow-loop" host (issue 16, AMD family 25)
    /// +40 % over the octet loop; on the bench host (family 26, bench/RESULTS.md) ~1.25 × plain and ~1.55 × OpenSSL's
    /// order in C# and in C, at every buffer placement.
    /// </summary>
    public const Rc4Schedule DefaultSingle = Rc4Schedule.ReadAheadSelect;

    /// <summary>The two-stream default: OpenSSL's order (on the bench host ~1.25 × the select order when two streams share a core).</summary>
    public const Rc4Schedule DefaultPair = Rc4Schedule.ReadAhead;

    /// <summary>The key-schedule default: the load before both stores (on the bench host 1.4-1.65 × OpenSSL's order for one key, up to 1.4 × for two interleaved).</summary>
    public const Rc4Schedule DefaultKeySchedule = Rc4Schedule.ReadAheadSelect;

    /// <summary>The schedule every single-stream transform runs.</summary>
    public static readonly Rc4Schedule Active;

    /// <summary>The order the two-stream loop (<c>Rc4.Transform2</c>, the burst stage's pairs) runs in: <see cref="Rc4Schedule.ReadAhead"/> or <see cref="Rc4Schedule.ReadAheadSelect"/>.</summary>
    public static readonly Rc4Schedule ActivePair;

    /// <summary>The order the MPPE key schedules load S[n+1] in: <see cref="Rc4Schedule.ReadAhead"/> or <see cref="Rc4Schedule.ReadAheadSelect"/>.</summary>
    public static readonly Rc4Schedule ActiveKeySchedule;

    /// <summary>All schedules, in the order they are measured.</summary>
    public static IReadOnlyList<Rc4Schedule> Candidates { get; } = [Rc4Schedule.Plain, Rc4Schedule.ReadAhead, Rc4Schedule.ReadAheadSelect];

    /// <summary>The orders the two-stream loop and the key schedules can run in.</summary>
    public static IReadOnlyList<Rc4Schedule> PairCandidates { get; } = [Rc4Schedule.ReadAhead, Rc4Schedule.ReadAheadSelect];

    /// <summary>How this process chose: forced or measured, the measurements, and the text for the log.</summary>
    public static Rc4Selection Current { get; }

    /// <summary>How <see cref="Active"/> was chosen, for the log (<see cref="Rc4Selection.Description"/>).</summary>
    public static string Selection => Current.Description;

    /// <summary>One line for <c>show dataplane</c> and metrics: the three choices, e.g. "read-ahead-select, pairs read-ahead, key schedule read-ahead".</summary>
    public static string Summary => Current.Summary;

    static Rc4Schedules()
    {
        Current = Select(Environment.GetEnvironmentVariable(EnvironmentVariable), MeasurementBudget);
        (Active, ActivePair, ActiveKeySchedule) = (Current.Single, Current.Pair, Current.KeySchedule);
    }

    /// <summary>The schedule's name as <c>show dataplane</c>, metrics and <see cref="EnvironmentVariable"/> spell it.</summary>
    public static string Name(Rc4Schedule schedule) => schedule switch
    {
        Rc4Schedule.Plain => "plain",
        Rc4Schedule.ReadAhead => "read-ahead",
        Rc4Schedule.ReadAheadSelect => "read-ahead-select",
        _ => schedule.ToString(),
    };

    /// <summary>
    /// Parses an <see cref="EnvironmentVariable"/> value (<c>single[,pairs[,key-schedule]]</c>). False with
    /// <paramref name="error"/> when it names no schedule, too many, or <c>plain</c> for pairs or key schedule.
    /// </summary>
    public static bool TryParseOverride(string text, out Rc4Schedule single, out Rc4Schedule pair, out Rc4Schedule keySchedule, out string error)
    {
        ArgumentNullException.ThrowIfNull(text);
        single = pair = keySchedule = Rc4Schedule.ReadAhead;
        string[] parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length > 3)
        {
            error = "more than three schedules (single[,pairs[,key-schedule]])";
            return false;
        }
        var parsed = new Rc4Schedule[parts.Length];
        for (int n = 0; n < parts.Length; n++)
        {
            if (!TryParseName(parts[n], out parsed[n]))
            {
                error = $"'{parts[n]}' is not a schedule ({string.Join(", ", Candidates.Select(Name))})";
                return false;
            }
            if (n > 0 && parsed[n] == Rc4Schedule.Plain)
            {
                error = $"{(n == 1 ? "pairs" : "key schedule")} cannot be plain (only {string.Join(", ", PairCandidates.Select(Name))})";
                return false;
            }
        }
        single = parsed[0];
        Rc4Schedule follow = single == Rc4Schedule.Plain ? Rc4Schedule.ReadAhead : single;
        pair = parts.Length > 1 ? parsed[1] : follow;
        keySchedule = parts.Length > 2 ? parsed[2] : follow;
        error = "";
        return true;
    }

    private static bool TryParseName(string text, out Rc4Schedule schedule)
    {
        foreach (Rc4Schedule candidate in Candidates)
        {
            if (string.Equals(Name(candidate), text, StringComparison.OrdinalIgnoreCase))
            {
                schedule = candidate;
                return true;
            }
        }
        schedule = Rc4Schedule.Plain;
        return false;
    }

    /// <summary>True when <paramref name="schedule"/>'s loop reproduces the RFC 6229 vectors (40- and 128-bit keys, offsets 0 to 4096).</summary>
    public static bool Verify(Rc4Schedule schedule)
    {
        ReadOnlySpan<byte> key40 = [1, 2, 3, 4, 5];
        ReadOnlySpan<byte> key128 = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
        return VerifyOne(schedule, key40, 0, "b2396305f03dc027ccc3524a0a1118a8")
            && VerifyOne(schedule, key40, 240, "28cb1132c96ce286421dcaadb8b69eae")
            && VerifyOne(schedule, key40, 4080, "068326a2118416d21f9d04b2cd1ca050")
            && VerifyOne(schedule, key128, 0, "9ac7cc9a609d1ef7b2932899cde41b97")
            && VerifyOne(schedule, key128, 256, "d39d566bc6bce3010768151549f3873f")
            && VerifyOne(schedule, key128, 4080, "ff38265c1642c1abe8d3c2fe5e572bf8")
            && VerifyOne(schedule, key128, 4096, "a36a4c301ae8ac13610ccbc12256cacc");
    }

    private static bool VerifyOne(Rc4Schedule schedule, ReadOnlySpan<byte> key, int offset, string expected)
    {
        // The keystream up to offset + 16, generated in pieces of 1, 7, 8, 13, 64, 1400 ... octets.
        ReadOnlySpan<int> pieces = [1, 7, 8, 13, 64, 3, 1400, 9, 500, 16];
        int total = offset + 16;
        byte* stream = stackalloc byte[4096 + 16];
        new Span<byte>(stream, total).Clear();
        var cipher = new Rc4(key);
        for (int at = 0, n = 0; at < total; n++)
        {
            int length = Math.Min(pieces[n % pieces.Length], total - at);
            Rc4.Transform1(schedule, &cipher, stream + at, stream + at, length);
            at += length;
        }
        return Convert.ToHexStringLower(new ReadOnlySpan<byte>(stream + offset, 16)) == expected;
    }

    /// <summary>
    /// The start-up choice, without touching the static fields (tests call it): <paramref name="forced"/> (an
    /// <see cref="EnvironmentVariable"/> value, or null) when it parses and verifies, otherwise the measurement,
    /// bounded by <paramref name="budget"/>.
    /// </summary>
    internal static Rc4Selection Select(string? forced, TimeSpan budget)
    {
        long started = Stopwatch.GetTimestamp();
        string? ignored = null;
        if (!string.IsNullOrWhiteSpace(forced))
        {
            if (!TryParseOverride(forced, out Rc4Schedule single, out Rc4Schedule pair, out Rc4Schedule keys, out string error))
            {
                ignored = $"{EnvironmentVariable}='{forced}' ignored: {error}";
            }
            else if (!Verify(single) || !VerifyPair(pair) || !VerifyKeySchedule(keys))
            {
                ignored = $"{EnvironmentVariable}='{forced}' ignored: it failed RFC 6229";
            }
            else
            {
                return new Rc4Selection(single, pair, keys, Rc4SelectionSource.Forced, 0, Stopwatch.GetElapsedTime(started), [], [], [], null);
            }
        }
        return Measure(budget, started, ignored);
    }

    /// <summary>
    /// The schedule to run among <paramref name="measured"/>: <paramref name="preferred"/> unless another verified one's
    /// median is at least <see cref="Margin"/> faster (or <paramref name="preferred"/> failed); <paramref name="fallback"/>
    /// when none verified. Rates are "higher is faster".
    /// </summary>
    internal static Rc4Schedule Decide(IReadOnlyList<Rc4Measurement> measured, Rc4Schedule preferred, Rc4Schedule fallback)
    {
        Rc4Measurement? best = null, home = null;
        foreach (Rc4Measurement m in measured)
        {
            if (!m.Verified)
                continue;
            if (best is not { } b || m.MedianRate > b.MedianRate)
                best = m;
            if (m.Schedule == preferred)
                home = m;
        }
        if (best is not { } winner)
            return fallback;
        if (home is { } h && winner.MedianRate < h.MedianRate * (1 + Margin))
            return preferred;
        return winner.Schedule;
    }

    private enum Work
    {
        Single,
        Pair,
        KeySchedule,
    }

    private static Rc4Selection Measure(TimeSpan budget, long started, string? ignored)
    {
        const int Size = 1400;
        // Separate native blocks, so the S-boxes and the buffers sit wherever a session's would, not in one stack frame.
        Rc4* states = (Rc4*)NativeMemory.AlignedAlloc((nuint)(2 * sizeof(Rc4)), 64);
        byte* buffers = (byte*)NativeMemory.AlignedAlloc(2 * 2048, 64);
        try
        {
            new Span<byte>(buffers, 2 * 2048).Clear();
            states[0] = new Rc4([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
            states[1] = new Rc4([16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
            // Two different, non-degenerate keys for the key-schedule slices (a first version keyed both states with the
            // same all-zero key: identical j chains, a pattern no session has, and it ranked the two orders backwards).
            byte* key = buffers + 2048 + Size;
            for (int n = 0; n < 32; n++)
                key[n] = (byte)(n * 37 + 11);
            var all = new List<Candidate>();
            foreach (Rc4Schedule s in Candidates)
                all.Add(new Candidate(Work.Single, s, Verify(s), SingleOctets));
            foreach (Rc4Schedule s in PairCandidates)
                all.Add(new Candidate(Work.Pair, s, VerifyPair(s), PairOctets));
            foreach (Rc4Schedule s in PairCandidates)
                all.Add(new Candidate(Work.KeySchedule, s, VerifyKeySchedule(s), KeySchedules));

            long measuring = Stopwatch.GetTimestamp();
            long deadline = measuring + (long)(budget.TotalSeconds * Stopwatch.Frequency);
            foreach (Candidate c in all)
                c.Run(states, buffers, key); // first call: caches, branch predictors (the JIT ran during verification)
            int rounds = 0;
            while (rounds < MaxRounds && (rounds < MinRounds || Stopwatch.GetTimestamp() < deadline))
            {
                // Interleaved, the order rotating: no candidate always runs right after the same other one.
                for (int k = 0; k < all.Count; k++)
                    all[(k + rounds) % all.Count].Time(rounds, states, buffers, key);
                rounds++;
            }
            TimeSpan timed = Stopwatch.GetElapsedTime(measuring);
            states[0] = default;
            states[1] = default;

            Rc4Measurement[] single = Results(all, Work.Single, rounds);
            Rc4Measurement[] pair = Results(all, Work.Pair, rounds);
            Rc4Measurement[] keys = Results(all, Work.KeySchedule, rounds);
            return new Rc4Selection(
                Decide(single, DefaultSingle, Rc4Schedule.Plain),
                Decide(pair, DefaultPair, Rc4Schedule.ReadAhead),
                Decide(keys, DefaultKeySchedule, Rc4Schedule.ReadAhead),
                Rc4SelectionSource.Measured, rounds, Stopwatch.GetElapsedTime(started), single, pair, keys, ignored, timed);
        }
        finally
        {
            NativeMemory.Free(states);
            NativeMemory.Free(buffers);
        }
    }

    private static Rc4Measurement[] Results(List<Candidate> all, Work work, int rounds)
    {
        var results = new List<Rc4Measurement>();
        foreach (Candidate c in all)
        {
            if (c.Work == work)
                results.Add(c.Result(rounds));
        }
        return [.. results];
    }

    /// <summary>The pair loop against two single streams in the textbook order, over lengths that exercise its lead-ins and tails.</summary>
    private static bool VerifyPair(Rc4Schedule schedule)
    {
        if (!Verify(Rc4Schedule.Plain))
            return false;
        byte* a = stackalloc byte[1500];
        byte* b = stackalloc byte[1500];
        byte* expected = stackalloc byte[1500];
        var pa = new Rc4([1, 2, 3, 4, 5]);
        var pb = new Rc4([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
        var ra = pa;
        var rb = pb;
        ReadOnlySpan<int> lengths = [3, 1400, 64, 17, 1, 1000, 8, 9, 0, 300];
        for (int n = 0; n < lengths.Length; n++)
        {
            int la = lengths[n], lb = lengths[(n + 3) % lengths.Length];
            new Span<byte>(a, la).Clear();
            new Span<byte>(b, lb).Clear();
            Rc4.Transform2(schedule, &pa, a, la, &pb, b, lb);
            new Span<byte>(expected, la).Clear();
            Rc4.TransformPlain(&ra, expected, expected, la);
            if (!new Span<byte>(a, la).SequenceEqual(new Span<byte>(expected, la)))
                return false;
            new Span<byte>(expected, lb).Clear();
            Rc4.TransformPlain(&rb, expected, expected, lb);
            if (!new Span<byte>(b, lb).SequenceEqual(new Span<byte>(expected, lb)))
                return false;
        }
        return true;
    }

    /// <summary>The key schedule in that order, single and paired, against the RFC 6229 vectors of the 64- and 128-bit keys (offset 0).</summary>
    private static bool VerifyKeySchedule(Rc4Schedule schedule)
    {
        byte* key = stackalloc byte[16];
        for (int n = 0; n < 16; n++)
            key[n] = (byte)(n + 1);
        bool select = schedule == Rc4Schedule.ReadAheadSelect;
        Rc4 a, b, c;
        Rc4.SetKeyMppe2(&a, key, 8, &b, key, 16, select);
        Rc4.SetKeyMppe(&c, key, 16, select);
        byte* stream = stackalloc byte[48];
        new Span<byte>(stream, 48).Clear();
        Rc4.TransformPlain(&a, stream, stream, 16);
        Rc4.TransformPlain(&b, stream + 16, stream + 16, 16);
        Rc4.TransformPlain(&c, stream + 32, stream + 32, 16);
        bool ok = Convert.ToHexStringLower(new ReadOnlySpan<byte>(stream, 16)) == "97ab8a1bf0afb96132f2f67258da15a8"
            && Convert.ToHexStringLower(new ReadOnlySpan<byte>(stream + 16, 16)) == "9ac7cc9a609d1ef7b2932899cde41b97"
            && Convert.ToHexStringLower(new ReadOnlySpan<byte>(stream + 32, 16)) == "9ac7cc9a609d1ef7b2932899cde41b97";
        a = default;
        b = default;
        c = default;
        return ok;
    }

    // Work per slice (~50 µs each on a 2026 server core): octets for the keystream loops, key schedules for the KSA.
    // The key-schedule slice runs both forms the dataplane uses, half the keys each: two interleaved (the burst's pairs)
    // and one alone (Rc4.SetKey, an unpaired packet); on the bench host the orders differ little in the first and by
    // 1.65 × in the second (bench/RESULTS.md).
    private const int SingleCalls = 20, PairCalls = 10, KeyScheduleCalls = 20;
    private const double SingleOctets = SingleCalls * 1400.0, PairOctets = PairCalls * 2 * 1400.0, KeySchedules = KeyScheduleCalls * 4.0;

    // The harness is compiled fully optimised at once too (the kernels are, see Rc4.Kernels.cs), and each variant of the
    // key schedule gets its own loop with a constant order, so that the inlined schedule has no per-round branch on it
    // (as in the dataplane's callers, where the order is a static readonly field the JIT folds).
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void RunSingle(Rc4Schedule schedule, Rc4* state, byte* buffer)
    {
        for (int n = 0; n < SingleCalls; n++)
            Rc4.Transform1(schedule, state, buffer, buffer, 1400);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void RunPair(Rc4Schedule schedule, Rc4* states, byte* buffers)
    {
        for (int n = 0; n < PairCalls; n++)
            Rc4.Transform2(schedule, states, buffers, 1400, states + 1, buffers + 2048, 1400);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void RunKeySchedule(Rc4Schedule schedule, Rc4* states, byte* key)
    {
        if (schedule == Rc4Schedule.ReadAheadSelect)
        {
            for (int n = 0; n < KeyScheduleCalls; n++)
            {
                Rc4.SetKeyMppe2(states, key, 16, states + 1, key + 16, 16, select: true);
                Rc4.SetKeyMppe(states, key + 16, 16, select: true);
                Rc4.SetKeyMppe(states + 1, key, 16, select: true);
            }
        }
        else
        {
            for (int n = 0; n < KeyScheduleCalls; n++)
            {
                Rc4.SetKeyMppe2(states, key, 16, states + 1, key + 16, 16, select: false);
                Rc4.SetKeyMppe(states, key + 16, 16, select: false);
                Rc4.SetKeyMppe(states + 1, key, 16, select: false);
            }
        }
    }

    private sealed class Candidate(Work work, Rc4Schedule schedule, bool verified, double units)
    {
        private readonly double[] _rates = new double[MaxRounds]; // units per µs: MB/s for octets

        public Work Work { get; } = work;

        public void Run(Rc4* states, byte* buffers, byte* key)
        {
            if (!verified)
                return;
            switch (Work)
            {
                case Work.Single:
                    RunSingle(schedule, states, buffers);
                    break;
                case Work.Pair:
                    RunPair(schedule, states, buffers);
                    break;
                default:
                    RunKeySchedule(schedule, states, key);
                    break;
            }
        }

        public void Time(int round, Rc4* states, byte* buffers, byte* key)
        {
            if (!verified)
                return;
            long start = Stopwatch.GetTimestamp();
            Run(states, buffers, key);
            _rates[round] = units / Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }

        public Rc4Measurement Result(int rounds)
        {
            if (!verified || rounds == 0)
                return new Rc4Measurement(schedule, verified, 0, 0);
            double[] sorted = _rates[..rounds];
            Array.Sort(sorted);
            double median = rounds % 2 == 1 ? sorted[rounds / 2] : (sorted[rounds / 2 - 1] + sorted[rounds / 2]) / 2;
            return new Rc4Measurement(schedule, true, median, sorted[^1]);
        }
    }
}
