using System.Diagnostics;
using System.Globalization;
using PptpGw.Fuzz;
using SharpFuzz;

// The fuzzing harness's entry point; `./build.sh fuzz` drives it (docs/ROBUSTNESS.md "Fuzzing").
//   PptpGw.Fuzz list                       the targets, one per line: NAME<TAB>what it covers
//   PptpGw.Fuzz seeds DIR [TARGET...]      writes each target's seed corpus to DIR/TARGET/
//   PptpGw.Fuzz afl TARGET                 the afl-fuzz child (SharpFuzz): reads inputs from afl, any exception = crash
//   PptpGw.Fuzz replay TARGET PATH...      runs files (or every file of directories) through TARGET; exit 1 on an exception
//   PptpGw.Fuzz mutate TARGET SECONDS DIR  without afl-fuzz: random mutations of DIR's inputs for SECONDS (a weak
//                                          stand-in when afl++ cannot be installed); prints "execs N crashes C"
return args switch
{
    ["list"] => List(),
    ["seeds", var dir, .. var names] => WriteSeeds(dir, names),
    ["afl", var name] => Afl(Target(name)),
    ["replay", var name, .. var paths] => Replay(Target(name), paths),
    ["mutate", var name, var seconds, var dir] => Mutate(Target(name), int.Parse(seconds, CultureInfo.InvariantCulture), dir),
    _ => Usage(),
};

static FuzzTarget Target(string name) =>
    FuzzTargets.Find(name) ?? throw new ArgumentException($"unknown fuzz target '{name}' (known: {string.Join(", ", FuzzTargets.All.Select(t => t.Name))})");

static int Usage()
{
    Console.Error.WriteLine("usage: PptpGw.Fuzz list | seeds DIR [TARGET...] | afl TARGET | replay TARGET PATH... | mutate TARGET SECONDS DIR");
    return 2;
}

static int List()
{
    foreach (FuzzTarget t in FuzzTargets.All)
        Console.WriteLine($"{t.Name}\t{t.Covers}");
    return 0;
}

static int WriteSeeds(string dir, string[] names)
{
    foreach (FuzzTarget t in FuzzTargets.All.Where(t => names.Length == 0 || names.Contains(t.Name)))
    {
        string targetDir = Path.Combine(dir, t.Name);
        Directory.CreateDirectory(targetDir);
        int i = 0;
        foreach (byte[] seed in t.Seeds())
            File.WriteAllBytes(Path.Combine(targetDir, $"seed-{i++:D3}"), seed);
    }
    return 0;
}

static int Afl(FuzzTarget target)
{
    byte[] buffer = new byte[1 << 16];
    Fuzzer.OutOfProcess.Run(stream =>
    {
        int length = 0, read;
        while (length < buffer.Length && (read = stream.Read(buffer, length, buffer.Length - length)) > 0)
            length += read;
        target.Run(buffer.AsSpan(0, length));
    });
    return 0;
}

static IEnumerable<string> Files(IEnumerable<string> paths) =>
    paths.SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p).Order(StringComparer.Ordinal) : (IEnumerable<string>)[p]);

static int Replay(FuzzTarget target, string[] paths)
{
    int runs = 0, failures = 0;
    foreach (string file in Files(paths))
    {
        runs++;
        byte[] input = File.ReadAllBytes(file);
        var watch = Stopwatch.StartNew();
        try
        {
            target.Run(input);
        }
#pragma warning disable CA1031 // an exception of any type escaping the parser is what is being looked for
        catch (Exception e)
#pragma warning restore CA1031
        {
            failures++;
            Console.WriteLine($"CRASH {target.Name} {file} ({input.Length} octets): {e}");
        }
        if (watch.Elapsed > TimeSpan.FromSeconds(1))
            Console.WriteLine($"SLOW {target.Name} {file}: {watch.Elapsed.TotalMilliseconds:F0} ms");
    }
    Console.WriteLine($"replay {target.Name}: {runs} inputs, {failures} crashes");
    return failures == 0 ? 0 : 1;
}

static int Mutate(FuzzTarget target, int seconds, string dir)
{
    byte[][] corpus = [.. Files([dir]).Select(File.ReadAllBytes)];
    if (corpus.Length == 0)
        corpus = [[]];
    var random = new Random(12345);
    var stop = Stopwatch.StartNew();
    long execs = 0;
    int crashes = 0;
    while (stop.Elapsed < TimeSpan.FromSeconds(seconds) && crashes < 10)
    {
        byte[] input = [.. corpus[random.Next(corpus.Length)]];
        int edits = 1 + random.Next(8);
        for (int e = 0; e < edits; e++)
        {
            switch (random.Next(4))
            {
                case 0 when input.Length > 0: input[random.Next(input.Length)] ^= (byte)(1 << random.Next(8)); break;
                case 1 when input.Length > 0: input[random.Next(input.Length)] = (byte)random.Next(256); break;
                case 2 when input.Length > 1: input = input[..random.Next(input.Length)]; break;
                default: input = [.. input, (byte)random.Next(256)]; break;
            }
        }
        execs++;
        try
        {
            target.Run(input);
        }
#pragma warning disable CA1031
        catch (Exception e)
#pragma warning restore CA1031
        {
            crashes++;
            string file = Path.Combine(dir, "..", $"crash-{target.Name}-{crashes}");
            File.WriteAllBytes(file, input);
            Console.WriteLine($"CRASH {target.Name} {file}: {e.GetType().Name}: {e.Message}");
        }
    }
    Console.WriteLine($"execs {execs} crashes {crashes}");
    return crashes == 0 ? 0 : 1;
}
