using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace PptpGw.ControlPlane.Pptp.Connection;

/// <summary>
/// Accepts PPTP control connections on TCP 1723, gives each a tunnel id and runs it
/// (<see cref="PptpControlConnection"/>), up to <see cref="PptpListenerOptions.MaxControlConnections"/>.
/// </summary>
/// <remarks>
/// <para>Admission, in order: a source over <see cref="PptpListenerOptions.PerSourceLimit"/> is closed at once. When
/// <see cref="PptpListenerOptions.MaxControlConnections"/> are served (the gateway derives it from the open-file
/// limit), the oldest connection that has not sent its SCCRQ is shed to make room (an idle flood cannot lock out a
/// real client, whose SCCRQ follows its TCP handshake at once); only when every served connection is past SCCRQ is the
/// new one refused. Accept errors (EMFILE, ENFILE) never end the accept loop: it sheds, backs off and goes on. All of
/// it is counted (<see cref="Admission"/>) and reported at most once per <see cref="PptpListenerOptions.FloodReportInterval"/>
/// per kind, with a count.</para>
/// <para>Over the limit, a connection is still accepted and its Start-Control-Connection-Request answered with
/// Result Code General Error, Error Code 4 No-Resource (RFC 2637 §2.2, §2.16) before it is closed, so the
/// client reports a refusal rather than a network failure; at most <see cref="PptpListenerOptions.MaxPendingRefusals"/>
/// such connections are kept (each for at most <see cref="PptpListenerOptions.RefusalStartRequestTimeout"/>);
/// beyond that they are closed at once. Both cases are reported as <see cref="PptpErrorKind.ConnectionRefused"/>.</para>
/// <para>Threading: one accept loop; each connection runs its own processing loop (see
/// <see cref="PptpControlConnection"/>). The public members are thread-safe.</para>
/// </remarks>
public sealed class PptpListener : IAsyncDisposable
{
    // Replaced whole by Reconfigure (a configuration reload); read once per use.
    private volatile PptpListenerOptions _options;
    private readonly IPptpCallHandler _handler;
    private readonly ICallIdSource _callIds;
    private readonly IPptpEventSink _events;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<uint, PptpControlConnection> _connections = new();
    private readonly ConcurrentDictionary<uint, PptpControlConnection> _refusing = new();
    private readonly ConcurrentDictionary<PptpControlConnection, Task> _runs = new();
    private CancellationTokenSource _stopAccepting = new();
    private readonly SemaphoreSlim _acceptGate = new(1, 1);
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentDictionary<PptpControlConnection, byte> _shedding = new();
    // Completed (and replaced) each time a shed connection's run has ended: the accept loop waits on it when the
    // number being shed is at its bound (see WaitForSheddingRoomAsync).
    private TaskCompletionSource _shedClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // Connections that had not sent SCCRQ when accepted, oldest first; trimmed lazily (accept loop only).
    private readonly Queue<PptpControlConnection> _waitingForStart = new();
    private volatile SourceRateLimiter? _perSource;
    private readonly FloodReporter _flood;
    private readonly PptpAdmissionCounters _admission = new();
    private Socket? _socket;
    private Task? _acceptLoop;
    private uint _lastTunnelId;
    private int _stopping;

    /// <summary>Creates a listener; <see cref="Start"/> opens the socket.</summary>
    public PptpListener(PptpListenerOptions options, IPptpCallHandler handler, ICallIdSource callIds,
        IPptpEventSink? events = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.EndPoint);
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(callIds);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxControlConnections, 1, nameof(options.MaxControlConnections));
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxPendingRefusals, nameof(options.MaxPendingRefusals));
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxSheddingInFlight, nameof(options.MaxSheddingInFlight));
        options.Connection.Validate();
        _options = options;
        _handler = handler;
        _callIds = callIds;
        _events = events ?? NullPptpEventSink.Instance;
        _time = timeProvider ?? TimeProvider.System;
        if (options.PerSourceLimit is { } limit)
            _perSource = new SourceRateLimiter(limit.Burst, limit.Interval, _time);
        _flood = new FloodReporter(_events, _time, options.FloodReportInterval);
    }

    /// <summary>
    /// A configuration reload: new control connections get <paramref name="connection"/>'s settings and the new
    /// <paramref name="maxControlConnections"/> and <paramref name="perSourceLimit"/>; connections already served keep
    /// what they started with. The per-source limiter keeps its state unless the limit itself changed.
    /// </summary>
    public void Reconfigure(int maxControlConnections, (int Burst, TimeSpan Interval)? perSourceLimit, PptpConnectionOptions connection)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxControlConnections, 1);
        ArgumentNullException.ThrowIfNull(connection);
        connection.Validate();
        PptpListenerOptions current = _options;
        if (current.PerSourceLimit != perSourceLimit)
            _perSource = perSourceLimit is { } limit ? new SourceRateLimiter(limit.Burst, limit.Interval, _time) : null;
        _options = current with { MaxControlConnections = maxControlConnections, PerSourceLimit = perSourceLimit, Connection = connection };
    }

    /// <summary>
    /// <c>shutdown soft</c>: closes the listening socket (new clients are refused by the kernel) while every served
    /// control connection runs on. <see cref="StopAsync"/> still stops those later.
    /// </summary>
    public async ValueTask StopAcceptingAsync()
    {
        if (Volatile.Read(ref _stopping) != 0)
            return;
        await _acceptGate.WaitAsync().ConfigureAwait(false);
        try
        {
            await _stopAccepting.CancelAsync().ConfigureAwait(false);
            _socket?.Dispose();
            if (_acceptLoop is { } loop)
                await loop.ConfigureAwait(false);
        }
        finally
        {
            _acceptGate.Release();
        }
    }

    /// <summary>
    /// <c>shutdown cancel</c>: listens again, on the address <see cref="Start"/> bound (the same port even when it was
    /// chosen by the kernel), after <see cref="StopAcceptingAsync"/>. True when accepting (already, or again); false once
    /// the listener is stopping.
    /// </summary>
    /// <exception cref="SocketException">The address cannot be bound again.</exception>
    public async ValueTask<bool> ResumeAcceptingAsync()
    {
        await _acceptGate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (Volatile.Read(ref _stopping) != 0 || LocalEndPoint is not { } endPoint)
                return false;
            if (!_stopAccepting.IsCancellationRequested)
                return true;
            if (_acceptLoop is { } loop)
                await loop.ConfigureAwait(false);
            var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                // The port still carries the served control connections: SO_REUSEADDR lets a listener bind beside them.
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                if (endPoint.AddressFamily == AddressFamily.InterNetworkV6 && endPoint.Address.Equals(IPAddress.IPv6Any))
                    socket.DualMode = true;
                socket.Bind(endPoint);
                socket.Listen(_options.Backlog);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
            // The cancelled source is not disposed: a StopAsync racing with this may still cancel it (a no-op).
            _stopAccepting = new CancellationTokenSource();
            _socket = socket;
            if (Volatile.Read(ref _stopping) != 0)
            {
                // StopAsync began meanwhile and may have missed this socket.
                socket.Dispose();
                return false;
            }
            _acceptLoop = AcceptLoopAsync(socket, _stopAccepting.Token);
            return true;
        }
        finally
        {
            _acceptGate.Release();
        }
    }

    /// <summary>What admission did so far (accepted, refused, rate-limited, shed, accept errors).</summary>
    public PptpAdmissionCounters Admission => _admission;

    /// <summary>The most control connections served at once.</summary>
    public int MaxControlConnections => _options.MaxControlConnections;

    /// <summary>The bound address (the real port when <see cref="PptpListenerOptions.EndPoint"/> asked for port 0); null before <see cref="Start"/>.</summary>
    public IPEndPoint? LocalEndPoint { get; private set; }

    /// <summary>Control connections being served (refused ones not counted).</summary>
    public int ConnectionCount => _connections.Count;

    /// <summary>Binds, listens and starts accepting.</summary>
    /// <exception cref="SocketException">The address cannot be bound.</exception>
    public void Start()
    {
        if (_socket is not null)
            throw new InvalidOperationException("already started");
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _stopping) != 0, this);
        var socket = new Socket(_options.EndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (_options.EndPoint.AddressFamily == AddressFamily.InterNetworkV6 && _options.EndPoint.Address.Equals(IPAddress.IPv6Any))
                socket.DualMode = true;
            socket.Bind(_options.EndPoint);
            socket.Listen(_options.Backlog);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        _socket = socket;
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
        _acceptLoop = AcceptLoopAsync(socket, _stopAccepting.Token);
    }

    /// <summary>Snapshots of every served control connection, by tunnel id (<c>show vpdn</c>).</summary>
    public IReadOnlyList<PptpTunnelSnapshot> GetSnapshots()
    {
        var snapshots = new List<PptpTunnelSnapshot>(_connections.Count);
        foreach (PptpControlConnection connection in _connections.Values)
            snapshots.Add(connection.GetSnapshot());
        snapshots.Sort(static (a, b) => a.TunnelId.CompareTo(b.TunnelId));
        return snapshots;
    }

    /// <summary>The served control connection with <paramref name="tunnelId"/>, if any.</summary>
    public bool TryGetConnection(uint tunnelId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out PptpControlConnection? connection) =>
        _connections.TryGetValue(tunnelId, out connection);

    /// <summary><c>clear vpdn tunnel id N</c>: stops that control connection (StopCCRQ, reason None). False when no such tunnel.</summary>
    public async ValueTask<bool> ClearTunnelAsync(uint tunnelId)
    {
        if (!_connections.TryGetValue(tunnelId, out PptpControlConnection? connection))
            return false;
        await connection.StopAsync(StopControlConnectionReason.None).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Stops accepting, sends Stop-Control-Connection-Request (Stop-Local-Shutdown) to every established peer,
    /// waits at most <see cref="PptpListenerOptions.ShutdownReplyTimeout"/> for the replies, and closes everything.
    /// </summary>
    public async ValueTask StopAsync()
    {
        if (Interlocked.Exchange(ref _stopping, 1) != 0)
        {
            await _stopped.Task.ConfigureAwait(false);
            return;
        }
        await _stopAccepting.CancelAsync().ConfigureAwait(false);
        _socket?.Dispose();
        if (_acceptLoop is { } loop)
            await loop.ConfigureAwait(false);
        var stops = new List<Task>();
        foreach (PptpControlConnection connection in _connections.Values.Concat(_refusing.Values))
            stops.Add(connection.StopAsync(StopControlConnectionReason.StopLocalShutdown, _options.ShutdownReplyTimeout).AsTask());
        await Task.WhenAll(stops).ConfigureAwait(false);
        await Task.WhenAll(_runs.Values).ConfigureAwait(false);
        _stopAccepting.Dispose();
        _stopped.TrySetResult();
    }

    /// <summary>Same as <see cref="StopAsync"/>.</summary>
    public ValueTask DisposeAsync() => StopAsync();

    private async Task AcceptLoopAsync(Socket socket, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            TimeSpan backoff = TimeSpan.Zero;
            try
            {
                await WaitForSheddingRoomAsync(cancellationToken).ConfigureAwait(false);
                Socket accepted = await socket.AcceptAsync(cancellationToken).ConfigureAwait(false);
                Admit(accepted);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException) when (cancellationToken.IsCancellationRequested || Volatile.Read(ref _stopping) != 0)
            {
                return;
            }
            catch (SocketException ex)
            {
                _admission.AddAcceptError();
                // EMFILE/ENFILE: the process or system file table is full. Free a descriptor held by a connection that
                // has not even sent SCCRQ, so what follows (a real client's connection, AAA, the admin socket) has one.
                bool full = ex.SocketErrorCode == SocketError.TooManyOpenSockets || ex.ErrorCode is Emfile or Enfile;
                string shed = full && TryShedOldestWaiting(out PptpControlConnection? victim) ? Invariant($"; shed tunnel {victim.TunnelId} from {victim.Remote} (no SCCRQ)") : "";
                // The reference's 213001: "PPTP control daemon socket io accept error, errno = N".
                _flood.Report("accept-" + ex.ErrorCode.ToString(CultureInfo.InvariantCulture), PptpErrorKind.AcceptError, Invariant(
                    $"PPTP control daemon socket io accept error, errno = {ex.ErrorCode} ({ex.SocketErrorCode}), {_connections.Count} control connections{shed}"), ex.ErrorCode);
                backoff = _options.AcceptErrorBackoff;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A defect of ours must not end the accept loop (and with it the gateway's service).
                _admission.AddAcceptError();
                _flood.Report("accept-internal", PptpErrorKind.AcceptError, "PPTP control daemon socket io accept error: internal: " + ex.GetType().Name + ": " + ex.Message, 0);
                backoff = _options.AcceptErrorBackoff;
            }
            if (backoff > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(backoff, _time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private const int Emfile = 24, Enfile = 23;

    /// <summary>
    /// At the connection limit with <see cref="PptpListenerOptions.MaxSheddingInFlight"/> connections still being shed,
    /// the next connection could only be refused (admitting it would overrun the descriptor reserve). Instead the accept
    /// loop waits, at most <see cref="PptpListenerOptions.SheddingWait"/>, for a shed connection to close: the kernel's
    /// listen backlog holds the next connection meanwhile, so a legitimate client arriving in a flood is admitted
    /// (shedding an older idle one) rather than reset. Accept loop only.
    /// </summary>
    private async Task WaitForSheddingRoomAsync(CancellationToken cancellationToken)
    {
        PptpListenerOptions options = _options;
        long started = _time.GetTimestamp();
        while (_shedding.Count >= options.MaxSheddingInFlight && _connections.Count - _shedding.Count >= options.MaxControlConnections)
        {
            Task closed = Volatile.Read(ref _shedClosed).Task;
            // Read the signal before the count: a run that ended in between has already completed it.
            if (_shedding.Count < options.MaxSheddingInFlight)
                return;
            TimeSpan left = options.SheddingWait - _time.GetElapsedTime(started);
            if (left <= TimeSpan.Zero)
                return;
            try
            {
                await closed.WaitAsync(left, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                return;
            }
        }
    }

    private void Admit(Socket socket)
    {
        IPEndPoint remote, local;
        try
        {
            socket.NoDelay = true;
            remote = (IPEndPoint)socket.RemoteEndPoint!;
            local = (IPEndPoint)socket.LocalEndPoint!;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // The peer reset the connection between accept and here.
            _flood.Report("reset", PptpErrorKind.AcceptError, "PPTP control daemon socket io accept error: " + ex.Message, ex is SocketException socketError ? socketError.ErrorCode : 0);
            socket.Dispose();
            return;
        }
        _admission.AddAccepted();

        if (_perSource is { } perSource && !perSource.TryAcquire(remote.Address))
        {
            _admission.AddRateLimited();
            _flood.Report("rate", PptpErrorKind.ConnectionRateLimited, Invariant(
                $"connection from {remote} closed at once: its address is over the per-source limit ({perSource.Burst} at once, then one per {perSource.Interval.TotalMilliseconds:0.###} ms)"));
            socket.Dispose();
            return;
        }

        PptpGeneralErrorCode? refusal = null;
        PptpConnectionOptions options = _options.Connection;
        TrimWaitingForStart();
        if (_connections.Count - _shedding.Count >= _options.MaxControlConnections)
        {
            if (_shedding.Count >= _options.MaxSheddingInFlight)
            {
                // The descriptors of the connections being shed are still open: admitting this one too would take the
                // count of open connections past the limit by more than the bound the descriptor reserve allows for.
                _admission.AddRefused();
                _flood.Report("full-closed", PptpErrorKind.ConnectionRefused, Invariant(
                    $"connection from {remote} refused: {_connections.Count} control connections (the limit), {_shedding.Count} being shed already: closed at once"));
                socket.Dispose();
                return;
            }
            if (TryShedOldestWaiting(out PptpControlConnection? victim))
            {
                _flood.Report("shed", PptpErrorKind.ConnectionShed, Invariant(
                    $"tunnel {victim.TunnelId} from {victim.Remote} closed before its SCCRQ ({_time.GetElapsedTime(victim.AcceptedAt).TotalSeconds:0.0} s after TCP open) to admit {remote}: {_options.MaxControlConnections} control connections (the limit)"));
            }
            else if (_refusing.Count >= _options.MaxPendingRefusals)
            {
                _admission.AddRefused();
                _flood.Report("full-closed", PptpErrorKind.ConnectionRefused, Invariant(
                    $"connection from {remote} refused: {_connections.Count} control connections (the limit), all past SCCRQ, and {_refusing.Count} refusals pending: closed at once"));
                socket.Dispose();
                return;
            }
            else
            {
                _admission.AddRefused();
                _flood.Report("full", PptpErrorKind.ConnectionRefused, Invariant(
                    $"connection from {remote} refused: {_connections.Count} control connections (the limit), all past SCCRQ: its SCCRQ gets General Error No-Resource"));
                refusal = PptpGeneralErrorCode.NoResource;
                options = options with { StartRequestTimeout = _options.RefusalStartRequestTimeout };
            }
        }

        uint tunnelId = NextTunnelId(ref _lastTunnelId, id => _connections.ContainsKey(id) || _refusing.ContainsKey(id));
        PptpControlConnection connection;
        try
        {
            connection = new PptpControlConnection(new NetworkStream(socket, ownsSocket: true), tunnelId, remote, local, options,
                _handler, _callIds, _events, _time, refusal);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            _flood.Report("reset", PptpErrorKind.AcceptError, "PPTP control daemon socket io accept error: " + ex.Message);
            socket.Dispose();
            return;
        }
        (refusal is null ? _connections : _refusing)[tunnelId] = connection;
        _runs[connection] = RunConnectionAsync(connection, refusal is null ? _connections : _refusing);
        if (refusal is null)
            _waitingForStart.Enqueue(connection);
    }

    /// <summary>Drops, from the head of the queue, connections that are past SCCRQ or closed (accept loop only).</summary>
    private void TrimWaitingForStart()
    {
        while (_waitingForStart.TryPeek(out PptpControlConnection? head)
            && (head.State != PptpControlConnectionState.WaitStartControlConnectionRequest || _shedding.ContainsKey(head)))
            _waitingForStart.Dequeue();
    }

    /// <summary>Sheds the oldest served connection still waiting for its SCCRQ; false when there is none (accept loop only).</summary>
    private bool TryShedOldestWaiting([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out PptpControlConnection? victim)
    {
        while (_waitingForStart.TryDequeue(out victim))
        {
            if (victim.State != PptpControlConnectionState.WaitStartControlConnectionRequest || !_connections.ContainsKey(victim.TunnelId))
                continue;
            if (!_shedding.TryAdd(victim, 0))
                continue;
            if (victim.TryShed())
            {
                _admission.AddShed();
                // Its run's end (RunConnectionAsync) takes it out of _shedding; it may have ended already.
                if (!_runs.ContainsKey(victim))
                    _shedding.TryRemove(victim, out _);
                return true;
            }
            _shedding.TryRemove(victim, out _);
        }
        victim = null;
        return false;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private async Task RunConnectionAsync(PptpControlConnection connection, ConcurrentDictionary<uint, PptpControlConnection> registry)
    {
        try
        {
            await connection.RunAsync().ConfigureAwait(false);
        }
        finally
        {
            registry.TryRemove(connection.TunnelId, out _);
            _runs.TryRemove(connection, out _);
            if (_shedding.TryRemove(connection, out _))
                Interlocked.Exchange(ref _shedClosed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
    }

    /// <summary>
    /// The next tunnel id after <paramref name="last"/>: non-zero, not <paramref name="inUse"/>, wrapping from
    /// <see cref="uint.MaxValue"/> to 1. Called only from the accept loop.
    /// </summary>
    internal static uint NextTunnelId(ref uint last, Func<uint, bool> inUse)
    {
        while (true)
        {
            last = last == uint.MaxValue ? 1 : last + 1;
            if (!inUse(last))
                return last;
        }
    }
}
