using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using PptpGw.Dataplane.Mppe;

namespace PptpGw.Bench;

/// <summary>
/// <c>dotnet run -c Release --project bench/Bench.csproj -- rc4-race [--rounds N] [--openssl-mbps X]</c>: every RC4
/// schedule, OpenSSL's RC4 through P/Invoke, the old octet schedule, the multi-stream kernels, the burst stage and the
/// key schedules timed round-robin in one process, ~2 ms per slice, best and median over the rounds. On a shared
/// machine a load burst then hits all rows alike, so the ratios of one run hold better than separate
/// BenchmarkDotNet jobs' would; the rows are the same code the dataplane runs (no allocation: checked at the end).
/// Used by <c>bench/rc4-vs-openssl.sh</c>, which adds <c>openssl speed</c> and prints the <c>rc4:</c> line. Also: key
/// schedules with a fresh key every call (a repeated key flatters them), the parts of a stateless burst packet
/// ("breakdown": key change, keystream in pairs and alone per size) and the multi-buffer SHA-1
/// (the dataplane's <see cref="MppeSha1x8"/>). <c>--only GROUP[,GROUP]</c> times only those groups (quick experiments; no <c>rc4:</c> line then).
/// </summary>
public static unsafe class Rc4Race
{
    private sealed class Row(string group, string name, double unitsPerCall, string unit, Action call)
    {
        public string Group { get; } = group;
        public string Name { get; } = name;
        public double UnitsPerCall { get; } = unitsPerCall; // octets (rates) or operations (times)
        public string Unit { get; } = unit;
        public Action Call { get; } = call;
        public int Calls { get; set; } = 1;
        public List<double> NsPerUnit { get; } = new(1000);
        public double Best => NsPerUnit.Min();
        public double Median => NsPerUnit.Order().ElementAt(NsPerUnit.Count / 2);
    }

    private static readonly byte[] Key16 = Convert.FromHexString("0102030405060708090a0b0c0d0e0f10");

    public static int Run(string[] args)
    {
        int rounds = 30;
        double opensslMbps = 0;
        double sliceMs = 2; // shorter slices: more of them run undisturbed on a loaded machine (best of rounds)
        for (int a = 0; a < args.Length - 1; a++)
        {
            if (args[a] == "--rounds")
                rounds = int.Parse(args[a + 1], CultureInfo.InvariantCulture);
            if (args[a] == "--slice-ms")
                sliceMs = double.Parse(args[a + 1], CultureInfo.InvariantCulture);
            if (args[a] == "--openssl-mbps")
                opensslMbps = double.Parse(args[a + 1], CultureInfo.InvariantCulture);
        }

        var rows = new List<Row>();
        var keep = new List<IDisposable>();
        byte* pool = (byte*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc(64 * 1024, 64);
        byte* b0 = pool, b1 = pool + 2048, b2 = pool + 4096, b3 = pool + 6144;
        var stateA = (Rc4*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc((nuint)(4 * sizeof(Rc4)), 64);
        Rc4* sa = stateA, sb = stateA + 1, sc = stateA + 2, sd = stateA + 3;
        *sa = new Rc4(Key16);
        *sb = new Rc4([9, 8, 7, 6, 5, 4, 3, 2, 1, 2, 3, 4, 5, 6, 7, 8]);
        *sc = new Rc4([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3]);
        *sd = new Rc4([2, 7, 1, 8, 2, 8, 1, 8, 2, 8, 4, 5, 9, 0, 4, 5]);
        var legacy = (LegacyRc4*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc((nuint)(2 * sizeof(LegacyRc4)), 64);
        legacy[0] = new LegacyRc4(Key16);
        legacy[1] = new LegacyRc4([9, 8, 7, 6, 5, 4, 3, 2, 1, 2, 3, 4, 5, 6, 7, 8]);
        const int Size = 1400;

        // Single stream, 1400 octets.
        rows.Add(new Row("single", "old octet schedule (LegacyRc4)", Size, "B", () => LegacyRc4.Transform(legacy, b0, b0, Size)));
        foreach (Rc4Schedule schedule in Rc4Schedules.Candidates)
            rows.Add(new Row("single", $"Rc4 {Rc4Schedules.Name(schedule)}", Size, "B", () => Rc4.Transform1(schedule, sa, b0, b0, Size)));
        OpenSslRc4? openSsl = OpenSslRc4.IsAvailable ? new OpenSslRc4(Key16) : null;
        if (openSsl != null)
        {
            keep.Add(openSsl);
            byte[] managed = new byte[Size];
            rows.Add(new Row("single", "OpenSslRc4 (P/Invoke RC4())", Size, "B", () => openSsl.Transform(managed)));
        }

        // Placement: the buffer's offset from the S-box modulo 4096 (4K aliasing between S-box loads and buffer stores).
        if (args.Contains("--placement"))
        {
            byte* region = (byte*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc(3 * 4096, 4096);
            var placed = (Rc4*)region;
            *placed = new Rc4(Key16);
            foreach (int offset in new[] { 0, 256, 512, 1024, 1536, 2048, 3072 })
            {
                byte* buffer = region + 4096 + offset;
                foreach (Rc4Schedule schedule in Rc4Schedules.Candidates)
                    rows.Add(new Row("placement", $"Rc4 {Rc4Schedules.Name(schedule)}, buffer at S-box + {offset} mod 4096", Size, "B", () => Rc4.Transform1(schedule, placed, buffer, buffer, Size)));
            }
        }

        // Several streams.
        rows.Add(new Row("multi", "old octet Transform2 (2 streams)", 2 * Size, "B", () => LegacyRc4.Transform2(legacy, b0, Size, legacy + 1, b1, Size)));
        foreach (Rc4Schedule schedule in Rc4Schedules.PairCandidates)
            rows.Add(new Row("multi", $"Rc4.Transform2 {Rc4Schedules.Name(schedule)} (2 streams)", 2 * Size, "B", () => Rc4.Transform2(schedule, sa, b0, Size, sb, b1, Size)));
        var burst = new BurstRig(Size, stateless: false);
        rows.Add(new Row("multi", "MppeBurst stateful, 32 sessions", 32 * Size, "B", () => burst.Encrypt()));

        // Key schedules (16-octet keys), time per key.
        byte* k0 = pool + 32768, k1 = k0 + 16, k2 = k0 + 32, k3 = k0 + 48;
        for (int n = 0; n < 64; n++)
            k0[n] = (byte)(n * 37 + 11);
        if (openSsl != null)
            rows.Add(new Row("setkey", "OpenSslRc4.SetKey (RC4_set_key)", 1, "key", () => openSsl.SetKey(Key16)));
        rows.Add(new Row("setkey", "old octet SetKey (LegacyRc4)", 1, "key", () => legacy->SetKey(Key16)));
        rows.Add(new Row("setkey", "Rc4.SetKey", 1, "key", () => sa->SetKey(Key16)));
        foreach (bool select in new[] { false, true })
        {
            string order = select ? "read-ahead-select" : "read-ahead";
            // A constant order in each lambda, so the inlined schedule has no per-round branch on it (as in the dataplane).
            rows.Add(new Row("setkey", $"Rc4.SetKeyMppe {order}", 1, "key", select
                ? () => Rc4.SetKeyMppe(sa, k0, 16, select: true)
                : () => Rc4.SetKeyMppe(sa, k0, 16, select: false)));
            rows.Add(new Row("setkey", $"Rc4.SetKeyMppe2 {order} (per key)", 2, "key", select
                ? () => Rc4.SetKeyMppe2(sa, k0, 16, sb, k1, 16, select: true)
                : () => Rc4.SetKeyMppe2(sa, k0, 16, sb, k1, 16, select: false)));
        }

        rows.Add(new Row("setkey", "2 x Rc4.SetKeyMppe read-ahead-select, one after the other (per key)", 2, "key", () =>
        {
            Rc4.SetKeyMppe(sa, k0, 16, select: true);
            Rc4.SetKeyMppe(sb, k1, 16, select: true);
        }));

        // The same with a different key every call (as every stateless packet has): rows above reuse one key, whose
        // branch and memory-dependence patterns the core learns.
        uint fresh = 1;
        void NextKeys()
        {
            fresh = fresh * 1664525 + 1013904223;
            ((uint*)k0)[0] ^= fresh;
            ((uint*)k1)[1] ^= fresh >> 3;
            ((uint*)k0)[2] += fresh >> 7;
            ((uint*)k1)[3] += fresh;
        }
        foreach (bool select in new[] { false, true })
        {
            string order = select ? "read-ahead-select" : "read-ahead";
            rows.Add(new Row("setkey", $"fresh keys: Rc4.SetKeyMppe {order}", 1, "key", select
                ? () => { NextKeys(); Rc4.SetKeyMppe(sa, k0, 16, select: true); }
                : () => { NextKeys(); Rc4.SetKeyMppe(sa, k0, 16, select: false); }));
            rows.Add(new Row("setkey", $"fresh keys: Rc4.SetKeyMppe2 {order} (per key)", 2, "key", select
                ? () => { NextKeys(); Rc4.SetKeyMppe2(sa, k0, 16, sb, k1, 16, select: true); }
                : () => { NextKeys(); Rc4.SetKeyMppe2(sa, k0, 16, sb, k1, 16, select: false); }));
        }
        void NextKeys4()
        {
            fresh = fresh * 1664525 + 1013904223;
            ((uint*)k0)[0] ^= fresh;
            ((uint*)k1)[1] ^= fresh >> 3;
            ((uint*)k2)[2] += fresh >> 7;
            ((uint*)k3)[3] += fresh;
        }
        rows.Add(new Row("setkey", "fresh keys: Rc4.SetKeyMppe4 (per key of four interleaved)", 4, "key", () => { NextKeys4(); Rc4.SetKeyMppe4(sa, k0); }));
        rows.Add(new Row("setkey", "fresh keys: 2 x Rc4.SetKeyMppe2 read-ahead-select (per key, same four keys)", 4, "key", () =>
        {
            NextKeys4();
            Rc4.SetKeyMppe2(sa, k0, 16, sb, k1, 16, select: true);
            Rc4.SetKeyMppe2(sc, k2, 16, sd, k3, 16, select: true);
        }));
        if (openSsl != null)
            rows.Add(new Row("setkey", "fresh keys: OpenSslRc4.SetKey (RC4_set_key)", 1, "key", () => { NextKeys(); openSsl.SetKey(new ReadOnlySpan<byte>(k0, 16)); }));
        rows.Add(new Row("setkey", "fresh keys: old octet SetKey (LegacyRc4)", 1, "key", () => { NextKeys(); legacy->SetKey(new ReadOnlySpan<byte>(k0, 16)); }));

        // The SHA-1 of a stateless key change (112-octet GetNewKeyFromSHA input).
        byte[] shaIn = new byte[112], shaOut = new byte[20];
        rows.Add(new Row("sha1", "SHA1.HashData (112 B)", 1, "hash", () => SHA1.HashData(shaIn, shaOut)));
        if (MppeSha1.IsNative)
            rows.Add(new Row("sha1", "libcrypto SHA1_Init/Update/Final (112 B)", 1, "hash", () => MppeSha1.HashNative(pool + 40000, 112, pool + 40200)));

        if (MppeSha1x8.IsAccelerated)
        {
            int lanes = MppeSha1x8.Lanes;
            // The dataplane's multi-buffer GetNewKeyFromSHA: eight key changes' SHA-1s, checked against the one-at-a-time form first.
            byte** starts8 = (byte**)(pool + 44000), sessions8 = starts8 + 16;
            int* lengths8 = (int*)(sessions8 + 16);
            byte* interim8 = pool + 44800;
            byte* keys8 = pool + 45100;
            for (int l = 0; l < 16; l++)
            {
                starts8[l] = keys8 + 32 * l;
                sessions8[l] = keys8 + 32 * l + 16;
                lengths8[l] = 16;
                for (int n = 0; n < 32; n++)
                    keys8[32 * l + n] = (byte)(l * 37 + n * 11 + 1);
            }
            MppeSha1x8.GetNewKeysFromSha(starts8, sessions8, lengths8, lanes, interim8);
            byte* expected = pool + 44700;
            for (int l = 0; l < lanes; l++)
            {
                MppeRekey.GetNewKeyFromSha(starts8[l], sessions8[l], 16, expected);
                if (!new ReadOnlySpan<byte>(expected, 16).SequenceEqual(new ReadOnlySpan<byte>(interim8 + 16 * l, 16)))
                    throw new InvalidOperationException("MppeSha1x8.GetNewKeysFromSha differs from MppeRekey.GetNewKeyFromSha");
            }
            rows.Add(new Row("sha1", $"MppeSha1x8.GetNewKeysFromSha (dataplane), {lanes} key changes, per key", lanes, "hash",
                () => MppeSha1x8.GetNewKeysFromSha(starts8, sessions8, lengths8, lanes, interim8)));
            if (lanes == 16)
                rows.Add(new Row("sha1", "MppeSha1x8.GetNewKeysFromSha, 8-lane form, 8 key changes, per key", 8, "hash",
                    () => MppeSha1x8.GetNewKeysFromSha(starts8, sessions8, lengths8, 8, interim8, wide: false)));
            rows.Add(new Row("sha1", "MppeRekey.GetNewKeyFromSha (libcrypto), per key", 1, "hash",
                () => MppeRekey.GetNewKeyFromSha(starts8[0], sessions8[0], 16, interim8)));
        }

        // Where a stateless burst packet's time goes (goal 1 of the issue-16 follow-up): the batched key changes (SHA-1s +
        // interim-key RC4 step, 32 sessions) and, per size, the packet's key schedule and its keystream in pairs.
        {
            byte* keys = pool + 48000;
            for (int n = 0; n < 256; n++)
                keys[n] = (byte)(n * 131 + 7);
            // Each call changes the session keys in place, so every call keys fresh (as a stateless packet does).
            rows.Add(new Row("breakdown", "MppeRekey.ChangeKey2 (2 x libcrypto SHA-1, interim key schedules paired), per key change", 2, "key",
                () => MppeRekey.ChangeKey2(keys, keys + 16, 16, MppeKeyStrength.Bits128, keys + 32, keys + 48, 16, MppeKeyStrength.Bits128)));
            rows.Add(new Row("breakdown", "MppeRekey.ChangeKey one at a time", 1, "key", () => MppeRekey.ChangeKey(keys + 64, keys + 80, 16, MppeKeyStrength.Bits128)));
            byte** starts4 = (byte**)(pool + 47000), sessions4 = starts4 + 4;
            int* lengths4 = (int*)(sessions4 + 4);
            MppeKeyStrength* strengths4 = (MppeKeyStrength*)(lengths4 + 4);
            for (int c = 0; c < 4; c++)
            {
                starts4[c] = keys + 96 + 32 * c;
                sessions4[c] = keys + 112 + 32 * c;
                lengths4[c] = 16;
                strengths4[c] = MppeKeyStrength.Bits128;
            }
            rows.Add(new Row("breakdown", "MppeRekey.ChangeKey4 (4 x libcrypto SHA-1, interim key schedules four-way), per key change", 4, "key",
                () => MppeRekey.ChangeKey4(starts4, sessions4, lengths4, strengths4, sa)));
            byte** starts8 = (byte**)(pool + 46000), sessions8 = starts8 + 16;
            int* lengths8 = (int*)(sessions8 + 16);
            MppeKeyStrength* strengths8 = (MppeKeyStrength*)(lengths8 + 16);
            byte* keys8 = pool + 60000;
            for (int c = 0; c < 16; c++)
            {
                starts8[c] = keys8 + 32 * c;
                sessions8[c] = keys8 + 32 * c + 16;
                lengths8[c] = 16;
                strengths8[c] = MppeKeyStrength.Bits128;
                for (int n = 0; n < 32; n++)
                    keys8[32 * c + n] = (byte)(c * 29 + n * 13 + 5);
            }
            rows.Add(new Row("breakdown", "MppeRekey.ChangeKeys of 8 (multi-buffer SHA-1, interim key schedules four-way), per key change", 8, "key",
                () => MppeRekey.ChangeKeys(8, starts8, sessions8, lengths8, strengths8, sa)));
            if (MppeSha1x8.Lanes == 16)
                rows.Add(new Row("breakdown", "MppeRekey.ChangeKeys of 16 (multi-buffer SHA-1, interim key schedules four-way), per key change", 16, "key",
                    () => MppeRekey.ChangeKeys(16, starts8, sessions8, lengths8, strengths8, sa)));
            foreach (int size in new[] { 64, 512, 1400 })
            {
                int data = size - 2; // the MPPE header is not encrypted
                rows.Add(new Row("breakdown", $"Rc4.Transform2 active pairs, {data} B, per packet", 2, "pkt", () => Rc4.Transform2(sa, b0, data, sb, b1, data)));
                rows.Add(new Row("breakdown", $"Rc4.Transform1 active single, {data} B, per packet", 1, "pkt", () => Rc4.Transform1(sa, b0, b0, data)));
            }
        }

        // Stateless MPPE-128, 32 sessions, per packet.
        foreach (int size in new[] { 64, 512, 1400 })
        {
            var stateless = new BurstRig(size, stateless: true);
            rows.Add(new Row($"stateless {size}", $"MppeBurst stateless, 32 sessions, {size} B", 32, "pkt", () => stateless.Encrypt()));
            rows.Add(new Row($"stateless {size}", $"plain re-key (SHA1.HashData + 2 x Rc4.SetKey), {size} B", 32, "pkt", () => stateless.Plain()));
            rows.Add(new Row($"stateless {size}", $"plain re-key, pre-issue-16 RC4 (LegacyRc4), {size} B", 32, "pkt", () => stateless.PlainLegacy()));
        }

        // --only G1,G2: time only those groups (quick experiments; the rc4: line needs them all).
        int onlyAt = Array.IndexOf(args, "--only");
        if (onlyAt >= 0 && onlyAt + 1 < args.Length)
        {
            string[] groups = args[onlyAt + 1].Split(',');
            rows.RemoveAll(r => !groups.Any(g => r.Group.StartsWith(g, StringComparison.Ordinal)));
        }

        // Warm up: every row for ~2 ms, three times, then a pause, so that the tiered JIT has promoted the harness and
        // the burst paths (the RC4 kernels themselves are compiled fully optimised at once) before anything is timed.
        for (int pass = 0; pass < 3; pass++)
        {
            foreach (Row row in rows)
            {
                long w0 = Stopwatch.GetTimestamp();
                while (Stopwatch.GetElapsedTime(w0).TotalMilliseconds < 2)
                    row.Call();
            }
            Thread.Sleep(200);
        }

        // Calibrate: ~sliceMs per slice.
        foreach (Row row in rows)
        {
            for (int w = 0; w < 3; w++)
                row.Call();
            long t0 = Stopwatch.GetTimestamp();
            int n = 0;
            while (Stopwatch.GetElapsedTime(t0).TotalMilliseconds < sliceMs)
            {
                row.Call();
                n++;
            }
            row.Calls = Math.Max(1, n);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread();
        for (int r = 0; r < rounds; r++)
        {
            foreach (Row row in rows)
            {
                Action call = row.Call;
                int calls = row.Calls;
                long t0 = Stopwatch.GetTimestamp();
                for (int n = 0; n < calls; n++)
                    call();
                double ns = Stopwatch.GetElapsedTime(t0).TotalNanoseconds;
                row.NsPerUnit.Add(ns / (calls * row.UnitsPerCall));
            }
        }
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;

        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(inv, $"rc4-race: {rounds} rounds, round-robin, ~{sliceMs} ms per slice; best and median per row; active: {Rc4Schedules.Summary}"));
        Console.WriteLine($"start-up selection: {Rc4Schedules.Selection}");
        string? group = null;
        foreach (Row row in rows)
        {
            if (row.Group != group)
            {
                group = row.Group;
                Console.WriteLine($"-- {group}");
            }
            string value = row.Unit == "B"
                ? string.Create(inv, $"{1000 / row.Best,8:F0} MB/s best, {1000 / row.Median,8:F0} median")
                : string.Create(inv, $"{row.Best,8:F1} ns/{row.Unit} best, {row.Median,8:F1} median");
            Console.WriteLine($"  {row.Name,-58} {value}");
        }
        Console.WriteLine(string.Create(inv, $"allocated during the timed rounds: {allocated} B"));

        // The rc4: line takes medians (openssl speed, its reference, is an average over seconds, not a best slice);
        // the best-of-rounds line beside it shows how far load on the machine moved them.
        if (onlyAt >= 0)
            return 0;
        double Rate(string name, bool best) => 1000 / (best ? rows.First(r => r.Name == name).Best : rows.First(r => r.Name == name).Median);
        double Time(string name, bool best) => best ? rows.First(r => r.Name == name).Best : rows.First(r => r.Name == name).Median;
        string activeRow = $"Rc4 {Rc4Schedules.Name(Rc4Schedules.Active)}";
        const string BurstRow = "MppeBurst stateful, 32 sessions", OpenSslRow = "OpenSslRc4 (P/Invoke RC4())";
        foreach (int size in new[] { 64, 512, 1400 })
        {
            string plain = $"plain re-key (SHA1.HashData + 2 x Rc4.SetKey), {size} B", burstRow = $"MppeBurst stateless, 32 sessions, {size} B";
            string legacyRow = $"plain re-key, pre-issue-16 RC4 (LegacyRc4), {size} B";
            Console.WriteLine(string.Create(inv,
                $"stateless {size} B, 32 sessions: plain / burst = {Time(plain, false) / Time(burstRow, false):F2} (medians), {Time(plain, true) / Time(burstRow, true):F2} (best); "
                + $"with the pre-issue-16 RC4 in the plain re-key: {Time(legacyRow, false) / Time(burstRow, false):F2} (medians), {Time(legacyRow, true) / Time(burstRow, true):F2} (best)"));
        }
        double setkeyMedian = openSsl != null ? Time("OpenSslRc4.SetKey (RC4_set_key)", false) / Time("Rc4.SetKey", false) : double.NaN;
        double setkeyBest = openSsl != null ? Time("OpenSslRc4.SetKey (RC4_set_key)", true) / Time("Rc4.SetKey", true) : double.NaN;
        if (openSsl != null)
            Console.WriteLine(string.Create(inv,
                $"in-process vs OpenSslRc4 (same statistic): single {Rate(activeRow, false) / Rate(OpenSslRow, false):F2} median, {Rate(activeRow, true) / Rate(OpenSslRow, true):F2} best; aggregate {Rate(BurstRow, false) / Rate(OpenSslRow, false):F2} median, {Rate(BurstRow, true) / Rate(OpenSslRow, true):F2} best"));
        double reference = opensslMbps > 0 ? opensslMbps : (openSsl != null ? Rate(OpenSslRow, false) : double.NaN);
        string against = opensslMbps > 0 ? "openssl speed" : "OpenSslRc4 median in this process";
        Console.WriteLine(string.Create(inv, $"reference single stream ({against}): {reference:F0} MB/s"));
        Console.WriteLine(string.Create(inv,
            $"best of rounds: single {Rate(activeRow, true) / reference:F2}, aggregate {Rate(BurstRow, true) / reference:F2}, setkey {setkeyBest:F2}"));
        Console.WriteLine(string.Create(inv,
            $"rc4: single {Rate(activeRow, false) / reference:F2}, aggregate {Rate(BurstRow, false) / reference:F2}, setkey {setkeyMedian:F2}"));
        foreach (IDisposable d in keep)
            d.Dispose();
        return 0;
    }

    /// <summary>32 MPPE-128 sessions, one packet each, in one buffer: the burst stage and the plain per-packet formula.</summary>
    private sealed class BurstRig
    {
        private readonly MppeSender[] _senders = new MppeSender[32];
        private readonly MppePacket[] _packets = new MppePacket[32];
        private readonly MppeDropReason[] _results = new MppeDropReason[32];
        private readonly byte[] _slab;
        private readonly byte[][] _startKeys = new byte[32][];
        private readonly byte[][] _sessionKeys = new byte[32][];
        private readonly byte[] _input = new byte[112];
        private readonly byte[] _digest = new byte[20];
        private Rc4 _plain;
        private LegacyRc4 _legacy;

        public BurstRig(int size, bool stateless)
        {
            int stride = MppeHeader.Length + size;
            _slab = new byte[32 * stride];
            new Random(7).NextBytes(_slab);
            for (int s = 0; s < 32; s++)
            {
                byte[] key = new byte[16];
                new Random(100 + s).NextBytes(key);
                _senders[s].Initialize(key, MppeKeyStrength.Bits128, stateless);
                _packets[s] = new MppePacket(s, s * stride, stride);
                _startKeys[s] = key;
                _sessionKeys[s] = new byte[16];
                MppeKeySchedule.DeriveInitialSessionKey(key, MppeKeyStrength.Bits128, _sessionKeys[s]);
            }
        }

        public void Encrypt() => MppeBurst.Encrypt(_senders, _slab, _packets, _results);

        /// <summary>
        /// <see cref="Plain"/> with the RC4 the dataplane ran before issue 16 (octet S-box, textbook key schedule): the
        /// baseline as it stood when the aim "stateless ≥ 2 × a plain re-key" was set. <see cref="Plain"/> uses today's
        /// faster <see cref="Rc4.SetKey"/>, which raises the bar by the key schedules' own speed-up.
        /// </summary>
        public void PlainLegacy()
        {
            Span<byte> input = _input;
            fixed (LegacyRc4* cipher = &_legacy)
            fixed (byte* digest = _digest)
            fixed (byte* slab = _slab)
            {
                foreach (MppePacket p in _packets)
                {
                    byte[] sessionKey = _sessionKeys[p.Session];
                    _startKeys[p.Session].CopyTo(input);
                    input.Slice(16, 40).Clear();
                    sessionKey.CopyTo(input[56..]);
                    input[72..].Fill(0xF2);
                    SHA1.HashData(input, _digest);
                    cipher->SetKey(_digest.AsSpan(0, 16));
                    fixed (byte* key = sessionKey)
                    {
                        LegacyRc4.Transform(cipher, digest, key, 16);
                        cipher->SetKey(sessionKey);
                    }
                    LegacyRc4.Transform(cipher, slab + p.Offset + MppeHeader.Length, slab + p.Offset + MppeHeader.Length, p.Length - MppeHeader.Length);
                }
            }
        }

        /// <summary>The straightforward stateless step (as MppeBurstBenchmarks.StatelessPlain).</summary>
        public void Plain()
        {
            Span<byte> input = _input;
            foreach (MppePacket p in _packets)
            {
                byte[] sessionKey = _sessionKeys[p.Session];
                _startKeys[p.Session].CopyTo(input);
                input.Slice(16, 40).Clear();
                sessionKey.CopyTo(input[56..]);
                input[72..].Fill(0xF2);
                SHA1.HashData(input, _digest);
                _plain.SetKey(_digest.AsSpan(0, 16));
                _plain.Transform(_digest.AsSpan(0, 16), sessionKey);
                _plain.SetKey(sessionKey);
                _plain.Transform(_slab.AsSpan(p.Offset + MppeHeader.Length, p.Length - MppeHeader.Length));
            }
        }
    }
}
