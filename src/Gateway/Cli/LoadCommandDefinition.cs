using System.Collections.Immutable;
using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using PptpGw.Client;
using PptpGw.ControlPlane.Ppp;
using PptpGw.ControlPlane.Pools;
using PptpGw.Load;
using Spectre.Console;

namespace PptpGw.Gateway.Cli;

/// <summary>
/// <c>pptpgw load SERVER --sessions N --hold S --json FILE ...</c>: the PPTP load generator (src/Load). Runs inside a
/// network namespace whose source prefix is routed to it as local (<c>./build.sh loadtest</c> sets that up). Exit 0 when
/// every session came up, 1 when some did not, 2 on a usage error or a run that cannot start.
/// </summary>
internal static class LoadCommandDefinition
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var server = new Argument<IPAddress>("SERVER")
        {
            Description = "the gateway's IPv4 address",
            CustomParser = r => IPAddress.TryParse(r.Tokens[0].Value, out IPAddress? a) && a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
                ? a : Invalid<IPAddress>(r, "SERVER must be an IPv4 address"),
        };
        var sessions = new Option<int>("--sessions") { Description = "sessions (calls) to set up", Required = true, HelpName = "N" };
        var hold = new Option<double>("--hold") { Description = "seconds to hold the sessions once set up (default 5)", DefaultValueFactory = _ => 5, HelpName = "SECONDS" };
        var json = new Option<string>("--json") { Description = "write the whole result as JSON to FILE", HelpName = "FILE" };
        var png = new Option<string>("--png") { Description = "write a plot (ScottPlot) of the run to FILE", HelpName = "FILE" };
        var calls = new Option<int>("--calls-per-tunnel") { Description = "calls per control connection (default 1; more needs a gateway with several calls per tunnel)", DefaultValueFactory = _ => 1, HelpName = "N" };
        var rate = new Option<string>("--rate") { Description = "open loop: start N sessions per second (N or N/s)", HelpName = "N/s" };
        var maxInFlight = new Option<int>("--max-in-flight") { Description = "open loop: at most N set-ups pending (default 4096); when the gateway cannot keep up, the schedule slips and the backlog is reported", DefaultValueFactory = _ => 4096, HelpName = "N" };
        var concurrency = new Option<int>("--concurrency") { Description = "closed loop: N set-ups in flight (default 256; the mode unless --rate)", DefaultValueFactory = _ => 256, HelpName = "N" };
        var sources = new Option<string>("--sources") { Description = "prefix of the PACs' source addresses, routed to this namespace as local (default 198.18.8.0/21)", DefaultValueFactory = _ => "198.18.8.0/21", HelpName = "A.B.C.D/N" };
        var sourceCount = new Option<int>("--source-count") { Description = "use only the first N addresses of --sources (default: one per tunnel)", HelpName = "N" };
        var user = new Option<string>("--user") { Description = "user name (default load)", DefaultValueFactory = _ => "load", HelpName = "U" };
        var password = new Option<string>("--password") { Description = "password", Required = true, HelpName = "P" };
        var auth = new Option<string[]>("--auth") { Description = "protocols offered (repeatable): pap, chap, mschap, mschapv2 (default mschapv2)", HelpName = "pap|chap|mschap|mschapv2" };
        auth.CompletionSources.Add("pap", "chap", "mschap", "mschapv2");
        var mppe = new Option<string>("--mppe") { Description = "MPPE: none, 40, 56, 128 (default), auto", DefaultValueFactory = _ => "128", HelpName = "none|40|56|128|auto" };
        mppe.CompletionSources.Add("none", "40", "56", "128", "auto");
        var stateful = new Option<bool>("--stateful") { Description = "stateful MPPE (default stateless)" };
        var gatewayPid = new Option<int?>("--gateway-pid") { Description = "sample this process's CPU, RSS and descriptors from /proc", HelpName = "PID" };
        var connectTimeout = new Option<double>("--connect-timeout") { Description = "seconds for TCP connect + SCCRP (default 10)", DefaultValueFactory = _ => 10, HelpName = "S" };
        var callTimeout = new Option<double>("--call-timeout") { Description = "seconds for OCRP (default 10)", DefaultValueFactory = _ => 10, HelpName = "S" };
        var pppTimeout = new Option<double>("--ppp-timeout") { Description = "seconds for LCP, authentication, CCP and IPCP (default 30)", DefaultValueFactory = _ => 30, HelpName = "S" };
        var noLive = new Option<bool>("--no-live") { Description = "no live view (one progress line per second instead)" };
        var trafficPps = new Option<double>("--traffic-pps") { Description = "during the hold, each session sends N ICMP echo requests per second to the gateway through the client-role dataplane, checked on return (default 0: none)", HelpName = "N" };
        var trafficSize = new Option<int>("--traffic-size") { Description = $"IPv4 size of each traffic packet, octets (default 64, at least {TrafficGenerator.MinSize})", DefaultValueFactory = _ => 64, HelpName = "OCTETS" };
        // Issue 13: the DPDK transport of the client-role dataplane (src/Load/DpdkLoad*): e.g. a net_memif client towards
        // a gateway whose outside port is the memif server; the TCP control connections go through a net_tap.
        var dpdkPort = new Option<string>("--dpdk-port") { Description = "carry the GRE through this DPDK device (e.g. net_memif0,role=client,socket=PATH,socket-abstract=no) with the worker data path; the TCP control connections go through a net_tap (pgwload0) with the first --sources address; every --sources address is a PAC, as with the raw socket (route the prefix here as local)", HelpName = "DEVARGS" };
        var dpdkEal = new Option<string>("--dpdk-eal") { Description = "EAL arguments for --dpdk-port (default --no-huge -m 512 --no-pci --no-telemetry --file-prefix pptpgw-load)", HelpName = "ARGS" };
        var trafficTarget = new Option<string>("--traffic-target") { Description = "send the traffic's echo requests to this address (a host behind the gateway) instead of the gateway's tunnel address", HelpName = "A.B.C.D" };
        var dataPath = new Option<string>("--data-path") { Description = "carry the calls' GRE through: worker (the dataplane's Worker in the client role; always with --traffic-pps) or mux (control only; default)", DefaultValueFactory = _ => "mux", HelpName = "worker|mux" };
        dataPath.CompletionSources.Add("worker", "mux");
        var lcpEcho = new Option<double>("--lcp-echo") { Description = "during the hold, every session sends an LCP Echo-Request each S seconds (as pppd's lcp-echo-interval), replies counted (default 0: none)", HelpName = "S" };
        var hangUpConcurrency = new Option<int>("--hangup-concurrency") { Description = "calls hanging up at once, as whole tunnels (default 8192)", DefaultValueFactory = _ => 8192, HelpName = "N" };
        var command = new Command("load", "The PPTP load generator: many PACs at once (one TCP control connection per tunnel, from many source " +
            "addresses), MS-CHAPv2 + MPPE-128 by default, open or closed loop, hold, clean hang-up; a summary table, --json and --png. " +
            "Run it in a network namespace (./build.sh loadtest). Exit 0 all sessions up, 1 some failed, 2 usage or cannot start.")
        {
            server, sessions, hold, json, png, calls, rate, concurrency, sources, sourceCount, user, password, auth, mppe, stateful, gatewayPid,
            connectTimeout, callTimeout, pppTimeout, noLive, trafficPps, trafficSize, dataPath, maxInFlight, dpdkPort, dpdkEal, trafficTarget,
            lcpEcho, hangUpConcurrency,
        };
        command.SetAction(async (r, token) =>
        {
            string? error = null;
            double rateValue = 0;
            if (r.GetValue(rate) is { } rateText && !TryRate(rateText, out rateValue))
                error = "--rate takes N or N/s with N > 0";
            if (!Ipv4Prefix.TryParse(r.GetValue(sources), out Ipv4Prefix prefix))
                error = "--sources takes A.B.C.D/N";
            var protocols = ImmutableArray.CreateBuilder<PppAuthProtocol>();
            foreach (string word in r.GetValue(auth) ?? [])
            {
                if (ClientOptionWords.Authentication(word) is { } p)
                    protocols.Add(p);
                else
                    error = "--auth takes pap, chap, mschap or mschapv2";
            }
            ClientMppeMode? mppeMode = ClientOptionWords.Mppe(r.GetValue(mppe));
            if (mppeMode is null)
                error = "--mppe takes none, 40, 56, 128 or auto";
            if (r.GetValue(sessions) <= 0 || r.GetValue(calls) <= 0 || r.GetValue(concurrency) <= 0 || r.GetValue(maxInFlight) <= 0)
                error = "--sessions, --calls-per-tunnel, --concurrency and --max-in-flight take numbers > 0";
            if (r.GetValue(trafficPps) < 0 || r.GetValue(trafficSize) < TrafficGenerator.MinSize || r.GetValue(trafficSize) > 1500)
                error = $"--traffic-pps takes N >= 0 and --traffic-size {TrafficGenerator.MinSize}..1500";
            IPAddress? target = null;
            if (r.GetValue(trafficTarget) is { } targetText
                && (!IPAddress.TryParse(targetText, out target) || target.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork))
                error = "--traffic-target takes an IPv4 address A.B.C.D";
            if (r.GetValue(lcpEcho) < 0 || r.GetValue(hangUpConcurrency) <= 0)
                error = "--lcp-echo takes S >= 0 and --hangup-concurrency N > 0";
            if (r.GetValue(dataPath) is not ("worker" or "mux"))
                error = "--data-path takes worker or mux";
            if (error is not null)
            {
                await stderr.WriteLineAsync("pptpgw load: " + error).ConfigureAwait(false);
                return ExitCodes.Usage;
            }
            var settings = new LoadSettings
            {
                Server = r.GetRequiredValue(server),
                Sessions = r.GetValue(sessions),
                CallsPerTunnel = r.GetValue(calls),
                Hold = TimeSpan.FromSeconds(Math.Max(0, r.GetValue(hold))),
                Rate = rateValue,
                Concurrency = r.GetValue(concurrency),
                MaxInFlight = r.GetValue(maxInFlight),
                Sources = prefix,
                SourceCount = r.GetValue(sourceCount),
                UserName = r.GetValue(user) ?? "load",
                Password = r.GetRequiredValue(password),
                AuthenticationProtocols = protocols.Count > 0 ? protocols.ToImmutable() : [PppAuthProtocol.MsChapV2],
                Mppe = mppeMode!.Value,
                Stateful = r.GetValue(stateful),
                GatewayPid = r.GetValue(gatewayPid),
                ConnectTimeout = TimeSpan.FromSeconds(r.GetValue(connectTimeout)),
                CallTimeout = TimeSpan.FromSeconds(r.GetValue(callTimeout)),
                PppTimeout = TimeSpan.FromSeconds(r.GetValue(pppTimeout)),
                JsonPath = r.GetValue(json),
                PlotPath = r.GetValue(png),
                Live = !r.GetValue(noLive),
                Traffic = r.GetValue(trafficPps) > 0
                    ? new TrafficSettings(r.GetValue(trafficPps), r.GetValue(trafficSize)) { Target = target is null ? 0 : Ipv4.FromIPAddress(target) }
                    : null,
                Dpdk = r.GetValue(dpdkPort) is { } devargs
                    ? new DpdkLoadSettings
                    {
                        PortDevargs = devargs,
                        // The first address of --sources, as the load tool's source plan numbers them (a /32 is the address).
                        Address = (Ipv4.FromIPAddress(prefix.Address) & (prefix.PrefixLength == 0 ? 0 : uint.MaxValue << (32 - prefix.PrefixLength)))
                            + (prefix.PrefixLength < 31 ? 1u : 0u),
                        PrefixLength = 24,
                        EalArguments = r.GetValue(dpdkEal) is { } eal ? eal.Split(' ', StringSplitOptions.RemoveEmptyEntries) : new DpdkLoadSettings { PortDevargs = "", Address = 0 }.EalArguments,
                    }
                    : null,
                WorkerDataPath = r.GetValue(dataPath) == "worker",
                LcpEchoInterval = TimeSpan.FromSeconds(r.GetValue(lcpEcho)),
                HangUpConcurrency = r.GetValue(hangUpConcurrency),
            };
            return await RunAsync(settings, stdout, stderr, token).ConfigureAwait(false);
        });
        return command;
    }

    private static T Invalid<T>(System.CommandLine.Parsing.ArgumentResult result, string message)
    {
        result.AddError(message);
        return default!;
    }

    internal static bool TryRate(string text, out double rate)
    {
        string number = text.EndsWith("/s", StringComparison.Ordinal) ? text[..^2] : text;
        return double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out rate) && rate > 0;
    }

    private static async Task<int> RunAsync(LoadSettings settings, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // SIGINT/SIGTERM end the set-up or the hold early; every tunnel is still hung up cleanly.
        using PosixSignalRegistration term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        bool interactive = settings.Live && ReferenceEquals(stdout, Console.Out) && !Console.IsOutputRedirected;
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(stdout),
            Ansi = interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = interactive ? InteractionSupport.Yes : InteractionSupport.No,
        });
        if (!interactive)
            console.Profile.Width = 140;
        var runner = new LoadRunner(settings);
        Task<LoadResult> run = runner.RunAsync(stop.Token);
        await LoadLiveView.ShowAsync(console, runner, run, interactive).ConfigureAwait(false);
        LoadResult result;
        try
        {
            result = await run.ConfigureAwait(false);
        }
        catch (LoadSetupException e)
        {
            await stderr.WriteLineAsync("pptpgw load: " + e.Message).ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        LoadReport.Write(console, result);
        if (settings.JsonPath is { } jsonPath)
        {
            LoadJson.Write(result, jsonPath);
            console.WriteLine("json: " + jsonPath);
        }
        if (settings.PlotPath is { } pngPath)
        {
            try
            {
                LoadPlot.Write(result, pngPath);
                console.WriteLine("png: " + pngPath);
            }
            catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or IOException)
            {
                // SkiaSharp's native library (libSkiaSharp.so) is shipped in the package; without it there is no plot, but the run stands.
                await stderr.WriteLineAsync($"pptpgw load: no plot: {e.GetBaseException().Message}").ConfigureAwait(false);
            }
        }
        await stdout.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        return result.SessionsEstablished == result.SessionsRequested ? ExitCodes.Ok : ExitCodes.Failure;

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
    }
}
