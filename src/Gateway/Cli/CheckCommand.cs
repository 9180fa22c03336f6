using System.CommandLine;
using System.Globalization;
using System.Text;
using PptpGw.ControlPlane.Config;
using PptpGw.Gateway.Hosting;

namespace PptpGw.Gateway.Cli;

/// <summary>
/// <c>pptpgw check [FILE] [--config FILE] [-q] [--verbose]</c>: validates a configuration and prints
/// <c>file:line: severity: message</c> lines; exit 0 when it loads, 1 with errors. The PIX commands this gateway has
/// no use for (<c>fixup</c>, <c>names</c>, <c>pager</c>, ...) are summed up in one notice line unless <c>--verbose</c>;
/// <c>-q</c> prints errors and warnings only.
/// </summary>
internal static class CheckCommand
{
    public static Command Create()
    {
        var file = new Argument<string?>("FILE") { Description = "the configuration file (same as --config)", Arity = ArgumentArity.ZeroOrOne };
        Option<string> config = CliOptions.Config(required: false);
        var quiet = new Option<bool>("--quiet", "-q") { Description = "errors and warnings only (no notices, no summary)" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "one notice per ignored PIX line instead of a summary" };
        var command = new Command("check", "Validate a configuration: prints 'file:line: severity: message'; exit 0 when it loads, 1 with errors.")
        {
            file, config, quiet, verbose,
        };
        command.Validators.Add(result =>
        {
            bool hasFile = result.GetValue(file) is not null, hasConfig = result.GetValue(config) is not null;
            if (hasFile == hasConfig)
                result.AddError(hasFile ? "give the file once: FILE or --config FILE" : "which file? pptpgw check --config FILE");
        });
        command.SetAction(result => Check(result.GetValue(file) ?? result.GetRequiredValue(config), result.GetValue(quiet), result.GetValue(verbose),
            result.InvocationConfiguration.Output));
        return command;
    }

    internal static int Check(string path, bool quiet, bool verbose, TextWriter output)
    {
        ConfigParseResult result = PixConfigParser.ParseFile(path);
        foreach (string line in Render(result.Diagnostics, path, quiet, verbose))
            output.WriteLine(line);
        // What run would still refuse in a file that parses (no dial-in group, an unusable AAA group): errors here too.
        IReadOnlyList<ConfigDiagnostic> refusals = result.Config is { } config ? StartupChecks.Errors(config, path) : [];
        foreach (ConfigDiagnostic refusal in refusals)
            output.WriteLine(refusal.ToString());
        if (result.Config is null || refusals.Count > 0)
        {
            int errors = result.Errors.Count() + refusals.Count;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{path}: {errors} error{(errors == 1 ? "" : "s")}: the configuration cannot be used"));
            return ExitCodes.Failure;
        }
        output.WriteLine($"{path}: configuration OK");
        return ExitCodes.Ok;
    }

    /// <summary>The lines to print: every error and warning, the notices with a reason of their own, and one summary of the ignored PIX commands.</summary>
    internal static IEnumerable<string> Render(IReadOnlyList<ConfigDiagnostic> diagnostics, string path, bool quiet, bool verbose)
    {
        var ignored = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (ConfigDiagnostic d in diagnostics)
        {
            if (d.Severity == ConfigSeverity.Notice && quiet)
                continue;
            if (d.IgnoredCommand is { } command && !verbose)
            {
                ignored[command] = ignored.GetValueOrDefault(command) + 1;
                continue;
            }
            yield return d.ToString();
        }
        if (ignored.Count == 0)
            yield break;
        int total = ignored.Values.Sum();
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{total} PIX line{(total == 1 ? "" : "s")} ignored, not used by this gateway (");
        text.AppendJoin(", ", ignored.Select(kv => kv.Value == 1 ? kv.Key : string.Create(CultureInfo.InvariantCulture, $"{kv.Key} x{kv.Value}")));
        text.Append("); --verbose lists them");
        yield return new ConfigDiagnostic(ConfigSeverity.Notice, path, 0, text.ToString()).ToString();
    }
}
