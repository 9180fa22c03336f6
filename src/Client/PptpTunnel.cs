using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using PptpGw.ControlPlane.Pptp;

namespace PptpGw.Client;

/// <summary>
/// The client's (the PNS's) side of one PPTP control connection (RFC 2637 §2-§3): TCP, Start-Control-Connection, and any
/// number of calls on it (§3.2: a PAC carries many calls in one tunnel; Windows and pptp-linux place one, a concentrator
/// or <c>pptpgw load</c> many). It answers Echo-Requests, dispatches Outgoing-Call-Replies and Call-Disconnect-Notifies to
/// their calls by Call ID, and ends every call when the connection is stopped (by either side, §2.3) or lost.
/// </summary>
/// <remarks>
/// <para>Use: <see cref="OpenAsync"/>, then for each call <see cref="ReserveCallId"/> (set up whatever must receive the
/// call's GRE — its Key is that id, §4.1 — before the server's first PPP frame can arrive) and <see cref="PlaceCallAsync"/>;
/// the returned <see cref="PptpTunnelCall"/> gives the ids and window the caller's PPP and data path need. End with
/// <see cref="StopAsync"/> (one Stop-Control-Connection-Request clears every call) or <see cref="DisposeAsync"/>.</para>
/// <para>Threading: all members are thread-safe; calls may be placed concurrently. A read loop owns the stream's input;
/// writes are serialised by the channel.</para>
/// </remarks>
public sealed class PptpTunnel : IAsyncDisposable
{
    private readonly PptpControlChannel _channel;
    private readonly PptpTunnelOptions _options;
    private readonly Action<string> _log;
    private readonly Lock _gate = new();
    // Our Call ID → the reply we wait for (reserved ids and placed-but-unanswered calls).
    private readonly Dictionary<ushort, TaskCompletionSource<ControlMessage>> _pending = [];
    private readonly Dictionary<ushort, PptpTunnelCall> _calls = [];
    private readonly Dictionary<ushort, PptpTunnelCall> _byServerCallId = [];
    private readonly TaskCompletionSource<PptpTunnelEnd> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stopReplied = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _readerStop = new();
    private PptpTunnelEnd? _end;
    private volatile bool _stopSent;
    private Task? _reader;
    private Task? _shutdown;

    private PptpTunnel(PptpControlChannel channel, PptpTunnelOptions options, IPEndPoint local, string? serverHostName)
    {
        _channel = channel;
        _options = options;
        _log = options.Log ?? (_ => { });
        LocalEndPoint = local;
        ServerHostName = serverHostName;
    }

    /// <summary>Our end of the TCP connection; its address is where the server sends GRE.</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>The server's address.</summary>
    public IPAddress Server => _options.Server;

    /// <summary>The Host Name of the server's Start-Control-Connection-Reply, or null when empty.</summary>
    public string? ServerHostName { get; }

    /// <summary>Calls established and not ended.</summary>
    public int ActiveCalls
    {
        get { lock (_gate) return _calls.Count; }
    }

    /// <summary>Completes when the control connection has ended (every call has then ended too).</summary>
    public Task<PptpTunnelEnd> Closed => _closed.Task;

    /// <summary>
    /// Connects and sets up the control connection (Start-Control-Connection-Request/Reply, RFC 2637 §2.1-§2.2).
    /// </summary>
    /// <exception cref="PptpClientException">ConnectFailed (TCP), Refused (SCCRP result), Timeout, LinkFailed.</exception>
    public static async Task<PptpTunnel> OpenAsync(PptpTunnelOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ConnectTimeout);
        CancellationToken token = timeout.Token;
        string waitingFor = "the TCP connection";
        Socket? socket = null;
        PptpControlChannel? channel = null;
        try
        {
            socket = new Socket(options.Server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            if (options.SourceAddress is { } source)
                socket.Bind(new IPEndPoint(source, 0));
            try
            {
                await socket.ConnectAsync(new IPEndPoint(options.Server, options.Port), token).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                throw new PptpClientException(PptpClientFailure.ConnectFailed,
                    $"cannot connect to {options.Server}:{options.Port.ToString(CultureInfo.InvariantCulture)}: {e.Message}", e);
            }
            var stream = new NetworkStream(socket, ownsSocket: true);
            socket = null;
            channel = new PptpControlChannel(stream);
            var local = (IPEndPoint)stream.Socket.LocalEndPoint!;

            waitingFor = "Start-Control-Connection-Reply";
            await channel.SendAsync(ClientControlMessages.StartControlConnectionRequest(options.HostName), token).ConfigureAwait(false);
            ControlMessage sccrp = await ExpectStartReplyAsync(channel, token).ConfigureAwait(false);
            var result = (StartControlConnectionResultCode)sccrp.ResultCode;
            if (result != StartControlConnectionResultCode.Successful)
                throw new PptpClientException(PptpClientFailure.Refused,
                    $"control connection refused: {result.ToRfcText()}{PptpClient.ErrorSuffix(sccrp.ErrorCode)}");
            var tunnel = new PptpTunnel(channel, options, local, string.IsNullOrEmpty(sccrp.Text) ? null : sccrp.Text);
            channel = null;
            tunnel._reader = Task.Run(tunnel.ReadLoopAsync);
            return tunnel;
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new PptpClientException(PptpClientFailure.Timeout,
                $"timeout: no {waitingFor} from {options.Server} within {options.ConnectTimeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s", e);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            throw new PptpClientException(PptpClientFailure.LinkFailed, $"control connection lost while waiting for {waitingFor}: {e.Message}", e);
        }
        finally
        {
            socket?.Dispose();
            if (channel is not null)
                await channel.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Reads until the SCCRP, answering Echo-Requests on the way (§2.5).</summary>
    private static async Task<ControlMessage> ExpectStartReplyAsync(PptpControlChannel channel, CancellationToken token)
    {
        while (true)
        {
            ControlMessage message = await channel.ReceiveAsync(token).ConfigureAwait(false)
                ?? throw new PptpClientException(PptpClientFailure.LinkFailed, "the server closed the control connection (waiting for Start-Control-Connection-Reply)");
            switch (message.Type)
            {
                case PptpControlMessageType.StartControlConnectionReply:
                    return message;
                case PptpControlMessageType.EchoRequest:
                    await channel.SendAsync(ClientControlMessages.EchoReply(message.Identifier), token).ConfigureAwait(false);
                    break;
                case PptpControlMessageType.StopControlConnectionRequest:
                    await channel.SendAsync(ClientControlMessages.StopControlConnectionReply(), token).ConfigureAwait(false);
                    throw new PptpClientException(PptpClientFailure.Refused,
                        $"the server stopped the control connection: {((StopControlConnectionReason)message.ResultCode).ToRfcText()}");
            }
        }
    }

    /// <summary>
    /// Picks a random Call ID no call of this tunnel uses (RFC 2637 §2.7: unique per PNS-PAC pair) and holds it for
    /// <see cref="PlaceCallAsync"/>, so the caller can prepare to receive GRE with that Key first. Give an id that is not
    /// placed back with <see cref="ReleaseCallId"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The tunnel has ended, or no id is free.</exception>
    public ushort ReserveCallId()
    {
        lock (_gate)
        {
            if (_end is { } end)
                throw new InvalidOperationException("the control connection has ended: " + end.Detail);
            for (int attempt = 0; attempt < 4096; attempt++)
            {
                ushort id = (ushort)RandomNumberGenerator.GetInt32(1, 65536);
                if (!_pending.ContainsKey(id) && !_calls.ContainsKey(id))
                {
                    _pending.Add(id, NewReply());
                    return id;
                }
            }
            throw new InvalidOperationException("no free call id on this control connection");
        }
    }

    /// <summary>Gives back an id from <see cref="ReserveCallId"/> that was never placed.</summary>
    public void ReleaseCallId(ushort callId)
    {
        lock (_gate)
            _pending.Remove(callId);
    }

    /// <summary>
    /// Places a call (Outgoing-Call-Request, RFC 2637 §2.7) and waits for its Outgoing-Call-Reply (§2.8).
    /// </summary>
    /// <param name="callId">Our Call ID: one from <see cref="ReserveCallId"/>, a free id of the caller's choosing, or 0 for a random one.</param>
    /// <param name="receiveWindow">The Packet Recv. Window Size we announce.</param>
    /// <param name="cancellationToken">Gives up waiting (the call id is released; a late reply is ignored).</param>
    /// <exception cref="PptpClientException">Refused (with <see cref="PptpClientException.CallResult"/>), Timeout, LinkFailed.</exception>
    public async Task<PptpTunnelCall> PlaceCallAsync(ushort callId = 0, ushort receiveWindow = 64, CancellationToken cancellationToken = default)
    {
        TaskCompletionSource<ControlMessage> reply;
        lock (_gate)
        {
            if (_end is { } end)
                throw EndedException(end, "Outgoing-Call-Reply");
        }
        if (callId == 0)
            callId = ReserveCallId();
        lock (_gate)
        {
            if (_end is { } end)
            {
                _pending.Remove(callId);
                throw EndedException(end, "Outgoing-Call-Reply");
            }
            if (_calls.ContainsKey(callId))
                throw new ArgumentException($"call id {callId} is in use on this control connection", nameof(callId));
            if (!_pending.TryGetValue(callId, out reply!))
                _pending.Add(callId, reply = NewReply());
        }
        ControlMessage ocrp;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.CallTimeout);
        try
        {
            ushort serial = (ushort)RandomNumberGenerator.GetInt32(0, 65536);
            await _channel.SendAsync(ClientControlMessages.OutgoingCallRequest(callId, serial, receiveWindow), timeout.Token).ConfigureAwait(false);
            ocrp = await reply.Task.WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new PptpClientException(PptpClientFailure.Timeout,
                $"timeout: no Outgoing-Call-Reply from {_options.Server} within {_options.CallTimeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s", e);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            throw new PptpClientException(PptpClientFailure.LinkFailed, $"control connection lost while placing a call: {e.Message}", e);
        }
        finally
        {
            lock (_gate)
                _pending.Remove(callId);
        }
        var result = (OutgoingCallResultCode)ocrp.ResultCode;
        if (result != OutgoingCallResultCode.Connected)
            throw new PptpClientException($"call refused: {result.ToRfcText()}{PptpClient.ErrorSuffix(ocrp.ErrorCode)}", result, ocrp.ErrorCode);
        var call = new PptpTunnelCall(this, callId, ocrp.CallId, ocrp.PacketRecvWindowSize, receiveWindow);
        PptpTunnelEnd? ended;
        lock (_gate)
        {
            ended = _end;
            if (ended is null)
            {
                _calls[callId] = call;
                _byServerCallId[call.PeerCallId] = call;
            }
        }
        if (ended is not null)
            call.OnEnded(CallEndOf(ended));
        return call;
    }

    /// <summary>
    /// Stops the control connection (Stop-Control-Connection-Request, RFC 2637 §2.3: every call is cleared with it), waits
    /// for the reply at most <see cref="PptpTunnelOptions.StepTimeout"/>, and closes. Idempotent.
    /// </summary>
    public async Task StopAsync(StopControlConnectionReason reason = StopControlConnectionReason.None)
    {
        bool open;
        lock (_gate)
            open = _end is null;
        if (open)
        {
            // From here on the server's reply or its closing TCP is the end we asked for, not a loss.
            _stopSent = true;
            try
            {
                using var cts = new CancellationTokenSource(_options.StepTimeout);
                await _channel.SendAsync(ClientControlMessages.StopControlConnectionRequest(reason), cts.Token).ConfigureAwait(false);
                await Task.WhenAny(_stopReplied.Task, _closed.Task).WaitAsync(_options.StepTimeout).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or TimeoutException or IOException or SocketException or ObjectDisposedException)
            {
                _log($"control: stop: {e.Message}");
            }
            End(StoppedByUs);
        }
        await ShutdownAsync().ConfigureAwait(false);
    }

    /// <summary>Closes at once (no Stop-Control-Connection-Request); every call ends as <see cref="PptpCallEndKind.TunnelLost"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        End(new PptpTunnelEnd(PptpCallEndKind.TunnelLost, ByServer: false, null, "control connection closed"));
        await ShutdownAsync().ConfigureAwait(false);
    }

    private Task ShutdownAsync()
    {
        lock (_gate)
            return _shutdown ??= Task.Run(async () =>
            {
                await _readerStop.CancelAsync().ConfigureAwait(false);
                await _channel.DisposeAsync().ConfigureAwait(false);
                if (_reader is { } reader)
                    await reader.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                _readerStop.Dispose();
            });
    }

    internal Task SendAsync(byte[] message, CancellationToken cancellationToken) => _channel.SendAsync(message, cancellationToken);

    internal TimeSpan StepTimeout => _options.StepTimeout;

    /// <summary>A call we cleared, or gave up on: forgotten, and ended with <paramref name="end"/> unless it ended already.</summary>
    internal void Forget(PptpTunnelCall call, PptpCallEnd end)
    {
        lock (_gate)
        {
            if (_calls.TryGetValue(call.CallId, out PptpTunnelCall? known) && known == call)
            {
                _calls.Remove(call.CallId);
                _byServerCallId.Remove(call.PeerCallId);
            }
        }
        call.OnEnded(end);
    }

    // ------------------------------------------------------------------ read loop

    private async Task ReadLoopAsync()
    {
        CancellationToken token = _readerStop.Token;
        PptpTunnelEnd? end = null;
        try
        {
            while (end is null && !token.IsCancellationRequested)
            {
                ControlMessage? received = await _channel.ReceiveAsync(token).ConfigureAwait(false);
                if (received is not { } message)
                {
                    end = _stopSent ? StoppedByUs : new PptpTunnelEnd(PptpCallEndKind.TunnelLost, false, null, "the server closed the control connection");
                    break;
                }
                _log($"control: {message.Type.Abbreviation()} received");
                switch (message.Type)
                {
                    case PptpControlMessageType.EchoRequest:
                        // RFC 2637 §2.5: keep-alive; answered at once.
                        await _channel.SendAsync(ClientControlMessages.EchoReply(message.Identifier), token).ConfigureAwait(false);
                        break;
                    case PptpControlMessageType.OutgoingCallReply:
                        // §2.8: Peer's Call ID is ours.
                        TaskCompletionSource<ControlMessage>? waiting;
                        lock (_gate)
                            _pending.TryGetValue(message.PeersCallId, out waiting);
                        if (waiting is null || !waiting.TrySetResult(message))
                            _log(string.Create(CultureInfo.InvariantCulture, $"control: OCRP for call id {message.PeersCallId}, which we are not placing: ignored"));
                        break;
                    case PptpControlMessageType.CallDisconnectNotify:
                        OnCallDisconnectNotify(message);
                        break;
                    case PptpControlMessageType.SetLinkInfo:
                        break; // RFC 2637 §2.15: ACCMs matter for async HDLC framing only; GRE carries no ACCM.
                    case PptpControlMessageType.StopControlConnectionRequest:
                        // §2.3: the server is closing; answer, and every call ends with the connection.
                        var reason = (StopControlConnectionReason)message.ResultCode;
                        await _channel.SendAsync(ClientControlMessages.StopControlConnectionReply(), token).ConfigureAwait(false);
                        end = new PptpTunnelEnd(PptpCallEndKind.TunnelStopped, ByServer: true, reason,
                            $"the server stopped the control connection: {reason.ToRfcText()}");
                        break;
                    case PptpControlMessageType.StopControlConnectionReply:
                        if (_stopSent)
                            end = StoppedByUs;
                        _stopReplied.TrySetResult();
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or PptpClientException)
        {
            if (!token.IsCancellationRequested)
                end = _stopSent ? StoppedByUs : new PptpTunnelEnd(PptpCallEndKind.TunnelLost, false, null, $"control connection lost: {e.Message}");
        }
        if (end is not null)
        {
            End(end);
            _ = ShutdownAsync();
        }
    }

    /// <summary>§2.13: the CDN names the call by the server's (the PAC's) Call ID.</summary>
    private void OnCallDisconnectNotify(ControlMessage message)
    {
        PptpTunnelCall? call;
        lock (_gate)
        {
            if (_byServerCallId.Remove(message.CallId, out call))
                _calls.Remove(call.CallId);
        }
        if (call is null)
        {
            _log(string.Create(CultureInfo.InvariantCulture, $"control: CDN for server call id {message.CallId}, which names no call of ours: ignored"));
            return;
        }
        var result = (CallDisconnectResultCode)message.ResultCode;
        call.OnEnded(new PptpCallEnd(call.ClearRequested ? PptpCallEndKind.Cleared : PptpCallEndKind.ServerDisconnected, result, message.ErrorCode, null,
            $"call disconnected by the server: {result.ToRfcText()}{PptpClient.ErrorSuffix(message.ErrorCode)}"));
    }

    /// <summary>The connection ended: every call and every wait for a reply ends with it. Once.</summary>
    private void End(PptpTunnelEnd end)
    {
        PptpTunnelCall[] calls;
        TaskCompletionSource<ControlMessage>[] pending;
        lock (_gate)
        {
            if (_end is not null)
                return;
            _end = end;
            calls = [.. _calls.Values];
            pending = [.. _pending.Values];
            _calls.Clear();
            _byServerCallId.Clear();
        }
        PptpCallEnd callEnd = CallEndOf(end);
        foreach (PptpTunnelCall call in calls)
            call.OnEnded(callEnd);
        foreach (TaskCompletionSource<ControlMessage> reply in pending)
        {
            reply.TrySetException(EndedException(end, "Outgoing-Call-Reply"));
            _ = reply.Task.Exception; // observed: a reserved id nobody placed has no waiter
        }
        _closed.TrySetResult(end);
    }

    private static readonly PptpTunnelEnd StoppedByUs = new(PptpCallEndKind.TunnelStopped, ByServer: false, null, "we stopped the control connection");

    private static PptpCallEnd CallEndOf(PptpTunnelEnd end) => new(end.Kind, null, PptpGeneralErrorCode.None, end.StopReason, end.Detail);

    private static PptpClientException EndedException(PptpTunnelEnd end, string waitingFor) => end.ByServer
        ? new PptpClientException(PptpClientFailure.Refused, end.Detail)
        : new PptpClientException(PptpClientFailure.LinkFailed, $"{end.Detail} (waiting for {waitingFor})");

    private static TaskCompletionSource<ControlMessage> NewReply() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
