using System.Text.RegularExpressions;
using PptpGw.Gateway;
using PptpGw.Tests.ControlPlane.Config;

namespace PptpGw.Tests.Gateway;

/// <summary><c>pptpgw check</c>, usage errors and the <c>dial</c> hook, through the program's entry point in-process.</summary>
public sealed partial class CommandLineTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pptpgw-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    internal static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int code = await Program.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [GeneratedRegex(@"^(?<file>[^:]+)(:(?<line>\d+))?: (?<severity>notice|warning|error): .+$")]
    private static partial Regex DiagnosticLine();

    [Fact]
    public async Task CheckAcceptsTheGuidesLocalConfiguration()
    {
        string path = Write("local.cfg", GuideConfigurations.LocalAuthenticationNoEncryption);
        (int code, string output, _) = await RunAsync("check", "--config", path, "--verbose");

        Assert.Equal(0, code);
        string[] lines = output.TrimEnd('\n').Split('\n');
        Assert.Equal($"{path}: configuration OK", lines[^1]);
        string[] diagnostics = lines[..^1];
        Assert.NotEmpty(diagnostics); // the guide's PIX-only lines (fixup, nat, ...) are notices
        foreach (string line in diagnostics)
        {
            Match m = DiagnosticLine().Match(line);
            Assert.True(m.Success, line);
            Assert.Equal(path, m.Groups["file"].Value);
            Assert.NotEqual("error", m.Groups["severity"].Value);
        }
        // Line 7, "hostname PIX", is no longer an ignored PIX-only line: it names the gateway (RADIUS NAS-Identifier, issue 17).
        Assert.DoesNotContain(diagnostics, l => l.StartsWith($"{path}:7: ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CheckReportsTheGuidesPlaceholderLineAsAnError()
    {
        string path = Write("aaa.cfg", GuideConfigurations.AaaAuthenticationNoEncryption);
        (int code, string output, _) = await RunAsync("check", path);

        Assert.Equal(1, code);
        Assert.Contains(output.Split('\n'), l => l.StartsWith($"{path}:{GuideConfigurations.ProtocolPlaceholderLine}: error: ", StringComparison.Ordinal));
        Assert.EndsWith("the configuration cannot be used\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckAcceptsRadiusAuthenticationWithoutAWarning()
    {
        string text = GuideConfigurations.AaaAuthenticationNoEncryption.Replace(GuideConfigurations.ProtocolPlaceholder,
            "aaa-server AuthInbound protocol radius", StringComparison.Ordinal);
        string path = Write("radius.cfg", text);
        (int code, string output, _) = await RunAsync("check", "--config", path);

        Assert.Equal(0, code);
        Assert.DoesNotContain(output.Split('\n'), l => l.Contains("client authentication aaa", StringComparison.Ordinal));
        Assert.EndsWith("configuration OK\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckGivesLineNumberedErrorsForABrokenConfiguration()
    {
        string path = Write("broken.cfg", """
            ip address inside 10.1.1.1 255.255.255.0
            ip local pool pptp-pool 192.168.1.1-192.168.1.50
            vpdn group 1 accept dialin pptp
            vpdn group 1 ppp authentication mschap
            vpdn group 1 client configuration address local pptp-pol
            vpdn group 1 ppp encryption mppe 512
            vpdn username cisco password cisco
            vpdn enable outside
            """);
        (int code, string output, _) = await RunAsync("check", "--config", path);

        Assert.Equal(1, code);
        string[] errors = [.. output.Split('\n').Where(l => l.Contains(": error: ", StringComparison.Ordinal))];
        Assert.Contains(errors, l => l.StartsWith($"{path}:5: error: ", StringComparison.Ordinal) && l.Contains("pptp-pol", StringComparison.Ordinal));
        Assert.Contains(errors, l => l.StartsWith($"{path}:6: error: ", StringComparison.Ordinal));
        Assert.All(errors, l => Assert.Matches(DiagnosticLine(), l));
    }

    /// <summary>Issue 9 item 8: what run refuses, check reports, and both say it as "file[:line]: error: message".</summary>
    private async Task AssertCheckAndRunRefuseAsync(string path, string expectedLine)
    {
        (int checkCode, string checkOut, _) = await RunAsync("check", path);
        Assert.Equal(1, checkCode);
        Assert.Contains(expectedLine, checkOut.Split('\n'));
        Assert.DoesNotContain("configuration OK", checkOut, StringComparison.Ordinal);
        Assert.All(checkOut.TrimEnd('\n').Split('\n')[..^1], l => Assert.Matches(DiagnosticLine(), l));

        (int runCode, _, string runErr) = await RunAsync("run", "--config", path, "--admin-socket", Path.Combine(_dir, "never.sock"));
        Assert.Equal(1, runCode);
        Assert.Contains(expectedLine, runErr.Split('\n'));
        Assert.False(File.Exists(Path.Combine(_dir, "never.sock.lock")), "run started (took the instance lock) on a configuration check refuses");
    }

    [Fact]
    public async Task CheckAndRunRefuseAnEmptyFile()
    {
        string path = Write("empty.cfg", "");
        await AssertCheckAndRunRefuseAsync(path, $"{path}: error: the file is empty: no configuration to run");
        string comments = Write("comments.cfg", "! nothing but comments\n\n   \n: Saved\n");
        await AssertCheckAndRunRefuseAsync(comments,
            $"{comments}: error: the file has no configuration command (only blank lines and comments): no configuration to run");
    }

    [Fact]
    public async Task CheckAndRunRefuseInvalidUtf8WithItsLineAndColumn()
    {
        string path = Path.Combine(_dir, "latin1.cfg");
        // Line 3 is a Latin-1 password (0xE9, an invalid UTF-8 start here: it must be followed by two continuation bytes).
        byte[] text = [.. System.Text.Encoding.UTF8.GetBytes(GuideConfigurations.LocalAuthenticationNoEncryption.Split('\n')[0] + "\n! ok\nvpdn username bob password caf"),
            0xE9, .. "\n"u8];
        File.WriteAllBytes(path, [.. text, .. System.Text.Encoding.UTF8.GetBytes(GuideConfigurations.LocalAuthenticationNoEncryption)]);
        await AssertCheckAndRunRefuseAsync(path, $"{path}:3: error: not valid UTF-8 (byte 0xE9 at column 31): the configuration must be UTF-8 text");
    }

    [Fact]
    public async Task CheckAcceptsAUtf8ByteOrderMark()
    {
        string path = Path.Combine(_dir, "bom.cfg");
        File.WriteAllBytes(path, [0xEF, 0xBB, 0xBF, .. System.Text.Encoding.UTF8.GetBytes(GuideConfigurations.LocalAuthenticationNoEncryption)]);
        (int code, string output, _) = await RunAsync("check", path);
        Assert.Equal(0, code);
        Assert.EndsWith("configuration OK\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckAndRunRefuseAConfigurationWithoutADialinGroup()
    {
        string path = Write("nogroup.cfg", """
            ip address outside 198.18.10.1 255.255.255.0
            ip address inside 198.18.20.1 255.255.255.0
            ip local pool p 198.19.1.1-198.19.1.9
            vpdn username bob password bob-pass
            vpdn enable outside
            """);
        await AssertCheckAndRunRefuseAsync(path, $"{path}: error: no 'vpdn group NAME accept dialin pptp' line: nothing to serve");
    }

    [Fact]
    public async Task CheckAndRunRefuseAnAaaGroupWithoutHosts()
    {
        string text = GuideConfigurations.AaaAuthenticationNoEncryption.Replace(GuideConfigurations.ProtocolPlaceholder,
            "aaa-server AuthInbound protocol radius", StringComparison.Ordinal);
        text = string.Join('\n', text.Split('\n').Where(l => !l.StartsWith("aaa-server AuthInbound (", StringComparison.Ordinal)));
        string path = Write("nohosts.cfg", text);
        // The parser itself reports it at the vpdn line; whichever finds it, check and run print the same error line.
        (_, string checkOut, _) = await RunAsync("check", path);
        string error = Assert.Single(checkOut.Split('\n'), l => l.Contains(": error: ", StringComparison.Ordinal) && l.Contains("AuthInbound", StringComparison.Ordinal));
        await AssertCheckAndRunRefuseAsync(path, error);
    }

    [Fact]
    public async Task CheckOfAMissingFileIsAnError()
    {
        string path = Path.Combine(_dir, "absent.cfg");
        (int code, string output, _) = await RunAsync("check", "--config", path);
        Assert.Equal(1, code);
        Assert.Contains(": error: ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckSumsUpTheIgnoredPixLinesInOneNotice()
    {
        string path = Write("local.cfg", GuideConfigurations.LocalAuthenticationNoEncryption);
        (int verboseCode, string verbose, _) = await RunAsync("check", path, "--verbose");
        (int code, string output, _) = await RunAsync("check", path);
        (int quietCode, string quiet, _) = await RunAsync("check", "-q", path);

        Assert.Equal([0, 0, 0], new[] { verboseCode, code, quietCode });
        int ignored = verbose.Split('\n').Count(l => l.EndsWith("ignored: not used by this gateway", StringComparison.Ordinal));
        Assert.True(ignored > 10, verbose); // the guide's fixup, names, pager ... lines
        string[] lines = output.TrimEnd('\n').Split('\n');
        Assert.Equal(2, lines.Length); // one summary line, then "configuration OK"
        Assert.StartsWith($"{path}: notice: {ignored} PIX lines ignored, not used by this gateway (", lines[0], StringComparison.Ordinal);
        Assert.Contains("fixup x", lines[0], StringComparison.Ordinal);
        Assert.Equal($"{path}: configuration OK\n", quiet); // -q: errors and warnings only
    }

    [Fact]
    public async Task CheckQuietStillPrintsWarningsAndErrors()
    {
        string path = Write("warn.cfg", GuideConfigurations.LocalAuthenticationNoEncryption + "\nnameif ethernet9 bogus\nfixup protocol ftp 21\n");
        (int code, string output, _) = await RunAsync("check", "-q", "--config", path);
        Assert.Equal(0, code);
        Assert.Contains(": warning: nameif", output, StringComparison.Ordinal);
        Assert.DoesNotContain(": notice: ", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, "--help")]
    [InlineData(2)]
    [InlineData(2, "check")]
    [InlineData(2, "run")]
    [InlineData(2, "--bogus")]
    [InlineData(2, "bogus")]
    [InlineData(2, "show", "vdpn")]
    [InlineData(2, "sh", "vdpn")]
    [InlineData(2, "clear", "vpdn")]
    [InlineData(2, "dial", "127.0.0.1")]
    [InlineData(2, "load", "198.18.0.1")]
    [InlineData(2, "dial", "127.0.0.1", "--user", "u", "--password", "p", "--bogus")]
    [InlineData(2, "check", "a.cfg", "--config", "b.cfg")]
    [InlineData(2, "completion", "fish")]
    public async Task UsageAndParseErrors(int expected, params string[] args)
    {
        (int code, string output, string error) = await RunAsync(args);
        Assert.Equal(expected, code);
        if (expected == 0)
        {
            Assert.Matches(@"Usage:\n  \S+ \[command\] \[options\]", output); // the executable's name: pptpgw, or the test host's
            foreach (string command in new[] { "run", "check", "show", "clear", "debug", "terminal", "dial", "load", "completion" })
                Assert.Matches($"(?m)^  {command} ", output);
            Assert.Contains("Exit codes:", output, StringComparison.Ordinal);
        }
        else
        {
            Assert.NotEmpty(error);
            Assert.Contains("--help'.", error, StringComparison.Ordinal); // says where to look
        }
    }

    [Theory]
    [InlineData("--version")]
    [InlineData("version")]
    public async Task VersionPrintsTheVersion(string arg)
    {
        (int code, string output, _) = await RunAsync(arg);
        Assert.Equal(0, code);
        Assert.Matches(@"^pptpgw \S+ \(\.NET [0-9.]+", output);
    }

    /// <summary>Every subcommand the command line has (taken from it, so a new one cannot be forgotten here).</summary>
    public static TheoryData<string> Subcommands() => new(SubcommandNames());

    private static string[] SubcommandNames() =>
        [.. PptpGw.Gateway.Cli.GatewayCommandLine.Build([], TextWriter.Null, TextWriter.Null).Subcommands.Select(c => c.Name)];

    [Fact]
    public void TheSubcommandListIsTheDocumentedOne()
    {
        string[] names = SubcommandNames();
        Assert.Equal(["run", "check", "show", "clear", "debug", "no", "undebug", "terminal", "reload", "shutdown", "dial", "load", "completion", "version"], names);
    }

    /// <summary>
    /// The published binary (<c>artifacts/bin/pptpgw</c>, what <c>./build.sh build</c> makes and the .deb ships), as a
    /// process: <c>--version</c>, <c>version</c>, <c>--help</c> and every <c>SUBCOMMAND --help</c> exit 0 with their own text.
    /// </summary>
    [PublishedBinaryFact]
    public void ThePublishedBinaryAnswersVersionAndEverySubcommandsHelp()
    {
        string binary = PptpGw.Tests.Integration.Lab.GatewayBinary!;
        (int code, string version, _) = PptpGw.Tests.Integration.Lab.RunRaw(binary, "--version");
        Assert.Equal(0, code);
        Assert.Matches(@"^pptpgw \S+ \(\.NET [0-9.]+", version);
        (code, string versionWord, _) = PptpGw.Tests.Integration.Lab.RunRaw(binary, "version");
        Assert.Equal((0, version), (code, versionWord));
        (code, string help, _) = PptpGw.Tests.Integration.Lab.RunRaw(binary, "--help");
        Assert.Equal(0, code);
        Assert.Contains("Exit codes:", help, StringComparison.Ordinal);
        foreach (string command in SubcommandNames())
        {
            (code, string text, string error) = PptpGw.Tests.Integration.Lab.RunRaw(binary, command, "--help");
            Assert.True(code == 0, $"{command} --help: exit {code}: {error}");
            Assert.Matches($@"Usage:\n  pptpgw {command}\b", text);
            Assert.DoesNotContain("Exit codes:", text, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Subcommands))]
    public async Task EverySubcommandHasItsOwnHelp(string command)
    {
        (int code, string output, string error) = await RunAsync(command, "--help");
        Assert.True(code == 0, error);
        Assert.Matches($@"Usage:\n  \S+ {command}\b", output);
        Assert.DoesNotContain("Exit codes:", output, StringComparison.Ordinal); // not the global help
    }

    [Fact]
    public async Task TheFirstAdminWordMayBeAbbreviatedAsOnThePix()
    {
        string socket = Path.Combine(_dir, "nobody.sock");
        (int code, _, string error) = await RunAsync("sh", "vpdn", "tun", "--admin-socket", socket);
        Assert.Equal(1, code); // parsed (as "show vpdn tun"), then no gateway there
        Assert.Contains($"cannot reach the gateway at {socket}", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BashCompletionAsksTheBinaryThroughTheSuggestDirective()
    {
        (int code, string script, _) = await RunAsync("completion", "bash");
        Assert.Equal(0, code);
        Assert.Contains("[suggest:${COMP_POINT}]", script, StringComparison.Ordinal);
        Assert.Contains("complete -o default -F _pptpgw_complete pptpgw", script, StringComparison.Ordinal);
        // What the script gets back from the binary: commands for the first word, options of dial after "--".
        (_, string commands, _) = await RunAsync("[suggest:9]", "pptpgw ch");
        Assert.Equal("check", commands.Trim());
        (_, string options, _) = await RunAsync("[suggest:17]", "pptpgw dial --mpp");
        Assert.Equal("--mppe", options.Trim());
    }

    [Fact]
    public async Task AdminCommandWithoutARunningGatewaySaysSo()
    {
        string socket = Path.Combine(_dir, "nobody.sock");
        (int code, _, string error) = await RunAsync("show", "vpdn", "--admin-socket", socket);
        Assert.Equal(1, code);
        Assert.Contains($"cannot reach the gateway at {socket}", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunRefusesAConfigurationWithErrors()
    {
        string path = Write("bad.cfg", "vpdn group 1 ppp encryption mppe 512\n");
        (int code, _, string error) = await RunAsync("run", "--config", path);
        Assert.Equal(1, code);
        Assert.Contains($"{path}:1: error: ", error, StringComparison.Ordinal);
        Assert.Contains("not starting", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DialIsDispatchedToTheClient()
    {
        // Accepted by the command line, rejected by the client's own rule (MPPE keys need MS-CHAP): its usage text, exit 2.
        (int code, _, string error) = await RunAsync("dial", "127.0.0.1", "--user", "u", "--password", "p", "--auth", "pap", "--mppe", "128");
        Assert.Equal(2, code);
        Assert.Contains("pptpgw dial: MPPE keys come from MS-CHAP", error, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryDialOptionOfTheCommandLineIsOneTheClientUnderstands()
    {
        foreach ((string name, string? value, _) in PptpGw.Gateway.Cli.DialCommandDefinition.Options)
        {
            string sample = name switch
            {
                "--auth" => "mschapv2",
                "--mppe" => "128",
                "--source" or "--ping" => "198.18.0.1",
                "--route" => "198.18.0.0/15",
                "--tun" => "vpn0",
                _ => "3",
            };
            string[] args = value is null ? ["198.18.0.1", "--user", "u", "--password", "p", name] : ["198.18.0.1", "--user", "u", "--password", "p", name, sample];
            if (name is "--user" or "--password")
                args = ["198.18.0.1", "--user", "u", "--password", "p"];
            Assert.True(PptpGw.Client.DialArguments.TryParse(args, out string? error) is not null, $"{name}: {error}");
        }
    }
}

/// <summary>A fact that needs the published gateway (<c>artifacts/bin/pptpgw</c>, made by <c>./build.sh build</c>); skipped, saying so, otherwise.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PublishedBinaryFactAttribute : FactAttribute
{
    public PublishedBinaryFactAttribute()
    {
        if (PptpGw.Tests.Integration.Lab.GatewayBinary is null)
            Skip = "needs the published gateway artifacts/bin/pptpgw (./build.sh build)";
    }
}
