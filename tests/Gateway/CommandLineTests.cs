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
        (int code, string output, _) = await RunAsync("check", "--config", path);

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
        Assert.Contains(diagnostics, l => l.StartsWith($"{path}:7: notice: ", StringComparison.Ordinal)); // "hostname PIX"
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

    [Fact]
    public async Task CheckOfAMissingFileIsAnError()
    {
        string path = Path.Combine(_dir, "absent.cfg");
        (int code, string output, _) = await RunAsync("check", "--config", path);
        Assert.Equal(1, code);
        Assert.Contains(": error: ", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, "--help")]
    [InlineData(2)]
    [InlineData(2, "check")]
    [InlineData(2, "run")]
    [InlineData(2, "--bogus")]
    [InlineData(2, "show", "vdpn")]
    [InlineData(2, "clear", "vpdn")]
    public async Task UsageAndParseErrors(int expected, params string[] args)
    {
        (int code, string output, string error) = await RunAsync(args);
        Assert.Equal(expected, code);
        if (expected == 0)
        {
            Assert.StartsWith("usage: pptpgw COMMAND", output, StringComparison.Ordinal);
            Assert.Contains("run --config FILE", output, StringComparison.Ordinal);
            Assert.Contains("check --config FILE", output, StringComparison.Ordinal);
        }
        else
            Assert.NotEmpty(error);
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
        // "--help" is no dial option: the client's own usage error (exit 2, its usage text), proving the dispatch.
        (int code, _, string error) = await RunAsync("dial", "--help");
        Assert.Equal(2, code);
        Assert.Contains("pptpgw dial: unexpected argument '--help'", error, StringComparison.Ordinal);
        Assert.Contains("usage: pptpgw dial SERVER --user U --password P", error, StringComparison.Ordinal);
    }
}
