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
    private readonly PptpControlChannel _channel;
    private readonly IGreTransport _gre;
    private readonly ClientDataPath _data;
    private readonly PppSession _ppp;
    private readonly Action<string> _log;
    private readonly TaskCompletionSource<PptpClientLink> _linkUp = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<string> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _callDisconnected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stopReplied = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _readerStop = new();
    private readonly Lock _sync = new();
    private Task? _reader;
    private Task? _teardown;
    private ITunnelInterface? _interface;
    private PppAuthOutcome? _authFailure;
    private volatile bool _serverStopped;
    private volatile bool _controlClosed;

    internal PptpClientSession(PptpClientOptions options, PptpControlChannel channel, IGreTransport gre, IPAddress localAddress,
        ushort callId, ushort peerCallId, ushort peerWindow, TimeSpan negotiationTimeout)
    {
        _options = options;
        _channel = channel;
        _gre = gre;
        _log = options.Log ?? (_ => { });
        LocalEndPointAddress = localAddress;
        CallId = callId;
        PeerCallId = peerCallId;
        _data = new ClientDataPath(gre, callId, peerCallId, options.ReceiveWindow, peerWindow, options.AcknowledgmentDelay, _log);
        _ppp = new PppSession(PptpClient.BuildPppOptions(options, negotiationTimeout), _data.SendControlFrame, new Observer(this),
            options.TimeProvider, string.Create(CultureInfo.InvariantCulture, $"call {callId}"));
        _data.Session = _ppp;
    }

    /// <summary>Our Call ID (the Key of GRE packets sent to us).</summary>
    public ushort CallId { get; }

    /// <summary>The server's Call ID (the Key of GRE packets we send).</summary>
    public ushort PeerCallId { get; }

    /// <summary>The local address of the control connection (and of the GRE socket).</summary>
    public IPAddress LocalEndPointAddress { get; }

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

    internal void Start()
    {
        // PPP first: a Configure-Request the server sent right after its Outgoing-Call-Reply is queued in the GRE
        // transport, and LCP must be out of the Initial state when the receive loop hands it over (RFC 1661 §4.2).
        _ppp.Start();
        _reader = Task.Run(ReadControlAsync);
        _data.Start();
    }

    /// <summary>
    /// Ends the session. Graceful: LCP Terminate (RFC 1661 §5.5), Call-Clear-Request until Call-Disconnect-Notify
    /// (RFC 2637 §2.12-§2.13), Stop-Control-Connection-Request until the Reply (§2.3-§2.4), then close. Otherwise: just
    /// close. Idempotent: later calls wait for the first.
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
            if (graceful && !_serverStopped && !_controlClosed)
            {
                _ppp.Close(reason);
                await WaitForLcpClosedAsync(step).ConfigureAwait(false);
                using var cts = new CancellationTokenSource(step * 2);
                try
                {
                    if (!_callDisconnected.Task.IsCompleted)
                    {
                        await _channel.SendAsync(ClientControlMessages.CallClearRequest(CallId), cts.Token).ConfigureAwait(false);
                        await WaitAsync(_callDisconnected.Task, step).ConfigureAwait(false);
                    }
                    await _channel.SendAsync(ClientControlMessages.StopControlConnectionRequest(StopControlConnectionReason.None), cts.Token)
                        .ConfigureAwait(false);
                    await WaitAsync(_stopReplied.Task, step).ConfigureAwait(false);
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
            await _readerStop.CancelAsync().ConfigureAwait(false);
            await _channel.DisposeAsync().ConfigureAwait(false);
            if (_reader is { } reader)
                await reader.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
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

    private static async Task WaitAsync(Task task, TimeSpan limit)
    {
        try
        {
            await task.WaitAsync(limit).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // no answer: we close anyway (RFC 2637 leaves the time-out to the implementation)
        }
    }

    // ------------------------------------------------------------------ control connection

    private async Task ReadControlAsync()
    {
        CancellationToken token = _readerStop.Token;
        string? reason = null;
        try
        {
            while (!token.IsCancellationRequested)
            {
                ControlMessage? received = await _channel.ReceiveAsync(token).ConfigureAwait(false);
                if (received is not { } message)
                {
                    reason = "the server closed the control connection";
                    break;
                }
                _log($"control: {message.Type.Abbreviation()} received");
                switch (message.Type)
                {
                    case PptpControlMessageType.EchoRequest:
                        // RFC 2637 §2.5: keep-alive; answered at once.
                        await _channel.SendAsync(ClientControlMessages.EchoReply(message.Identifier), token).ConfigureAwait(false);
                        break;
                    case PptpControlMessageType.SetLinkInfo:
                        break; // RFC 2637 §2.15: ACCMs matter for async HDLC framing only; GRE carries no ACCM.
                    case PptpControlMessageType.CallDisconnectNotify when message.CallId == PeerCallId:
                        _callDisconnected.TrySetResult();
                        if (_teardown is null)
                        {
                            string text = $"call disconnected by the server: {((CallDisconnectResultCode)message.ResultCode).ToRfcText()}"
                                + PptpClient.ErrorSuffix(message.ErrorCode);
                            _ppp.LowerLayerDown(text);
                            _ = End(graceful: true, text);
                        }
                        break;
                    case PptpControlMessageType.StopControlConnectionRequest:
                        // RFC 2637 §2.3: the server is closing; answer and end without anything further.
                        _serverStopped = true;
                        await _channel.SendAsync(ClientControlMessages.StopControlConnectionReply(), token).ConfigureAwait(false);
                        reason = $"the server stopped the control connection: {((StopControlConnectionReason)message.ResultCode).ToRfcText()}";
                        _ppp.LowerLayerDown(reason);
                        break;
                    case PptpControlMessageType.StopControlConnectionReply:
                        _stopReplied.TrySetResult();
                        break;
                }
                if (_serverStopped)
                    break;
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            return;
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or PptpClientException)
        {
            if (token.IsCancellationRequested)
                return;
            reason = $"control connection lost: {e.Message}";
        }
        if (reason is null || token.IsCancellationRequested)
            return;
        _controlClosed = true;
        _ppp.LowerLayerDown(reason);
        _ = End(graceful: false, reason);
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
