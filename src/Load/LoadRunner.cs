using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using PptpGw.Client;
using PptpGw.ControlPlane.Pools;
using PptpGw.ControlPlane.Ppp.Session;

namespace PptpGw.Load;

/// <summary>
/// One run of the load tool: sets up <see cref="LoadSettings.Sessions"/> sessions over
/// <see cref="LoadSettings.Tunnels"/> control connections, open loop (a start every 1/rate s) or closed loop (N set-ups in
/// flight), holds them, hangs every tunnel up cleanly, and returns the <see cref="LoadResult"/>.
/// </summary>
public sealed class LoadRunner
{
    private readonly LoadSettings _settings;
    private readonly LoadMetrics _metrics = new();
    private readonly ProcessSampler? _gateway;
    private readonly ProcessSampler _tool = new(Environment.ProcessId);
    private readonly List<TimelinePoint> _timeline = [];
    private readonly Stopwatch _clock = new();
    private readonly List<LoadCall> _upCalls = []; // every call that came up (LCP echo during the hold)
    private volatile string _stage = "starting";
    private long _started;
    private volatile bool _hangingUp;
    private ProcessSample? _lastGateway;
    private double _currentRate;
    private long _backlog, _maxBacklog, _startsDelayed, _dispatchStart;
    private volatile TrafficGenerator? _traffic;

    public LoadRunner(LoadSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Sessions <= 0 || settings.CallsPerTunnel <= 0)
            throw new ArgumentException("sessions and calls per tunnel must be positive", nameof(settings));
        _settings = settings;
        _gateway = settings.GatewayPid is { } pid ? new ProcessSampler(pid) : null;
    }

    /// <summary>The run's state now (for the live view; any thread).</summary>
    public LoadProgress Progress => new(_stage, _clock.Elapsed, _settings.Sessions, Interlocked.Read(ref _started), _metrics.Established,
        _metrics.Up, _metrics.InFlight, _metrics.Failed, Volatile.Read(ref _currentRate), _metrics.Failures, Volatile.Read(ref _lastGateway));

    /// <summary>Runs to the end (or until <paramref name="cancellationToken"/>, which skips to the hang-up).</summary>
    /// <exception cref="LoadSetupException">The run cannot start (descriptor budget, no raw socket).</exception>
    public async Task<LoadResult> RunAsync(CancellationToken cancellationToken = default)
    {
        LoadSettings s = _settings;
        if (FileDescriptorBudget.Check(s.Tunnels, s.Sessions, s.CallsPerTunnel) is { } tooMany)
            throw new LoadSetupException(tooMany);
        var sources = new SourceAddressPlan(s.Sources, s.SourceCount > 0 ? s.SourceCount : s.Tunnels);
        GreMux? mux = null;
        LoadDataPath? path = null;
        try
        {
            if (s.UsesWorker)
            {
                path = new LoadDataPath(Ipv4.FromIPAddress(s.Server), s.Sessions, s.Traffic,
                    s.Dpdk?.ForSources(sources.AddressOf(0), sources.Count, Ipv4.FromIPAddress(s.Server)));
                if (s.Traffic is { PacketsPerSecond: > 0 })
                    _traffic = path.Traffic;
            }
            else
                mux = new GreMux(s.Server, TimeSpan.FromMilliseconds(10));
        }
        catch (System.Net.Sockets.SocketException e)
        {
            throw new LoadSetupException($"cannot open the raw GRE socket ({e.SocketErrorCode}): the load tool needs root or CAP_NET_RAW");
        }
        catch (PptpGw.Dataplane.Ports.PortSetupException e) when (s.Dpdk is not null)
        {
            throw new LoadSetupException($"cannot open the DPDK transport ({e.Message})");
        }
        catch (PptpGw.Dataplane.Ports.PortSetupException e)
        {
            throw new LoadSetupException($"cannot open the raw GRE socket ({e.Message}): the load tool needs root or CAP_NET_RAW");
        }
        using (mux)
        using (path)
        {
            PppSessionOptions ppp = PptpClient.BuildPppOptions(new PptpClientOptions
            {
                Server = s.Server,
                UserName = s.UserName,
                Password = s.Password,
                AuthenticationProtocols = s.AuthenticationProtocols,
                Mppe = s.Mppe,
                Stateful = s.Stateful,
            }, s.PppTimeout);
            var tunnels = new LoadTunnel[s.Tunnels];
            for (int t = 0; t < tunnels.Length; t++)
                tunnels[t] = new LoadTunnel(s, Ipv4.ToIPAddress(sources.AddressOf(t)));

            ProcessSample? gatewayStart = _gateway?.TryRead();
            ProcessSample? toolStart = _tool.TryRead();
            var gatewayMax = new MaxTracker(gatewayStart);
            var toolMax = new MaxTracker(toolStart);
            _lastGateway = gatewayStart;
            string startedUtc = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
            _clock.Start();
            using var samplerStop = new CancellationTokenSource();
            Task sampler = SampleAsync(gatewayMax, toolMax, samplerStop.Token);

            // ---- set-up
            _stage = "set-up";
            long dispatchStart = Stopwatch.GetTimestamp();
            Volatile.Write(ref _dispatchStart, dispatchStart);
            // Open loop: a start is due every 1/rate s, but at most MaxInFlight set-ups are pending. When the gateway
            // cannot keep up, the schedule slips (the backlog, starts due and not made, is measured) rather than
            // piling up set-ups, connections and memory without bound.
            using var inFlight = new SemaphoreSlim(s.Rate > 0 ? s.MaxInFlight : s.Concurrency);
            var setups = new List<Task>(s.Sessions);
            for (int k = 0; k < s.Sessions && !cancellationToken.IsCancellationRequested; k++)
            {
                try
                {
                    if (s.Rate > 0)
                    {
                        TimeSpan due = TimeSpan.FromSeconds(k / s.Rate) - Stopwatch.GetElapsedTime(dispatchStart);
                        if (due > TimeSpan.FromMilliseconds(1))
                            await Task.Delay(due, cancellationToken).ConfigureAwait(false);
                        if (!inFlight.Wait(0))
                        {
                            _startsDelayed++;
                            await inFlight.WaitAsync(cancellationToken).ConfigureAwait(false);
                        }
                        long backlog = (long)Math.Min(s.Sessions, Stopwatch.GetElapsedTime(dispatchStart).TotalSeconds * s.Rate) - k;
                        Volatile.Write(ref _backlog, Math.Max(0, backlog));
                        RaiseMaxBacklog(backlog);
                    }
                    else
                    {
                        await inFlight.WaitAsync(cancellationToken).ConfigureAwait(false);
                    }
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                Interlocked.Increment(ref _started);
                _metrics.Started();
                // Open loop: latency from the start's scheduled time, not the moment it was made (no coordinated omission:
                // a start the back-pressure delayed counts its wait). Closed loop: from now.
                long scheduled = s.Rate > 0 ? dispatchStart + (long)(k / s.Rate * Stopwatch.Frequency) : Stopwatch.GetTimestamp();
                setups.Add(SetupOneAsync(tunnels[k / s.CallsPerTunnel], sources, mux, path, ppp, inFlight, Math.Min(scheduled, Stopwatch.GetTimestamp())));
            }
            double dispatchSeconds = Stopwatch.GetElapsedTime(dispatchStart).TotalSeconds;
            Volatile.Write(ref _backlog, -1); // dispatching is over: no backlog from now on
            await Task.WhenAll(setups).ConfigureAwait(false);
            (long firstUp, long lastUp) = _metrics.UpSpan;
            double setupSeconds = Stopwatch.GetElapsedTime(dispatchStart).TotalSeconds;
            double rampSeconds = lastUp > 0 ? Stopwatch.GetElapsedTime(dispatchStart, lastUp).TotalSeconds : setupSeconds;

            // ---- hold (with traffic, when asked: from every session that is up)
            _stage = "hold";
            var holdClock = Stopwatch.StartNew();
            bool traffic = path is not null && s.Traffic is { PacketsPerSecond: > 0 };
            ProcessSample? gatewayTrafficStart = traffic ? _gateway?.TryRead() : null;
            if (traffic)
            {
                await Task.Delay(200, CancellationToken.None).ConfigureAwait(false); // the last link-ups reach the generator
                path!.Traffic.Start();
            }
            // LCP echo: no request in the hold's last second(s), so every reply has time to come back before it is counted.
            TimeSpan echoGrace = s.LcpEchoInterval > TimeSpan.Zero ? TimeSpan.FromSeconds(Math.Min(2, s.Hold.TotalSeconds / 4)) : TimeSpan.Zero;
            using var echoStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            Task echoes = s.LcpEchoInterval > TimeSpan.Zero ? Task.Run(() => EchoAsync(s.LcpEchoInterval, echoStop.Token), CancellationToken.None) : Task.CompletedTask;
            try
            {
                await Task.Delay(s.Hold - echoGrace, cancellationToken).ConfigureAwait(false);
                await echoStop.CancelAsync().ConfigureAwait(false);
                await echoes.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                await Task.Delay(echoGrace, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
            await echoStop.CancelAsync().ConfigureAwait(false);
            await echoes.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            LcpEchoSummary? echoSummary = s.LcpEchoInterval > TimeSpan.Zero ? SummarizeEcho(s.LcpEchoInterval, echoGrace) : null;
            TrafficSummary? trafficSummary = null;
            if (traffic)
            {
                _stage = "traffic drain";
                ProcessSample? gatewayTrafficEnd = _gateway?.TryRead();
                double? cpu = gatewayTrafficStart is { } a && gatewayTrafficEnd is { } b ? b.CpuSeconds - a.CpuSeconds : null;
                trafficSummary = await Task.Run(() => path!.Traffic.StopAndSummarize(TimeSpan.FromSeconds(1), cpu), CancellationToken.None)
                    .ConfigureAwait(false);
            }
            double holdSeconds = holdClock.Elapsed.TotalSeconds;
            long upAtEnd = _metrics.Up;
            ProcessSample? gatewayHeld = _gateway?.TryRead();
            gatewayMax.Add(gatewayHeld);

            // ---- teardown
            _stage = "teardown";
            _hangingUp = true;
            var teardownClock = Stopwatch.StartNew();
            int clean = 0, unclean = 0, hangingUp = 0, hangingUpMax = 0;
            int tunnelsAtOnce = Math.Max(1, s.HangUpConcurrency / Math.Max(1, s.CallsPerTunnel));
            using (var hangUps = new SemaphoreSlim(tunnelsAtOnce))
            {
                await Task.WhenAll(tunnels.Select(async tunnel =>
                {
                    await hangUps.WaitAsync(CancellationToken.None).ConfigureAwait(false);
                    int now = Interlocked.Increment(ref hangingUp);
                    for (int seen = Volatile.Read(ref hangingUpMax); now > seen; seen = Volatile.Read(ref hangingUpMax))
                    {
                        if (Interlocked.CompareExchange(ref hangingUpMax, now, seen) == seen)
                            break;
                    }
                    try
                    {
                        if (!tunnel.IsConnected)
                            await tunnel.CloseAsync().ConfigureAwait(false);
                        else if (await tunnel.HangUpAsync(s.HangUpStepTimeout).ConfigureAwait(false))
                            Interlocked.Increment(ref clean);
                        else
                            Interlocked.Increment(ref unclean);
                    }
                    finally
                    {
                        Interlocked.Decrement(ref hangingUp);
                        hangUps.Release();
                    }
                })).ConfigureAwait(false);
            }
            double teardownSeconds = teardownClock.Elapsed.TotalSeconds;
            _stage = "done";
            await samplerStop.CancelAsync().ConfigureAwait(false);
            await sampler.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            gatewayMax.Add(_gateway?.TryRead());
            toolMax.Add(_tool.TryRead());

            long established = _metrics.Established;
            ProcessSummary? gateway = _gateway is null || gatewayStart is not { } gs ? null
                : gatewayMax.Summary(_gateway.Pid, gs, established, gatewayHeld);
            return new LoadResult
            {
                SessionsRequested = s.Sessions,
                SessionsEstablished = established,
                Tunnels = s.Tunnels,
                CallsPerTunnel = s.CallsPerTunnel,
                SourceAddresses = sources.Count,
                Mode = s.Rate > 0 ? "open" : "closed",
                TargetRatePerS = s.Rate > 0 ? s.Rate : null,
                OpenLoop = s.Rate > 0
                    ? new OpenLoopSummary(s.Rate, Math.Round(Interlocked.Read(ref _started) / Math.Max(1e-9, dispatchSeconds), 1), s.MaxInFlight,
                        Interlocked.Read(ref _maxBacklog), _startsDelayed)
                    : null,
                Concurrency = s.Rate > 0 ? null : s.Concurrency,
                Authentication = string.Join(',', s.AuthenticationProtocols),
                Mppe = s.Mppe.ToString(),
                SetupRatePerS = rampSeconds > 0 ? Math.Round(established / rampSeconds, 1) : 0,
                SetupSeconds = Math.Round(setupSeconds, 3),
                SetupLatencyMs = _metrics.Latency(),
                HoldSeconds = Math.Round(holdSeconds, 3),
                SessionsUpAtEndOfHold = upAtEnd,
                Teardown = new TeardownSummary(Math.Round(teardownSeconds, 3), clean, unclean)
                {
                    TunnelsAtOnceAllowed = tunnelsAtOnce,
                    TunnelsAtOnceMax = Volatile.Read(ref hangingUpMax),
                },
                LcpEcho = echoSummary,
                Failures = _metrics.Failures,
                Gateway = gateway,
                Tool = toolMax.Summary(Environment.ProcessId, toolStart, established, null),
                TrafficMeasured = trafficSummary is not null,
                ThroughputBps = trafficSummary is { } ts
                    ? new ThroughputSummary(Math.Round(ts.PacketsSent * (double)ts.PacketSize * 8 / ts.Seconds), Math.Round(ts.PacketsReceived * (double)ts.PacketSize * 8 / ts.Seconds))
                    : new ThroughputSummary(null, null),
                Loss = trafficSummary?.Loss,
                LatencyMs = trafficSummary is { } tl ? new TrafficLatency(tl.RoundTripMs.P50, tl.RoundTripMs.P99) : new TrafficLatency(null, null),
                DataPath = path is not null ? "worker" : "mux",
                SetupFrameShapes = _metrics.SetupShapes,
                Traffic = trafficSummary,
                ToolGre = path is not null ? ToolGreCounters(path) : mux is not null ? ToolGreCounters(mux) : null,
                Timeline = [.. _timeline],
                StartedUtc = startedUtc,
                LoadAverage = ReadLoadAverage(),
            };
        }
    }

    private async Task SetupOneAsync(LoadTunnel tunnel, SourceAddressPlan sources, GreMux? mux, LoadDataPath? path, PppSessionOptions ppp,
        SemaphoreSlim inFlight, long dispatched)
    {
        long started = Stopwatch.GetTimestamp();
        try
        {
            if (await tunnel.ConnectAsync().ConfigureAwait(false) is { } refused)
            {
                _metrics.SetupFailed(refused);
                return;
            }
            ushort callId = sources.NextCallId(tunnel.SourceAddress,
                id => mux?.IsRegistered(tunnel.SourceAddress, id) ?? path!.IsTaken(tunnel.SourceAddress, id));
            LoadCall call = mux is not null ? new LoadCall(mux, tunnel.SourceAddress, callId, dispatched)
                : new LoadCall(path!, tunnel.SourceAddress, callId, dispatched, _settings.ReceiveWindow);
            if (await tunnel.OpenCallAsync(call, ppp).ConfigureAwait(false) is { } failed)
            {
                _metrics.SetupFailed(failed);
                return;
            }
            _metrics.SetupSucceeded(call.DispatchTimestamp, call.UpTimestamp);
            _metrics.SetupShape(Stopwatch.GetElapsedTime(started, call.UpTimestamp) > TimeSpan.FromSeconds(2.5), call.FrameCounts);
            lock (_upCalls)
                _upCalls.Add(call);
            _ = WatchAsync(call);
        }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
        {
            _metrics.SetupFailed(new SetupFailure(SetupFailureKind.Local, SetupPhase.Connect, 0));
        }
        finally
        {
            inFlight.Release();
        }
    }

    /// <summary>
    /// The hold's LCP echo: one loop for every session (no timer per session), each tick sending to the next slice of the
    /// calls so that each call up sends one Echo-Request per <paramref name="interval"/>, spread evenly.
    /// </summary>
    private async Task EchoAsync(TimeSpan interval, CancellationToken stop)
    {
        LoadCall[] calls;
        lock (_upCalls)
            calls = [.. _upCalls];
        if (calls.Length == 0)
            return;
        TimeSpan tick = TimeSpan.FromMilliseconds(50);
        long start = Stopwatch.GetTimestamp();
        long sent = 0; // requests due so far, over all rounds
        while (!stop.IsCancellationRequested)
        {
            long due = (long)(Stopwatch.GetElapsedTime(start).TotalSeconds / interval.TotalSeconds * calls.Length);
            for (; sent < due && !stop.IsCancellationRequested; sent++)
                _ = calls[sent % calls.Length].SendLcpEchoRequest();
            try
            {
                await Task.Delay(tick, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private LcpEchoSummary SummarizeEcho(TimeSpan interval, TimeSpan grace)
    {
        long sent = 0, replies = 0, answered = 0;
        lock (_upCalls)
        {
            foreach (LoadCall call in _upCalls)
            {
                (int s, int r, int a) = call.EchoCounts;
                sent += s;
                replies += r;
                answered += a;
            }
        }
        return new LcpEchoSummary(interval.TotalSeconds, grace.TotalSeconds, sent, replies, Math.Max(0, sent - replies), answered);
    }

    private void RaiseMaxBacklog(long value)
    {
        long seen;
        while (value > (seen = Interlocked.Read(ref _maxBacklog)) && Interlocked.CompareExchange(ref _maxBacklog, value, seen) != seen)
        {
        }
    }

    /// <summary>
    /// Open loop, while dispatching: starts due by the target rate and not made yet, read now (also while the dispatcher
    /// waits for the in-flight bound), 0 once every start is made.
    /// </summary>
    private long CurrentBacklog()
    {
        long start = Volatile.Read(ref _dispatchStart);
        if (start == 0 || Volatile.Read(ref _backlog) < 0)
            return 0;
        long due = (long)Math.Min(_settings.Sessions, Stopwatch.GetElapsedTime(start).TotalSeconds * _settings.Rate);
        return Math.Max(0, due - Interlocked.Read(ref _started));
    }

    /// <summary>A session that goes down before the hang-up is a drop, counted by cause.</summary>
    private async Task WatchAsync(LoadCall call)
    {
        SetupFailure why = await call.Down.ConfigureAwait(false);
        if (_hangingUp)
            _metrics.Closed();
        else
            _metrics.Dropped(why);
    }

    private async Task SampleAsync(MaxTracker gatewayMax, MaxTracker toolMax, CancellationToken token)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        long lastEstablished = 0, lastReplies = 0;
        double lastSeconds = 0;
        ProcessSample? lastGateway = Volatile.Read(ref _lastGateway);
        try
        {
            while (await timer.WaitForNextTickAsync(token).ConfigureAwait(false))
            {
                double now = _clock.Elapsed.TotalSeconds;
                long established = _metrics.Established;
                double rate = (established - lastEstablished) / Math.Max(1e-3, now - lastSeconds);
                ProcessSample? gateway = _gateway?.TryRead();
                double? cpuPercent = gateway is { } g && lastGateway is { } lg ? Math.Round((g.CpuSeconds - lg.CpuSeconds) / (now - lastSeconds) * 100, 1) : null;
                gatewayMax.Add(gateway);
                toolMax.Add(_tool.TryRead());
                long replies = _traffic?.RepliesReceived ?? 0;
                long? backlogNow = _settings.Rate > 0 ? CurrentBacklog() : null;
                if (backlogNow is { } b)
                    RaiseMaxBacklog(b);
                lock (_timeline)
                    _timeline.Add(new TimelinePoint(Math.Round(now, 3), Math.Round(rate, 1), (int)_metrics.Up, (int)_metrics.InFlight, _metrics.Failed,
                        gateway?.RssBytes, cpuPercent)
                    {
                        Backlog = backlogNow,
                        TrafficRepliesPerSecond = _traffic is not null ? Math.Round((replies - lastReplies) / Math.Max(1e-3, now - lastSeconds), 1) : null,
                    });
                lastReplies = replies;
                Volatile.Write(ref _currentRate, rate);
                Volatile.Write(ref _lastGateway, gateway);
                lastEstablished = established;
                lastSeconds = now;
                lastGateway = gateway ?? lastGateway;
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>The worker's packet counters and non-zero drops by reason, and the outside socket's (snake_case keys).</summary>
    private static Dictionary<string, long> ToolGreCounters(LoadDataPath path)
    {
        PptpGw.Dataplane.Workers.DataplaneCounters c = path.Counters;
        (long received, long sent, long rxErrors, long txErrors, long txWouldBlock, long noBuffers) = path.Outside?.Counters ?? default;
        (long unclaimed, long installFailures) = path.Diagnostics;
        var d = new Dictionary<string, long>
        {
            ["socket_received"] = received, ["socket_sent"] = sent, ["socket_receive_errors"] = rxErrors, ["socket_send_errors"] = txErrors,
            ["socket_send_would_block"] = txWouldBlock, ["socket_no_buffers"] = noBuffers,
            ["control_frames_up"] = (long)c.Traffic.ControlFramesUp, ["control_frames_down"] = (long)c.Traffic.ControlFramesDown,
            ["acks_sent"] = (long)c.Traffic.AcknowledgmentsSent, ["unclaimed_control_frames"] = unclaimed, ["install_failures"] = installFailures,
        };
        foreach (PptpGw.Dataplane.Workers.DataplaneDropReason reason in Enum.GetValues<PptpGw.Dataplane.Workers.DataplaneDropReason>())
        {
            ulong n = c[reason];
            if (n > 0)
                d["drop_" + System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(reason.ToString())] = (long)n;
        }
        return d;
    }

    private static Dictionary<string, long> ToolGreCounters(GreMux mux)
    {
        (long received, long unknown, long malformed, long sent, long sendErrors) = mux.Counters;
        return new Dictionary<string, long>
        {
            ["socket_received"] = received, ["unknown_call"] = unknown, ["malformed"] = malformed, ["socket_sent"] = sent, ["socket_send_errors"] = sendErrors,
        };
    }

    private static string? ReadLoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>The largest RSS and descriptor count seen, and the last CPU reading.</summary>
    private sealed class MaxTracker
    {
        private readonly Lock _gate = new();
        private long _rss;
        private int _fds;
        private double _cpu;

        public MaxTracker(ProcessSample? start) => Add(start);

        public void Add(ProcessSample? sample)
        {
            if (sample is not { } s)
                return;
            lock (_gate)
            {
                _rss = Math.Max(_rss, s.RssBytes);
                _fds = Math.Max(_fds, s.FileDescriptors);
                _cpu = Math.Max(_cpu, s.CpuSeconds);
            }
        }

        /// <summary>CPU seconds over the run; RSS per session = (RSS while holding − RSS at start) / sessions established.</summary>
        public ProcessSummary Summary(int pid, ProcessSample? start, long established, ProcessSample? held)
        {
            lock (_gate)
            {
                long startRss = start?.RssBytes ?? 0;
                double? perSession = held is { } h && start is not null && established > 0 ? Math.Round((double)(h.RssBytes - startRss) / established, 1) : null;
                return new ProcessSummary(pid, startRss, _rss, Math.Round(_cpu - (start?.CpuSeconds ?? 0), 2), _fds, perSession);
            }
        }
    }
}
