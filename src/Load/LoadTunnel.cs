using System.Net;
using System.Net.Sockets;
using PptpGw.Client;
using PptpGw.ControlPlane.Ppp.Session;
using PptpGw.ControlPlane.Pptp;

namespace PptpGw.Load;

/// <summary>
/// One PAC of the load tool: the client's <see cref="PptpTunnel"/> (one TCP control connection, RFC 2637 §2.1, carrying
/// one or more calls, §2.7) from one source address, with its outcomes turned into <see cref="SetupFailure"/> values.
/// Asynchronous throughout: no thread of its own.
/// </summary>
internal sealed class LoadTunnel
{
    private readonly LoadSettings _settings;
    private readonly IPAddress _source;
    private readonly List<(LoadCall Load, PptpTunnelCall? Pptp)> _calls = [];
    private readonly Lock _gate = new();
    private Task<SetupFailure?>? _connect;
    private PptpTunnel? _tunnel;

    public LoadTunnel(LoadSettings settings, IPAddress source)
    {
        _settings = settings;
        _source = source;
        SourceAddress = ControlPlane.Pools.Ipv4.FromIPAddress(source);
    }

    /// <summary>Our address, host order.</summary>
    public uint SourceAddress { get; }

    /// <summary>Whether the control connection is (still) up.</summary>
    public bool IsConnected => _tunnel is { } t && !t.Closed.IsCompleted;

    /// <summary>TCP connect + SCCRQ/SCCRP, once (the first caller starts it; later callers wait for it). Null on success.</summary>
    public Task<SetupFailure?> ConnectAsync()
    {
        lock (_gate)
            return _connect ??= ConnectCoreAsync();
    }

    private async Task<SetupFailure?> ConnectCoreAsync()
    {
        try
        {
            _tunnel = await PptpTunnel.OpenAsync(new PptpTunnelOptions
            {
                Server = _settings.Server,
                Port = _settings.Port,
                SourceAddress = _source,
                HostName = "pgwload",
                ConnectTimeout = _settings.ConnectTimeout,
                CallTimeout = _settings.CallTimeout,
                StepTimeout = _settings.HangUpStepTimeout,
            }).ConfigureAwait(false);
            return null;
        }
        catch (PptpClientException e)
        {
            return Classify(e, SetupPhase.ControlConnection);
        }
    }

    /// <summary>OCRQ/OCRP (RFC 2637 §2.7-§2.8) for <paramref name="call"/>, then PPP until the link is up or fails.</summary>
    public async Task<SetupFailure?> OpenCallAsync(LoadCall call, PppSessionOptions ppp)
    {
        if (_tunnel is not { } tunnel)
            throw new InvalidOperationException("not connected");
        // Registered before the Outgoing-Call-Request: the gateway's first LCP Configure-Request may beat its reply to us.
        call.Reserve();
        PptpTunnelCall placed;
        try
        {
            placed = await tunnel.PlaceCallAsync(call.CallId, _settings.ReceiveWindow).ConfigureAwait(false);
        }
        catch (Exception e) when (e is PptpClientException or InvalidOperationException or ArgumentException)
        {
            SetupFailure failure = e is PptpClientException p ? Classify(p, SetupPhase.Call)
                : new SetupFailure(SetupFailureKind.ControlConnectionLost, SetupPhase.Call, 0);
            call.Fail(failure);
            lock (_gate)
                _calls.Add((call, null));
            return failure;
        }
        lock (_gate)
            _calls.Add((call, placed));
        _ = placed.Ended.ContinueWith(ended => call.LowerLayerDown(Classify(ended.Result, call.IsUp)), CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        call.Start(placed.PeerCallId, placed.PeerReceiveWindow, ppp);
        return await call.Established.ConfigureAwait(false);
    }

    /// <summary>
    /// A clean hang-up: each call's LCP Terminate (RFC 1661 §5.5), Call-Clear-Request until its Call-Disconnect-Notify
    /// (RFC 2637 §2.12-§2.13), then one Stop-Control-Connection-Request (§2.3). True when every call's CDN came.
    /// </summary>
    public async Task<bool> HangUpAsync(TimeSpan step)
    {
        (LoadCall Load, PptpTunnelCall? Pptp)[] calls;
        lock (_gate)
            calls = [.. _calls];
        bool clean = _tunnel is not null;
        try
        {
            foreach ((LoadCall load, _) in calls.Where(c => c.Load.IsUp))
                load.Close();
            foreach ((LoadCall load, _) in calls)
                clean &= await Within(load.Down, step).ConfigureAwait(false);
            foreach ((_, PptpTunnelCall? pptp) in calls)
            {
                if (pptp is null)
                    continue;
                await pptp.ClearAsync().ConfigureAwait(false);
                // A Call-Disconnect-Notify carries a Result Code (RFC 2637 §2.13); a clear that timed out has none.
                clean &= pptp.Ended.Result.Result is not null;
            }
            if (_tunnel is { } tunnel)
                await tunnel.StopAsync().ConfigureAwait(false);
            return clean;
        }
        finally
        {
            Release(calls);
        }
    }

    /// <summary>Closes the connection at once and releases every call.</summary>
    public async Task CloseAsync()
    {
        (LoadCall Load, PptpTunnelCall? Pptp)[] calls;
        lock (_gate)
            calls = [.. _calls];
        if (_tunnel is { } tunnel)
            await tunnel.DisposeAsync().ConfigureAwait(false);
        Release(calls);
    }

    private static void Release((LoadCall Load, PptpTunnelCall? Pptp)[] calls)
    {
        foreach ((LoadCall load, _) in calls)
            load.Release();
    }

    /// <summary>A dial failure of the client, typed (its Failure, the OCRP Result Code, the socket error).</summary>
    private static SetupFailure Classify(PptpClientException e, SetupPhase phase)
    {
        if (e.CallResult is { } result)
            return new SetupFailure(SetupFailureKind.CallRefused, SetupPhase.Call, (int)result);
        return e.Failure switch
        {
            PptpClientFailure.ConnectFailed => new SetupFailure(SetupFailureKind.TcpConnect, SetupPhase.Connect,
                (int)(e.InnerException is SocketException s ? s.SocketErrorCode : SocketError.SocketError)),
            PptpClientFailure.Refused => new SetupFailure(SetupFailureKind.ControlRefused, phase, 0),
            PptpClientFailure.Timeout => new SetupFailure(SetupFailureKind.Timeout, phase, 0),
            _ => new SetupFailure(SetupFailureKind.ControlConnectionLost, phase, 0),
        };
    }

    /// <summary>Why the PPTP call under a session ended.</summary>
    private static SetupFailure Classify(PptpCallEnd end, bool wasUp)
    {
        SetupPhase phase = wasUp ? SetupPhase.Up : SetupPhase.Lcp;
        return end.Kind switch
        {
            PptpCallEndKind.ServerDisconnected => new SetupFailure(SetupFailureKind.CallDisconnected, phase,
                (int)(end.Result ?? CallDisconnectResultCode.GeneralError)),
            PptpCallEndKind.TunnelStopped when end.StopReason is { } reason => new SetupFailure(SetupFailureKind.ControlStopped, phase, (int)reason),
            PptpCallEndKind.Cleared or PptpCallEndKind.TunnelStopped => new SetupFailure(SetupFailureKind.Local, phase, 0),
            _ => new SetupFailure(SetupFailureKind.ControlConnectionLost, phase, 0),
        };
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
