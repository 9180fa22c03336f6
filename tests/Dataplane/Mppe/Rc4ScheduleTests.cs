using CsCheck;
using PptpGw.Dataplane.Mppe;

namespace PptpGw.Tests.Dataplane.Mppe;

/// <summary>
/// Every RC4 keystream loop (<see cref="Rc4Schedule"/>), both orders of the two-stream loop and of the MPPE key
/// schedules, each against the RFC 6229 vectors and against a textbook RC4 written here octet by octet, over random
/// keys, packet lengths and interleavings: whichever the start-up measurement picks, the keystream is RC4's.
/// </summary>
public unsafe class Rc4ScheduleTests
{
    public static TheoryData<Rc4Schedule> Schedules() => [.. Rc4Schedules.Candidates];

    public static TheoryData<Rc4Schedule> PairSchedules() => [.. Rc4Schedules.PairCandidates];

    /// <summary>RFC 6229 §2 vectors through <paramref name="schedule"/>'s loop, the keystream produced in uneven pieces.</summary>
    [Theory]
    [MemberData(nameof(Schedules))]
    public void EachSchedule_MatchesRfc6229(Rc4Schedule schedule)
    {
        int[] pieces = [1, 15, 8, 1400, 7, 64, 3, 9, 512];
        foreach (var (key, offset, expected) in Rfc6229Vectors.All)
        {
            var cipher = new Rc4(Convert.FromHexString(key));
            var stream = new byte[4096 + 16];
            fixed (byte* p = stream)
            {
                for (int at = 0, n = 0; at < stream.Length; n++)
                {
                    int length = Math.Min(pieces[n % pieces.Length], stream.Length - at);
                    Rc4.Transform1(schedule, &cipher, p + at, p + at, length);
                    at += length;
                }
            }
            Assert.Equal(expected, Convert.ToHexStringLower(stream, offset, 16));
        }
        Assert.True(Rc4Schedules.Verify(schedule));
    }

    /// <summary>Random key, random packet lengths, source ≠ destination: octet for octet the textbook loop.</summary>
    [Theory]
    [MemberData(nameof(Schedules))]
    public void EachSchedule_EqualsTheTextbookLoop(Rc4Schedule schedule)
    {
        Gen.Select(Gen.Byte.Array[1, 40], Gen.Int[0, 1600].Array[1, 12]).Sample((key, lengths) =>
        {
            var reference = new TextbookRc4(key);
            var cipher = new Rc4(key);
            foreach (int length in lengths)
            {
                byte[] source = new byte[length];
                new Random(length).NextBytes(source);
                byte[] expected = (byte[])source.Clone();
                reference.Transform(expected);
                byte[] actual = new byte[length];
                fixed (byte* src = source)
                fixed (byte* dst = actual)
                    Rc4.Transform1(schedule, &cipher, src, dst, length);
                Assert.Equal(expected, actual);
            }
        }, iter: 150);
    }

    /// <summary>
    /// Four sessions' streams advanced in a random interleaving of single packets and pairs (the burst stage's
    /// pattern), in either pair order: each stream equals its own textbook stream.
    /// </summary>
    [Theory]
    [MemberData(nameof(PairSchedules))]
    public void PairLoop_InAnyInterleaving_EqualsTheTextbookLoop(Rc4Schedule schedule)
    {
        var step = Gen.Select(Gen.Int[0, 3], Gen.Int[0, 3], Gen.Int[0, 1500], Gen.Int[0, 1500]);
        Gen.Select(Gen.Byte.Array[1, 32].Array[4], step.Array[1, 16]).Sample((keys, steps) =>
        {
            var reference = keys.Select(k => new TextbookRc4(k)).ToArray();
            Rc4* ciphers = stackalloc Rc4[4];
            for (int s = 0; s < 4; s++)
                ciphers[s] = new Rc4(keys[s]);
            foreach (var (a, b, lengthA, lengthB) in steps)
            {
                byte[] dataA = new byte[lengthA], dataB = new byte[lengthB];
                new Random(lengthA * 7 + lengthB).NextBytes(dataA);
                new Random(lengthB * 3 + a).NextBytes(dataB);
                byte[] expectedA = (byte[])dataA.Clone(), expectedB = (byte[])dataB.Clone();
                reference[a].Transform(expectedA);
                if (a == b)
                {
                    fixed (byte* pa = dataA)
                        Rc4.Transform1(Rc4Schedule.Plain, ciphers + a, pa, pa, lengthA);
                    Assert.Equal(expectedA, dataA);
                    continue;
                }
                reference[b].Transform(expectedB);
                fixed (byte* pa = dataA)
                fixed (byte* pb = dataB)
                    Rc4.Transform2(schedule, ciphers + a, pa, lengthA, ciphers + b, pb, lengthB);
                Assert.Equal(expectedA, dataA);
                Assert.Equal(expectedB, dataB);
            }
        }, iter: 100);
    }

    /// <summary>Both orders of the MPPE key schedule, single and two at a time, equal the textbook key schedule.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MppeKeySchedules_InEitherOrder_EqualTheTextbookKeySchedule(bool select)
    {
        Gen.Select(Gen.Byte.Array[16], Gen.Byte.Array[8], Gen.Bool).Sample((keyA, keyB, swap) =>
        {
            byte[] first = swap ? keyB : keyA, second = swap ? keyA : keyB;
            Rc4 a, b, single;
            fixed (byte* ka = first)
            fixed (byte* kb = second)
            {
                Rc4.SetKeyMppe2(&a, ka, first.Length, &b, kb, second.Length, select);
                Rc4.SetKeyMppe(&single, ka, first.Length, select);
            }
            AssertKeystream(first, ref a);
            AssertKeystream(second, ref b);
            AssertKeystream(first, ref single);
        }, iter: 200);
    }

    /// <summary>
    /// The four-way key schedule (<see cref="Rc4.SetKeyMppe4"/>, contiguous states, 8-octet keys given twice) leaves each
    /// state exactly as the textbook schedule of its key does (S-box, i, j), over random keys of both MPPE lengths.
    /// </summary>
    [Fact]
    public void FourWayKeySchedule_EqualsTheTextbookKeySchedule()
    {
        Gen.Select(Gen.Byte.Array[16].Array[4], Gen.Bool.Array[4]).Sample((keys, shortKey) =>
        {
            Rc4* ciphers = stackalloc Rc4[4];
            byte* block = stackalloc byte[64];
            var used = new byte[4][];
            for (int c = 0; c < 4; c++)
            {
                used[c] = shortKey[c] ? keys[c][..8] : keys[c];
                for (int n = 0; n < 16; n++)
                    block[16 * c + n] = used[c][n % used[c].Length];
            }
            Rc4.SetKeyMppe4(ciphers, block);
            for (int c = 0; c < 4; c++)
            {
                var expected = new Rc4(used[c]);
                Assert.Equal(new ReadOnlySpan<byte>(&expected, sizeof(Rc4)).ToArray(), new ReadOnlySpan<byte>(ciphers + c, sizeof(Rc4)).ToArray());
                AssertKeystream(used[c], ref ciphers[c]);
            }
        }, iter: 300);
    }

    /// <summary>
    /// The read-ahead-select key schedule fixes up the next S[n+1] by a branch when j == n + 1 (1 round in 256): over
    /// keys chosen so that this happens, at every position of an eight-round block, single and paired, it still equals
    /// the textbook schedule (the random keys above hit it only now and then).
    /// </summary>
    [Fact]
    public void SelectKeySchedule_WhereJEqualsNPlusOne_EqualsTheTextbookKeySchedule()
    {
        var random = new Random(16);
        var hit = new bool[8];
        var keys = new List<byte[]>();
        for (int tries = 0; tries < 20000 && (keys.Count < 64 || hit.Contains(false)); tries++)
        {
            byte[] key = new byte[tries % 2 == 0 ? 16 : 8];
            random.NextBytes(key);
            int rounds = JPlusOneRounds(key, hit);
            if (rounds > 0)
                keys.Add(key);
        }
        Assert.DoesNotContain(false, hit);
        for (int k = 0; k + 1 < keys.Count; k++)
        {
            Rc4 a, b, single;
            fixed (byte* ka = keys[k])
            fixed (byte* kb = keys[k + 1])
            {
                Rc4.SetKeyMppe2(&a, ka, keys[k].Length, &b, kb, keys[k + 1].Length, select: true);
                Rc4.SetKeyMppe(&single, ka, keys[k].Length, select: true);
            }
            AssertKeystream(keys[k], ref a);
            AssertKeystream(keys[k + 1], ref b);
            AssertKeystream(keys[k], ref single);
        }
    }

    // Rounds n of the textbook key schedule where j == n + 1; marks n mod 8 in hit.
    private static int JPlusOneRounds(byte[] key, bool[] hit)
    {
        var s = new byte[256];
        for (int n = 0; n < 256; n++)
            s[n] = (byte)n;
        int j = 0, count = 0;
        for (int n = 0; n < 256; n++)
        {
            j = (j + s[n] + key[n % key.Length]) & 0xFF;
            (s[n], s[j]) = (s[j], s[n]);
            if (j == n + 1)
            {
                hit[n % 8] = true;
                count++;
            }
        }
        return count;
    }

    [Fact]
    public void TheActiveChoices_AreCandidates_AndTheSelectionIsReported()
    {
        Assert.Contains(Rc4Schedules.Active, Rc4Schedules.Candidates);
        Assert.Contains(Rc4Schedules.ActivePair, Rc4Schedules.PairCandidates);
        Assert.Contains(Rc4Schedules.ActiveKeySchedule, Rc4Schedules.PairCandidates);
        Assert.StartsWith(Rc4Schedules.Name(Rc4Schedules.Active), Rc4Schedules.Selection);
        Assert.Contains("RFC 6229 verified", Rc4Schedules.Selection);
        Assert.Equal(Rc4Schedules.Summary.Split(',')[0], Rc4Schedules.Name(Rc4Schedules.Active));
    }

    [Theory]
    [InlineData("plain", Rc4Schedule.Plain, Rc4Schedule.ReadAhead, Rc4Schedule.ReadAhead)]
    [InlineData("read-ahead-select", Rc4Schedule.ReadAheadSelect, Rc4Schedule.ReadAheadSelect, Rc4Schedule.ReadAheadSelect)]
    [InlineData(" Read-Ahead , read-ahead-select", Rc4Schedule.ReadAhead, Rc4Schedule.ReadAheadSelect, Rc4Schedule.ReadAhead)]
    [InlineData("plain,read-ahead-select,read-ahead", Rc4Schedule.Plain, Rc4Schedule.ReadAheadSelect, Rc4Schedule.ReadAhead)]
    public void TheOverride_Parses(string text, Rc4Schedule single, Rc4Schedule pair, Rc4Schedule keys)
    {
        Assert.True(Rc4Schedules.TryParseOverride(text, out var s, out var p, out var k, out string error), error);
        Assert.Equal((single, pair, keys), (s, p, k));
    }

    [Theory]
    [InlineData("fast")]
    [InlineData("read-ahead,plain")]
    [InlineData("read-ahead,read-ahead,plain")]
    [InlineData("plain,read-ahead,read-ahead,read-ahead")]
    [InlineData("")]
    public void ABadOverride_IsRefused_WithAReason(string text)
    {
        Assert.False(Rc4Schedules.TryParseOverride(text, out _, out _, out _, out string error));
        Assert.NotEmpty(error);
    }

    [Fact]
    public void AForcedChoice_IsTaken_AndReportedAsForced()
    {
        Rc4Selection forced = Rc4Schedules.Select("plain,read-ahead-select,read-ahead-select", TimeSpan.FromMilliseconds(30));
        Assert.Equal(Rc4SelectionSource.Forced, forced.Source);
        Assert.Equal((Rc4Schedule.Plain, Rc4Schedule.ReadAheadSelect, Rc4Schedule.ReadAheadSelect), (forced.Single, forced.Pair, forced.KeySchedule));
        Assert.Equal(0, forced.Rounds);
        Assert.StartsWith("plain, pairs read-ahead-select, key schedule read-ahead-select (forced by PPTPGW_RC4_SCHEDULE", forced.Description);
    }

    [Fact]
    public void AnUnparsableOverride_IsMeasuredOver_AndSaidSo()
    {
        Rc4Selection selection = Rc4Schedules.Select("fastest", TimeSpan.FromMilliseconds(5));
        Assert.Equal(Rc4SelectionSource.Measured, selection.Source);
        Assert.Contains("'fastest' is not a schedule", selection.IgnoredOverride);
        Assert.EndsWith(selection.IgnoredOverride!, selection.Description);
    }

    /// <summary>The measurement times every candidate (all verified), at least MinRounds rounds, and stops near its budget.</summary>
    [Fact]
    public void TheMeasurement_TimesEveryCandidate_WithinItsBounds()
    {
        Rc4Selection selection = Rc4Schedules.Select(null, TimeSpan.FromMilliseconds(10));
        Assert.Equal(Rc4SelectionSource.Measured, selection.Source);
        Assert.InRange(selection.Rounds, Rc4Schedules.MinRounds, Rc4Schedules.MaxRounds);
        Assert.Equal(Rc4Schedules.Candidates, selection.SingleRates.Select(m => m.Schedule));
        Assert.Equal(Rc4Schedules.PairCandidates, selection.PairRates.Select(m => m.Schedule));
        Assert.Equal(Rc4Schedules.PairCandidates, selection.KeyScheduleRates.Select(m => m.Schedule));
        foreach (Rc4Measurement m in selection.SingleRates.Concat(selection.PairRates).Concat(selection.KeyScheduleRates))
        {
            Assert.True(m.Verified, Rc4Schedules.Name(m.Schedule));
            Assert.True(m.MedianRate > 0 && m.MedianRate <= m.BestRate, Rc4Schedules.Name(m.Schedule));
        }
        Assert.Contains("interleaved rounds", selection.Description);
    }

    /// <summary>The decision rule: read-ahead unless another verified candidate's median beats it by the margin.</summary>
    [Fact]
    public void TheDecision_KeepsReadAhead_UnlessClearlyBeaten()
    {
        static Rc4Measurement M(Rc4Schedule s, double median, bool verified = true) => new(s, verified, median, median);
        Rc4Schedule Decide(params Rc4Measurement[] m) => Rc4Schedules.Decide(m, Rc4Schedule.ReadAhead, Rc4Schedule.Plain);
        double within = 1 + Rc4Schedules.Margin / 2, beyond = 1 + Rc4Schedules.Margin * 2;
        Assert.Equal(Rc4Schedule.ReadAhead, Decide(M(Rc4Schedule.Plain, 100 * within), M(Rc4Schedule.ReadAhead, 100)));
        Assert.Equal(Rc4Schedule.ReadAheadSelect, Decide(M(Rc4Schedule.ReadAhead, 100), M(Rc4Schedule.ReadAheadSelect, 100 * beyond)));
        Assert.Equal(Rc4Schedule.ReadAhead, Decide(M(Rc4Schedule.Plain, 300, verified: false), M(Rc4Schedule.ReadAhead, 100)));
        Assert.Equal(Rc4Schedule.Plain, Decide(M(Rc4Schedule.Plain, 90), M(Rc4Schedule.ReadAhead, 300, verified: false)));
        Assert.Equal(Rc4Schedule.Plain, Decide(M(Rc4Schedule.ReadAhead, 0, verified: false)));
    }

    private static void AssertKeystream(byte[] key, ref Rc4 cipher)
    {
        var expected = new byte[300];
        new TextbookRc4(key).Transform(expected);
        var actual = new byte[300];
        cipher.Transform(actual);
        Assert.Equal(expected, actual);
    }

    /// <summary>RFC 6229's RC4 as first written down: octet S-box, one octet per round. The reference for the tests only.</summary>
    private sealed class TextbookRc4
    {
        private readonly byte[] _s = new byte[256];
        private int _i, _j;

        public TextbookRc4(byte[] key)
        {
            for (int n = 0; n < 256; n++)
                _s[n] = (byte)n;
            for (int n = 0, j = 0; n < 256; n++)
            {
                j = (j + _s[n] + key[n % key.Length]) & 0xFF;
                (_s[n], _s[j]) = (_s[j], _s[n]);
            }
        }

        public void Transform(byte[] data)
        {
            for (int p = 0; p < data.Length; p++)
            {
                _i = (_i + 1) & 0xFF;
                _j = (_j + _s[_i]) & 0xFF;
                (_s[_i], _s[_j]) = (_s[_j], _s[_i]);
                data[p] ^= _s[(_s[_i] + _s[_j]) & 0xFF];
            }
        }
    }
}
