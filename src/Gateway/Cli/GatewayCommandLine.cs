using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using PptpGw.Client;
using PptpGw.ControlPlane.Admin;
using PptpGw.ControlPlane.Config;
using PptpGw.ControlPlane.Logging;
using PptpGw.ControlPlane.Pptp;
using PptpGw.Gateway.Hosting;

namespace PptpGw.Gateway.Cli;

/// <summary>
/// The commands of <c>pptpgw</c>: <c>run</c> (the gateway in the foreground), <c>check</c> (validate a configuration),
/// the PIX admin commands (<c>show vpdn</c>, <c>clear vpdn tunnel</c>, <c>debug ...</c>, <c>no debug ...</c>,
/// <c>undebug all</c>, <c>show debug</c>, <c>terminal monitor</c>) sent to a running gateway over its admin socket,
/// and <c>dial</c> (the PPTP client).
/// </summary>
public static class GatewayCommandLine
{
    /// <summary>Exit code of a command line that could not be understood.</summary>
    public const int UsageError = 2;

    /// <summary>The usage text.</summary>
    public const string Usage = """
        usage: pptpgw COMMAND [options]

          run --config FILE [--syslog] [--admin-socket PATH] [--listen ADDR[:PORT]]
                                      run the gateway in the foreground (logs to stdout); SIGTERM/SIGINT stop it
                                      cleanly (StopCCRQ to every peer, sessions closed)
          check --config FILE         validate a configuration: prints 'file:line: severity: message',
                                      exit 0 when it loads, 1 with errors
          show vpdn [tunnel|session]  tunnels and sessions of the running gateway
          show debug | show version
          clear vpdn tunnel id N | all
          debug vpdn events|packet|error      debug ppp negotiation|io|error|uauth
          no debug vpdn|ppp CLASS | no debug all | undebug all
          terminal monitor            stream the gateway's log and debug lines until Ctrl-C
          dial ...                    the PPTP client (pptpgw dial --help)

        Admin commands reach the gateway over its admin socket: --admin-socket PATH, else the
        'gateway admin-socket' of --config FILE, else /run/pptpgw/admin.sock. Keywords may be
        abbreviated as on the PIX ('sh vpdn', 'clear vpdn tun all').
        """;

    /// <summary>Runs one command line; returns the exit code.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        if (args.Length > 0 && args[0] == "dial")
            return await DialAsync(args[1..], stdout, stderr, cancellationToken).ConfigureAwait(false);

        if (!TryParse(args, out Arguments parsed, out string? error))
        {
            await stderr.WriteLineAsync("pptpgw: " + error).ConfigureAwait(false);
            await stderr.WriteLineAsync("Try 'pptpgw --help'.").ConfigureAwait(false);
            return UsageError;
        }
        if (parsed.Help || parsed.Words.Count == 0)
        {
            await (parsed.Help ? stdout : stderr).WriteAsync(Usage + "\n").ConfigureAwait(false);
            return parsed.Help ? 0 : UsageError;
        }

        return parsed.Words[0] switch
        {
            "run" => await RunGatewayAsync(parsed, stdout, stderr, cancellationToken).ConfigureAwait(false),
            "check" => await CheckAsync(parsed, stdout, stderr).ConfigureAwait(false),
            "version" or "--version" => await WriteAsync(stdout, GatewayHost.VersionText + "\n", 0).ConfigureAwait(false),
            _ => await AdminAsync(parsed, stdout, stderr, cancellationToken).ConfigureAwait(false),
        };
    }

    private sealed record Arguments(List<string> Words, string? Config, string? AdminSocket, bool Syslog, IPEndPoint? Listen, bool Help);

    private static bool TryParse(string[] args, out Arguments parsed, out string? error)
    {
        var words = new List<string>();
        string? config = null, admin = null;
        IPEndPoint? listen = null;
        bool syslog = false, help = false;
        parsed = new Arguments(words, null, null, false, null, false);
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            switch (arg)
            {
                case "--help" or "-h":
                    help = true;
                    break;
                case "--syslog":
                    syslog = true;
                    break;
                case "--config" or "-c" or "--admin-socket" or "--listen":
                    if (i + 1 >= args.Length)
                    {
                        error = $"{arg} needs a value";
                        return false;
                    }
                    string value = args[++i];
                    if (arg == "--admin-socket")
                        admin = value;
                    else if (arg == "--listen")
                    {
                        if (!TryParseEndPoint(value, out listen))
                        {
                            error = $"--listen {value}: expected ADDR or ADDR:PORT";
                            return false;
                        }
                    }
                    else
                        config = value;
                    break;
                default:
                    if (arg.StartsWith("--", StringComparison.Ordinal))
                    {
                        error = $"unknown option {arg}";
                        return false;
                    }
                    words.Add(arg);
                    break;
            }
        }
        // "pptpgw check FILE" reads as "check --config FILE".
        if (words.Count == 2 && words[0] == "check" && config is null)
        {
            config = words[1];
            words.RemoveAt(1);
        }
        parsed = new Arguments(words, config, admin, syslog, listen, help);
        error = null;
        return true;
    }

    private static bool TryParseEndPoint(string text, out IPEndPoint? endPoint)
    {
        if (IPAddress.TryParse(text, out IPAddress? address))
        {
            endPoint = new IPEndPoint(address, PptpControlMessage.TcpPort);
            return true;
        }
        return IPEndPoint.TryParse(text, out endPoint);
    }

    private static async Task<int> WriteAsync(TextWriter writer, string text, int code)
    {
        await writer.WriteAsync(text).ConfigureAwait(false);
        await writer.FlushAsync().ConfigureAwait(false);
        return code;
    }

    // ------------------------------------------------------------------ check

    private static async Task<int> CheckAsync(Arguments args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Config is null || args.Words.Count != 1)
            return await WriteAsync(stderr, "pptpgw: usage: pptpgw check --config FILE\n", UsageError).ConfigureAwait(false);
        ConfigParseResult result = PixConfigParser.ParseFile(args.Config);
        foreach (ConfigDiagnostic diagnostic in result.Diagnostics)
            await stdout.WriteLineAsync(diagnostic.ToString()).ConfigureAwait(false);
        if (result.Config is not { } config)
        {
            int errors = result.Errors.Count();
            return await WriteAsync(stdout, $"{args.Config}: {errors} error{(errors == 1 ? "" : "s")}: the configuration cannot be used\n", 1).ConfigureAwait(false);
        }
        // What the file says may still not run (an AAA group without hosts): a warning, as the file itself is valid.
        if (config.DialinGroup is { } group)
        {
            try
            {
                Authenticators.Validate(config, group);
            }
            catch (GatewayStartupException ex)
            {
                await stdout.WriteLineAsync(new ConfigDiagnostic(ConfigSeverity.Warning, args.Config, 0, ex.Message).ToString()).ConfigureAwait(false);
            }
        }
        return await WriteAsync(stdout, $"{args.Config}: configuration OK\n", 0).ConfigureAwait(false);
    }

    // ------------------------------------------------------------------ run

    private static async Task<int> RunGatewayAsync(Arguments args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (args.Config is null || args.Words.Count != 1)
            return await WriteAsync(stderr, "pptpgw: usage: pptpgw run --config FILE [--syslog] [--admin-socket PATH] [--listen ADDR[:PORT]]\n", UsageError).ConfigureAwait(false);
        ConfigParseResult result = PixConfigParser.ParseFile(args.Config);
        foreach (ConfigDiagnostic diagnostic in result.Diagnostics.Where(d => d.Severity >= ConfigSeverity.Warning))
            await stderr.WriteLineAsync(diagnostic.ToString()).ConfigureAwait(false);
        if (result.Config is not { } config)
            return await WriteAsync(stderr, $"pptpgw: {args.Config} has errors; not starting\n", 1).ConfigureAwait(false);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // SIGTERM (systemd stop, kill) and SIGINT (Ctrl-C) end the run cleanly instead of killing the process.
        using PosixSignalRegistration term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        GatewayHost host;
        try
        {
            host = GatewayHost.Create(config, new GatewayHostOptions
            {
                Console = stdout,
                Syslog = args.Syslog,
                AdminSocketPath = args.AdminSocket,
                ListenEndPoint = args.Listen,
            });
        }
        catch (GatewayStartupException ex)
        {
            return await WriteAsync(stderr, "pptpgw: " + ex.Message + "\n", 1).ConfigureAwait(false);
        }
        await using (host.ConfigureAwait(false))
        {
            try
            {
                await host.RunAsync(stop.Token).ConfigureAwait(false);
            }
            catch (GatewayStartupException ex)
            {
                return await WriteAsync(stderr, "pptpgw: " + ex.Message + "\n", 1).ConfigureAwait(false);
            }
        }
        await stdout.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        return 0;

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
    }

    // ------------------------------------------------------------------ admin commands

    private static async Task<int> AdminAsync(Arguments args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        string line = string.Join(' ', args.Words);
        AdminParseResult command = AdminCommandParser.Parse(line);
        if (!command.Success)
        {
            await stderr.WriteAsync(AdminCommandParser.FormatError(line, command)).ConfigureAwait(false);
            return await WriteAsync(stderr, "Try 'pptpgw --help'.\n", UsageError).ConfigureAwait(false);
        }
        string socketPath = args.AdminSocket ?? AdminSocketOf(args.Config) ?? AdminServerOptions.DefaultSocketPath;
        try
        {
            if (command.Command.Kind == AdminCommandKind.TerminalMonitor)
                return await MonitorAsync(socketPath, stdout, cancellationToken).ConfigureAwait(false);
            AdminReply reply = await AdminClient.SendAsync(socketPath, line, cancellationToken).ConfigureAwait(false);
            await stdout.WriteAsync(reply.Text).ConfigureAwait(false);
            await stdout.FlushAsync(cancellationToken).ConfigureAwait(false);
            // Errors the gateway reports ("% No tunnel with id 7", "% Error: ..."); "% No active PPTP tunnels" is an answer.
            return reply.Status == AdminStatus.Ok ? 0 : 1;
        }
        catch (Exception ex) when (ex is SocketException or IOException)
        {
            return await WriteAsync(stderr, $"pptpgw: cannot reach the gateway at {socketPath}: {ex.Message} (is 'pptpgw run' running?)\n", 1).ConfigureAwait(false);
        }
    }

    private static string? AdminSocketOf(string? configPath)
    {
        if (configPath is null)
            return null;
        return PixConfigParser.ParseFile(configPath).Config?.Gateway.AdminSocketPath;
    }

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
        return 0;
    }

    // ------------------------------------------------------------------ dial

    /// <summary>
    /// The PPTP client (src/Client): its own arguments, <c>DIAL:</c> progress lines and exit codes. SIGINT/SIGTERM hang
    /// up gracefully (Call-Clear-Request, Stop-Control-Connection-Request) instead of killing the process.
    /// </summary>
    private static async Task<int> DialAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using PosixSignalRegistration term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        return await DialCommand.RunAsync(args, new DialEnvironment { Output = stdout, Error = stderr, Cancellation = stop.Token })
            .ConfigureAwait(false);

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
    }
}
