using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using PptpGw.ControlPlane.Aaa.Radius;
using PptpGw.ControlPlane.Calls;
using PptpGw.ControlPlane.Config;
using PptpGw.ControlPlane.Logging;
using PptpGw.ControlPlane.Ppp.Session;
using PptpGw.ControlPlane.Pptp.Connection;
using PptpGw.ControlPlane.Pptp;
using PptpGw.Dataplane.Control;
using PptpGw.Dataplane.Sessions;
using PptpGw.Gateway.Aaa;

namespace PptpGw.Gateway.Orchestration;

/// <summary>
/// Owns every call from its Outgoing-Call-Request to its release: admission (session and pool limits), the dataplane
/// session, the server-role <see cref="PppSession"/> over the dataplane's control-frame path, and the teardown when
/// either PPP or PPTP ends the call. What PPP reports on the way goes to <see cref="PppCallBridge"/>.
/// </summary>
/// <remarks>
/// Threading: all entry points are thread-safe. PPP observer callbacks run under the session's lock; they only do
/// non-blocking work and hand PPTP work (clearing a call) to the thread pool.
/// </remarks>
internal sealed class CallLifecycle : IPptpCallHandler, IControlFrameSink
{
    private readonly CallTable _table;
    private readonly CallOrchestratorOptions _options;
    private readonly GatewayLog _log;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<SessionHandle, ITimer> _closing = new();

    public CallLifecycle(CallTable table)
    {
        _table = table;
        _options = table.Options;
        _log = table.Log;
        _time = table.Time;
        Metrics = new CallSetupMetrics(_options.Metrics, _time);
        Ppp = new PppCallBridge(table, this);
    }

    /// <summary>Where setups are counted (a no-op without <c>gateway metrics</c>).</summary>
    public CallSetupMetrics Metrics { get; }

    /// <summary>Where the calls' PPP events go.</summary>
    public PppCallBridge Ppp { get; }

    /// <summary>
    /// Ends every call still known (after the listener stopped, none should be): PPP lower layer down, dataplane session
    /// removed, pool address released.
    /// </summary>
    public void CloseAll(string reason)
    {
        foreach (GatewayCall call in _table.All)
            Release(call, reason);
        foreach (SessionHandle handle in _closing.Keys)
            CloseDataplaneSession(handle);
    }

    // ------------------------------------------------------------------ IPptpCallHandler

    /// <inheritdoc/>
    public ValueTask<CallDecision> OnOutgoingCallRequestAsync(CallRequestInfo request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        IDataplaneControl dataplane = _table.Dataplane;
        VpdnGroupConfig group = _table.Group;
        // With local authentication every client address comes from the pool; an AAA server may hand out
        // Framed-IP-Address instead (RFC 2865 §5.8), so an empty pool does not refuse an AAA call.
        AdmissionVerdict verdict = _table.TryAdmit(live => _options.Pool is { } pool && group.AuthenticationSource == ClientAuthenticationSource.Local
            && (live >= pool.Capacity || pool.FreeCount == 0), out int ifc);
        switch (verdict)
        {
            case AdmissionVerdict.Stopping:
                return Refused(CallDecision.Refuse(OutgoingCallResultCode.GeneralError, "the gateway is shutting down", PptpGeneralErrorCode.NoResource));
            case AdmissionVerdict.MaxSessions:
                // %PIX-4-403103: the PIX's message when its session limit is reached; OCRP General Error / No-Resource (RFC 2637 §2.8, §2.16).
                _log.PppMaxConnectionsReached();
                return Refused(CallDecision.Refuse(OutgoingCallResultCode.GeneralError,
                    string.Create(CultureInfo.InvariantCulture, $"gateway max-sessions {_table.Config.Gateway.MaxSessions} reached"), PptpGeneralErrorCode.NoResource));
            case AdmissionVerdict.PoolExhausted:
                _log.PppClientIpAllocationFailed(ifc);
                return Refused(CallDecision.Refuse(OutgoingCallResultCode.GeneralError,
                    $"address pool {_options.Pool!.Name} exhausted ({_options.Pool.Capacity} addresses)", PptpGeneralErrorCode.NoResource));
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
            _table.Unadmit(ifc);
            DebugError(request.TunnelId, $"call {request.CallId}: dataplane refused the session: {installed}");
            return Refused(CallDecision.Refuse(OutgoingCallResultCode.GeneralError, $"dataplane: {installed}", PptpGeneralErrorCode.NoResource));
        }

        var call = new GatewayCall(this, request, ifc, handle, _time.GetTimestamp());
        _table.Add(call);
        if (_log.IsEnabled(DebugClasses.VpdnEvents))
            _log.Debug(DebugClasses.VpdnEvents, PixDebugText.StoreSession((int)request.TunnelId, request.CallId));
        return ValueTask.FromResult(CallDecision.Accept());
    }

    private ValueTask<CallDecision> Refused(CallDecision decision)
    {
        Metrics.Refused();
        if (_log.IsEnabled(DebugClasses.VpdnError))
            _log.Debug(DebugClasses.VpdnError, "PPTP: call refused: " + decision.Reason);
        return ValueTask.FromResult(decision);
    }

    /// <inheritdoc/>
    public void OnCallEstablished(EstablishedCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        if (!_table.TryGet(call.TunnelId, call.CallId, out GatewayCall? gatewayCall) || gatewayCall is null)
            return;
        gatewayCall.Established = call;
        AaaCall? aaa = _options.Aaa?.BeginCall(call.CallId, gatewayCall.PeerAddress, Unmapped(call.Local.Address),
            (cause, reason) => DisconnectForAaa(gatewayCall, cause, reason));
        gatewayCall.Aaa = aaa;
        // One snapshot of the configuration for the whole call: a reload in the middle changes nothing of it.
        CallOrchestratorOptions current = _table.Options;
        gatewayCall.Group = current.Group;
        PppSessionOptions options = PppSessionOptions.ForServer(current.Config, current.Group, Metrics.Measured(aaa?.Authenticator ?? _options.Authenticator), _options.Pool);
        if (_options.Aaa is { } aaaOptions)
            options = aaaOptions.AdjustSessionOptions(options);
        IDataplaneControl dataplane = _table.Dataplane;
        SessionHandle handle = gatewayCall.Handle;
        int ifc = gatewayCall.VirtualInterface;
        var session = new PppSession(options, frame =>
        {
            if (_log.IsEnabled(DebugClasses.PppIo))
                _log.Debug(DebugClasses.PppIo, PixDebugText.PppTransmit(ifc, frame));
            dataplane.SendControlFrame(handle, frame);
        }, gatewayCall, _time, PixDebugText.Prefix((int)call.TunnelId, call.CallId));
        IReadOnlyList<byte[]> early = gatewayCall.AttachSession(session);
        if (_log.IsEnabled(DebugClasses.VpdnEvents))
            _log.Debug(DebugClasses.VpdnEvents, PixDebugText.VirtualAccessOpen(ifc));
        gatewayCall.StartTimer = _time.CreateTimer(_ => StartPpp(gatewayCall), null, _options.PppStartDelay, Timeout.InfiniteTimeSpan);
        if (gatewayCall.IsCleared)
        {
            Release(gatewayCall, "call cleared");
            return;
        }
        // What the PAC sent before the session existed (its first Configure-Request): answered now, not 3 s later
        // at its retransmission.
        foreach (byte[] frame in early)
            OnControlFrame(gatewayCall, frame);
    }

    private static IPAddress Unmapped(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

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
        if (!_table.TryGet(tunnelId, callId, out GatewayCall? call) || call is null)
            return;
        call.TryMarkCleared();
        // Why the call ended, unless the gateway already knew (clear vpdn, shutdown, AAA, PPP).
        call.SetEndReason(CallEndReasonMapping.FromPptp(reason, _table.Stopping));
        Release(call, "PPTP call cleared: " + reason);
    }

    // ------------------------------------------------------------------ ending a call from the gateway's side

    /// <summary>
    /// PPP ended first (Terminate, authentication failure, negotiation timeout): clear the PPTP call with CDN Result
    /// Code 1 Lost Carrier (RFC 2637 §2.13); OnCallCleared then releases the rest. Called under the session lock: the
    /// PPTP work runs on the thread pool.
    /// </summary>
    public void OnPppEnded(GatewayCall call, PppLinkDown down)
    {
        call.SetEndReason(CallEndReasonMapping.FromPpp(down.Cause));
        if (call.IsCleared)
            return;
        if (call.Established is { } established)
            _ = Task.Run(async () =>
            {
                if (!await established.Connection.ClearCallAsync(call.CallId, PptpCallClearReason.PppTerminated).ConfigureAwait(false))
                    Release(call, "PPP down: " + down.Detail); // the connection is gone; its OnCallCleared may already have run
            });
    }

    /// <summary>
    /// The AAA server ends the call (Session-Timeout expired, Disconnect-Request): LCP Terminate-Request to the client,
    /// then Call-Disconnect-Notify (Admin Shutdown, RFC 2637 §2.13). Does not block.
    /// </summary>
    private void DisconnectForAaa(GatewayCall call, AcctTerminateCause cause, string reason)
    {
        call.SetEndReason(CallEndReasonMapping.FromAaa(cause));
        if (call.IsCleared)
            return;
        call.Session?.Close(PppDownCause.LocalClose, reason);
        if (call.Established is { } established)
            _ = Task.Run(async () =>
            {
                if (!await established.Connection.ClearCallAsync(call.CallId, PptpCallClearReason.AaaDisconnect).ConfigureAwait(false))
                    Release(call, reason);
            });
        else
            Release(call, reason);
    }

    /// <summary>
    /// The client sent no data for the call's Idle-Timeout: as an AAA disconnect (LCP Terminate-Request, then
    /// Call-Disconnect-Notify Admin Shutdown), recorded as Acct-Terminate-Cause Idle-Timeout (RFC 2866 §5.10, value 4).
    /// </summary>
    internal void DisconnectIdle(GatewayCall call)
    {
        TimeSpan limit = call.IdleMonitor?.Limit ?? TimeSpan.Zero;
        _log.Write(PixSeverity.Informational, string.Create(CultureInfo.InvariantCulture,
            $"user '{call.UserName}' (call {call.CallId}, PPP virtual interface {call.VirtualInterface}): Idle-Timeout of {limit.TotalSeconds:0} s expired, no data from the client; disconnecting"));
        DisconnectForAaa(call, AcctTerminateCause.IdleTimeout, "idle timeout");
    }

    /// <summary>Everything that ends with the call: PPP, the dataplane session, the pool address (PppSession), the counters.</summary>
    private void Release(GatewayCall call, string reason)
    {
        call.TryMarkCleared();
        if (!_table.TryRemove(call))
            return;
        Metrics.Released(call); // no-op when the setup was counted already
        call.StartTimer?.Dispose();
        call.IdleMonitor?.Dispose();
        if (call.Session is { } session)
        {
            session.LowerLayerDown(reason); // fires LinkDown once; the pool address goes back there
            session.Dispose();
        }
        // Accounting Stop reads the final counters now, before the dataplane session goes.
        ((ICallAccounting?)call.Aaa)?.End(call.EndReason);
        if (call.TryTakeHostRoute(out uint hostRoute) && _table.HostRoute is { } route && route(hostRoute, false) is { } failure)
            _log.Write(PixSeverity.Warning, failure);
        if (call.TryMarkDataplaneClosed())
            ScheduleDataplaneClose(call.Handle);
        _table.Unadmit(call.VirtualInterface);
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
        if (_table.Stopping || _options.DataplaneCloseDelay <= TimeSpan.Zero)
        {
            _table.DataplaneOrNull?.Close(handle);
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
        _table.DataplaneOrNull?.Close(handle);
    }

    private void StartPpp(GatewayCall call)
    {
        call.StartTimer?.Dispose();
        if (!call.IsCleared && call.Session is { } session && call.TryMarkStarted())
            session.Start();
    }

    internal void DebugError(uint tunnelId, string text)
    {
        if (_log.IsEnabled(DebugClasses.VpdnError))
            _log.Debug(DebugClasses.VpdnError, PptpDebugText.Error(tunnelId, PptpErrorKind.HandlerFailure, text));
    }

    // ------------------------------------------------------------------ IControlFrameSink

    /// <inheritdoc/>
    public void OnControlFrame(SessionHandle session, ReadOnlySpan<byte> pppFrame)
    {
        if (!_table.TryGet(session, out GatewayCall? call) || call is null || call.TryHoldEarlyFrame(pppFrame))
            return;
        OnControlFrame(call, pppFrame);
    }

    private void OnControlFrame(GatewayCall call, ReadOnlySpan<byte> pppFrame)
    {
        if (call.Session is not { } ppp)
            return;
        if (_log.IsEnabled(DebugClasses.PppIo))
            _log.Debug(DebugClasses.PppIo, PixDebugText.PppReceived(call.VirtualInterface, call.VirtualInterface, pppFrame));
        StartPpp(call);
        ppp.Receive(pppFrame);
    }

    /// <inheritdoc/>
    public void OnResetRequestNeeded(SessionHandle session)
    {
        if (_table.TryGet(session, out GatewayCall? call) && call?.Session is { } ppp)
            ppp.SendCcpResetRequest(); // RFC 3078 §8: the peer flushes and sets the A bit on its next packet
    }
}
