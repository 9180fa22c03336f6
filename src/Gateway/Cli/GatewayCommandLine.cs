using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using PptpGw.Gateway.Hosting;

namespace PptpGw.Gateway.Cli;

/// <summary>
/// The command line of <c>pptpgw</c>, built with System.CommandLine: <c>run</c> (the gateway in the foreground),
/// <c>check</c> (validate a configuration), the PIX admin commands (<c>show</c>, <c>clear</c>, <c>debug</c>, <c>no</c>,
/// <c>undebug</c>, <c>terminal monitor</c>, <c>reload</c>, <c>shutdown</c>) sent to a running gateway over its admin
/// socket, <c>dial</c> (the PPTP client) and <c>completion</c> (shell completion scripts). Every command has
/// <c>--help</c>; <c>--version</c> prints the version; <see cref="ExitCodes"/> are the same for all of them.
/// </summary>
/// <remarks>
/// The admin commands keep the PIX's abbreviations: the first word may be shortened as on the PIX (<c>sh vpdn</c>,
/// <c>deb ppp io</c>), and the words after it go to the gateway's own parser (<c>AdminCommandParser</c>), which
/// accepts abbreviations too.
/// </remarks>
public static class GatewayCommandLine
{
    /// <summary>Exit code of a command line that could not be understood (<see cref="ExitCodes.Usage"/>).</summary>
    public const int UsageError = ExitCodes.Usage;

    /// <summary>Runs one command line; returns the exit code.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        args = ExpandAbbreviatedCommand(args);
        RootCommand root = Build(args, stdout, stderr);
        ParseResult result = root.Parse(args);
        var invocation = new InvocationConfiguration
        {
            Output = stdout,
            Error = stderr,
            EnableDefaultExceptionHandler = false,
            // run and dial handle SIGINT/SIGTERM themselves (a clean hang-up), so System.CommandLine must not.
            ProcessTerminationTimeout = null,
        };
        if (result.Action is ParseErrorAction)
        {
            // Our own error text and exit code 2 (System.CommandLine's default is 1, which here means "failed").
            foreach (ParseError error in result.Errors)
                await stderr.WriteLineAsync("pptpgw: " + error.Message).ConfigureAwait(false);
            string command = CommandPath(result);
            await stderr.WriteLineAsync($"Try '{command} --help'.").ConfigureAwait(false);
            await stderr.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        int code = await result.InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
        await stdout.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        return code;
    }

    /// <summary>The root command and every subcommand. <paramref name="args"/> is the whole command line (dial passes its own words on).</summary>
    public static RootCommand Build(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var root = new RootCommand("pptpgw: a PPTP VPN gateway (RFC 2637 PNS) configured like a Cisco PIX 6.3.")
        {
            RunCommand.Create(stdout, stderr),
            CheckCommand.Create(),
        };
        foreach (Command admin in AdminCommands.Create())
            root.Subcommands.Add(admin);
        root.Subcommands.Add(DialCommandDefinition.Create(args, stdout, stderr));
        root.Subcommands.Add(LoadCommandDefinition.Create(stdout, stderr));
        root.Subcommands.Add(CompletionCommand.Create());
        var version = new Command("version", "Print the version.");
        version.SetAction(result => Write(result, GatewayHost.VersionText));
        root.Subcommands.Add(version);

        foreach (Option option in root.Options)
        {
            if (option is VersionOption)
                option.Action = new TextAction(() => GatewayHost.VersionText);
            else if (option is HelpOption { Action: HelpAction help })
                option.Action = new HelpWithExitCodes(help);
        }
        return root;
    }

    /// <summary>The PIX lets the first word be abbreviated (<c>sh</c>, <c>deb</c>, <c>term</c>); so do we, for the admin commands.</summary>
    internal static string[] ExpandAbbreviatedCommand(string[] args)
    {
        if (args.Length == 0 || args[0].StartsWith('-') || args[0].StartsWith('['))
            return args;
        string word = args[0];
        string? found = null;
        if (AdminCommands.Names.Contains(word, StringComparer.Ordinal))
            return args;
        foreach (string name in AdminCommands.Abbreviable)
        {
            if (name == word)
                return args;
            if (name.StartsWith(word, StringComparison.OrdinalIgnoreCase))
                found = found is null ? name : string.Empty; // empty: ambiguous
        }
        if (string.IsNullOrEmpty(found) || KnownNonAdmin.Any(n => n.StartsWith(word, StringComparison.Ordinal)))
            return args;
        string[] expanded = (string[])args.Clone();
        expanded[0] = found;
        return expanded;
    }

    private static readonly string[] KnownNonAdmin = ["run", "check", "dial", "load", "completion", "version"];

    private static string CommandPath(ParseResult result)
    {
        var names = new List<string>();
        for (SymbolResult? r = result.CommandResult; r is not null; r = r.Parent)
        {
            if (r is CommandResult c)
                names.Insert(0, c.Command is RootCommand ? "pptpgw" : c.Command.Name);
        }
        return string.Join(' ', names);
    }

    internal static int Write(ParseResult result, string text)
    {
        TextWriter output = result.InvocationConfiguration.Output;
        output.WriteLine(text);
        output.Flush();
        return ExitCodes.Ok;
    }

    /// <summary>Prints a text and exits 0 (<c>--version</c>).</summary>
    private sealed class TextAction(Func<string> text) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult) => Write(parseResult, text());
    }

    /// <summary>The standard help, then the exit codes (at the root only: subcommands' help stays short).</summary>
    private sealed class HelpWithExitCodes(HelpAction help) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            help.Invoke(parseResult);
            if (parseResult.CommandResult.Command is RootCommand)
                parseResult.InvocationConfiguration.Output.WriteLine(ExitCodes.HelpText);
            return ExitCodes.Ok;
        }
    }
}
