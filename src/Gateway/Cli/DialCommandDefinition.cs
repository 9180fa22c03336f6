using System.CommandLine;
using System.Runtime.InteropServices;
using PptpGw.Client;

namespace PptpGw.Gateway.Cli;

/// <summary>
/// <c>pptpgw dial</c>, the PPTP client (src/Client). System.CommandLine knows its options (for <c>--help</c>, shell
/// completion and unknown-option errors); the words themselves are then parsed by <see cref="DialArguments.TryParse"/>,
/// the client's one definition of what they mean, which tests and the load tool share. The exit codes are
/// <see cref="ExitCodes"/>' 0/2 and the client's 3-9.
/// </summary>
internal static class DialCommandDefinition
{
    /// <summary>Every option <c>dial</c> takes and whether it takes a value (CliTests checks each against <see cref="DialArguments.TryParse"/>).</summary>
    internal static readonly (string Name, string? Value, string Description)[] Options =
    [
        ("--user", "U", "user name (required)"),
        ("--password", "P", "password (required)"),
        ("--auth", "pap|chap|mschap|mschapv2", "offer only these protocols (repeat the option for several); default: any the server asks for"),
        ("--mppe", "none|40|56|128|auto", "MPPE strength to ask for (RFC 3078); default auto"),
        ("--stateful", null, "stateful MPPE (default: stateless, what Windows does)"),
        ("--source", "ADDR", "local IPv4 address to connect from"),
        ("--port", "N", "server TCP port (default 1723)"),
        ("--timeout", "S", "seconds for each step to answer (default 30)"),
        ("--seconds", "N", "keep the tunnel up N seconds, then hang up (default: until SIGINT/SIGTERM)"),
        ("--tun", "NAME", "TUN interface name (default pptp0)"),
        ("--route", "A.B.C.D/N", "route a prefix into the tunnel (repeatable)"),
        ("--ping", "ADDR", "ping ADDR through the tunnel, then hang up (exit 9 when no reply)"),
        ("--count", "N", "pings to send (default 4)"),
        ("--interval", "S", "seconds between pings (default 1)"),
        ("--quiet", null, "print only the link up/down lines"),
        ("--verbose", null, "print the client's debug lines"),
    ];

    public static Command Create(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var server = new Argument<string>("SERVER") { Description = "the gateway's address or host name" };
        var command = new Command("dial", "The PPTP client: a tunnel behind a TUN interface (root or CAP_NET_ADMIN), DIAL: lines, a graceful hang-up on " +
            "SIGINT/SIGTERM or after --seconds/--ping. Exit 0 up and torn down cleanly, 2 usage, 3 connect failed, 4 refused, " +
            "5 authentication failed, 6 MPPE not agreed, 7 timed out, 8 link failed, 9 pings unanswered.")
        {
            server,
        };
        foreach ((string name, string? value, string description) in Options)
        {
            Option option = value is null ? new Option<bool>(name) { Description = description }
                : name is "--auth" or "--route" ? new Option<string[]>(name) { Description = description, HelpName = value }
                : new Option<string>(name) { Description = description, HelpName = value };
            if (name == "--auth")
                option.CompletionSources.Add("pap", "chap", "mschap", "mschapv2");
            if (name == "--mppe")
                option.CompletionSources.Add("none", "40", "56", "128", "auto");
            if (name is "--user" or "--password")
                option.Required = true;
            command.Options.Add(option);
        }
        string[] words = args.Length > 0 && args[0] == "dial" ? args[1..] : [];
        command.SetAction((_, token) => RunAsync(words, stdout, stderr, token));
        return command;
    }

    /// <summary>SIGINT/SIGTERM hang up gracefully (Call-Clear-Request, Stop-Control-Connection-Request) instead of killing the process.</summary>
    private static async Task<int> RunAsync(string[] words, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using PosixSignalRegistration term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        return await DialCommand.RunAsync(words, new DialEnvironment { Output = stdout, Error = stderr, Cancellation = stop.Token }).ConfigureAwait(false);

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
    }
}
