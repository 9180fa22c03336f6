using System.Net;
using PptpGw.ControlPlane.Config;
using PptpGw.ControlPlane.Logging;
using PptpGw.ControlPlane.Pptp.Connection;
using PptpGw.Dataplane.Control;

namespace PptpGw.Gateway.Hosting;

/// <summary>What a dataplane factory gets: the configuration, where control frames go up, the outside address and the log.</summary>
/// <param name="Config">The validated configuration (<c>gateway dataplane</c>, interfaces, pools).</param>
/// <param name="FrameSink">The orchestrator: PPP control frames and Reset-Request signals go up to it.</param>
/// <param name="OutsideAddress">The address PPTP listens on (GRE comes to it, RFC 2637 §4); Any when unknown.</param>
/// <param name="Log">The gateway's log.</param>
public sealed record DataplaneContext(GatewayConfig Config, IControlFrameSink FrameSink, IPAddress OutsideAddress, GatewayLog Log);

/// <summary>Creates the dataplane. If the result is <see cref="IDisposable"/> or <see cref="IAsyncDisposable"/>, the host disposes it when it stops.</summary>
public delegate IDataplaneControl DataplaneFactory(DataplaneContext context);

/// <summary>How a <see cref="GatewayHost"/> runs (what the command line and tests choose; the rest is the configuration).</summary>
public sealed record GatewayHostOptions
{
    /// <summary>Where to accept PPTP; null: the <c>vpdn enable</c> interface's address (when it is on this host), TCP 1723.</summary>
    public IPEndPoint? ListenEndPoint { get; init; }

    /// <summary>The admin socket; null: <c>gateway admin-socket</c> of the configuration.</summary>
    public string? AdminSocketPath { get; init; }

    /// <summary>False: no admin socket at all (tests that drive the host directly).</summary>
    public bool EnableAdminSocket { get; init; } = true;

    /// <summary>Where log lines go as text (<c>pptpgw run</c>: stdout); null: nowhere.</summary>
    public TextWriter? Console { get; init; }

    /// <summary>Also log to the local syslog (<c>--syslog</c>); the configuration's <c>logging syslog on</c> does too.</summary>
    public bool Syslog { get; init; }

    /// <summary>More sinks (tests capture with <see cref="CaptureLogSink"/>).</summary>
    public IReadOnlyList<ILogSink> LogSinks { get; init; } = [];

    /// <summary>The dataplane; null: the configuration's <c>gateway dataplane</c> backend (<see cref="Dataplanes.Create"/>).</summary>
    public DataplaneFactory? Dataplane { get; init; }

    /// <summary>The RADIUS / TACACS+ backends for <c>client authentication aaa NAME</c>; null: none in this build.</summary>
    public AaaAuthenticatorFactory? Aaa { get; init; }

    /// <summary>Overrides applied to the PPTP connection options built from the configuration (tests shorten timeouts).</summary>
    public Func<PptpConnectionOptions, PptpConnectionOptions>? ConnectionOptions { get; init; }

    /// <summary>How long shutdown waits for each peer's Stop-Control-Connection-Reply.</summary>
    public TimeSpan ShutdownReplyTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Install routes for the pool prefixes into the inside device (kernel dataplane; see <see cref="InsideRoutes"/>).</summary>
    public bool InstallInsideRoutes { get; init; } = true;

    /// <summary>Serve Prometheus metrics here (tests); null: the configuration's <c>gateway metrics</c>, off without one.</summary>
    public IPEndPoint? MetricsEndPoint { get; init; }

    /// <summary>The file the configuration came from: SIGHUP and the admin <c>reload</c> re-read it; null: no reload.</summary>
    public string? ConfigPath { get; init; }

    /// <summary>The clock of every timer; <see cref="TimeProvider.System"/> when null.</summary>
    public TimeProvider? TimeProvider { get; init; }
}
