using PptpGw.ControlPlane.Admin;
using PptpGw.ControlPlane.Calls;
using PptpGw.ControlPlane.Config;
using PptpGw.ControlPlane.Logging;
using PptpGw.ControlPlane.Pptp.Connection;
using PptpGw.Dataplane.Control;
using PptpGw.Gateway.Aaa;

namespace PptpGw.Gateway.Orchestration;

/// <summary>
/// The gateway's call plane, put together from its pieces: <see cref="CallLifecycle"/> owns each call (admission,
/// PPP ↔ dataplane wiring, release) and is the listener's <see cref="IPptpCallHandler"/> and the dataplane's
/// <see cref="IControlFrameSink"/>; <see cref="PptpEventLog"/> is the listener's <see cref="IPptpEventSink"/> (PIX
/// messages, debug lines); <see cref="VpdnAdministration"/> answers the admin commands and RFC 5176 look-ups.
/// </summary>
/// <remarks>
/// Wiring: create it, give it the dataplane (<see cref="AttachDataplane"/>, which needs <see cref="FrameSink"/>), create
/// the <see cref="PptpListener"/> with <see cref="CallHandler"/> and <see cref="EventSink"/>, then
/// <see cref="AttachListener"/>.
/// </remarks>
public sealed class CallOrchestrator
{
    private readonly CallTable _table;
    private readonly CallLifecycle _lifecycle;
    private readonly PptpEventLog _events;
    private readonly VpdnAdministration _administration;

    /// <summary>Creates the orchestrator; attach the dataplane and the listener before the listener starts.</summary>
    public CallOrchestrator(CallOrchestratorOptions options, GatewayLog log, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        TimeProvider time = timeProvider ?? TimeProvider.System;
        _table = new CallTable(options, log, time);
        _lifecycle = new CallLifecycle(_table);
        _events = new PptpEventLog(log, time, _table.AnnouncedTunnels);
        _administration = new VpdnAdministration(_table, _events);
        Operator = new OperatorAdministration(_table, _administration, _lifecycle.Metrics.AaaServers);
    }

    /// <summary>The listener's call handler (admission, establishment, clearing).</summary>
    public IPptpCallHandler CallHandler => _lifecycle;

    /// <summary>The dataplane's sink for PPP control frames and MPPE reset requests.</summary>
    public IControlFrameSink FrameSink => _lifecycle;

    /// <summary>The listener's event sink (PIX messages and debug lines).</summary>
    public IPptpEventSink EventSink => _events;

    /// <summary>What the admin commands act on.</summary>
    public IAdminHandler Administration => _administration;

    /// <summary>The operator views and per-session clears (<c>show vpdn session brief</c>, <c>clear vpdn username</c>, ...).</summary>
    public IOperatorViews Operator { get; }

    /// <summary>The calls with AAA state, for RFC 5176 Disconnect and CoA.</summary>
    public IAaaSessionDirectory AaaSessions => _administration;

    /// <summary>
    /// Adds (true) or removes (false) the host route of a client address outside the pool; returns a failure text or
    /// null. Set by the host once the dataplane's inside device is known; null: no per-call routes.
    /// </summary>
    internal Func<uint, bool, string?>? HostRoute
    {
        get => _table.HostRoute;
        set => _table.HostRoute = value;
    }

    /// <summary>The live calls by state, for <c>pptpgw_sessions{state}</c> (a walk over the calls, on scrape only).</summary>
    internal Metrics.SessionStateCounts CountSessionStates() => CallSetupMetrics.CountStates(_table.All);

    /// <summary>The live calls (tests look at what a call runs under, e.g. its Idle-Timeout).</summary>
    internal ICollection<GatewayCall> Calls => _table.All;

    /// <summary>Calls admitted and not yet cleared.</summary>
    public int LiveCalls => _table.LiveCalls;

    /// <summary>The dataplane (after <see cref="AttachDataplane"/>).</summary>
    public IDataplaneControl Dataplane => _table.Dataplane;

    /// <summary>Gives the orchestrator its dataplane (once).</summary>
    public void AttachDataplane(IDataplaneControl dataplane) => _table.AttachDataplane(dataplane);

    /// <summary>Gives the orchestrator the listener whose tunnels <c>show vpdn</c> and <c>clear vpdn</c> act on (once).</summary>
    public void AttachListener(PptpListener listener) => _table.AttachListener(listener);

    /// <summary>A reload: new calls use <paramref name="config"/> and its dial-in group; live calls keep what they negotiated.</summary>
    public void Reconfigure(GatewayConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        _table.Reconfigure(config, config.DialinGroup ?? throw new ArgumentException("no dial-in group", nameof(config)));
    }

    /// <summary><c>shutdown soft</c>: every Outgoing-Call-Request from now on is refused; live calls run on until they end.</summary>
    public void BeginDrain() => _table.BeginDrain();

    /// <summary><c>shutdown cancel</c>: new calls are admitted again.</summary>
    public void EndDrain() => _table.EndDrain();

    /// <summary>From now on every Outgoing-Call-Request is refused (shutdown in progress).</summary>
    public void BeginStop()
    {
        _table.BeginStop();
        foreach (GatewayCall call in _table.All)
            call.SetEndReason(CallEndReason.AdminShutdown);
    }

    /// <summary>
    /// Ends every call still known (after the listener stopped, none should be): PPP lower layer down, dataplane session
    /// removed, pool address released.
    /// </summary>
    public void CloseAll(string reason) => _lifecycle.CloseAll(reason);
}
