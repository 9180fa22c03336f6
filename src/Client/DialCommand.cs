using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using PptpGw.ControlPlane.Ppp;

namespace PptpGw.Client;

/// <summary>The parsed command line of <c>pptpgw dial</c>.</summary>
public sealed record DialArguments
{
    public required string Server { get; init; }
    public required string User { get; init; }
    public required string Password { get; init; }
    public ImmutableArray<PppAuthProtocol> Authentication { get; init; } = [];
    public ClientMppeMode Mppe { get; init; } = ClientMppeMode.Any;
    public bool Stateful { get; init; }
    public IPAddress? Source { get; init; }
    public int Port { get; init; } = 1723;
    public TimeSpan? Duration { get; init; }
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);
    public string InterfaceName { get; init; } = "pptp0";
    public ImmutableArray<Ipv4Prefix> Routes { get; init; } = [];
    public IPAddress? PingAddress { get; init; }
    public int PingCount { get; init; } = 4;
    public TimeSpan PingInterval { get; init; } = TimeSpan.FromSeconds(1);
    public bool Quiet { get; init; }
    public bool Verbose { get; init; }
    /// <summary><c>--calls N</c>: calls on the one control connection (RFC 2637 §3.2); above 1 the interfaces are in memory.</summary>
    public int Calls { get; init; } = 1;

    public const string Usage =
        "usage: pptpgw dial SERVER --user U --password P [--auth pap|chap|mschap|mschapv2] [--mppe none|40|56|128|auto] [--stateful]\n" +
        "                  [--source ADDR] [--port N] [--timeout S] [--seconds N] [--tun NAME] [--route A.B.C.D/N]...\n" +
        "                  [--ping ADDR [--count N] [--interval S]] [--calls N] [--quiet] [--verbose]\n" +
        "  --calls N: N calls on one control connection, each with its own PPP session; with N > 1 the tunnel interfaces are\n" +
        "             in memory and --ping sends ICMP generated in the process through every call; one StopCCRQ ends them all";

    /// <summary>Parses the arguments after <c>dial</c>; null with <paramref name="error"/> set when they are wrong.</summary>
    public static DialArguments? TryParse(IReadOnlyList<string> args, out string? error)
    {
        ArgumentNullException.ThrowIfNull(args);
        error = null;
        string? server = null, user = null, password = null;
        var auth = ImmutableArray.CreateBuilder<PppAuthProtocol>();
        var routes = ImmutableArray.CreateBuilder<Ipv4Prefix>();
        ClientMppeMode mppe = ClientMppeMode.Any;
        bool stateful = false, quiet = false, verbose = false;
        IPAddress? source = null, ping = null;
        int port = 1723, count = 4, calls = 1;
        TimeSpan? duration = null;
        TimeSpan timeout = TimeSpan.FromSeconds(30), interval = TimeSpan.FromSeconds(1);
        string tun = "pptp0";
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            string? Value()
            {
                if (i + 1 < args.Count)
                    return args[++i];
                return null;
            }
            switch (arg)
            {
                case "--user": user = Value(); break;
                case "--password": password = Value(); break;
                case "--auth":
                    PppAuthProtocol? protocol = ClientOptionWords.Authentication(Value());
                    if (protocol is not { } p)
                        return Fail(out error, "--auth takes pap, chap, mschap or mschapv2");
                    auth.Add(p);
                    break;
                case "--mppe":
                    ClientMppeMode? mode = ClientOptionWords.Mppe(Value());
                    if (mode is not { } m)
                        return Fail(out error, "--mppe takes none, 40, 56, 128 or auto");
                    mppe = m;
                    break;
                case "--stateful": stateful = true; break;
                case "--quiet": quiet = true; break;
                case "--verbose": verbose = true; break;
                case "--source":
                    if (!TryIpv4(Value(), out source))
                        return Fail(out error, "--source takes an IPv4 address");
                    break;
                case "--ping":
                    if (!TryIpv4(Value(), out ping))
                        return Fail(out error, "--ping takes an IPv4 address");
                    break;
                case "--port":
                    if (!TryInt(Value(), 1, 65535, out port))
                        return Fail(out error, "--port takes 1..65535");
                    break;
                case "--calls":
                    if (!TryInt(Value(), 1, 65535, out calls))
                        return Fail(out error, "--calls takes 1..65535");
                    break;
                case "--count":
                    if (!TryInt(Value(), 1, 1_000_000, out count))
                        return Fail(out error, "--count takes a positive number");
                    break;
                case "--seconds":
                    if (!TrySeconds(Value(), out TimeSpan seconds))
                        return Fail(out error, "--seconds takes a positive number of seconds");
                    duration = seconds;
                    break;
                case "--timeout":
                    if (!TrySeconds(Value(), out timeout))
                        return Fail(out error, "--timeout takes a positive number of seconds");
                    break;
                case "--interval":
                    if (!TrySeconds(Value(), out interval))
                        return Fail(out error, "--interval takes a positive number of seconds");
                    break;
                case "--tun":
                    string? name = Value();
                    if (string.IsNullOrEmpty(name) || name.Length > 15)
                        return Fail(out error, "--tun takes an interface name of 1 to 15 characters");
                    tun = name;
                    break;
                case "--route":
                    if (!Ipv4Prefix.TryParse(Value(), out Ipv4Prefix route))
                        return Fail(out error, "--route takes A.B.C.D/N");
                    routes.Add(route);
                    break;
                default:
                    if (arg.StartsWith('-') || server is not null)
                        return Fail(out error, $"unexpected argument '{arg}'");
                    server = arg;
                    break;
            }
        }
        if (server is null)
            return Fail(out error, "the server address is missing");
        if (user is null || password is null)
            return Fail(out error, "--user and --password are required");
        if (mppe != ClientMppeMode.None && auth.Count > 0 && !auth.Any(a => a is PppAuthProtocol.MsChapV1 or PppAuthProtocol.MsChapV2))
            return Fail(out error, "MPPE keys come from MS-CHAP (RFC 3079): use --auth mschap or mschapv2, or --mppe none");
        return new DialArguments
        {
            Server = server, User = user, Password = password, Authentication = auth.ToImmutable(), Mppe = mppe, Stateful = stateful,
            Source = source, Port = port, Duration = duration, Timeout = timeout, InterfaceName = tun, Routes = routes.ToImmutable(),
            PingAddress = ping, PingCount = count, PingInterval = interval, Quiet = quiet, Verbose = verbose, Calls = calls,
        };
    }

    private static DialArguments? Fail(out string? error, string message)
    {
        error = message;
        return null;
    }

    private static bool TryIpv4(string? text, out IPAddress? address) =>
        IPAddress.TryParse(text, out address) && address.AddressFamily == AddressFamily.InterNetwork;

    private static bool TryInt(string? text, int min, int max, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max;

    private static bool TrySeconds(string? text, out TimeSpan value)
    {
        value = default;
        if (!double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double seconds) || seconds <= 0 || seconds > 1e7)
            return false;
        value = TimeSpan.FromSeconds(seconds);
        return true;
    }
}

/// <summary>Where <see cref="DialCommand"/> writes and what it uses; replaceable for tests and tools.</summary>
public sealed record DialEnvironment
{
    public TextWriter Output { get; init; } = Console.Out;
    public TextWriter Error { get; init; } = Console.Error;

    /// <summary>Last changes to the client options (e.g. in-memory transports in tests).</summary>
    public Func<PptpClientOptions, PptpClientOptions>? Configure { get; init; }

    /// <summary>Sends one ICMP echo and returns the round-trip time, or null without a reply. Default: <see cref="Ping"/> (kernel routing, so through the TUN).</summary>
    public Func<IPAddress, TimeSpan, CancellationToken, Task<TimeSpan?>> Ping { get; init; } = DefaultPingAsync;

    /// <summary>Ends the dial like SIGINT/SIGTERM.</summary>
    public CancellationToken Cancellation { get; init; }

    private static async Task<TimeSpan?> DefaultPingAsync(IPAddress address, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var ping = new Ping();
        PingReply reply = await ping.SendPingAsync(address, timeout, new byte[56], null, cancellationToken).ConfigureAwait(false);
        return reply.Status == IPStatus.Success ? TimeSpan.FromMilliseconds(reply.RoundtripTime) : null;
    }
}

/// <summary>
/// <c>pptpgw dial SERVER ...</c>: brings a PPTP tunnel up behind a TUN interface, keeps it for <c>--seconds</c>, until
/// SIGINT/SIGTERM, or for <c>--ping</c>, then hangs up gracefully. Progress goes to standard output as <c>DIAL: ...</c>
/// lines; the exit code is 0 for a tunnel that came up and was torn down cleanly, 2 for a usage error, else the
/// <see cref="PptpClientFailure"/> value (3 connect, 4 refused, 5 authentication, 6 MPPE, 7 timeout, 8 link failed),
/// 9 when pings went unanswered.
/// </summary>
public static class DialCommand
{
    public const int ExitOk = 0;
    public const int ExitUsage = 2;
    public const int ExitPingFailed = 9;

    /// <summary>Runs the command with the console and the process's signals.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        using var signals = new CancellationTokenSource();
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true; // we hang up ourselves
            signals.Cancel();
        }
        using PosixSignalRegistration sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using PosixSignalRegistration sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        return await RunAsync(args, new DialEnvironment { Cancellation = signals.Token }).ConfigureAwait(false);
    }

    /// <summary>Runs the command in <paramref name="environment"/>. <paramref name="args"/> may start with "dial".</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, DialEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(environment);
        TextWriter output = environment.Output, error = environment.Error;
        IReadOnlyList<string> rest = args.Count > 0 && args[0] == "dial" ? args.Skip(1).ToArray() : args;
        DialArguments? parsed = DialArguments.TryParse(rest, out string? problem);
        if (parsed is null)
        {
            await error.WriteLineAsync($"pptpgw dial: {problem}\n{DialArguments.Usage}").ConfigureAwait(false);
            return ExitUsage;
        }
        IPAddress server;
        try
        {
            server = await ResolveAsync(parsed.Server).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            await error.WriteLineAsync($"pptpgw dial: cannot resolve '{parsed.Server}': {e.Message}").ConfigureAwait(false);
            return (int)PptpClientFailure.ConnectFailed;
        }

        var lines = new Lock();
        void Say(string line, bool important = false)
        {
            if (parsed.Quiet && !important)
                return;
            lock (lines)
            {
                output.WriteLine($"DIAL: {line}");
                output.Flush();
            }
        }
        var options = new PptpClientOptions
        {
            Server = server,
            Port = parsed.Port,
            UserName = parsed.User,
            Password = parsed.Password,
            AuthenticationProtocols = parsed.Authentication,
            Mppe = parsed.Mppe,
            Stateful = parsed.Stateful,
            SourceAddress = parsed.Source,
            ConnectTimeout = parsed.Timeout,
            InterfaceName = parsed.InterfaceName,
            Routes = parsed.Routes,
            Progress = line => Say(line),
            Log = parsed.Verbose ? line => { lock (lines) { output.WriteLine($"debug: {line}"); output.Flush(); } } : null,
        };
        if (environment.Configure is { } configure)
            options = configure(options);
        if (parsed.Calls > 1)
            return await MultiCallDial.RunAsync(parsed, environment, options, Say).ConfigureAwait(false);

        PptpClientSession session;
        try
        {
            session = await PptpClient.ConnectAsync(options, environment.Cancellation).ConfigureAwait(false);
        }
        catch (PptpClientException e)
        {
            return await FailAsync(e).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Say("down reason=interrupted before the call was established", important: true);
            return ExitOk;
        }

        await using (session.ConfigureAwait(false))
        {
            PptpClientLink link;
            try
            {
                link = await session.LinkUp.WaitAsync(environment.Cancellation).ConfigureAwait(false);
            }
            catch (PptpClientException e)
            {
                await session.HangUpAsync().ConfigureAwait(false);
                return await FailAsync(e).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                await session.HangUpAsync().ConfigureAwait(false);
                Say($"down reason={await session.Completion.ConfigureAwait(false)}", important: true);
                return ExitOk;
            }
            string dnsText = link.PrimaryDns is { } dns ? $" dns={dns}" : string.Empty;
            string authText = link.AuthenticationProtocol is { } a ? $" auth={a}" : string.Empty;
            Say(string.Create(CultureInfo.InvariantCulture,
                $"link up local={link.LocalAddress} remote={link.PeerAddress} {link.MppeText} interface={link.InterfaceName} mtu={link.Mtu}{dnsText}{authText}"),
                important: true);

            int exit = ExitOk;
            if (parsed.PingAddress is { } target)
            {
                exit = await PingAsync(target, parsed, environment, session, Say).ConfigureAwait(false);
            }
            else
            {
                Task wait = parsed.Duration is { } d ? Task.Delay(d, environment.Cancellation) : Task.Delay(Timeout.Infinite, environment.Cancellation);
                await Task.WhenAny(wait, session.Completion).ConfigureAwait(false);
            }

            if (session.Completion.IsCompleted)
            {
                // The server (or the network) ended the session before we did.
                string reason = await session.Completion.ConfigureAwait(false);
                Say($"down reason={reason}", important: true);
                await error.WriteLineAsync($"pptpgw dial: the tunnel went down: {reason}").ConfigureAwait(false);
                return (int)PptpClientFailure.LinkFailed;
            }
            await session.HangUpAsync(graceful: true).ConfigureAwait(false);
            PptpClientCounters c = session.Counters;
            Say(string.Create(CultureInfo.InvariantCulture,
                $"counters ip-out={c.IpPacketsFromTunnel} ip-in={c.IpPacketsToTunnel} gre-out={c.GrePacketsSent} gre-in={c.GrePacketsReceived} dropped={c.Dropped + c.MppeDropped}"));
            Say($"down reason={await session.Completion.ConfigureAwait(false)}", important: true);
            return exit;
        }

        async Task<int> FailAsync(PptpClientException e)
        {
            Say($"down reason={e.Message}", important: true);
            await error.WriteLineAsync($"pptpgw dial: {e.Message}").ConfigureAwait(false);
            return (int)e.Failure;
        }
    }

    private static async Task<int> PingAsync(IPAddress target, DialArguments parsed, DialEnvironment environment, PptpClientSession session,
        Action<string, bool> say)
    {
        int received = 0, sent = 0;
        double total = 0;
        for (int seq = 1; seq <= parsed.PingCount && !environment.Cancellation.IsCancellationRequested && !session.Completion.IsCompleted; seq++)
        {
            sent++;
            TimeSpan? rtt;
            try
            {
                rtt = await environment.Ping(target, TimeSpan.FromSeconds(2), environment.Cancellation).ConfigureAwait(false);
            }
            catch (Exception e) when (e is PingException or OperationCanceledException or SocketException)
            {
                say($"ping {target} seq={seq} error={e.Message}", false);
                continue;
            }
            if (rtt is { } t)
            {
                received++;
                total += t.TotalMilliseconds;
                say(string.Create(CultureInfo.InvariantCulture, $"ping reply from {target} seq={seq} time={t.TotalMilliseconds:0.###} ms"), false);
            }
            else
            {
                say(string.Create(CultureInfo.InvariantCulture, $"ping {target} seq={seq} no reply"), false);
            }
            if (seq < parsed.PingCount)
            {
                try
                {
                    await Task.Delay(parsed.PingInterval, environment.Cancellation).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        int loss = sent == 0 ? 100 : (sent - received) * 100 / sent;
        say(string.Create(CultureInfo.InvariantCulture,
            $"ping {target} sent={sent} received={received} loss={loss}% avg={(received == 0 ? 0 : total / received):0.###} ms"), true);
        return received > 0 ? ExitOk : ExitPingFailed;
    }

    private static async Task<IPAddress> ResolveAsync(string server)
    {
        if (IPAddress.TryParse(server, out IPAddress? address))
            return address;
        IPAddress[] addresses = await Dns.GetHostAddressesAsync(server, AddressFamily.InterNetwork).ConfigureAwait(false);
        return addresses.Length > 0 ? addresses[0] : throw new SocketException((int)SocketError.HostNotFound);
    }
}
