using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using PptpGw.Client;
using PptpGw.ControlPlane.Ppp.Session;
using PptpGw.ControlPlane.Pptp;

namespace PptpGw.Load;

/// <summary>
/// One PAC of the load tool: one TCP control connection (RFC 2637 §2.1) from one source address, carrying one or more
/// calls (§2.7). Asynchronous throughout (no thread of its own); the messages are the client's
/// (<see cref="ClientControlMessages"/>, <see cref="PptpControlChannel"/>), which use the ControlPlane codecs.
/// </summary>
internal sealed class LoadTunnel
{
    private readonly LoadSettings _settings;
    private readonly GreMux _mux;
    private readonly IPAddress _source;
    private readonly ConcurrentDictionary<ushort, TaskCompletionSource<ControlMessage>> _pendingCalls = new();
    private readonly ConcurrentDictionary<ushort, LoadCall> _callsByPeerId = new();
    private readonly ConcurrentBag<LoadCall> _calls = [];
    private readonly TaskCompletionSource _stopReplied = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _closed = new();
    private readonly Lock _connectGate = new();
    private Task<SetupFailure?>? _connect;
    private PptpControlChannel? _channel;
    private Task? _reader;
    private volatile bool _serverStopped;
    private SetupFailure? _lost;

    public LoadTunnel(LoadSettings settings, GreMux mux, IPAddress source)
    {
        _settings = settings;
        _mux = mux;
        _source = source;
        SourceAddress = ControlPlane.Pools.Ipv4.FromIPAddress(source);
    }

    /// <summary>Our address, host order.</summary>
    public uint SourceAddress { get; }

    /// <summary>The calls opened on this tunnel.</summary>
    public IReadOnlyCollection<LoadCall> Calls => _calls;

    /// <summary>Whether the control connection is (still) up.</summary>
    public bool IsConnected => _channel is not null && _lost is null && !_serverStopped;

    /// <summary>TCP connect + SCCRQ/SCCRP, once (the first caller starts it; later callers wait for it). Null on success.</summary>
    public Task<SetupFailure?> ConnectAsync()
    {
        lock (_connectGate)
            return _connect ??= ConnectCoreAsync();
    }

    private async Task<SetupFailure?> ConnectCoreAsync()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        SetupPhase phase = SetupPhase.Connect;
        try
        {
            socket.Bind(new IPEndPoint(_source, 0));
            using var timeout = new CancellationTokenSource(_settings.ConnectTimeout);
            await socket.ConnectAsync(new IPEndPoint(_settings.Server, _settings.Port), timeout.Token).ConfigureAwait(false);
            var channel = new PptpControlChannel(new NetworkStream(socket, ownsSocket: true));
            _channel = channel;
            phase = SetupPhase.ControlConnection;
            // RFC 2637 §2.1/§2.2.
            await channel.SendAsync(ClientControlMessages.StartControlConnectionRequest("pgwload"), timeout.Token).ConfigureAwait(false);
            while (true)
            {
                ControlMessage? received = await channel.ReceiveAsync(timeout.Token).ConfigureAwait(false);
                if (received is not { } m)
                    return new SetupFailure(SetupFailureKind.ControlConnectionLost, phase, 0);
                if (m.Type == PptpControlMessageType.EchoRequest)
                {
                    await channel.SendAsync(ClientControlMessages.EchoReply(m.Identifier), timeout.Token).ConfigureAwait(false);
                    continue;
                }
                if (m.Type == PptpControlMessageType.StopControlConnectionRequest)
                    return new SetupFailure(SetupFailureKind.ControlStopped, phase, m.ResultCode);
                if (m.Type != PptpControlMessageType.StartControlConnectionReply)
                    return new SetupFailure(SetupFailureKind.ControlProtocol, phase, 0);
                if ((StartControlConnectionResultCode)m.ResultCode != StartControlConnectionResultCode.Successful)
                    return new SetupFailure(SetupFailureKind.ControlRefused, phase, m.ResultCode);
                break;
            }
            _reader = Task.Run(ReadLoopAsync);
            return null;
        }
        catch (OperationCanceledException)
        {
            return new SetupFailure(SetupFailureKind.Timeout, phase, 0);
        }
        catch (SocketException e)
        {
            return phase == SetupPhase.Connect
                ? new SetupFailure(SetupFailureKind.TcpConnect, phase, (int)e.SocketErrorCode)
                : new SetupFailure(SetupFailureKind.ControlConnectionLost, phase, 0);
        }
        catch (Exception e) when (e is IOException or PptpClientException or ObjectDisposedException)
        {
            return new SetupFailure(e is PptpClientException ? SetupFailureKind.ControlProtocol : SetupFailureKind.ControlConnectionLost, phase, 0);
        }
        finally
        {
            if (_channel is null)
                socket.Dispose();
        }
    }

    /// <summary>OCRQ/OCRP (RFC 2637 §2.7-§2.8) for <paramref name="call"/>, then PPP until the link is up or fails.</summary>
    public async Task<SetupFailure?> OpenCallAsync(LoadCall call, PppSessionOptions ppp)
    {
        _calls.Add(call);
        if (_channel is not { } channel || _lost is { } || _serverStopped)
        {
            var failure = _lost ?? new SetupFailure(SetupFailureKind.ControlConnectionLost, SetupPhase.Call, 0);
            call.Fail(failure);
            return failure;
        }
        var reply = new TaskCompletionSource<ControlMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pendingCalls[call.CallId] = reply;
        ControlMessage ocrp;
        try
        {
            await channel.SendAsync(ClientControlMessages.OutgoingCallRequest(call.CallId, call.CallId, _settings.ReceiveWindow), _closed.Token)
                .ConfigureAwait(false);
            ocrp = await reply.Task.WaitAsync(_settings.CallTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            var failure = new SetupFailure(SetupFailureKind.Timeout, SetupPhase.Call, 0);
            call.Fail(failure);
            return failure;
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            var failure = _lost ?? new SetupFailure(SetupFailureKind.ControlConnectionLost, SetupPhase.Call, 0);
            call.Fail(failure);
            return failure;
        }
        finally
        {
            _pendingCalls.TryRemove(call.CallId, out _);
        }
        if (ocrp.Type == PptpControlMessageType.StopControlConnectionRequest)
        {
            var failure = new SetupFailure(SetupFailureKind.ControlStopped, SetupPhase.Call, ocrp.ResultCode);
            call.Fail(failure);
            return failure;
        }
        if ((OutgoingCallResultCode)ocrp.ResultCode != OutgoingCallResultCode.Connected)
        {
            var failure = new SetupFailure(SetupFailureKind.CallRefused, SetupPhase.Call, ocrp.ResultCode);
            call.Fail(failure);
            return failure;
        }
        _callsByPeerId[ocrp.CallId] = call;
        call.Start(ocrp.CallId, ocrp.PacketRecvWindowSize, ppp);
        return await call.Established.ConfigureAwait(false);
    }

    private async Task ReadLoopAsync()
    {
        PptpControlChannel channel = _channel!;
        CancellationToken token = _closed.Token;
        SetupFailure lost = new(SetupFailureKind.ControlConnectionLost, SetupPhase.Up, 0);
        try
        {
            while (!token.IsCancellationRequested)
            {
                if (await channel.ReceiveAsync(token).ConfigureAwait(false) is not { } m)
                    break;
                switch (m.Type)
                {
                    case PptpControlMessageType.EchoRequest:
                        await channel.SendAsync(ClientControlMessages.EchoReply(m.Identifier), token).ConfigureAwait(false);
                        break;
                    case PptpControlMessageType.OutgoingCallReply:
                        if (_pendingCalls.TryGetValue(m.PeersCallId, out TaskCompletionSource<ControlMessage>? pending))
                            pending.TrySetResult(m);
                        break;
                    case PptpControlMessageType.CallDisconnectNotify:
                        // RFC 2637 §2.13: the Call ID is the gateway's.
                        if (_callsByPeerId.TryRemove(m.CallId, out LoadCall? call))
                            call.LowerLayerDown(new SetupFailure(SetupFailureKind.CallDisconnected, call.IsUp ? SetupPhase.Up : SetupPhase.Lcp, m.ResultCode));
                        break;
                    case PptpControlMessageType.StopControlConnectionRequest:
                        _serverStopped = true;
                        lost = new SetupFailure(SetupFailureKind.ControlStopped, SetupPhase.Up, m.ResultCode);
                        await channel.SendAsync(ClientControlMessages.StopControlConnectionReply(), token).ConfigureAwait(false);
                        foreach (TaskCompletionSource<ControlMessage> p in _pendingCalls.Values)
                            p.TrySetResult(m);
                        return;
                    case PptpControlMessageType.StopControlConnectionReply:
                        _stopReplied.TrySetResult();
                        return;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException or PptpClientException)
        {
            if (e is PptpClientException)
                lost = new SetupFailure(SetupFailureKind.ControlProtocol, SetupPhase.Up, 0);
        }
        finally
        {
            if (!_stopReplied.Task.IsCompleted)
            {
                _lost = lost;
                foreach (TaskCompletionSource<ControlMessage> p in _pendingCalls.Values)
                    p.TrySetException(new IOException("control connection lost"));
                foreach (LoadCall call in _calls)
                    call.LowerLayerDown(lost);
            }
        }
    }

    /// <summary>
    /// A clean hang-up: each call's LCP Terminate (RFC 1661 §5.5) and Call-Clear-Request until its Call-Disconnect-Notify
    /// (RFC 2637 §2.12-§2.13), then Stop-Control-Connection-Request until the Reply (§2.3-§2.4). Returns true when every
    /// answer came.
    /// </summary>
    public async Task<bool> HangUpAsync(TimeSpan step)
    {
        bool clean = true;
        try
        {
            if (_channel is not { } channel || _lost is not null || _serverStopped)
                return false;
            using var cts = new CancellationTokenSource(step * 4);
            foreach (LoadCall call in _calls)
            {
                if (!call.IsUp)
                    continue;
                call.Close();
                clean &= await Within(call.Down, step).ConfigureAwait(false);
            }
            foreach (LoadCall call in _calls)
            {
                if (call.PeerCallId == 0 || call.Disconnected.IsCompleted)
                    continue;
                await channel.SendAsync(ClientControlMessages.CallClearRequest(call.CallId), cts.Token).ConfigureAwait(false);
            }
            foreach (LoadCall call in _calls)
            {
                if (call.PeerCallId != 0)
                    clean &= await Within(call.Disconnected, step).ConfigureAwait(false);
            }
            await channel.SendAsync(ClientControlMessages.StopControlConnectionRequest(StopControlConnectionReason.None), cts.Token)
                .ConfigureAwait(false);
            clean &= await Within(_stopReplied.Task, step).ConfigureAwait(false);
            return clean;
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            return false;
        }
        finally
        {
            await CloseAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Closes the connection and releases every call.</summary>
    public async Task CloseAsync()
    {
        await _closed.CancelAsync().ConfigureAwait(false);
        if (_channel is { } channel)
            await channel.DisposeAsync().ConfigureAwait(false);
        if (_reader is { } reader)
            await reader.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        foreach (LoadCall call in _calls)
            call.Release();
    }

    private static async Task<bool> Within(Task task, TimeSpan limit)
    {
        try
        {
            await task.WaitAsync(limit).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }
}
