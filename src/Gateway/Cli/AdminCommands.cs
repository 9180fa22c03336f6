using System.CommandLine;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using PptpGw.ControlPlane.Admin;
using PptpGw.ControlPlane.Config;

namespace PptpGw.Gateway.Cli;

/// <summary>
/// The PIX admin commands (<c>show</c>, <c>clear</c>, <c>debug</c>, <c>no</c>, <c>undebug</c>, <c>terminal</c>) and the
/// gateway's own <c>reload</c> and <c>shutdown</c>: their
/// words are checked here with the gateway's own <see cref="AdminCommandParser"/> (PIX abbreviations and its
/// "% Invalid input" text) and sent as one line to the running gateway's admin socket; its answer is printed.
/// </summary>
internal static class AdminCommands
{
    /// <summary>The first words of the admin commands (for the PIX-style abbreviation of the first word).</summary>
    public static readonly string[] Names = ["show", "clear", "debug", "no", "undebug", "terminal", "reload", "shutdown"];

    /// <summary>The PIX's own first words, the ones that may be abbreviated ("sh" stays show; reload and shutdown are typed whole).</summary>
    public static readonly string[] Abbreviable = ["show", "clear", "debug", "no", "undebug", "terminal"];

    private static readonly Dictionary<string, (string Syntax, string Description, string[] Completions)> Descriptions = new(StringComparer.Ordinal)
    {
        ["show"] = ("vpdn [tunnel|session [brief ...]|username [NAME]|pppinterface [id N]|group] | dataplane | aaa-server | debug | version",
            "Show the running gateway's tunnels, sessions (one line each with 'session brief [columns C,C] [match COLUMN REGEX] [order COLUMN [desc]]'), users, groups, dataplane, AAA servers, debug classes or version.",
            ["vpdn", "debug", "version", "tunnel", "session", "brief", "username", "pppinterface", "group", "dataplane", "aaa-server", "columns", "match", "order"]),
        ["clear"] = ("vpdn tunnel id N | all | vpdn username NAME | vpdn session ip ADDR | id N [soft|hard]",
            "Tear tunnels down (Stop-Control-Connection-Request), or end sessions by user, address or id (soft: LCP Terminate-Request first).",
            ["vpdn", "tunnel", "id", "all", "username", "session", "ip", "soft", "hard"]),
        ["debug"] = ("vpdn events|packet|error | ppp negotiation|io|error|uauth", "Turn a debug class on.",
            ["vpdn", "ppp", "events", "packet", "error", "negotiation", "io", "uauth"]),
        ["no"] = ("debug vpdn|ppp CLASS | debug all", "Turn debug classes off.", ["debug", "vpdn", "ppp", "all"]),
        ["undebug"] = ("all | vpdn|ppp CLASS", "Turn debug classes off.", ["all", "vpdn", "ppp"]),
        ["terminal"] = ("monitor", "Stream the gateway's log and debug lines until Ctrl-C.", ["monitor"]),
        ["reload"] = ("", "Re-read the configuration file (as SIGHUP and 'systemctl reload' do): a file with errors changes nothing; otherwise " +
            "users, AAA servers, pool growth, group settings, logging and limits apply to new calls, sessions stay up, and each change is listed " +
            "as applied, needs restart or refused. Exit 1 when the file has errors.", []),
        ["shutdown"] = ("[hard] | soft [SECONDS] | cancel", "Stop the gateway: now (hard, the default), or soft: no new tunnels or calls, stop when the " +
            "last session ends (or after SECONDS, then hard).", ["soft", "hard"]),
    };

    public static IEnumerable<Command> Create()
    {
        foreach (string name in Names)
        {
            (string syntax, string description, string[] completions) = Descriptions[name];
            var words = new Argument<string[]>("WORDS")
            {
                HelpName = syntax,
                Description = "the rest of the PIX command (keywords may be abbreviated: 'sh vpdn tun', 'clear vpdn tun all')",
                Arity = ArgumentArity.ZeroOrMore,
            };
            words.CompletionSources.Add(completions);
            Option<string> admin = CliOptions.AdminSocket();
            Option<string> config = CliOptions.Config(required: false);
            config.Description = "take the admin socket from this configuration's 'gateway admin-socket'";
            var command = new Command(name, description) { words, admin, config };
            var json = new Option<bool>("--json") { Description = "answer in JSON (show commands)" };
            if (name is "show" or "reload")
                command.Options.Add(json);
            command.SetAction((result, token) => SendAsync(name, [.. result.GetValue(words) ?? [], .. result.GetValue(json) ? ["--json"] : Array.Empty<string>()],
                result.GetValue(admin), result.GetValue(config), result.InvocationConfiguration.Output, result.InvocationConfiguration.Error, token));
            yield return command;
        }
    }

    private static async Task<int> SendAsync(string name, string[] words, string? adminSocket, string? config, TextWriter stdout, TextWriter stderr,
        CancellationToken cancellationToken)
    {
        string line = string.Join(' ', words.Prepend(name));
        OperatorParseResult operatorCommand = OperatorCommandParser.Parse(line);
        if (operatorCommand.Error is { } error)
        {
            await stderr.WriteLineAsync(error).ConfigureAwait(false);
            await stderr.WriteLineAsync($"Try 'pptpgw {name} --help'.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        AdminParseResult command = operatorCommand.Command is not null
            ? new AdminParseResult(AdminParseError.None, new AdminCommand(AdminCommandKind.ShowVersion), 0) // any non-monitor command: sent as is
            : AdminCommandParser.Parse(line);
        if (!command.Success)
        {
            await stderr.WriteAsync(AdminCommandParser.FormatError(line, command)).ConfigureAwait(false);
            await stderr.WriteLineAsync($"Try 'pptpgw {name} --help'.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        string socketPath = adminSocket ?? AdminSocketOf(config) ?? AdminServerOptions.DefaultSocketPath;
        try
        {
            if (command.Command.Kind == AdminCommandKind.TerminalMonitor)
                return await MonitorAsync(socketPath, stdout, cancellationToken).ConfigureAwait(false);
            AdminReply reply = await AdminClient.SendAsync(socketPath, line, cancellationToken).ConfigureAwait(false);
            await stdout.WriteAsync(reply.Text).ConfigureAwait(false);
            await stdout.FlushAsync(cancellationToken).ConfigureAwait(false);
            // The gateway's status byte says whether the command failed ("% No tunnel with id 7", "% Error: ...");
            // "% No active PPTP tunnels" is an answer.
            return reply.Status == AdminStatus.Ok ? ExitCodes.Ok : ExitCodes.Failure;
        }
        catch (Exception ex) when (ex is SocketException or IOException)
        {
            await stderr.WriteLineAsync($"pptpgw: cannot reach the gateway at {socketPath}: {ex.Message} (is 'pptpgw run' running?)").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
    }

    private static string? AdminSocketOf(string? configPath) =>
        configPath is null ? null : PixConfigParser.ParseFile(configPath).Config?.Gateway.AdminSocketPath;

    private static async Task<int> MonitorAsync(string socketPath, TextWriter stdout, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        await foreach (string line in AdminClient.MonitorAsync(socketPath, stop.Token).ConfigureAwait(false))
        {
            await stdout.WriteLineAsync(line).ConfigureAwait(false);
            await stdout.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
        return ExitCodes.Ok;
    }
}
