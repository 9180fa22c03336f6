using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using PptpGw.ControlPlane.Aaa.Radius;
using PptpGw.ControlPlane.Admin;
using PptpGw.ControlPlane.Config;
using PptpGw.ControlPlane.Logging;
using PptpGw.ControlPlane.Pools;
using PptpGw.ControlPlane.Ppp;
using PptpGw.ControlPlane.Ppp.Auth;
using PptpGw.ControlPlane.Ppp.Session;
using PptpGw.ControlPlane.Pptp;
using PptpGw.ControlPlane.Pptp.Connection;
using PptpGw.Dataplane.Control;
using PptpGw.Dataplane.Mppe;
using PptpGw.Dataplane.Packets;
using PptpGw.Dataplane.Sessions;
using PptpGw.Gateway.Aaa;

namespace PptpGw.Gateway.Orchestration;

/// <summary>Settings of a <see cref="CallOrchestrator"/>.</summary>
public sealed record CallOrchestratorOptions
{
    /// <summary>The validated configuration.</summary>
    public required GatewayConfig Config { get; init; }

    /// <summary>The vpdn group accepting PPTP dial-in (<see cref="GatewayConfig.DialinGroup"/>).</summary>
    public required VpdnGroupConfig Group { get; init; }

    /// <summary>Where PPP proofs are checked (chosen by the group's <c>client authentication</c>).</summary>
    public required IPppAuthenticator Authenticator { get; init; }

    /// <summary>The group's <c>client configuration address local</c> pool, or null (AAA Framed-IP-Address only).</summary>
    public IpLocalPool? Pool { get; init; }

    /// <summary>Packet Recv. Window Size we announce in the Outgoing-Call-Reply (the listener's connection options say the same).</summary>
    public ushort ReceiveWindowSize { get; init; } = 64;

    /// <summary>
    /// PPP starts when the peer's first PPP frame arrives (RFC 2637 §2.8: the PAC begins once it has the Outgoing-Call-Reply)
    /// or, if the peer stays silent, after this delay, so our first LCP Configure-Request does not overtake the reply.
    /// </summary>
    public TimeSpan PppStartDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Name of the interface PPTP arrives on, for <c>show vpdn</c> ("outside").</summary>
    public string InterfaceName { get; init; } = "outside";

    /// <summary>How long an admin <c>clear vpdn tunnel</c> waits for the tunnel to close before answering.</summary>
    public TimeSpan AdminClearWait { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a finished call's dataplane session lingers before it is removed, so the frames PPP queued last (the
    /// Terminate-Ack of RFC 1661 §5.5 above all) leave before the session does; zero removes it at once.
    /// </summary>
    public TimeSpan DataplaneCloseDelay { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>RADIUS/TACACS+ per call (authenticator, accounting, Session-Timeout); null: <see cref="Authenticator"/> only.</summary>
    public GatewayAaa? Aaa { get; init; }

    /// <summary>Text of <c>show version</c>.</summary>
    public string Version { get; init; } = "pptpgw";
}

/// <summary>
/// Orchestrates every call: admits or refuses Outgoing-Call-Requests (session and pool limits), installs the dataplane
/// session, runs a server-role <see cref="PppSession"/> over the dataplane's control-frame path, tells the dataplane the
/// outcome of IPCP and CCP, logs the PIX messages and debug lines, and tears everything down when either PPP or PPTP ends
/// the call. It also answers the admin commands (<c>show vpdn</c>, <c>clear vpdn tunnel</c>).
/// </summary>
/// <remarks>
/// <para>Wiring: create it, give it the dataplane (<see cref="AttachDataplane"/>, which needs this object as its
/// <see cref="IControlFrameSink"/>), create the <see cref="PptpListener"/> with it as handler and event sink, then
/// <see cref="AttachListener"/>.</para>
/// <para>Threading: all entry points are thread-safe. PPP observer callbacks run under the session's lock; they only do
/// non-blocking work (dataplane calls, logging) and hand PPTP work (clearing a call) to the thread pool.</para>
/// </remarks>
public sealed partial class CallOrchestrator : IPptpCallHandler, IControlFrameSink, IAdminHandler, IPptpEventSink, IAaaSessionDirectory
{
    private readonly CallOrchestratorOptions _options;

    /// <summary>
    /// Adds (true) or removes (false) the host route of a client address outside the pool; returns a failure text or
    /// null. Set by the host once the dataplane's inside device is known; null: no per-call routes.
    /// </summary>
    internal Func<uint, bool, string?>? HostRoute { get; set; }
    private readonly GatewayConfig _config;
    private readonly VpdnGroupConfig _group;
    private readonly GatewayLog _log;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<(uint Tunnel, ushort Call), GatewayCall> _calls = new();
    private readonly ConcurrentDictionary<SessionHandle, GatewayCall> _byHandle = new();
    private readonly ConcurrentDictionary<uint, long> _tunnelCreated = new();
    private readonly ConcurrentDictionary<SessionHandle, ITimer> _closing = new();
    private readonly Lock _gate = new();
    private readonly PriorityQueue<int, int> _freeInterfaces = new();
    private int _nextInterface = 1;
    private int _live;
    private bool _stopping;
    private IDataplaneControl? _dataplane;
    private PptpListener? _listener;

    /// <summary>Creates the orchestrator; attach the dataplane and the listener before the listener starts.</summary>
    public CallOrchestrator(CallOrchestratorOptions options, GatewayLog log, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        _options = options;
        _config = options.Config;
        _group = options.Group;
        _log = log;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Calls admitted and not yet cleared.</summary>
    public int LiveCalls
    {
        get { lock (_gate) return _live; }
    }

    /// <summary>The dataplane (after <see cref="AttachDataplane"/>).</summary>
    public IDataplaneControl Dataplane => _dataplane ?? throw new InvalidOperationException("no dataplane attached");

    /// <summary>Gives the orchestrator its dataplane (once).</summary>
    public void AttachDataplane(IDataplaneControl dataplane)
    {
        ArgumentNullException.ThrowIfNull(dataplane);
        if (Interlocked.CompareExchange(ref _dataplane, dataplane, null) is not null)
            throw new InvalidOperationException("a dataplane is already attached");
    }

    /// <summary>Gives the orchestrator the listener whose tunnels <c>show vpdn</c> and <c>clear vpdn</c> act on (once).</summary>
    public void AttachListener(PptpListener listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        if (Interlocked.CompareExchange(ref _listener, listener, null) is not null)
            throw new InvalidOperationException("a listener is already attached");
    }

    /// <summary>From now on every Outgoing-Call-Request is refused (shutdown in progress).</summary>
    public void BeginStop()
    {
        lock (_gate)
            _stopping = true;
        foreach (GatewayCall call in _calls.Values)
            call.SetTerminateCause(AcctTerminateCause.AdminReboot);
    }

    private static IPAddress Unmapped(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    /// <inheritdoc/>
    public IEnumerable<AaaCall> AaaCalls => _calls.Values.Select(c => c.Aaa).OfType<AaaCall>();

    /// <summary>
    /// Ends every call still known (after the listener stopped, none should be): PPP lower layer down, dataplane session
    /// removed, pool address released.
    /// </summary>
    public void CloseAll(string reason)
    {
        foreach (GatewayCall call in _calls.Values)
            Release(call, reason);
        foreach (SessionHandle handle in _closing.Keys)
            CloseDataplaneSession(handle);
    }

    // ------------------------------------------------------------------ IPptpCallHandler

    /// <inheritdoc/>
    public ValueTask<CallDecision> OnOutgoingCallRequestAsync(CallRequestInfo request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        IDataplaneControl dataplane = Dataplane;
        int ifc;
        lock (_gate)
        {
            if (_stopping)
                return Refused(CallDecision.Refuse(OutgoingCallResultCode.GeneralError, "the gateway is shutting down", PptpGeneralErrorCode.NoResource));
            if (_live >= _config.Gateway.MaxSessions)
            {
                // %PIX-4-403103: the PIX's message when its session limit is reached; OCRP General Error / No-Resource (RFC 2637 §2.8, §2.16).
                _log.PppMaxConnectionsReached();
                return Refused(CallDecision.Refuse(OutgoingCallResultCode.GeneralError,
                    string.Create(CultureInfo.InvariantCulture, $"gateway max-sessions {_config.Gateway.MaxSessions} reached"), PptpGeneralErrorCode.NoResource));
            }
            ifc = AllocateInterface();
            // With local authentication every client address comes from the pool; an AAA server may hand out
            // Framed-IP-Address instead (RFC 2865 §5.8), so an empty pool does not refuse an AAA call.
            if (_options.Pool is { } pool && _group.AuthenticationSource == ClientAuthenticationSource.Local
                && (_live >= pool.Capacity || pool.FreeCount == 0))
            {
                _log.PppClientIpAllocationFailed(ifc);
                ReleaseInterface(ifc);
                return Refused(CallDecision.Refuse(OutgoingCallResultCode.GeneralError,
                    $"address pool {pool.Name} exhausted ({pool.Capacity} addresses)", PptpGeneralErrorCode.NoResource));
            }
            _live++;
        }

        var spec = new DataplaneSessionSpec(AllocatorCallIdSource.PeerKey(request.Peer.Address), request.CallId, request.PeerCallId,
            _options.ReceiveWindowSize, request.PeerReceiveWindowSize);
        SessionInstallError installed;
        SessionHandle handle;
        try
        {
            installed = dataplane.TryOpen(spec, out handle);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            installed = SessionInstallError.TableFull;
            handle = SessionHandle.None;
            DebugError(request.TunnelId, $"dataplane session install failed: {ex.Message}");
        }
        if (installed != SessionInstallError.None)
        {
            lock (_gate)
            {
                _live--;
                ReleaseInterface(ifc);
            }
            DebugError(request.TunnelId, $"call {request.CallId}: dataplane refused the session: {installed}");
            return Refused(CallDecision.Refuse(OutgoingCallResultCode.GeneralError, $"dataplane: {installed}", PptpGeneralErrorCode.NoResource));
        }

        var call = new GatewayCall(this, request, ifc, handle, _time.GetTimestamp());
        _calls[(request.TunnelId, request.CallId)] = call;
        _byHandle[handle] = call;
        if (_log.IsEnabled(DebugClasses.VpdnEvents))
            _log.Debug(DebugClasses.VpdnEvents, PixDebugText.StoreSession((int)request.TunnelId, request.CallId));
        return ValueTask.FromResult(CallDecision.Accept());
    }

    private ValueTask<CallDecision> Refused(CallDecision decision)
    {
        CountSetupRefused();
        if (_log.IsEnabled(DebugClasses.VpdnError))
            _log.Debug(DebugClasses.VpdnError, "PPTP: call refused: " + decision.Reason);
        return ValueTask.FromResult(decision);
    }

    /// <inheritdoc/>
    public void OnCallEstablished(EstablishedCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        if (!_calls.TryGetValue((call.TunnelId, call.CallId), out GatewayCall? gatewayCall))
            return;
        gatewayCall.Established = call;
        AaaCall? aaa = _options.Aaa?.BeginCall(call.CallId, gatewayCall.PeerAddress, Unmapped(call.Local.Address),
            (cause, reason) => DisconnectForAaa(gatewayCall, cause, reason));
        gatewayCall.Aaa = aaa;
        PppSessionOptions options = PppSessionOptions.ForServer(_config, _group, Measured(aaa?.Authenticator ?? _options.Authenticator), _options.Pool);
        if (_options.Aaa is { } aaaOptions)
            options = aaaOptions.AdjustSessionOptions(options);
        IDataplaneControl dataplane = Dataplane;
        SessionHandle handle = gatewayCall.Handle;
        int ifc = gatewayCall.VirtualInterface;
        var session = new PppSession(options, frame =>
        {
            if (_log.IsEnabled(DebugClasses.PppIo))
                _log.Debug(DebugClasses.PppIo, PixDebugText.PppTransmit(ifc, frame));
            dataplane.SendControlFrame(handle, frame);
        }, gatewayCall, _time, PixDebugText.Prefix((int)call.TunnelId, call.CallId));
        gatewayCall.Session = session;
        if (_log.IsEnabled(DebugClasses.VpdnEvents))
            _log.Debug(DebugClasses.VpdnEvents, PixDebugText.VirtualAccessOpen(ifc));
        gatewayCall.StartTimer = _time.CreateTimer(_ => StartPpp(gatewayCall), null, _options.PppStartDelay, Timeout.InfiniteTimeSpan);
        if (gatewayCall.IsCleared)
            Release(gatewayCall, "call cleared");
    }

    /// <inheritdoc/>
    public void OnSetLinkInfo(uint tunnelId, ushort callId, uint sendAccm, uint receiveAccm)
    {
        // RFC 2637 §2.15: ACCMs matter to asynchronous HDLC framing on the PAC's line only; GRE carries no ACCM-escaped
        // octets, so there is nothing to change. Shown for "debug vpdn events".
        if (_log.IsEnabled(DebugClasses.VpdnEvents))
            _log.Debug(DebugClasses.VpdnEvents, PixDebugText.TunnelLine((int)tunnelId, callId,
                string.Create(CultureInfo.InvariantCulture, $"set link info: send ACCM 0x{sendAccm:x8}, receive ACCM 0x{receiveAccm:x8}")));
    }

    /// <inheritdoc/>
    public void OnCallCleared(uint tunnelId, ushort callId, PptpCallClearReason reason)
    {
        if (!_calls.TryGetValue((tunnelId, callId), out GatewayCall? call))
            return;
        call.TryMarkCleared();
        // RFC 2866 §5.10: why the session ended, unless the gateway already knew (clear vpdn, shutdown, AAA, PPP).
        call.SetTerminateCause(reason switch
        {
            PptpCallClearReason.AdminClear => AcctTerminateCause.AdminReset,
            PptpCallClearReason.PeerCallClearRequest or PptpCallClearReason.PeerCallDisconnectNotify => AcctTerminateCause.UserRequest,
            PptpCallClearReason.GatewayError => AcctTerminateCause.NasError,
            _ => _stopping ? AcctTerminateCause.AdminReboot : AcctTerminateCause.LostCarrier,
        });
        Release(call, "PPTP call cleared: " + reason);
    }

    /// <summary>
    /// The AAA server ends the call (Session-Timeout expired, Disconnect-Request): LCP Terminate-Request to the client,
    /// then Call-Disconnect-Notify (Admin Shutdown, RFC 2637 §2.13). Does not block.
    /// </summary>
    private void DisconnectForAaa(GatewayCall call, AcctTerminateCause cause, string reason)
    {
        call.SetTerminateCause(cause);
        if (call.IsCleared)
            return;
        call.Session?.Close(reason);
        if (call.Established is { } established)
            _ = Task.Run(async () =>
            {
                if (!await established.Connection.ClearCallAsync(call.CallId, PptpCallClearReason.AaaDisconnect).ConfigureAwait(false))
                    Release(call, reason);
            });
        else
            Release(call, reason);
    }

    /// <summary>Everything that ends with the call: PPP, the dataplane session, the pool address (PppSession), the counters.</summary>
    private void Release(GatewayCall call, string reason)
    {
        call.TryMarkCleared();
        if (!_calls.TryRemove(new KeyValuePair<(uint, ushort), GatewayCall>((call.TunnelId, call.CallId), call)))
            return;
        CountSetupEnded(call); // no-op when the setup was counted already
        call.StartTimer?.Dispose();
        if (call.Session is { } session)
        {
            session.LowerLayerDown(reason); // fires LinkDown once; the pool address goes back there
            session.Dispose();
        }
        _byHandle.TryRemove(new KeyValuePair<SessionHandle, GatewayCall>(call.Handle, call));
        // Accounting Stop reads the final counters now, before the dataplane session goes.
        call.Aaa?.End(call.TerminateCause ?? AcctTerminateCause.LostCarrier);
        if (call.TryTakeHostRoute(out uint hostRoute) && HostRoute is { } route && route(hostRoute, false) is { } failure)
            _log.Write(PixSeverity.Warning, failure);
        if (call.TryMarkDataplaneClosed())
            ScheduleDataplaneClose(call.Handle);
        lock (_gate)
        {
            _live--;
            ReleaseInterface(call.VirtualInterface);
        }
        if (_log.IsEnabled(DebugClasses.VpdnEvents))
            _log.Debug(DebugClasses.VpdnEvents, PixDebugText.TunnelLine((int)call.TunnelId, call.CallId, "session removed: " + reason));
    }

    /// <summary>
    /// Removes the call's dataplane session after <see cref="CallOrchestratorOptions.DataplaneCloseDelay"/> (at once when
    /// the gateway stops). The session's last control frames are still in its worker's command ring; the worker drops
    /// commands for a session the table no longer has, so removing it at once would lose the Terminate-Ack that answers
    /// the client's Terminate-Request, and the client would wait out its restart timer (RFC 1661 §4.6, 3 s) to hang up.
    /// </summary>
    private void ScheduleDataplaneClose(SessionHandle handle)
    {
        bool stopping;
        lock (_gate)
            stopping = _stopping;
        if (stopping || _options.DataplaneCloseDelay <= TimeSpan.Zero)
        {
            _dataplane?.Close(handle);
            return;
        }
        ITimer timer = _time.CreateTimer(_ => CloseDataplaneSession(handle), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _closing[handle] = timer;
        timer.Change(_options.DataplaneCloseDelay, Timeout.InfiniteTimeSpan);
    }

    private void CloseDataplaneSession(SessionHandle handle)
    {
        if (!_closing.TryRemove(handle, out ITimer? timer))
            return;
        timer.Dispose();
        _dataplane?.Close(handle);
    }

    private void StartPpp(GatewayCall call)
    {
        call.StartTimer?.Dispose();
        if (!call.IsCleared && call.Session is { } session && call.TryMarkStarted())
            session.Start();
    }

    // ------------------------------------------------------------------ IControlFrameSink

    /// <inheritdoc/>
    public void OnControlFrame(SessionHandle session, ReadOnlySpan<byte> pppFrame)
    {
        if (!_byHandle.TryGetValue(session, out GatewayCall? call) || call.Session is not { } ppp)
            return;
        if (_log.IsEnabled(DebugClasses.PppIo))
            _log.Debug(DebugClasses.PppIo, PixDebugText.PppReceived(call.VirtualInterface, call.VirtualInterface, pppFrame));
        StartPpp(call);
        ppp.Receive(pppFrame);
    }

    /// <inheritdoc/>
    public void OnResetRequestNeeded(SessionHandle session)
    {
        if (_byHandle.TryGetValue(session, out GatewayCall? call) && call.Session is { } ppp)
            ppp.SendCcpResetRequest(); // RFC 3078 §8: the peer flushes and sets the A bit on its next packet
    }

    // ------------------------------------------------------------------ PPP session events (under the session lock)

    internal void OnAuthenticationStarted(GatewayCall call, string userName)
    {
        call.UserName = userName;
        _log.PppAaaAuthenticationStarted(call.VirtualInterface, userName);
        if (_log.IsEnabled(DebugClasses.PppUauth))
            _log.Debug(DebugClasses.PppUauth, PixDebugText.UauthMschapSendRequest(call.VirtualInterface, userName));
    }

    internal void OnAuthenticationSucceeded(GatewayCall call, PppAuthOutcome outcome)
    {
        call.UserName = outcome.UserName;
        if (_log.IsEnabled(DebugClasses.PppUauth))
            _log.Debug(DebugClasses.PppUauth, PixDebugText.UauthMschapProcessReply(call.VirtualInterface, 1));
        _log.PppAaaAuthenticationStatus(call.VirtualInterface, outcome.UserName, succeeded: true);
        _log.AuthenSessionStart(outcome.UserName, call.VirtualInterface);
    }

    internal void OnAuthenticationFailed(GatewayCall call, PppAuthOutcome outcome)
    {
        if (_log.IsEnabled(DebugClasses.PppUauth))
            _log.Debug(DebugClasses.PppUauth, PixDebugText.UauthMschapProcessReply(call.VirtualInterface, 0));
        // The PPP session turns an accept without MS-MPPE keys into this reject (RFC 2548 §2.4.2-§2.4.3; PIX 403110).
        if (outcome.Reason.Contains("missing MPPE key", StringComparison.OrdinalIgnoreCase))
            _log.PppMissingMppeKey(call.VirtualInterface, outcome.UserName);
        _log.PppAaaAuthenticationStatus(call.VirtualInterface, outcome.UserName, succeeded: false);
        if (outcome.IsFinal)
            CountSetupAuthenticationFailed(call, outcome.Protocol);
        if (_log.IsEnabled(DebugClasses.PppError))
            _log.Debug(DebugClasses.PppError, $"PPP virtual interface {call.VirtualInterface}: authentication failed: {outcome.Reason}");
    }

    internal void OnLinkUp(GatewayCall call, PppLinkResult result)
    {
        IDataplaneControl dataplane = Dataplane;
        bool required = _group.Mppe is { Required: true };
        if (!dataplane.SetNetwork(call.Handle, result.PeerAddress, result.TransmitAddressControlFieldCompression,
                result.TransmitProtocolFieldCompression, required))
        {
            DebugError(call.TunnelId, $"call {call.CallId}: the dataplane refused the tunnel address {Ipv4.Format(result.PeerAddress)}");
            call.Session?.Close("dataplane refused the session's address");
            return;
        }
        MppeKeyStrength? strength = null;
        if (result.Mppe is { } keys)
        {
            if (!dataplane.SetMppe(call.Handle, new MppeParameters(keys.Strength, keys.Stateless, keys.SendStartKey, keys.ReceiveStartKey)))
            {
                DebugError(call.TunnelId, $"call {call.CallId}: the dataplane refused the MPPE keys");
                call.Session?.Close("dataplane refused MPPE");
                return;
            }
            strength = keys.Strength;
        }
        call.UserName = result.UserName;
        call.AaaServer = result.AaaServer;
        call.IsLinkUp = true;
        CountSetupEstablished(call, result.AuthenticationProtocol);
        call.Mppe = new MppeStatus(strength, result.Mppe?.Stateless ?? false);
        _log.PptpTunnelCreated((int)call.TunnelId, call.PeerAddress, call.VirtualInterface, Ipv4.ToIPAddress(result.PeerAddress),
            result.UserName, strength);
        call.Aaa?.LinkUp(result, () => _dataplane is { } d && d.TryGetCounters(call.Handle, out SessionCounters c) ? c : null);
        // A RADIUS Framed-IP-Address outside the pool has no route into the tunnel yet: give it a host route for the call.
        if (HostRoute is { } route && _options.Pool?.Contains(result.PeerAddress) != true && call.TrySetHostRoute(result.PeerAddress))
        {
            if (route(result.PeerAddress, true) is { } failure)
                _log.Write(PixSeverity.Warning, failure);
        }
    }

    internal void OnLinkDown(GatewayCall call, string reason)
    {
        if (reason.Contains("requires mschap for MPPE", StringComparison.OrdinalIgnoreCase))
            _log.PppRequiresMschapForMppe(call.VirtualInterface);
        else if (reason.StartsWith(PixDebugText.MppeRequiredReason, StringComparison.OrdinalIgnoreCase))
            _log.MppeRequiredButNotActive(call.VirtualInterface, call.CallId, PppProtocol.Ipv4);
        else if (reason.Contains("exhausted", StringComparison.Ordinal) || reason.Contains("no address pool", StringComparison.Ordinal))
            _log.PppClientIpAllocationFailed(call.VirtualInterface);
        if (_log.IsEnabled(DebugClasses.PppNegotiation))
            _log.Debug(DebugClasses.PppNegotiation, $"PPP virtual interface {call.VirtualInterface}: link down: {reason}");
        // RFC 2866 §5.10: the client hung up (LCP Terminate-Request), or the link was lost (echo, negotiation).
        call.SetTerminateCause(reason.StartsWith("peer terminated", StringComparison.Ordinal)
            ? AcctTerminateCause.UserRequest : AcctTerminateCause.LostCarrier);
        if (call.IsCleared)
            return;
        // PPP ended first (Terminate, authentication failure, negotiation timeout): clear the PPTP call with CDN
        // Result Code 1 Lost Carrier (RFC 2637 §2.13); OnCallCleared then releases the rest. Not under the session lock.
        if (call.Established is { } established)
            _ = Task.Run(async () =>
            {
                if (!await established.Connection.ClearCallAsync(call.CallId, PptpCallClearReason.PppTerminated).ConfigureAwait(false))
                    Release(call, "PPP down: " + reason); // the connection is gone; its OnCallCleared may already have run
            });
    }

    internal void OnCcpResetRequested(GatewayCall call) => _dataplane?.OnPeerResetRequest(call.Handle);

    internal void OnPppLog(GatewayCall call, string message)
    {
        if (_log.IsEnabled(DebugClasses.PppNegotiation))
            _log.Debug(DebugClasses.PppNegotiation, $"PPP virtual interface {call.VirtualInterface}: {message}");
    }

    // ------------------------------------------------------------------ IPptpEventSink

    /// <inheritdoc/>
    public void TunnelCreated(uint tunnelId, IPEndPoint remote, IPEndPoint local)
    {
        _tunnelCreated[tunnelId] = _time.GetTimestamp();
        if (_log.IsEnabled(DebugClasses.VpdnEvents))
        {
            _log.Debug(DebugClasses.VpdnEvents, PixDebugText.CreatedTunnel((int)tunnelId));
            _log.Debug(DebugClasses.VpdnEvents, PixDebugText.TunnelCreated((int)tunnelId));
        }
    }

    /// <inheritdoc/>
    public void TunnelDeleted(uint tunnelId, IPEndPoint remote, PptpCloseReason reason)
    {
        ArgumentNullException.ThrowIfNull(remote);
        bool known = _tunnelCreated.TryRemove(tunnelId, out _);
        if (known && reason != PptpCloseReason.AdmissionRefused)
            _log.PptpTunnelDeleted((int)tunnelId, remote.Address.IsIPv4MappedToIPv6 ? remote.Address.MapToIPv4() : remote.Address);
        if (_log.IsEnabled(DebugClasses.VpdnEvents))
            _log.Debug(DebugClasses.VpdnEvents, PixDebugText.TunnelLine((int)tunnelId, null, "tunnel deleted: " + reason));
    }

    /// <inheritdoc/>
    public void ControlMessage(uint tunnelId, PptpMessageDirection direction, PptpControlMessageType type, ReadOnlySpan<byte> message)
    {
        if (_log.IsEnabled(DebugClasses.VpdnPacket))
            _log.Debug(DebugClasses.VpdnPacket, PptpDebugText.PacketHex(tunnelId, direction, message));
        if (_log.IsEnabled(DebugClasses.VpdnEvents))
            _log.Debug(DebugClasses.VpdnEvents, PptpDebugText.PacketType(tunnelId, null, direction, type));
    }

    /// <inheritdoc/>
    public void StateChanged(in PptpStateChange change)
    {
        if (_log.IsEnabled(DebugClasses.VpdnEvents))
            _log.Debug(DebugClasses.VpdnEvents, PptpDebugText.StateChange(change));
    }

    /// <inheritdoc/>
    public void Error(uint tunnelId, PptpErrorKind kind, string detail)
    {
        detail ??= string.Empty;
        if (kind == PptpErrorKind.AcceptError)
        {
            Match errno = ErrnoPattern().Match(detail);
            _log.PptpAcceptError(errno.Success ? int.Parse(errno.Groups[1].ValueSpan, CultureInfo.InvariantCulture) : 0);
        }
        if (_log.IsEnabled(DebugClasses.VpdnError))
            _log.Debug(DebugClasses.VpdnError, PptpDebugText.Error(tunnelId, kind, detail));
    }

    [GeneratedRegex(@"errno = (-?\d{1,9})")]
    private static partial Regex ErrnoPattern();

    private void DebugError(uint tunnelId, string text)
    {
        if (_log.IsEnabled(DebugClasses.VpdnError))
            _log.Debug(DebugClasses.VpdnError, PptpDebugText.Error(tunnelId, PptpErrorKind.HandlerFailure, text));
    }

    // ------------------------------------------------------------------ IAdminHandler

    /// <inheritdoc/>
    public VpdnSnapshot GetSnapshot()
    {
        if (_listener is not { } listener)
            return VpdnSnapshot.Empty;
        long now = _time.GetTimestamp();
        var tunnels = new List<TunnelSnapshot>();
        foreach (PptpTunnelSnapshot t in listener.GetSnapshots())
        {
            var sessions = new List<SessionSnapshot>(t.Calls.Count);
            foreach (PptpCallSnapshot c in t.Calls)
                sessions.Add(SnapshotOf(t, c, now));
            tunnels.Add(new TunnelSnapshot
            {
                TunnelId = (ushort)t.TunnelId,
                RemoteTunnelId = (ushort)t.RemoteId,
                State = t.StateName,
                SecondsSinceStateChange = (long)t.TimeSinceStateChange.TotalSeconds,
                RemoteEndPoint = t.Remote,
                LocalEndPoint = t.Local,
                PacketsSent = (ulong)Math.Max(0, t.PacketsSent),
                PacketsReceived = (ulong)Math.Max(0, t.PacketsReceived),
                BytesSent = (ulong)Math.Max(0, t.BytesSent),
                BytesReceived = (ulong)Math.Max(0, t.BytesReceived),
                Uptime = _tunnelCreated.TryGetValue(t.TunnelId, out long created) ? _time.GetElapsedTime(created, now) : TimeSpan.Zero,
                Sessions = sessions,
            });
        }
        return new VpdnSnapshot(tunnels);
    }

    private SessionSnapshot SnapshotOf(PptpTunnelSnapshot tunnel, PptpCallSnapshot pptpCall, long now)
    {
        IPAddress remote = tunnel.Remote.Address.IsIPv4MappedToIPv6 ? tunnel.Remote.Address.MapToIPv4() : tunnel.Remote.Address;
        var snapshot = new SessionSnapshot
        {
            CallId = pptpCall.CallId,
            PeerCallId = pptpCall.PeerCallId,
            TunnelId = (ushort)tunnel.TunnelId,
            State = pptpCall.StateName,
            SecondsSinceStateChange = (long)pptpCall.TimeSinceStateChange.TotalSeconds,
            RemoteAddress = remote,
            InterfaceName = _options.InterfaceName,
            PeerReceiveWindow = pptpCall.PeerReceiveWindowSize,
        };
        if (!_calls.TryGetValue((tunnel.TunnelId, pptpCall.CallId), out GatewayCall? call))
            return snapshot;
        PppSessionSnapshot? ppp = call.Session?.GetSnapshot();
        snapshot = snapshot with
        {
            PppInterfaceId = call.VirtualInterface,
            UserName = ppp?.UserName ?? call.UserName,
            ClientAddress = ppp is { IsLinkUp: true, PeerAddress: not 0 } ? Ipv4.ToIPAddress(ppp.PeerAddress) : null,
            Mppe = ppp?.MppeStrength is { } s ? new MppeStatus(s, ppp.MppeStateless ?? false) : call.Mppe,
            AaaServer = call.AaaServer is null ? null
                : call.AaaServer == LocalPppAuthenticator.LocalServerName ? "local" : call.AaaServer,
            Uptime = _time.GetElapsedTime(call.CreatedTimestamp, now),
        };
        if (_dataplane is { } dataplane && dataplane.TryGetCounters(call.Handle, out SessionCounters counters))
        {
            snapshot = snapshot with
            {
                PacketsSent = counters.PacketsOut,
                BytesSent = counters.BytesOut,
                PacketsReceived = counters.PacketsIn,
                BytesReceived = counters.BytesIn,
                // The counters hold the next number to send; "Seq" is the last one sent (RFC 2637 §4.1).
                SequenceSent = counters.NextSequenceToSend == 0 ? 0 : counters.NextSequenceToSend - 1,
                AcknowledgmentSent = counters.LastAcknowledgmentSent,
                SequenceReceived = counters.LastSequenceReceived,
                AcknowledgmentReceived = counters.LastAcknowledgmentReceived,
                PeerReceiveWindow = counters.PeerReceiveWindow != 0 ? counters.PeerReceiveWindow : pptpCall.PeerReceiveWindowSize,
                OutOfOrderPackets = counters.OutOfOrder,
                DroppedPackets = counters.Dropped,
            };
        }
        return snapshot;
    }

    /// <inheritdoc/>
    public bool ClearTunnel(ushort tunnelId)
    {
        if (_listener is not { } listener || !listener.TryGetConnection(tunnelId, out _))
            return false;
        foreach (GatewayCall call in _calls.Values.Where(c => c.TunnelId == tunnelId))
            call.SetTerminateCause(AcctTerminateCause.AdminReset);
        // The admin server calls synchronously; the tunnel is gone (StopCCRQ answered or timed out) or still closing
        // when the bounded wait ends: either way it exists no longer for the operator's next "show vpdn".
        Task clearing = listener.ClearTunnelAsync(tunnelId).AsTask();
        clearing.Wait(_options.AdminClearWait);
        return true;
    }

    /// <inheritdoc/>
    public int ClearAllTunnels()
    {
        if (_listener is not { } listener)
            return 0;
        IReadOnlyList<PptpTunnelSnapshot> tunnels = listener.GetSnapshots();
        foreach (GatewayCall call in _calls.Values)
            call.SetTerminateCause(AcctTerminateCause.AdminReset);
        var clearing = new Task[tunnels.Count];
        for (int i = 0; i < tunnels.Count; i++)
            clearing[i] = listener.ClearTunnelAsync(tunnels[i].TunnelId).AsTask();
        Task.WaitAll(clearing, _options.AdminClearWait);
        return tunnels.Count;
    }

    /// <inheritdoc/>
    public string GetVersion() => _options.Version;

    // ------------------------------------------------------------------ virtual interface ids

    private int AllocateInterface() => _freeInterfaces.TryDequeue(out int id, out _) ? id : _nextInterface++;

    private void ReleaseInterface(int id) => _freeInterfaces.Enqueue(id, id);
}
