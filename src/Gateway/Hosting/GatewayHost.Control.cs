using System.Collections.Immutable;
using System.Globalization;
using PptpGw.ControlPlane.Admin;
using PptpGw.ControlPlane.Config;
using PptpGw.ControlPlane.Logging;
using PptpGw.ControlPlane.Pools;

namespace PptpGw.Gateway.Hosting;

/// <summary>
/// The gateway's own life beyond start and stop: configuration reload (SIGHUP, admin <c>reload</c>) and
/// <c>shutdown [soft [SECONDS]|hard]</c> with the state they leave it in (<see cref="IGatewayControl"/>).
/// </summary>
public sealed partial class GatewayHost
{
    /// <summary>How often a soft shutdown looks whether the last session has ended.</summary>
    public static readonly TimeSpan DrainPollInterval = TimeSpan.FromMilliseconds(500);

    private readonly TimeProvider _time;
    private readonly TaskCompletionSource _stopRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _reloadGate = new(1, 1);
    private GatewayConfig _config;
    private readonly GatewayConfig _startedConfig;
    private int _state = (int)GatewayRunState.Starting;
    private ITimer? _drainTimer;
    private DateTimeOffset? _drainDeadline;

    /// <inheritdoc/>
    public GatewayRunState State => (GatewayRunState)Volatile.Read(ref _state);

    /// <inheritdoc/>
    public int LiveSessions => Orchestrator.LiveCalls;

    /// <inheritdoc/>
    public DateTimeOffset? DrainDeadline
    {
        get { lock (_stateLock) return _drainDeadline; }
    }

    /// <summary>Completes once the gateway has stopped (after <see cref="StopAsync"/>, or a <c>shutdown</c>).</summary>
    public Task Stopped => _stopRequested.Task;

    private void SetState(GatewayRunState state) => Volatile.Write(ref _state, (int)state);

    /// <inheritdoc/>
    public ShutdownResult Shutdown(ShutdownMode mode, TimeSpan? deadline)
    {
        if (mode == ShutdownMode.Cancel)
            return CancelSoftShutdown();
        int sessions = Orchestrator.LiveCalls;
        lock (_stateLock)
        {
            if (_stopping is not null || State == GatewayRunState.Stopping || State == GatewayRunState.Stopped)
                return new ShutdownResult(GatewayRunState.Stopping, sessions, null, AlreadyStopping: true);
            if (mode == ShutdownMode.Soft && State == GatewayRunState.Draining)
                return new ShutdownResult(GatewayRunState.Draining, sessions, _drainDeadline, AlreadyStopping: true);
            if (mode == ShutdownMode.Soft)
            {
                _drainDeadline = deadline is { } d ? _time.GetUtcNow() + d : null;
                SetState(GatewayRunState.Draining);
            }
        }
        if (mode == ShutdownMode.Hard)
        {
            Log.Write(PixSeverity.Notification, string.Create(CultureInfo.InvariantCulture, $"shutdown: stopping now, {sessions} sessions end"));
            // The admin answer goes out first; then the stop (which closes the admin socket) begins.
            _ = Task.Run(async () =>
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), _time).ConfigureAwait(false);
                await StopAsync().ConfigureAwait(false);
            });
            return new ShutdownResult(GatewayRunState.Stopping, sessions, null, AlreadyStopping: false);
        }
        // accel-ppp's "shutdown soft": no new tunnels (the listening socket closes) and no new calls on the tunnels up;
        // the sessions end when their users hang up (or are cleared), and the gateway stops after the last.
        Orchestrator.BeginDrain();
        _ = Listener.StopAcceptingAsync().AsTask();
        DateTimeOffset? at = DrainDeadline;
        Log.Write(PixSeverity.Notification, string.Create(CultureInfo.InvariantCulture,
            $"shutdown soft: no new tunnels or calls; stopping when the last of {sessions} sessions ends{(at is { } t ? $" or at {t:u}" : "")}"));
        lock (_stateLock)
            _drainTimer = _time.CreateTimer(_ => CheckDrained(), null, DrainPollInterval, DrainPollInterval);
        return new ShutdownResult(GatewayRunState.Draining, sessions, at, AlreadyStopping: false);
    }

    /// <summary>
    /// <c>shutdown cancel</c>: the drain ends before the gateway stops. The drain timer goes, new calls are admitted and the
    /// listening socket is opened again on the address it had (clients refused meanwhile simply retry).
    /// </summary>
    private ShutdownResult CancelSoftShutdown()
    {
        int sessions = Orchestrator.LiveCalls;
        lock (_stateLock)
        {
            if (_stopping is not null || State is GatewayRunState.Stopping or GatewayRunState.Stopped)
                return new ShutdownResult(GatewayRunState.Stopping, sessions, null, AlreadyStopping: true);
            if (State != GatewayRunState.Draining)
                return new ShutdownResult(State, sessions, null, AlreadyStopping: true);
            _drainTimer?.Dispose();
            _drainTimer = null;
            _drainDeadline = null;
            Orchestrator.EndDrain();
            SetState(GatewayRunState.Running);
        }
        _ = ResumeListeningAsync();
        Log.Write(PixSeverity.Notification, string.Create(CultureInfo.InvariantCulture,
            $"shutdown cancel: the soft shutdown is cancelled; accepting new tunnels and calls again ({sessions} sessions up)"));
        return new ShutdownResult(GatewayRunState.Running, sessions, null, AlreadyStopping: false);
    }

    private async Task ResumeListeningAsync()
    {
        try
        {
            if (!await Listener.ResumeAcceptingAsync().ConfigureAwait(false))
                Log.Write(PixSeverity.Warning, "shutdown cancel: the listener is stopping; not listening again");
        }
        catch (System.Net.Sockets.SocketException e)
        {
            Log.Write(PixSeverity.Error, $"shutdown cancel: cannot listen again on {Listener.LocalEndPoint}: {e.Message}");
        }
    }

    private void CheckDrained()
    {
        int live = Orchestrator.LiveCalls;
        DateTimeOffset? deadline = DrainDeadline;
        bool expired = deadline is { } d && _time.GetUtcNow() >= d;
        if (live > 0 && !expired)
            return;
        lock (_stateLock)
        {
            if (_stopping is not null || State != GatewayRunState.Draining)
                return; // stopping already, or the drain was cancelled (shutdown cancel) after this tick began
        }
        Log.Write(PixSeverity.Notification, live == 0
            ? "shutdown soft: the last session ended; stopping"
            : string.Create(CultureInfo.InvariantCulture, $"shutdown soft: deadline reached with {live} sessions up; stopping them"));
        _ = StopAsync();
    }

    /// <inheritdoc/>
    /// <remarks>
    /// The file is read and validated like <c>pptpgw check</c> (with <see cref="StartupChecks"/>): any error, and
    /// nothing changes. Otherwise <see cref="ConfigReloadPlanner"/> sorts the differences and each live one is applied
    /// here: the pool resized in place (refused when it would drop a held address), users and authentication servers
    /// for new calls, the group's settings and the limits for new calls and tunnels, the log sinks and message levels.
    /// Live sessions keep what they negotiated. One reload at a time.
    /// </remarks>
    public async Task<ConfigReloadReport> ReloadAsync(CancellationToken cancellationToken)
    {
        string? path = _options.ConfigPath;
        if (path is null)
            return Finish(ConfigReloadReport.Unavailable("-", "the gateway was started without a configuration file"));
        await _reloadGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            lock (_stateLock)
            {
                if (_stopping is not null)
                    return Finish(ConfigReloadReport.Unavailable(path, "the gateway is stopping"));
            }
            ConfigParseResult parsed = PixConfigParser.ParseFile(path);
            ImmutableArray<ConfigDiagnostic> diagnostics = parsed.Diagnostics;
            if (parsed.Config is not { } candidate)
                return Finish(new ConfigReloadReport(ConfigReloadOutcome.Invalid, path, [], diagnostics));
            IReadOnlyList<ConfigDiagnostic> refusals = StartupChecks.Errors(candidate, path);
            if (refusals.Count > 0)
                return Finish(new ConfigReloadReport(ConfigReloadOutcome.Invalid, path, [], [.. diagnostics, .. refusals]));

            GatewayConfig running = Config;
            ConfigReloadPlan plan = ConfigReloadPlanner.Plan(running, candidate, _startedConfig);
            if (plan.Changes.IsEmpty)
                return Finish(new ConfigReloadReport(ConfigReloadOutcome.Unchanged, path, [], diagnostics));
            (GatewayConfig effective, ImmutableArray<ConfigChange> changes) = Apply(running, plan);
            Volatile.Write(ref _config, effective);
            Orchestrator.Reconfigure(effective);
            return Finish(new ConfigReloadReport(ConfigReloadOutcome.Applied, path, changes, diagnostics));
        }
        finally
        {
            _reloadGate.Release();
        }
    }

    /// <summary>Applies the live changes of <paramref name="plan"/>; a change that cannot be applied now becomes Refused and its running value stays.</summary>
    private (GatewayConfig Effective, ImmutableArray<ConfigChange> Changes) Apply(GatewayConfig running, ConfigReloadPlan plan)
    {
        GatewayConfig effective = plan.Effective;
        var changes = ImmutableArray.CreateBuilder<ConfigChange>(plan.Changes.Length);
        foreach (ConfigChange change in plan.Changes)
        {
            if (change.Disposition != ReloadDisposition.Applied)
            {
                changes.Add(change);
                continue;
            }
            switch (change.Kind)
            {
                case ConfigChangeKind.Pool:
                    {
                        string name = running.DialinGroup!.AddressPool!;
                        PoolConfig target = effective.FindPool(name)!;
                        PoolResizeResult resized = Pool!.TryResize(target.Ranges);
                        if (!resized.Resized)
                        {
                            effective = ConfigReloadPlanner.KeepPool(effective, running.FindPool(name)!);
                            changes.Add(change with
                            {
                                Disposition = ReloadDisposition.Refused,
                                Detail = string.Create(CultureInfo.InvariantCulture,
                                    $"{name}: the new ranges drop {resized.HeldAddresses.Length} address(es) held by live sessions ({string.Join(", ", resized.HeldAddresses.Take(8).Select(Ipv4.Format))}); pool kept as it was"),
                            });
                            continue;
                        }
                        // The new prefixes are routed into the inside device like those of the start; a shrink's prefixes
                        // that no longer belong to the pool go (after, so a held address is never without a route).
                        if (_options.InstallInsideRoutes && Dataplanes.InsideDeviceName(Dataplane) is { } device)
                        {
                            foreach (string failure in InsideRoutes.Install(device, InsideRoutes.Prefixes(target.Ranges)))
                                Log.Write(PixSeverity.Warning, failure);
                            foreach (string failure in InsideRoutes.Remove(device, InsideRoutes.Stale(running.FindPool(name)!.Ranges, target.Ranges)))
                                Log.Write(PixSeverity.Warning, failure);
                        }
                        changes.Add(change);
                        continue;
                    }
                case ConfigChangeKind.AuthenticationServers:
                    if (Aaa.ReconfigureAuthentication(effective, effective.DialinGroup!) is { } failure2)
                    {
                        effective = ConfigReloadPlanner.KeepAuthentication(effective, running);
                        changes.Add(change with { Disposition = ReloadDisposition.Refused, Detail = failure2 + "; authentication kept as it was" });
                        continue;
                    }
                    changes.Add(change);
                    continue;
                default:
                    changes.Add(change);
                    continue;
            }
        }
        ImmutableArray<ConfigChange> applied = changes.ToImmutable();
        bool authRebuilt = applied.Any(c => c is { Kind: ConfigChangeKind.AuthenticationServers, Disposition: ReloadDisposition.Applied });
        // Users and strip-domain live in the local authenticator: rebuilt (cheap) unless the step above already did. A
        // RADIUS or TACACS+ client is not recreated for them (users are local only; only TACACS+ reads a group setting,
        // its MPPE policy), so its request ids, server states and statistics go on.
        VpdnGroupConfig dialin = effective.DialinGroup!;
        bool local = dialin.AuthenticationSource == ClientAuthenticationSource.Local;
        bool tacacs = !local && dialin.AuthenticationServerGroup is { } authName && effective.Aaa.FindGroup(authName)?.Protocol == AaaProtocol.TacacsPlus;
        bool usersChanged = applied.Any(c => c is { Kind: ConfigChangeKind.Users, Disposition: ReloadDisposition.Applied });
        bool settingsChanged = applied.Any(c => c is { Kind: ConfigChangeKind.GroupSettings, Disposition: ReloadDisposition.Applied });
        if (!authRebuilt && ((local && (usersChanged || settingsChanged)) || (tacacs && settingsChanged)))
            Aaa.ReconfigureAuthentication(effective, dialin);
        if (applied.Any(c => c is { Kind: ConfigChangeKind.Logging, Disposition: ReloadDisposition.Applied }))
            _sinks = _sinks?.Replace(effective, _options, _time);
        if (applied.Any(c => c.Kind is ConfigChangeKind.Limits or ConfigChangeKind.GroupSettings && c.Disposition == ReloadDisposition.Applied))
        {
            ConnectionLimitConfig? perSource = effective.Gateway.ConnectionLimit;
            Listener.Reconfigure(Math.Min(effective.Gateway.MaxControlConnections, FileDescriptors?.ConnectionBudget ?? int.MaxValue),
                perSource is null ? null : (perSource.Burst, perSource.Interval), ConnectionOptions(effective, effective.DialinGroup!, _options));
        }
        return (effective, applied);
    }

    /// <summary>Logs the report line by line and counts it (<c>pptpgw_reloads_total</c>).</summary>
    private ConfigReloadReport Finish(ConfigReloadReport report)
    {
        PixSeverity severity = report.Outcome is ConfigReloadOutcome.Applied or ConfigReloadOutcome.Unchanged ? PixSeverity.Notification : PixSeverity.Warning;
        foreach (string line in report.Render().Split('\n', StringSplitOptions.RemoveEmptyEntries))
            Log.Write(severity, line.Trim());
        Metrics?.Reloaded(report.Outcome is ConfigReloadOutcome.Applied or ConfigReloadOutcome.Unchanged);
        return report;
    }
}
