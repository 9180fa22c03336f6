using PptpGw.ControlPlane.Pptp;
using PptpGw.Fuzz;

namespace PptpGw.Tests.Fuzz;

/// <summary>
/// The fuzz targets (tests/Fuzz/Targets, docs/ROBUSTNESS.md "Fuzzing") in the unit suite: every seed and every input
/// that ever crashed a parser (tests/Fuzz/Regressions/TARGET/*, also replayed first by `./build.sh fuzz`) goes through
/// its target without an exception. The parser-level regression test of each crash sits next to that parser's tests.
/// </summary>
public class FuzzRegressionTests
{
    public static TheoryData<string> Targets() => [.. FuzzTargets.All.Select(t => t.Name)];

    public static TheoryData<string, string> RegressionInputs()
    {
        var data = new TheoryData<string, string>();
        string root = Path.Combine(RepositoryRoot(), "tests", "Fuzz", "Regressions");
        foreach (string dir in Directory.Exists(root) ? Directory.GetDirectories(root).Order(StringComparer.Ordinal) : Enumerable.Empty<string>())
        {
            foreach (string file in Directory.GetFiles(dir).Order(StringComparer.Ordinal))
                data.Add(Path.GetFileName(dir), Path.GetFileName(file));
        }
        if (data.Count == 0)
            data.Add("", ""); // no regression input yet: one row that checks the folder layout instead
        return data;
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void Every_seed_runs_through_its_target(string name)
    {
        FuzzTarget target = FuzzTargets.Find(name)!;
        byte[][] seeds = [.. target.Seeds()];
        Assert.NotEmpty(seeds);
        Assert.All(seeds, seed => Assert.True(seed.Length <= 1 << 16, "afl-fuzz and the harness read at most 64 KiB"));
        foreach (byte[] seed in seeds)
            target.Run(seed);
    }

    [Theory]
    [MemberData(nameof(RegressionInputs))]
    public void Every_past_crash_runs_through_its_target(string name, string file)
    {
        string root = Path.Combine(RepositoryRoot(), "tests", "Fuzz", "Regressions");
        if (name.Length == 0)
        {
            Assert.True(Directory.Exists(root));
            return;
        }
        FuzzTarget? target = FuzzTargets.Find(name);
        Assert.True(target is not null, $"tests/Fuzz/Regressions/{name} is not named after a fuzz target");
        target.Run(File.ReadAllBytes(Path.Combine(root, name, file)));
    }

    [Fact]
    public void Target_names_are_unique_and_fit_a_command_line()
    {
        Assert.Equal(FuzzTargets.All.Count, FuzzTargets.All.Select(t => t.Name).Distinct().Count());
        Assert.All(FuzzTargets.All, t => Assert.Matches("^[a-z0-9-]+$", t.Name));
    }

    [Fact]
    public void The_pptp_seeds_are_well_formed_messages_of_every_type()
    {
        // Seeds that the parser refuses would only teach the fuzzer the first check.
        for (ushort type = 1; type <= 15; type++)
        {
            byte[] message = PptpTarget.WellFormed((PptpControlMessageType)type);
            Assert.Equal(PptpParseError.None, PptpControlHeader.TryParse(message, out _));
        }
    }

    [Fact]
    public void The_recorded_pap_conversation_brings_the_gateway_session_up()
    {
        // The ppp-session seeds are conversations recorded between two sessions, with the peer's Configure-Acks replaced
        // by the harness's "ack your own request" chunk: the PAP one must still get through LCP, PAP, IPCP and CCP, so
        // the fuzzer starts from an up link. (The client's recorded PAP Ack answers a random identifier: one octet for
        // afl to find.)
        byte[] pap = PppSessionTargets.Server.Seeds().First();
        Assert.True(PppSessionTargets.RunToLinkState(pap, PptpGw.ControlPlane.Ppp.Session.PppRole.Server));
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Dataplane.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException("Dataplane.sln not found above " + AppContext.BaseDirectory);
    }
}
