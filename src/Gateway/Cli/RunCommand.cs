using System.CommandLine;
using System.Net;
using PptpGw.ControlPlane.Config;
using PptpGw.Gateway.Hosting;

namespace PptpGw.Gateway.Cli;

/// <summary><c>pptpgw run</c>: the gateway in the foreground until SIGTERM/SIGINT (SIGHUP leaves it running).</summary>
internal static class RunCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        Option<string> config = CliOptions.Config(required: true);
        var syslog = new Option<bool>("--syslog") { Description = "also log to the local syslog (/dev/log), like 'logging syslog on'" };
        Option<string> admin = CliOptions.AdminSocket();
        Option<IPEndPoint> listen = CliOptions.Listen();
        var command = new Command("run", "Run the gateway in the foreground, logging to stdout; SIGTERM/SIGINT stop it cleanly " +
            "(Stop-Control-Connection-Request to every peer, sessions closed, exit 0); SIGHUP re-reads the configuration (like 'pptpgw reload').")
        {
            config, syslog, admin, listen,
        };
        command.SetAction((result, token) => RunAsync(new RunArguments(result.GetRequiredValue(config), result.GetValue(syslog),
            result.GetValue(admin), result.GetValue(listen)), stdout, stderr, token));
        return command;
    }

    internal sealed record RunArguments(string Config, bool Syslog, string? AdminSocket, IPEndPoint? Listen);

    private static async Task<int> RunAsync(RunArguments args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        ConfigParseResult result = PixConfigParser.ParseFile(args.Config);
        foreach (ConfigDiagnostic diagnostic in result.Diagnostics.Where(d => d.Severity >= ConfigSeverity.Warning))
            await stderr.WriteLineAsync(diagnostic.ToString()).ConfigureAwait(false);
        IReadOnlyList<ConfigDiagnostic> refusals = result.Config is { } parsed ? StartupChecks.Errors(parsed, args.Config) : [];
        foreach (ConfigDiagnostic refusal in refusals)
            await stderr.WriteLineAsync(refusal.ToString()).ConfigureAwait(false);
        if (result.Config is not { } config || refusals.Count > 0)
        {
            await stderr.WriteLineAsync($"pptpgw: {args.Config} has errors; not starting").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // SIGTERM (systemd stop, kill) and SIGINT (Ctrl-C) end the run cleanly; SIGHUP does not end it (GatewaySignals).
        using var signals = new GatewaySignals(stop.Cancel);
        GatewayHost host;
        try
        {
            host = GatewayHost.Create(config, new GatewayHostOptions
            {
                Console = stdout,
                Syslog = args.Syslog,
                AdminSocketPath = args.AdminSocket,
                ListenEndPoint = args.Listen,
                ConfigPath = Path.GetFullPath(args.Config),
            });
        }
        catch (GatewayStartupException ex)
        {
            await stderr.WriteLineAsync("pptpgw: " + ex.Message).ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        signals.Attach(host);
        await using (host.ConfigureAwait(false))
        {
            try
            {
                await host.RunAsync(stop.Token).ConfigureAwait(false);
            }
            catch (GatewayStartupException ex)
            {
                await stderr.WriteLineAsync("pptpgw: " + ex.Message).ConfigureAwait(false);
                return ExitCodes.Failure;
            }
        }
        await stdout.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        return ExitCodes.Ok;
    }
}
