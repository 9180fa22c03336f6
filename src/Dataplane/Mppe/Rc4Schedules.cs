using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

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
/// Which <see cref="Rc4Schedule"/> this process runs, chosen once at start-up by a short self-measurement.
/// </summary>
/// <remarks>
/// Why measured and not fixed: on two hosts reporting the same CPU model the same loop ran at 0.86 × and 0.55 ×
/// OpenSSL's assembly (bench/RESULTS.md), so the best order of loads and stores is a property of the host. Each
/// candidate is first checked against RFC 6229 keystream vectors (in pieces of several lengths, so the aligned block
/// path, the lead-in and the tail all run); one that fails is never chosen. The survivors are timed round-robin
/// (a few milliseconds in all, best of several rounds, so a burst of load elsewhere on the machine hits them
/// alike) and the fastest wins. <c>PPTPGW_RC4_SCHEDULE=plain|read-ahead|read-ahead-select</c> forces one (it is
/// still verified). <see cref="Active"/> is a static readonly field, so the tiered JIT folds the dispatch in
/// <see cref="Rc4"/> into a direct call.
/// </remarks>
public static unsafe class Rc4Schedules
{
    /// <summary>Environment variable that forces a schedule (its <see cref="Name"/>).</summary>
    public const string EnvironmentVariable = "PPTPGW_RC4_SCHEDULE";

    /// <summary>The schedule every single-stream transform runs.</summary>
    public static readonly Rc4Schedule Active;

    /// <summary>The order the two-stream loop (<c>Rc4.Transform2</c>, the burst stage's pairs) runs in: <see cref="Rc4Schedule.ReadAhead"/> or <see cref="Rc4Schedule.ReadAheadSelect"/>.</summary>
    public static readonly Rc4Schedule ActivePair;

    /// <summary>The order the MPPE key schedules load S[n+1] in: <see cref="Rc4Schedule.ReadAhead"/> or <see cref="Rc4Schedule.ReadAheadSelect"/>.</summary>
    public static readonly Rc4Schedule ActiveKeySchedule;

    /// <summary>All schedules, in the order they are measured.</summary>
    public static IReadOnlyList<Rc4Schedule> Candidates { get; } = [Rc4Schedule.Plain, Rc4Schedule.ReadAhead, Rc4Schedule.ReadAheadSelect];

    /// <summary>How <see cref="Active"/> was chosen: MB/s per candidate measured at start-up, or the override.</summary>
    public static string Selection { get; }

    /// <summary>The orders the two-stream loop and the key schedules can run in.</summary>
    public static IReadOnlyList<Rc4Schedule> PairCandidates { get; } = [Rc4Schedule.ReadAhead, Rc4Schedule.ReadAheadSelect];

    /// <summary>One line for the log, <c>show dataplane</c> and metrics: the three choices, e.g. "read-ahead-select, pairs read-ahead, key schedule read-ahead".</summary>
    public static string Summary => $"{Name(Active)}, pairs {Name(ActivePair)}, key schedule {Name(ActiveKeySchedule)}";

    static Rc4Schedules()
    {
        (Active, ActivePair, ActiveKeySchedule, Selection) = Choose();
    }

    /// <summary>The schedule's name as <c>show dataplane</c>, metrics and <see cref="EnvironmentVariable"/> spell it.</summary>
    public static string Name(Rc4Schedule schedule) => schedule switch
    {
        Rc4Schedule.Plain => "plain",
        Rc4Schedule.ReadAhead => "read-ahead",
        Rc4Schedule.ReadAheadSelect => "read-ahead-select",
        _ => schedule.ToString(),
    };

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

    private static (Rc4Schedule, Rc4Schedule, Rc4Schedule, string) Choose()
    {
        string? forced = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(forced))
        {
            foreach (Rc4Schedule candidate in Candidates)
            {
                if (string.Equals(Name(candidate), forced.Trim(), StringComparison.OrdinalIgnoreCase) && Verify(candidate))
                {
                    Rc4Schedule other = candidate == Rc4Schedule.Plain ? Rc4Schedule.ReadAhead : candidate;
                    return (candidate, other, other, $"{Name(candidate)} (forced by {EnvironmentVariable}; RFC 6229 verified)");
                }
            }
        }

        // 40 rounds of ~70 µs slices per candidate (~15 ms in all): on a loaded machine a few slices run undisturbed.
        const int Rounds = 40;
        // Separate native blocks, so the S-boxes and the buffer sit wherever a session's would, not in one stack frame.
        const int Size = 1400;
        Rc4* states = (Rc4*)NativeMemory.AlignedAlloc((nuint)(2 * sizeof(Rc4)), 64);
        byte* buffers = (byte*)NativeMemory.AlignedAlloc(2 * 2048, 64);
        try
        {
            new Span<byte>(buffers, 2 * 2048).Clear();
            states[0] = new Rc4([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
            states[1] = new Rc4([16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
            byte* key = buffers + 2048 + Size;
            var single = new Candidate[Candidates.Count];
            var pair = new Candidate[PairCandidates.Count];
            var keys = new Candidate[PairCandidates.Count];
            for (int c = 0; c < single.Length; c++)
                single[c] = new Candidate(Candidates[c], Verify(Candidates[c]));
            for (int c = 0; c < pair.Length; c++)
            {
                pair[c] = new Candidate(PairCandidates[c], VerifyPair(PairCandidates[c]));
                keys[c] = new Candidate(PairCandidates[c], VerifyKeySchedule(PairCandidates[c]));
            }

            // Round-robin, best of the rounds: a burst of load elsewhere on the machine hits all candidates alike.
            for (int round = 0; round < Rounds; round++)
            {
                foreach (Candidate c in single)
                    c.Time(round, 50 * Size, Work.Single, states, buffers, key);
                foreach (Candidate c in pair)
                    c.Time(round, 50 * Size, Work.Pair, states, buffers, key);
                foreach (Candidate c in keys)
                    c.Time(round, 200, Work.KeySchedule, states, buffers, key);
            }
            states[0] = default;
            states[1] = default;

            Rc4Schedule chosen = Best(single, Rc4Schedule.Plain);
            Rc4Schedule chosenPair = Best(pair, Rc4Schedule.ReadAhead);
            Rc4Schedule chosenKeys = Best(keys, Rc4Schedule.ReadAhead);
            string report = string.Create(CultureInfo.InvariantCulture,
                $"{Name(chosen)}, pairs {Name(chosenPair)}, key schedule {Name(chosenKeys)} (measured at start-up, best of {Rounds - 1} rounds; "
                + $"single stream MB/s: {Report(single, "F0")}; two streams MB/s: {Report(pair, "F0")}; key schedules per µs: {Report(keys, "F1")}; RFC 6229 verified)");
            return (chosen, chosenPair, chosenKeys, report);
        }
        finally
        {
            NativeMemory.Free(states);
            NativeMemory.Free(buffers);
        }
    }

    private static Rc4Schedule Best(Candidate[] candidates, Rc4Schedule fallback)
    {
        Candidate? best = null;
        foreach (Candidate c in candidates)
        {
            if (c.Valid && (best == null || c.Rate > best.Rate))
                best = c;
        }
        // The fallback is the textbook order: if every candidate failed something is badly wrong, but keep running.
        return best?.Schedule ?? fallback;
    }

    private static string Report(Candidate[] candidates, string format)
    {
        var text = new StringBuilder();
        foreach (Candidate c in candidates)
        {
            if (text.Length > 0)
                text.Append(", ");
            text.Append(Name(c.Schedule)).Append(' ');
            text.Append(c.Valid ? c.Rate.ToString(format, CultureInfo.InvariantCulture) : "FAILED RFC 6229");
        }
        return text.ToString();
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

    /// <summary>The key schedule in that order against the RFC 6229 vectors of the 64- and 128-bit keys (offset 0).</summary>
    private static bool VerifyKeySchedule(Rc4Schedule schedule)
    {
        byte* key = stackalloc byte[16];
        for (int n = 0; n < 16; n++)
            key[n] = (byte)(n + 1);
        Rc4 a, b;
        Rc4.SetKeyMppe2(&a, key, 8, &b, key, 16, schedule == Rc4Schedule.ReadAheadSelect);
        byte* stream = stackalloc byte[32];
        new Span<byte>(stream, 32).Clear();
        Rc4.TransformPlain(&a, stream, stream, 16);
        Rc4.TransformPlain(&b, stream + 16, stream + 16, 16);
        bool ok = Convert.ToHexStringLower(new ReadOnlySpan<byte>(stream, 16)) == "97ab8a1bf0afb96132f2f67258da15a8"
            && Convert.ToHexStringLower(new ReadOnlySpan<byte>(stream + 16, 16)) == "9ac7cc9a609d1ef7b2932899cde41b97";
        a = default;
        b = default;
        return ok;
    }

    private enum Work
    {
        Single,
        Pair,
        KeySchedule,
    }

    // Compiled fully optimised at once: at start-up the tiered JIT would otherwise run this (and, for the key schedules,
    // the inlinable SetKeyMppe2) as unoptimised tier-0 code, and the measurement would rank tier-0 code (a first
    // version did, and chose the slowest loop).
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Run(Work work, Rc4Schedule schedule, Rc4* states, byte* buffers, byte* key)
    {
        const int Size = 1400;
        switch (work)
        {
            case Work.Single:
                for (int n = 0; n < 50; n++)
                    Rc4.Transform1(schedule, states, buffers, buffers, Size);
                break;
            case Work.Pair:
                for (int n = 0; n < 25; n++)
                    Rc4.Transform2(schedule, states, buffers, Size, states + 1, buffers + 2048, Size);
                break;
            default:
                bool select = schedule == Rc4Schedule.ReadAheadSelect;
                for (int n = 0; n < 100; n++)
                    Rc4.SetKeyMppe2(states, key, 16, states + 1, key, 16, select);
                break;
        }
    }

    private sealed class Candidate(Rc4Schedule schedule, bool valid)
    {
        public Rc4Schedule Schedule { get; } = schedule;
        public bool Valid { get; } = valid;
        public double Rate { get; private set; } // units per µs (octets: MB/s)

        public void Time(int round, double units, Work work, Rc4* states, byte* buffers, byte* key)
        {
            if (!Valid)
                return;
            long start = Stopwatch.GetTimestamp();
            Run(work, Schedule, states, buffers, key);
            double microseconds = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            if (round > 0) // the first round warms caches and branch predictors
                Rate = Math.Max(Rate, units / microseconds);
        }
    }
}
