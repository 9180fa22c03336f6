using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Reflection;
using PptpGw.ControlPlane.Admin;
using PptpGw.ControlPlane.Config;
using PptpGw.ControlPlane.Logging;
using PptpGw.ControlPlane.Pools;
using PptpGw.ControlPlane.Ppp.Auth;
using PptpGw.ControlPlane.Pptp;
using PptpGw.ControlPlane.Pptp.Connection;
using PptpGw.Dataplane.Control;
using PptpGw.Dataplane.Sessions;
using PptpGw.Gateway.Aaa;
using PptpGw.Gateway.Metrics;
using PptpGw.Gateway.Orchestration;

namespace PptpGw.Gateway.Hosting;

/// <summary>
/// The running gateway: log sinks, address pool, authenticator, dataplane, the call orchestrator, the PPTP listener
/// (TCP 1723) and the admin socket, built from a validated <see cref="GatewayConfig"/>.
/// </summary>
/// <remarks>
/// Life: <see cref="Create"/> builds everything (and the dataplane) and throws <see cref="GatewayStartupException"/>
/// for what the operator must fix; <see cref="Start"/> binds the sockets; <see cref="StopAsync"/> refuses new calls,
/// sends Stop-Control-Connection-Request to every peer (RFC 2637 §2.3, reason Stop-Local-Shutdown), ends every PPP
/// session (their pool addresses go back), closes the admin socket and the dataplane.
/// </remarks>
public sealed partial class GatewayHost : IAsyncDisposable, IGatewayControl
{
    private readonly GatewayHostOptions _options;
    private ConfiguredLogSinks? _sinks;
    private AdminServer? _admin;
    private readonly Lock _stateLock = new();
    private Task? _stopping;
    private bool _started;
    private InstanceLock? _instanceLock;
    private int _hangups;

    private GatewayHost(GatewayConfig config, GatewayHostOptions options, GatewayLog log, IpLocalPool? pool,
        CallOrchestrator orchestrator, IDataplaneControl dataplane, PptpListener listener, string? adminPath, GatewayAaa aaa, TimeProvider time)
    {
        Aaa = aaa;
        _config = config;
        _startedConfig = config;
        _options = options;
        _time = time;
        Log = log;
        Pool = pool;
        Orchestrator = orchestrator;
        Dataplane = dataplane;
        Listener = listener;
        AdminSocketPath = adminPath;
    }

    /// <summary>The configuration the gateway runs (a reload replaces it with what it applied, <see cref="ReloadAsync"/>).</summary>
    public GatewayConfig Config => Volatile.Read(ref _config);

    /// <summary>The log every component writes to; the debug classes live here.</summary>
    public GatewayLog Log { get; }

    /// <summary>The vpdn group that accepts PPTP dial-in.</summary>
    public VpdnGroupConfig Group => Config.DialinGroup!;

    /// <summary>Authentication backends, accounting, Session-Timeout and dynamic authorization of the group.</summary>
    public GatewayAaa Aaa { get; }

    /// <summary>The group's address pool, or null.</summary>
    public IpLocalPool? Pool { get; }

    /// <summary>Calls, PPP sessions, <c>show vpdn</c>.</summary>
    public CallOrchestrator Orchestrator { get; }

    /// <summary>The dataplane.</summary>
    public IDataplaneControl Dataplane { get; }

    /// <summary>The PPTP listener.</summary>
    public PptpListener Listener { get; }

    /// <summary>Where PPTP is accepted (the real port once started).</summary>
    public IPEndPoint? PptpEndPoint => Listener.LocalEndPoint;

    /// <summary>The admin socket path, or null without one.</summary>
    public string? AdminSocketPath { get; }

    private static int s_instances;
    private IPEndPoint? _metricsEndPoint;
    private PrometheusEndpoint? _prometheus;

    /// <summary>The instruments (null without <c>gateway metrics</c>).</summary>
    public GatewayMetrics? Metrics { get; private set; }

    /// <summary>The Prometheus scrape URL once started (null without <c>gateway metrics</c>).</summary>
    public Uri? MetricsUrl => _prometheus?.Url;

    /// <summary>The open-file limit the control-connection limit was derived from; null where the platform has none.</summary>
    public FileDescriptorLimits? FileDescriptors { get; private set; }

    /// <summary>"pptpgw 1.0.0 (.NET 10.0.0)".</summary>
    public static string VersionText =>
        $"pptpgw {typeof(GatewayHost).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "dev"} ({System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription})";

    /// <summary>Builds the gateway for <paramref name="config"/>.</summary>
    /// <exception cref="GatewayStartupException">Something the operator must fix (no dial-in group, an AAA backend this build lacks, no
    /// dataplane), or another gateway owns the admin socket or the pool (<see cref="InstanceLock"/>): then nothing of
    /// that gateway (its socket file, TUN device, routes) is touched.</exception>
    public static GatewayHost Create(GatewayConfig config, GatewayHostOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        options ??= new GatewayHostOptions();
        // First of all, before a TUN device, a route or a socket exists: one gateway per admin socket (issue 9 item 7).
        InstanceLock? instanceLock = options.EnableAdminSocket
            ? InstanceLock.Acquire(options.AdminSocketPath ?? config.Gateway.AdminSocketPath)
            : null;
        try
        {
            GatewayHost host = CreateCore(config, options);
            host._instanceLock = instanceLock;
            return host;
        }
        catch
        {
            instanceLock?.Dispose();
            throw;
        }
    }

    private static GatewayHost CreateCore(GatewayConfig config, GatewayHostOptions options)
    {
        TimeProvider time = options.TimeProvider ?? TimeProvider.System;
        var log = new GatewayLog(time);
        foreach (ILogSink sink in options.LogSinks)
            log.AddSink(sink);
        ConfiguredLogSinks sinks = ConfiguredLogSinks.Add(log, config, options, time);

        VpdnGroupConfig group = config.DialinGroup
            ?? throw new GatewayStartupException("no 'vpdn group NAME accept dialin pptp' line: nothing to serve");
        GatewayAaa aaa = GatewayAaa.Create(config, group, log, time, options.Aaa);
        IPppAuthenticator authenticator = aaa.Authenticator;
        IPEndPoint? metricsEndPoint = options.MetricsEndPoint ?? config.Gateway.MetricsEndPoint;
        GatewayMetrics? metrics = null;
        var metricSources = new MetricSourceSlots();
        if (metricsEndPoint is not null)
        {
            // The orchestrator wraps each call's authenticator (MeasuredAuthenticator) once it has the metrics.
            metrics = new GatewayMetrics(metricSources.ToSources(), GatewayMetrics.DefaultMeterName + "." + Interlocked.Increment(ref s_instances));
        }
        IpLocalPool? pool = group.AddressPool is { } poolName
            ? config.FindPool(poolName)?.CreatePool() ?? throw new GatewayStartupException($"vpdn group {group.Name}: unknown pool '{poolName}'")
            : null;
        // Another gateway (with its own admin socket) serving the same pool: its routes point into its TUN device, and
        // 'ip route replace' would move them into ours - and the kernel would drop them when ours went away.
        if (pool is not null && options.InstallInsideRoutes && options.Dataplane is null && config.Gateway.Dataplane == DataplaneBackend.Kernel
            && InsideRoutes.ForeignTunRoutes(pool.Ranges) is { Count: > 0 } taken)
        {
            throw new GatewayStartupException($"pool {pool.Name} is already routed into another TUN device ({string.Join(", ", taken)}): " +
                "another gateway serves it; not starting, and its routes were left alone");
        }

        IPEndPoint listen = options.ListenEndPoint ?? DefaultListenEndPoint(config, log);
        PptpConnectionOptions connection = ConnectionOptions(config, group, options);

        var orchestrator = new CallOrchestrator(new CallOrchestratorOptions
        {
            Config = config,
            Group = group,
            Authenticator = authenticator,
            Aaa = aaa,
            Pool = pool,
            ReceiveWindowSize = connection.ReceiveWindowSize,
            InterfaceName = config.VpdnEnabledInterfaces.FirstOrDefault() ?? "outside",
            Version = VersionText,
            Metrics = metrics,
        }, log, time);

        IDataplaneControl dataplane = (options.Dataplane ?? Dataplanes.Create)(new DataplaneContext(config, orchestrator.FrameSink, listen.Address, log));
        orchestrator.AttachDataplane(dataplane);

        // Measured once the dataplane holds its sockets and TUN: every control connection is one more descriptor, so the
        // kernel's limit, not the configured number, is what bounds them (EMFILE would otherwise end accepting).
        FileDescriptorLimits? descriptors = FileDescriptorLimits.RaiseAndMeasure();
        int maxConnections = Math.Min(config.Gateway.MaxControlConnections, descriptors?.ConnectionBudget ?? int.MaxValue);
        ConnectionLimitConfig? perSource = config.Gateway.ConnectionLimit;
        var listener = new PptpListener(new PptpListenerOptions
        {
            EndPoint = listen,
            MaxControlConnections = maxConnections,
            PerSourceLimit = perSource is null ? null : (perSource.Burst, perSource.Interval),
            ShutdownReplyTimeout = options.ShutdownReplyTimeout,
            Connection = connection,
        }, orchestrator.CallHandler, new AllocatorCallIdSource(new CallIdAllocator(time)), orchestrator.EventSink, time);
        orchestrator.AttachListener(listener);
        metricSources.Orchestrator = orchestrator;
        metricSources.Listener = listener;
        metricSources.Pool = pool;
        metricSources.Aaa = aaa;
        metricSources.Dataplane = dataplane as Dataplane.Workers.DataplaneHost;

        string? adminPath = options.EnableAdminSocket ? options.AdminSocketPath ?? config.Gateway.AdminSocketPath : null;
        var host = new GatewayHost(config, options, log, pool, orchestrator, dataplane, listener, adminPath, aaa, time);
        host._sinks = sinks;
        metricSources.State = () => host.State;
        if (adminPath is not null)
        {
            // The host answers reload and shutdown itself (IGatewayControl).
            host._admin = new AdminServer(new AdminDispatcher(orchestrator.Administration, log, orchestrator.Operator, host),
                new AdminServerOptions { SocketPath = adminPath });
        }
        host.Metrics = metrics;
        host._metricsEndPoint = metricsEndPoint;
        host.FileDescriptors = descriptors;
        return host;
    }

    /// <summary>
    /// Binds TCP 1723 (or the chosen end point) and the admin socket, routes the pool into the inside device, and logs
    /// what runs.
    /// </summary>
    /// <exception cref="GatewayStartupException">A socket cannot be bound.</exception>
    public void Start()
    {
        lock (_stateLock)
        {
            if (_started)
                throw new InvalidOperationException("already started");
            _started = true;
        }
        try
        {
            Listener.Start();
        }
        catch (SocketException ex)
        {
            throw new GatewayStartupException($"cannot listen for PPTP on {_options.ListenEndPoint?.ToString() ?? Listener.LocalEndPoint?.ToString() ?? "TCP 1723"}: {ex.Message}", ex);
        }
        try
        {
            _admin?.Start();
        }
        catch (Exception ex) when (ex is IOException or SocketException or UnauthorizedAccessException)
        {
            throw new GatewayStartupException($"cannot open the admin socket {AdminSocketPath}: {ex.Message}", ex);
        }
        if (Metrics is { } metrics && _metricsEndPoint is { } metricsEndPoint)
        {
            try
            {
                _prometheus = new PrometheusEndpoint(metricsEndPoint, metrics.Meter.Name);
            }
            catch (Exception ex) when (ex is HttpListenerException or InvalidOperationException)
            {
                throw new GatewayStartupException($"gateway metrics {metricsEndPoint}: cannot listen: {ex.Message}", ex);
            }
        }
        // RFC 5176: the Disconnect/CoA listener on the PPTP address (every address when PPTP listens on all).
        Aaa.StartDynamicAuthorization(Config, PptpEndPoint?.Address ?? IPAddress.Any, Orchestrator.AaaSessions);
        if (_options.InstallInsideRoutes && Dataplanes.InsideDeviceName(Dataplane) is { } device)
        {
            if (Pool is { } pool)
            {
                foreach (string failure in InsideRoutes.Install(device, InsideRoutes.Prefixes(pool.Ranges)))
                    Log.Write(PixSeverity.Warning, failure);
            }
            Orchestrator.HostRoute = (address, add) => InsideRoutes.SetHostRoute(device, address, add);
        }
        Log.Write(PixSeverity.Notification, string.Create(CultureInfo.InvariantCulture,
            $"{VersionText}: PPTP on {PptpEndPoint}, vpdn group {Group.Name}, pool {Pool?.Name ?? "none"} ({Pool?.Capacity ?? 0} addresses), " +
            $"max-sessions {Config.Gateway.MaxSessions}, admin socket {AdminSocketPath ?? "off"}, metrics {MetricsUrl?.ToString() ?? "off"}"));
        ConnectionLimitConfig? perSource = Config.Gateway.ConnectionLimit;
        Log.Write(PixSeverity.Notification, string.Create(CultureInfo.InvariantCulture,
            $"{FileDescriptors?.ToString() ?? "open files: no limit known"}; control connections at most {Listener.MaxControlConnections} " +
            $"(max-control-connections {Config.Gateway.MaxControlConnections}); per source {(perSource is null ? "unlimited" : $"{perSource.Burst} at once, then one per {perSource.Interval.TotalMilliseconds:0.###} ms")}; " +
            $"SCCRQ within {Config.Gateway.StartRequestTimeoutSeconds} s"));
        SetState(GatewayRunState.Running);
    }

    /// <summary>
    /// Starts, runs until <paramref name="cancellationToken"/> is cancelled or a <c>shutdown</c> (hard, or soft once
    /// the last session ended) asks to stop, then stops cleanly.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        Start();
        // Type=notify: started once PPTP, the admin socket and the metrics listen (packaging/pptpgw.service).
        SystemdNotifier.Notify("READY=1\nSTATUS=PPTP on " + PptpEndPoint);
        try
        {
            await _stopRequested.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        SystemdNotifier.Notify("STOPPING=1");
        await StopAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Stops: new calls are refused, every peer gets Stop-Control-Connection-Request (Stop-Local-Shutdown) and at most
    /// <see cref="GatewayHostOptions.ShutdownReplyTimeout"/> to answer, every session ends (pool addresses released),
    /// then the admin socket and the dataplane close. Safe to call more than once.
    /// </summary>
    public Task StopAsync()
    {
        lock (_stateLock)
            return _stopping ??= StopCoreAsync();
    }

    private async Task StopCoreAsync()
    {
        SetState(GatewayRunState.Stopping);
        _drainTimer?.Dispose();
        Orchestrator.BeginStop();
        int tunnels = Listener.ConnectionCount;
        await Listener.StopAsync().ConfigureAwait(false);
        Orchestrator.CloseAll("gateway shutting down");
        // Accounting Stops (Admin-Reboot) of the calls just closed go out before the clients close.
        await Aaa.DisposeAsync().ConfigureAwait(false);
        if (_admin is not null)
            await _admin.DisposeAsync().ConfigureAwait(false);
        _prometheus?.Dispose();
        Metrics?.Dispose();
        switch (Dataplane)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }
        Log.Write(PixSeverity.Notification, string.Create(CultureInfo.InvariantCulture, $"pptpgw stopped ({tunnels} tunnels closed)"));
        _sinks?.Dispose();
        // Last: a successor may start only once the socket file, the TUN device and its routes are gone.
        _instanceLock?.Dispose();
        SetState(GatewayRunState.Stopped);
        _stopRequested.TrySetResult();
    }

    /// <summary>
    /// SIGHUP (logrotate's postrotate, <c>systemctl reload</c>, a closed terminal): the configuration is re-read and what
    /// can change live is applied (<see cref="ReloadAsync"/>, logged line by line); every session stays up. Returns the
    /// number of hang-ups seen so far; the reload runs in the background (a signal handler must not block).
    /// </summary>
    public int HandleHangup()
    {
        int count = Interlocked.Increment(ref _hangups);
        lock (_stateLock)
        {
            if (_stopping is not null)
                return count;
        }
        Log.Write(PixSeverity.Notification, string.Create(CultureInfo.InvariantCulture,
            $"SIGHUP received: reloading {_options.ConfigPath ?? "(no configuration file)"} ({Listener.ConnectionCount} tunnels kept)"));
        _ = Task.Run(() => ReloadAsync(CancellationToken.None));
        return count;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    /// <summary>The settings of every new control connection, from the configuration (and the tests' adjustments).</summary>
    private static PptpConnectionOptions ConnectionOptions(GatewayConfig config, VpdnGroupConfig group, GatewayHostOptions options)
    {
        PptpConnectionOptions connection = new()
        {
            HostName = "pptpgw",
            VendorString = "pptpgw",
            EchoInterval = TimeSpan.FromSeconds(group.EchoIntervalSeconds),
            // The PIX's "pptp echo S" is a keep-alive timeout: a peer silent for S seconds gets an Echo-Request, and one
            // that stays silent as long again is gone. RFC 2637 §2.6/§3.1.4 suggest 60 s, the upper bound here.
            EchoReplyTimeout = TimeSpan.FromSeconds(Math.Clamp(group.EchoIntervalSeconds, 1, 60)),
            MaximumChannels = (ushort)Math.Min(ushort.MaxValue, config.Gateway.MaxSessions),
            MaxCallsPerConnection = group.MaxCallsPerTunnel,
            StartRequestTimeout = TimeSpan.FromSeconds(config.Gateway.StartRequestTimeoutSeconds),
        };
        return options.ConnectionOptions is { } adjust ? adjust(connection) : connection;
    }

    /// <summary>
    /// The <c>vpdn enable</c> interface's address when this host has it, else every address (a PIX configuration names
    /// the appliance's addresses, which a Linux host running it may not carry); TCP 1723 (RFC 2637 §1).
    /// </summary>
    private static IPEndPoint DefaultListenEndPoint(GatewayConfig config, GatewayLog log)
    {
        foreach (string name in config.VpdnEnabledInterfaces)
        {
            if (config.FindInterface(name)?.Address is not { } address)
                continue;
            if (IsLocalAddress(address))
                return new IPEndPoint(address, PptpControlMessage.TcpPort);
            log.Write(PixSeverity.Warning, $"vpdn enable {name}: {address} is not an address of this host; listening on every address");
        }
        return new IPEndPoint(IPAddress.Any, PptpControlMessage.TcpPort);
    }

    private static bool IsLocalAddress(IPAddress address)
    {
        try
        {
            foreach (NetworkInterface nic in NetworkInterface.GetAllNetworkInterfaces())
                foreach (UnicastIPAddressInformation unicast in nic.GetIPProperties().UnicastAddresses)
                    if (unicast.Address.Equals(address))
                        return true;
        }
        catch (NetworkInformationException)
        {
        }
        return false;
    }
}
