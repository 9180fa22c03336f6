using System.Globalization;
using System.Net;

namespace PptpGw.Client;

/// <summary>
/// <c>pptpgw dial --calls N</c>: N calls on one control connection (RFC 2637 §3.2), their GRE on one socket
/// (<see cref="GreDemultiplexer"/>), each with its own PPP session and an in-memory tunnel interface (N kernel TUNs would
/// all point at the same peer address). <c>--ping</c> pings the server's tunnel address through every call with ICMP
/// generated in the process. The end is one Stop-Control-Connection-Request, which clears every call (§2.3).
/// </summary>
internal static class MultiCallDial
{
    /// <summary>Calls placed at once while dialling (the server answers each OCRQ in turn).</summary>
    private const int InFlight = 32;

    public static async Task<int> RunAsync(DialArguments parsed, DialEnvironment environment, PptpClientOptions options, Action<string, bool> say)
    {
        TextWriter error = environment.Error;
        CancellationToken cancel = environment.Cancellation;
        options = options with
        {
            // An interface factory from the environment (tests) wins; otherwise memory interfaces.
            InterfaceFactory = options.InterfaceFactory ?? (settings => new MemoryTunnelInterface(settings)),
            Progress = null,
        };
        PptpTunnel tunnel;
        try
        {
            tunnel = await PptpTunnel.OpenAsync(options.ToTunnelOptions(), cancel).ConfigureAwait(false);
        }
        catch (PptpClientException e)
        {
            return await FailAsync(e).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            say("down reason=interrupted before the control connection was up", true);
            return DialCommand.ExitOk;
        }
        await using (tunnel.ConfigureAwait(false))
        {
            say(tunnel.ServerHostName is { } host ? $"control connection up server={host}" : "control connection up", false);
            GreDemultiplexer gre;
            try
            {
                gre = new GreDemultiplexer(PptpClient.OpenGre(options, tunnel));
            }
            catch (PptpClientException e)
            {
                return await FailAsync(e).ConfigureAwait(false);
            }
            using (gre)
            {
                var sessions = new PptpClientSession?[parsed.Calls];
                var links = new PptpClientLink?[parsed.Calls];
                var failures = new PptpClientException?[parsed.Calls];
                await Parallel.ForAsync(0, parsed.Calls, new ParallelOptions { MaxDegreeOfParallelism = InFlight, CancellationToken = CancellationToken.None },
                    async (i, _) =>
                    {
                        try
                        {
                            PptpClientSession session = await PptpClient.DialOnTunnelAsync(tunnel, gre,
                                options with { InterfaceName = string.Create(CultureInfo.InvariantCulture, $"{parsed.InterfaceName}.{i}") }, cancel)
                                .ConfigureAwait(false);
                            sessions[i] = session;
                            links[i] = await session.LinkUp.WaitAsync(cancel).ConfigureAwait(false);
                        }
                        catch (PptpClientException e)
                        {
                            failures[i] = e;
                        }
                        catch (OperationCanceledException)
                        {
                        }
                    }).ConfigureAwait(false);

                int up = 0;
                for (int i = 0; i < parsed.Calls; i++)
                {
                    if (links[i] is not { } link)
                        continue;
                    up++;
                    string auth = link.AuthenticationProtocol is { } a ? $" auth={a}" : string.Empty;
                    say(string.Create(CultureInfo.InvariantCulture,
                        $"call {i} link up call-id={sessions[i]!.CallId} local={link.LocalAddress} remote={link.PeerAddress} {link.MppeText}{auth}"), false);
                }
                PptpClientException? firstFailure = failures.FirstOrDefault(f => f is not null);
                say(string.Create(CultureInfo.InvariantCulture, $"calls up={up}/{parsed.Calls} tunnel-calls={tunnel.ActiveCalls}")
                    + (firstFailure is null ? string.Empty : $" first-failure={firstFailure.Message}"), true);

                int exit = firstFailure is null ? DialCommand.ExitOk : (int)firstFailure.Failure;
                if (up > 0 && !cancel.IsCancellationRequested)
                {
                    if (parsed.PingAddress is not null)
                    {
                        int answered = await PingEachAsync(parsed, sessions, links, say).ConfigureAwait(false);
                        if (answered < up && exit == DialCommand.ExitOk)
                            exit = DialCommand.ExitPingFailed;
                    }
                    else
                    {
                        Task wait = parsed.Duration is { } d ? Task.Delay(d, cancel) : Task.Delay(Timeout.Infinite, cancel);
                        await Task.WhenAny(wait, tunnel.Closed).ConfigureAwait(false);
                    }
                }
                if (tunnel.Closed.IsCompleted)
                {
                    PptpTunnelEnd end = await tunnel.Closed.ConfigureAwait(false);
                    say($"down reason={end.Detail}", true);
                    await error.WriteLineAsync($"pptpgw dial: the tunnel went down: {end.Detail}").ConfigureAwait(false);
                    exit = (int)PptpClientFailure.LinkFailed;
                }
                // One StopCCRQ ends every call (RFC 2637 §2.3).
                await tunnel.StopAsync().ConfigureAwait(false);
                long ipOut = 0, ipIn = 0, greOut = 0, greIn = 0, dropped = 0;
                foreach (PptpClientSession? session in sessions)
                {
                    if (session is null)
                        continue;
                    await session.Completion.ConfigureAwait(false);
                    PptpClientCounters c = session.Counters;
                    (ipOut, ipIn, greOut, greIn, dropped) = (ipOut + c.IpPacketsFromTunnel, ipIn + c.IpPacketsToTunnel, greOut + c.GrePacketsSent,
                        greIn + c.GrePacketsReceived, dropped + c.Dropped + c.MppeDropped);
                    await session.DisposeAsync().ConfigureAwait(false);
                }
                say(string.Create(CultureInfo.InvariantCulture,
                    $"counters ip-out={ipOut} ip-in={ipIn} gre-out={greOut} gre-in={greIn} dropped={dropped} gre-unknown-call={gre.UnknownCallPackets}"), false);
                if (exit == DialCommand.ExitOk || exit == DialCommand.ExitPingFailed)
                    say($"down reason=user request calls={up}", true);
                if (firstFailure is not null)
                    await error.WriteLineAsync($"pptpgw dial: {parsed.Calls - up} of {parsed.Calls} calls failed; first: {firstFailure.Message}").ConfigureAwait(false);
                return exit;
            }
        }

        async Task<int> FailAsync(PptpClientException e)
        {
            say($"down reason={e.Message}", true);
            await error.WriteLineAsync($"pptpgw dial: {e.Message}").ConfigureAwait(false);
            return (int)e.Failure;
        }
    }

    /// <summary>Pings through every call that came up (<c>--count</c> each, a few calls at a time); returns the calls that got every reply.</summary>
    private static async Task<int> PingEachAsync(DialArguments parsed, PptpClientSession?[] sessions, PptpClientLink?[] links, Action<string, bool> say)
    {
        int answered = 0, sent = 0, received = 0;
        await Parallel.ForAsync(0, sessions.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, (i, _) =>
        {
            if (sessions[i]?.Interface is not MemoryTunnelInterface tunnel || links[i] is not { } link)
                return ValueTask.CompletedTask;
            int got = 0;
            for (int seq = 1; seq <= parsed.PingCount; seq++)
            {
                Interlocked.Increment(ref sent);
                if (IcmpEcho.Ping(tunnel, link.LocalAddress, parsed.PingAddress!, (ushort)(0x7000 + i), (ushort)seq, TimeSpan.FromSeconds(2)) is not null)
                    got++;
            }
            Interlocked.Add(ref received, got);
            if (got == parsed.PingCount)
                Interlocked.Increment(ref answered);
            return ValueTask.CompletedTask;
        }).ConfigureAwait(false);
        IPAddress target = parsed.PingAddress!;
        int loss = sent == 0 ? 100 : (sent - received) * 100 / sent;
        say(string.Create(CultureInfo.InvariantCulture,
            $"ping {target} through each call: calls={answered}/{sessions.Count(s => s is not null)} sent={sent} received={received} loss={loss}%"), true);
        return answered;
    }
}
