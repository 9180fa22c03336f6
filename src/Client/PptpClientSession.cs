using System.Globalization;
using System.Net;
using System.Net.Sockets;
using PptpGw.ControlPlane.Pools;
using PptpGw.ControlPlane.Ppp.Auth;
using PptpGw.ControlPlane.Ppp.Fsm;
using PptpGw.ControlPlane.Ppp.Session;
using PptpGw.ControlPlane.Pptp;
using PptpGw.Dataplane.Mppe;
using PptpGw.Dataplane.Ports;

namespace PptpGw.Client;

/// <summary>
/// One established PPTP call from the client's side: the control connection (answering Echo-Requests, honouring the
/// server's Stop-Control-Connection-Request and Call-Disconnect-Notify), PPP in the client role, the data path, and the
/// tunnel interface once the link is up. Created by <see cref="PptpClient.ConnectAsync"/>.
/// </summary>
public sealed class PptpClientSession : IAsyncDisposable
{
    private readonly PptpClientOptions _options;
    private readonly PptpTunnel _tunnel;
    private readonly PptpTunnelCall _call;
    private readonly bool _ownsTunnel;
    private readonly IGreTransport _gre;
    private readonly ClientDataPath _data;
    private readonly PppSession _ppp;
    private readonly Action<string> _log;
    private readonly TaskCompletionSource<PptpClientLink> _linkUp = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<string> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _sync = new();
    private Task? _teardown;
    private ITunnelInterface? _interface;
    private PppAuthOutcome? _authFailure;
    private volatile bool _controlClosed;
    private int _renegotiations;

    /// <summary>
    /// A session over <paramref name="call"/> of <paramref name="tunnel"/>, its GRE through <paramref name="gre"/> (which it
    /// owns: a <see cref="GreDemultiplexer"/> view when calls share the tunnel). With <paramref name="ownsTunnel"/>, a
    /// graceful hang-up also stops the control connection and the tunnel is disposed with the session (the one-call case).
    /// </summary>
    internal PptpClientSession(PptpClientOptions options, PptpTunnel tunnel, PptpTunnelCall call, IGreTransport gre, bool ownsTunnel,
        TimeSpan negotiationTimeout)
    {
        _options = options;
        _tunnel = tunnel;
        _call = call;
        _ownsTunnel = ownsTunnel;
        _gre = gre;
        _log = options.Log ?? (_ => { });
        LocalEndPointAddress = tunnel.LocalEndPoint.Address;
        CallId = call.CallId;
        PeerCallId = call.PeerCallId;
        _data = new ClientDataPath(gre, CallId, PeerCallId, call.ReceiveWindow, call.PeerReceiveWindow, options.AcknowledgmentDelay, _log);
        _ppp = new PppSession(PptpClient.BuildPppOptions(options, negotiationTimeout), _data.SendControlFrame, new Observer(this),
            options.TimeProvider, string.Create(CultureInfo.InvariantCulture, $"call {CallId}"));
        _data.Session = _ppp;
    }

    /// <summary>Our Call ID (the Key of GRE packets sent to us).</summary>
    public ushort CallId { get; }

    /// <summary>The server's Call ID (the Key of GRE packets we send).</summary>
    public ushort PeerCallId { get; }

    /// <summary>The local address of the control connection (and of the GRE socket).</summary>
    public IPAddress LocalEndPointAddress { get; }

    /// <summary>The control connection the call belongs to.</summary>
    public PptpTunnel Tunnel => _tunnel;

    /// <summary>Completes when PPP is up and the tunnel interface configured; faults with <see cref="PptpClientException"/> otherwise.</summary>
    public Task<PptpClientLink> LinkUp => _linkUp.Task;

    /// <summary>Completes with the reason once the session has ended and everything is closed.</summary>
    public Task<string> Completion => _completion.Task;

    /// <summary>The tunnel interface (null before link-up).</summary>
    public ITunnelInterface? Interface => Volatile.Read(ref _interface);

    /// <summary>Packet counters.</summary>
    public PptpClientCounters Counters => _data.Counters;

    /// <summary>The PPP session's state.</summary>
    public PppSessionSnapshot Ppp => _ppp.GetSnapshot();

    /// <summary>Times the network came up again after a renegotiation (LCP, IPCP or CCP, either side asking).</summary>
    public int Renegotiations => Volatile.Read(ref _renegotiations);

    /// <summary>Renegotiates LCP, IPCP or CCP on the live link (RFC 1661 §4.1); false when the link is not up.</summary>
    public bool Renegotiate(PppRenegotiation what) => _ppp.Renegotiate(what);

    internal void Start()
    {
        // PPP first: a Configure-Request the server sent right after its Outgoing-Call-Reply is queued in the GRE
        // transport, and LCP must be out of the Initial state when the receive loop hands it over (RFC 1661 §4.2).
        _ppp.Start();
        _ = _call.Ended.ContinueWith(t => OnCallEnded(t.Result), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        _data.Start();
    }

    /// <summary>
    /// Ends the session. Graceful: LCP Terminate (RFC 1661 §5.5), Call-Clear-Request until Call-Disconnect-Notify
    /// (RFC 2637 §2.12-§2.13), and when the session owns its tunnel Stop-Control-Connection-Request until the Reply
    /// (§2.3-§2.4), then close. Otherwise: just close. Idempotent: later calls wait for the first.
    /// </summary>
    public Task HangUpAsync(bool graceful = true) => End(graceful, "user request");

    public async ValueTask DisposeAsync()
    {
        await End(graceful: false, "disposed").ConfigureAwait(false);
    }

    private Task End(bool graceful, string reason)
    {
        lock (_sync)
            return _teardown ??= Task.Run(() => TeardownAsync(graceful, reason));
    }

    private async Task TeardownAsync(bool graceful, string reason)
    {
        TimeSpan step = _options.HangUpStepTimeout;
        string finalReason = reason;
        try
        {
            if (graceful && !_controlClosed)
            {
                _ppp.Close(reason);
                await WaitForLcpClosedAsync(step).ConfigureAwait(false);
                try
                {
                    // A PAC (the gateway, the PIX) clears the call itself once PPP has terminated: its Call-Disconnect-
                    // Notify is then on its way, and a CCRQ sent now would name a call the PAC has already cleared
                    // (RFC 2637 §2.12-§2.13: the PNS asks to clear a call that exists). So give that CDN a moment first.
                    if (!_call.Ended.IsCompleted)
                        await Task.WhenAny(_call.Ended, Task.Delay(step < _options.CallDisconnectGrace ? step : _options.CallDisconnectGrace)).ConfigureAwait(false);
                    if (!_call.Ended.IsCompleted)
                        await _call.ClearAsync().ConfigureAwait(false);
                    if (_ownsTunnel)
                        await _tunnel.StopAsync().ConfigureAwait(false);
                }
                catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
                {
                    _log($"hang-up: control connection: {e.Message}");
                }
            }
            _ppp.LowerLayerDown(reason);
            finalReason = _ppp.GetSnapshot().DownReason ?? reason;
        }
        finally
        {
            _data.Stop();
            if (_ownsTunnel)
                await _tunnel.DisposeAsync().ConfigureAwait(false);
            else if (!_call.Ended.IsCompleted)
                await _call.ClearAsync().ConfigureAwait(false); // a shared tunnel stays up; the call must not
            Interlocked.Exchange(ref _interface, null)?.Dispose();
            _gre.Dispose();
            _data.Dispose();
            _ppp.Dispose();
            _linkUp.TrySetException(new PptpClientException(PptpClientFailure.LinkFailed, $"the session ended before the link came up: {finalReason}"));
            _completion.TrySetResult(finalReason);
        }
    }

    private async Task WaitForLcpClosedAsync(TimeSpan limit)
    {
        DateTime end = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < end
            // Stopping: the server terminated and we acknowledged (RFC 1661 §4.2); only Closing still waits for its Terminate-Ack.
            && _ppp.GetSnapshot().Lcp is not (PppFsmState.Initial or PppFsmState.Starting or PppFsmState.Closed or PppFsmState.Stopped
                or PppFsmState.Stopping))
            await Task.Delay(10).ConfigureAwait(false);
    }

    // ------------------------------------------------------------------ the call's end (from the tunnel)

    private void OnCallEnded(PptpCallEnd end)
    {
        switch (end.Kind)
        {
            case PptpCallEndKind.ServerDisconnected:
                // RFC 2637 §2.13: the server cleared the call; PPP's lower layer is gone (RFC 1661 §4.4 Down).
                _ppp.LowerLayerDown(end.Detail);
                _ = End(graceful: true, end.Detail);
                break;
            case PptpCallEndKind.TunnelStopped or PptpCallEndKind.TunnelLost:
                // §2.3: the control connection took the call with it; nothing more can be said on it.
                _controlClosed = true;
                _ppp.LowerLayerDown(end.Detail);
                _ = End(graceful: false, end.Detail);
                break;
            case PptpCallEndKind.Cleared:
                _ = End(graceful: false, end.Detail); // our own clear (hang-up under way, or the tunnel's owner cleared it)
                break;
        }
    }

    // ------------------------------------------------------------------ PPP events

    private void OnLinkUp(PppLinkResult result)
    {
        _data.OnLinkUp(result);
        // Interface set-up runs programs and ioctls: not under the session lock.
        _ = Task.Run(() => ConfigureInterface(result));
    }

    private void ConfigureInterface(PppLinkResult result)
    {
        int overhead = result.Mppe is null ? 0 : MppeHeader.Length + 2; // RFC 3078 §3: header + the inner protocol field
        int mtu = Math.Clamp(result.PeerMru - overhead, 576, 1500);
        var settings = new TunnelInterfaceSettings(_options.InterfaceName, Ipv4.ToIPAddress(result.LocalAddress),
            Ipv4.ToIPAddress(result.PeerAddress), mtu, _options.Routes);
        ITunnelInterface tunnel;
        try
        {
            tunnel = _options.InterfaceFactory is { } factory ? factory(settings) : new KernelTunnelInterface(settings);
        }
        catch (Exception e) when (e is PortSetupException or IOException or ArgumentException)
        {
            _linkUp.TrySetException(new PptpClientException(PptpClientFailure.ConnectFailed, $"cannot set up the tunnel interface: {e.Message}", e));
            _ = End(graceful: true, "tunnel interface set-up failed");
            return;
        }
        if (_teardown is not null)
        {
            tunnel.Dispose();
            return;
        }
        Volatile.Write(ref _interface, tunnel);
        _data.Attach(tunnel);
        MppeKeyStrength? strength = result.Mppe?.Strength;
        _linkUp.TrySetResult(new PptpClientLink(tunnel.Name, settings.LocalAddress, settings.PeerAddress,
            PptpClient.OptionalAddress(result.PrimaryDns), PptpClient.OptionalAddress(result.SecondaryDns), result.AuthenticationProtocol,
            strength is { } s ? (int)s : null, result.Mppe?.Stateless ?? false, mtu));
    }

    private void OnLinkDown(PppLinkDown down)
    {
        if (!_linkUp.Task.IsCompleted)
            _linkUp.TrySetException(Classify(down));
        _ = End(graceful: true, down.Detail);
    }

    /// <summary>The dial's failure from the typed PPP outcome (the exit status of <c>pptpgw dial</c>).</summary>
    private PptpClientException Classify(PppLinkDown down)
    {
        if (_authFailure is { } auth)
            return new PptpClientException(PptpClientFailure.AuthenticationFailed,
                $"authentication failed: {PptpClient.DescribeAuthenticationFailure(auth)}");
        switch (down.Cause)
        {
            case PppDownCause.MppeRequiresMsChap or PppDownCause.MppeNoCommonStrength or PppDownCause.MppeNotNegotiated or PppDownCause.CcpClosed:
            // The server hung up in the network phase without MPPE agreed: it refused our MPPE or our lack of it (RFC 3078 §4).
            case PppDownCause.PeerTerminated when down.Phase == PppPhase.Network && !down.MppeActive:
                return new PptpClientException(PptpClientFailure.MppeMismatch, $"MPPE mismatch: {down.Detail}");
            case PppDownCause.NegotiationTimeout:
                return new PptpClientException(PptpClientFailure.Timeout, $"timeout: {down.Detail}");
            default:
                return new PptpClientException(PptpClientFailure.LinkFailed, $"PPP failed: {down.Detail}");
        }
    }

    private sealed class Observer(PptpClientSession owner) : IPppSessionObserver
    {
        public void LinkUp(PppSession session, PppLinkResult result) => owner.OnLinkUp(result);

        public void LinkDown(PppSession session, PppLinkDown down) => owner.OnLinkDown(down);

        public void NetworkDown(PppSession session, PppRenegotiation renegotiation)
        {
            owner._data.OnNetworkDown();
            owner._log($"ppp: {renegotiation} renegotiation: data held");
        }

        public void NetworkUp(PppSession session, PppLinkResult result)
        {
            owner._data.OnLinkUp(result);
            Interlocked.Increment(ref owner._renegotiations);
        }

        public void AuthenticationFailed(PppSession session, PppAuthOutcome outcome)
        {
            if (outcome.IsFinal)
                owner._authFailure = outcome;
            owner._log($"authentication failed: {outcome.Reason}");
        }

        public void AuthenticationSucceeded(PppSession session, PppAuthOutcome outcome) => owner._log($"authenticated: {outcome.Reason}");

        public void CcpResetRequested(PppSession session) => owner._data.OnResetRequest();

        public void Log(PppSession session, string message) => owner._log($"ppp: {message}");
    }
}
