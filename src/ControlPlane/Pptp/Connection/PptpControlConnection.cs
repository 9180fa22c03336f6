using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace PptpGw.ControlPlane.Pptp.Connection;

/// <summary>
/// One PPTP control connection (RFC 2637 §3.1), the gateway being the receiver of the TCP connection and the
/// PAC of the calls (§3.2.4: it answers Outgoing-Call-Requests, as the reference PIX does).
/// </summary>
/// <remarks>
/// <para>Threading model: <see cref="RunAsync"/> runs a single processing loop that owns all state. Its
/// inputs — framed messages from a separate read loop, timer expiries (from <see cref="TimeProvider"/>),
/// handler decisions, <see cref="ClearCallAsync"/> and <see cref="StopAsync"/> — are queued to it through a
/// channel, so inputs are handled one at a time in arrival order and there is no other locking of protocol
/// state. The loop is also the only writer to the stream, so writes are serialized. The read loop has at most a
/// few messages in flight (back-pressure on a peer that floods). <see cref="GetSnapshot"/> may be called from
/// any thread (it takes a short lock the loop holds while it changes state).</para>
/// <para>Handling an input first changes state and (re)arms timers, then writes replies and calls the handler
/// (outside the lock), in that order. Every wait has a timeout: SCCRQ, Echo-Reply, StopCCRP, the handler's
/// decision and each write.</para>
/// </remarks>
public sealed class PptpControlConnection : IAsyncDisposable
{
    private const int MaxMessagesInFlight = 8;

    private readonly Stream _stream;
    private readonly PptpConnectionOptions _options;
    private readonly IPptpCallHandler _handler;
    private readonly ICallIdSource _callIds;
    private readonly IPptpEventSink _events;
    private readonly TimeProvider _time;
    private readonly PptpGeneralErrorCode? _admissionRefusal;
    private readonly byte[] _hostName;
    private readonly byte[] _vendorString;

    private readonly Channel<Input> _inputs = Channel.CreateUnbounded<Input>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _readCredits = new(MaxMessagesInFlight, MaxMessagesInFlight);
    private readonly CancellationTokenSource _readCancellation = new();
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _gate = new();
    private readonly List<Effect> _effects = [];
    private readonly Dictionary<ushort, Call> _calls = [];

    private volatile PptpControlConnectionState _state;
    private long _stateStamp;
    private PptpCloseReason? _closeReason;
    private int _runStarted;
    private bool _writeFailed;

    private readonly TimerSlot _startTimer = new(TimerKind.StartRequest), _idleTimer = new(TimerKind.Idle),
        _echoTimer = new(TimerKind.EchoReply), _stopTimer = new(TimerKind.StopReply);
    private long _lastTimerId;
    private uint _lastEchoIdentifier;
    private uint? _outstandingEcho;

    private long _packetsSent, _packetsReceived, _bytesSent, _bytesReceived;
    private string? _peerHostName, _peerVendor;
    private ushort _peerProtocolVersion;

    /// <summary>Creates a connection over <paramref name="stream"/>, which it owns and disposes when it closes.</summary>
    /// <param name="stream">The TCP stream (a NetworkStream in production).</param>
    /// <param name="tunnelId">Our id of the control connection (non-zero).</param>
    /// <param name="remote">The peer's address and port.</param>
    /// <param name="local">Our address and port.</param>
    /// <param name="options">Settings.</param>
    /// <param name="handler">The gateway's call decisions and notifications.</param>
    /// <param name="callIds">Source of our Call IDs.</param>
    /// <param name="events">Where events go (default: nowhere).</param>
    /// <param name="timeProvider">Clock and timers (default: the system's).</param>
    public PptpControlConnection(Stream stream, uint tunnelId, IPEndPoint remote, IPEndPoint local, PptpConnectionOptions options,
        IPptpCallHandler handler, ICallIdSource callIds, IPptpEventSink? events = null, TimeProvider? timeProvider = null)
        : this(stream, tunnelId, remote, local, options, handler, callIds, events, timeProvider, admissionRefusal: null)
    {
    }

    internal PptpControlConnection(Stream stream, uint tunnelId, IPEndPoint remote, IPEndPoint local, PptpConnectionOptions options,
        IPptpCallHandler handler, ICallIdSource callIds, IPptpEventSink? events, TimeProvider? timeProvider, PptpGeneralErrorCode? admissionRefusal)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfZero(tunnelId);
        ArgumentNullException.ThrowIfNull(remote);
        ArgumentNullException.ThrowIfNull(local);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(callIds);
        options.Validate();
        _stream = stream;
        TunnelId = tunnelId;
        Remote = remote;
        Local = local;
        _options = options;
        _handler = handler;
        _callIds = callIds;
        _events = events ?? NullPptpEventSink.Instance;
        _time = timeProvider ?? TimeProvider.System;
        _admissionRefusal = admissionRefusal;
        _hostName = PptpString.FromAscii(options.HostName);
        _vendorString = PptpString.FromAscii(options.VendorString);
        _stateStamp = _time.GetTimestamp();
        AcceptedAt = _stateStamp;
    }

    /// <summary>When the connection was created (a <see cref="TimeProvider"/> timestamp).</summary>
    internal long AcceptedAt { get; }

    /// <summary>Our id of this control connection.</summary>
    public uint TunnelId { get; }
    /// <summary>The peer's address and port.</summary>
    public IPEndPoint Remote { get; }
    /// <summary>Our address and port.</summary>
    public IPEndPoint Local { get; }
    /// <summary>The current state (a racy read; use <see cref="GetSnapshot"/> for a consistent view).</summary>
    public PptpControlConnectionState State => _state;
    /// <summary>Why the connection closed; null while open.</summary>
    public PptpCloseReason? CloseReason { get { lock (_gate) return _closeReason; } }
    /// <summary>Completes when the connection has closed (all calls cleared, the stream disposed).</summary>
    public Task Completion => _closed.Task;

    /// <summary>
    /// Runs the connection until it closes: waits for SCCRQ, serves the control connection and its calls.
    /// Call once. Cancelling <paramref name="cancellationToken"/> closes the connection at once (no StopCCRQ).
    /// The returned task does not fault on peer or transport errors; they end the run with a <see cref="CloseReason"/>.
    /// </summary>
    public Task RunAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _runStarted, 1) != 0)
            throw new InvalidOperationException("RunAsync was already called");
        return RunCoreAsync(cancellationToken);
    }

    /// <summary>
    /// Clears one of our calls for a gateway reason (admin clear, PPP terminated, AAA disconnect): sends
    /// Call-Disconnect-Notify (RFC 2637 §2.13) and reports <see cref="IPptpCallHandler.OnCallCleared"/>.
    /// Returns false when no established call has <paramref name="callId"/> (or the connection is closed).
    /// </summary>
    public async ValueTask<bool> ClearCallAsync(ushort callId, PptpCallClearReason reason)
    {
        var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!Post(new ClearCallInput(callId, reason, done)))
            return false;
        return await done.Task.ConfigureAwait(false);
    }

    /// <summary>
    /// Stops the control connection (shutdown, <c>clear vpdn tunnel</c>): sends Stop-Control-Connection-Request
    /// with <paramref name="reason"/> (its calls are implicitly cleared, RFC 2637 §2.3), waits for the reply at
    /// most <paramref name="replyTimeout"/> (default <see cref="PptpConnectionOptions.StopReplyTimeout"/>), then
    /// closes. Before SCCRQ it just closes. Completes when the connection is closed.
    /// </summary>
    public async ValueTask StopAsync(StopControlConnectionReason reason = StopControlConnectionReason.StopLocalShutdown, TimeSpan? replyTimeout = null)
    {
        if (replyTimeout is { } t)
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(t, TimeSpan.Zero, nameof(replyTimeout));
        if (Post(new StopInput(reason, replyTimeout)) || Volatile.Read(ref _runStarted) != 0)
            await _closed.Task.ConfigureAwait(false);
    }

    /// <summary>
    /// Asks the connection to close at once if it is still waiting for its Start-Control-Connection-Request (the
    /// listener sheds such connections to admit new ones when full). False when it has closed already; a connection
    /// whose SCCRQ is processed first stays up.
    /// </summary>
    internal bool TryShed() => Post(new ShedInput());

    /// <summary>Closes at once without a StopCCRQ (if running) and waits for the run to end; disposes the stream if it never ran.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.CompareExchange(ref _runStarted, 1, 0) == 0)
        {
            _inputs.Writer.TryComplete();
            await _stream.DisposeAsync().ConfigureAwait(false);
            _closed.TrySetResult();
            return;
        }
        Post(new AbortInput());
        await _closed.Task.ConfigureAwait(false);
    }

    /// <summary>The connection and its calls now (<c>show vpdn</c>). Thread-safe.</summary>
    public PptpTunnelSnapshot GetSnapshot()
    {
        lock (_gate)
        {
            var calls = new List<PptpCallSnapshot>(_calls.Count);
            foreach (Call call in _calls.Values)
                calls.Add(new PptpCallSnapshot(call.CallId, call.PeerCallId, call.SerialNumber, call.State,
                    _time.GetElapsedTime(call.StateStamp), call.PeerReceiveWindowSize, _options.ReceiveWindowSize,
                    call.PeerProcessingDelay, call.SendAccm, call.ReceiveAccm));
            calls.Sort(static (a, b) => a.CallId.CompareTo(b.CallId));
            return new PptpTunnelSnapshot(TunnelId, TunnelId, _state, _time.GetElapsedTime(_stateStamp), Remote, Local,
                Interlocked.Read(ref _packetsSent), Interlocked.Read(ref _packetsReceived),
                Interlocked.Read(ref _bytesSent), Interlocked.Read(ref _bytesReceived),
                _peerHostName, _peerVendor, _peerProtocolVersion, calls);
        }
    }

    // ───────────────────────────── processing loop ─────────────────────────────

    private async Task RunCoreAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _events.TunnelCreated(TunnelId, Remote, Local);
            Transition(PptpControlConnectionEvent.Start);
            // Armed before anything else can happen, so a test clock may advance as soon as RunAsync returns.
            Arm(_startTimer, _options.StartRequestTimeout);
        }
        using CancellationTokenRegistration registration = cancellationToken.Register(() => Post(new AbortInput()));
        Task reader = ReadLoopAsync(_readCancellation.Token);
        try
        {
            while (_state != PptpControlConnectionState.Closed && await _inputs.Reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (_state != PptpControlConnectionState.Closed && _inputs.Reader.TryRead(out Input? input))
                    await ProcessAsync(input).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A defect of ours must not leave the peer connected with a dead state machine.
            _events.Error(TunnelId, PptpErrorKind.Transport, "internal error: " + ex.Message);
            lock (_gate)
                CloseCore(PptpCloseReason.IoError, PptpControlConnectionEvent.TransportFailure);
            await FlushEffectsAsync().ConfigureAwait(false);
        }
        finally
        {
            _inputs.Writer.TryComplete();
            while (_inputs.Reader.TryRead(out Input? leftover))
            {
                if (leftover is ClearCallInput clear)
                    clear.Done.TrySetResult(false);
                else if (leftover is DecisionInput decision)
                    LateDecision(decision.Call, decision.Decision);
            }
            await _readCancellation.CancelAsync().ConfigureAwait(false);
            await _stream.DisposeAsync().ConfigureAwait(false);
            try
            {
                await reader.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The reader reports its own failures as inputs; once closed, nothing is left to tell.
            }
            _readCancellation.Dispose();
            _closed.TrySetResult();
        }
    }

    private async Task ProcessAsync(Input input)
    {
        lock (_gate)
        {
            switch (input)
            {
                case MessageInput message:
                    OnMessage(message.Frame);
                    break;
                case StreamEndedInput ended:
                    OnStreamEnded(ended);
                    break;
                case TimerInput timer:
                    OnTimer(timer);
                    break;
                case DecisionInput decision:
                    OnDecision(decision);
                    break;
                case ClearCallInput clear:
                    OnClearCall(clear);
                    break;
                case StopInput stop:
                    OnStop(stop);
                    break;
                case AbortInput:
                    CloseCore(PptpCloseReason.Aborted, PptpControlConnectionEvent.TransportFailure);
                    break;
                case ShedInput when _state == PptpControlConnectionState.WaitStartControlConnectionRequest:
                    CloseCore(PptpCloseReason.Shed, PptpControlConnectionEvent.LocalStop);
                    break;
            }
        }
        if (input is MessageInput)
            _readCredits.Release();
        await FlushEffectsAsync().ConfigureAwait(false);
    }

    /// <summary>Writes queued messages and runs queued handler calls, in order, outside the lock.</summary>
    private async Task FlushEffectsAsync()
    {
        for (int i = 0; i < _effects.Count; i++)
        {
            Effect effect = _effects[i];
            if (effect.Frame is { } frame)
            {
                // Messages queued before a close (StopCCRP, a refusing SCCRP) are still written; after a
                // failed write nothing more is.
                if (_writeFailed)
                    continue;
                // Counted and logged before the write, so whoever reads the message sees them.
                Interlocked.Increment(ref _packetsSent);
                Interlocked.Add(ref _bytesSent, frame.Length);
                _events.ControlMessage(TunnelId, PptpMessageDirection.Out, effect.Type, frame);
                if (await WriteAsync(frame).ConfigureAwait(false) is { } reason)
                {
                    _writeFailed = true;
                    lock (_gate)
                        CloseCore(reason, PptpControlConnectionEvent.TransportFailure);
                }
            }
            else
            {
                try
                {
                    effect.Action!();
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    _events.Error(TunnelId, PptpErrorKind.HandlerFailure, ex.GetType().Name + ": " + ex.Message);
                }
            }
        }
        _effects.Clear();
    }

    private async Task<PptpCloseReason?> WriteAsync(byte[] frame)
    {
        using var timeout = new CancellationTokenSource(_options.WriteTimeout, _time);
        try
        {
            await _stream.WriteAsync(frame, timeout.Token).ConfigureAwait(false);
            await _stream.FlushAsync(timeout.Token).ConfigureAwait(false);
            return null;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            _events.Error(TunnelId, PptpErrorKind.Timeout, Invariant($"write of {frame.Length} octets not done within {_options.WriteTimeout.TotalSeconds} s"));
            return PptpCloseReason.WriteTimeout;
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or SocketException or InvalidOperationException)
        {
            _events.Error(TunnelId, PptpErrorKind.Transport, "write failed: " + ex.Message);
            return PptpCloseReason.IoError;
        }
    }

    /// <summary>Frames the byte stream (RFC 2637 §2: Length first) and queues whole messages to the loop.</summary>
    private async Task ReadLoopAsync(CancellationToken cancellationToken)
    {
        // Yield so RunAsync returns to its caller with the start timer armed, before any read completes.
        await Task.Yield();
        byte[] buffer = new byte[4096];
        int start = 0, end = 0;
        try
        {
            while (true)
            {
                while (true)
                {
                    PptpFrameStatus status = PptpStreamFramer.Peek(buffer.AsSpan(start, end - start), out int length);
                    if (status == PptpFrameStatus.Complete)
                    {
                        byte[] frame = buffer.AsSpan(start, length).ToArray();
                        start += length;
                        Interlocked.Increment(ref _packetsReceived);
                        Interlocked.Add(ref _bytesReceived, length);
                        await _readCredits.WaitAsync(cancellationToken).ConfigureAwait(false);
                        if (!Post(new MessageInput(frame)))
                            return;
                    }
                    else if (status.IsCorrupt())
                    {
                        ReadOnlySpan<byte> head = buffer.AsSpan(start, Math.Min(end - start, PptpDebugText.HexPrefixLength));
                        Post(new StreamEndedInput(PptpCloseReason.StreamCorrupt, PptpControlConnectionEvent.StreamCorrupt,
                            Invariant($"stream lost PPTP framing ({status}), octets {Convert.ToHexStringLower(head)}; closing (RFC 2637 §2 Magic Cookie)")));
                        return;
                    }
                    else
                    {
                        break;
                    }
                }
                if (start > 0)
                {
                    Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                    end -= start;
                    start = 0;
                }
                int read = await _stream.ReadAsync(buffer.AsMemory(end), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    string detail = end > 0 ? Invariant($"peer closed TCP with {end} octets of an unfinished message") : "peer closed TCP";
                    Post(new StreamEndedInput(PptpCloseReason.PeerClosed, PptpControlConnectionEvent.PeerClosed, detail));
                    return;
                }
                end += read;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or SocketException or InvalidOperationException)
        {
            if (!cancellationToken.IsCancellationRequested)
                Post(new StreamEndedInput(PptpCloseReason.IoError, PptpControlConnectionEvent.TransportFailure, "read failed: " + ex.Message));
        }
    }

    private bool Post(Input input) => _inputs.Writer.TryWrite(input);

    // ───────────────────────────── control connection ─────────────────────────────

    private void OnMessage(byte[] frame)
    {
        if (_state == PptpControlConnectionState.Closed)
            return;
        PptpParseError headerError = PptpControlHeader.TryParse(frame, out PptpControlHeader header);
        _events.ControlMessage(TunnelId, PptpMessageDirection.In, header.ControlMessageType, frame);
        if (_state == PptpControlConnectionState.Established && _outstandingEcho is null)
            RearmIdle();
        if (headerError != PptpParseError.None)
        {
            OnMalformed(header, frame, headerError);
            return;
        }
        switch (header.ControlMessageType)
        {
            case PptpControlMessageType.StartControlConnectionRequest: OnStartRequest(frame); break;
            case PptpControlMessageType.StopControlConnectionRequest: OnStopRequest(frame); break;
            case PptpControlMessageType.StopControlConnectionReply: OnStopReply(frame); break;
            case PptpControlMessageType.EchoRequest: OnEchoRequest(frame); break;
            case PptpControlMessageType.EchoReply: OnEchoReply(frame); break;
            case PptpControlMessageType.OutgoingCallRequest: OnOutgoingCallRequest(frame); break;
            case PptpControlMessageType.IncomingCallRequest: OnIncomingCallRequest(frame); break;
            case PptpControlMessageType.CallClearRequest: OnCallClearRequest(frame); break;
            case PptpControlMessageType.CallDisconnectNotify: OnCallDisconnectNotify(frame); break;
            case PptpControlMessageType.SetLinkInfo: OnSetLinkInfo(frame); break;
            case PptpControlMessageType.WanErrorNotify: OnWanErrorNotify(frame); break;
            default:
                // SCCRP, OCRP, ICRP, ICCN answer requests a PAC never sends: nothing to do but say so.
                _events.Error(TunnelId, PptpErrorKind.UnsupportedMessage,
                    Invariant($"{header.ControlMessageType.Abbreviation()} ignored: it answers a request this gateway never sends"));
                break;
        }
    }

    /// <summary>
    /// A framed message its parser rejects (RFC 2637 §2.16 Bad-Format / Bad-Value). The framing is intact, so
    /// the connection stays up; a request that expects a reply gets one with Result Code General Error.
    /// </summary>
    private void OnMalformed(PptpControlHeader header, byte[] frame, PptpParseError error)
    {
        string type = PptpControlMessage.IsDefined(header.ControlMessageType)
            ? header.ControlMessageType.Abbreviation()
            : Invariant($"control message type {(ushort)header.ControlMessageType}");
        _events.Error(TunnelId, PptpErrorKind.MalformedMessage,
            Invariant($"{type}, Length {header.Length}, PPTP message type {(ushort)header.MessageType}: {error.ToText()}"));
        if (header.MessageType != PptpMessageType.ControlMessage || !PptpControlMessage.IsDefined(header.ControlMessageType))
            return;
        ReplyWithGeneralError(header.ControlMessageType, frame, error.ToGeneralErrorCode());
    }

    /// <summary>Answers a request of <paramref name="type"/> with a General Error reply, echoing the ids it can read from the octets.</summary>
    private void ReplyWithGeneralError(PptpControlMessageType type, ReadOnlySpan<byte> frame, PptpGeneralErrorCode code)
    {
        ushort peerCallId = frame.Length >= 14 ? BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) : (ushort)0;
        switch (type)
        {
            case PptpControlMessageType.StartControlConnectionRequest:
                SendStartReply(StartControlConnectionResultCode.GeneralError, code);
                break;
            case PptpControlMessageType.StopControlConnectionRequest:
                Send(new StopControlConnectionReply { ResultCode = StopControlConnectionResultCode.GeneralError, ErrorCode = code });
                break;
            case PptpControlMessageType.EchoRequest:
                Send(new EchoReply
                {
                    Identifier = frame.Length >= 16 ? BinaryPrimitives.ReadUInt32BigEndian(frame[12..]) : 0,
                    ResultCode = EchoReplyResultCode.GeneralError,
                    ErrorCode = code,
                });
                break;
            case PptpControlMessageType.OutgoingCallRequest:
                Send(new OutgoingCallReply { PeersCallId = peerCallId, ResultCode = OutgoingCallResultCode.GeneralError, ErrorCode = code });
                break;
            case PptpControlMessageType.IncomingCallRequest:
                Send(new IncomingCallReply { PeersCallId = peerCallId, ResultCode = IncomingCallResultCode.GeneralError, ErrorCode = code });
                break;
        }
    }

    /// <summary>Shared tail of every message parser: a rejected reserved field is answered like a malformed message; a tolerated one is reported.</summary>
    private bool Accept(PptpParseError error, bool reservedNonZero, PptpControlMessageType type, byte[] frame)
    {
        if (error != PptpParseError.None)
        {
            PptpControlHeader.TryParse(frame, out PptpControlHeader header);
            OnMalformed(header, frame, error);
            return false;
        }
        if (reservedNonZero)
            _events.Error(TunnelId, PptpErrorKind.ReservedFieldNonZero, type.Abbreviation() + ": a reserved field is not 0 (tolerated)");
        return true;
    }

    private void OnStartRequest(byte[] frame)
    {
        PptpParseError error = StartControlConnectionRequest.TryParse(frame, out StartControlConnectionRequest request, _options.ReservedFieldPolicy);
        if (!Accept(error, request.ReservedFieldsNonZero, PptpControlMessageType.StartControlConnectionRequest, frame))
            return;
        if (_state != PptpControlConnectionState.WaitStartControlConnectionRequest)
        {
            // One SCCRQ per control connection (§3.1): the channel this one asks for exists already.
            _events.Error(TunnelId, PptpErrorKind.StartRequestRefused, "second SCCRQ on this control connection: answered Command channel already exists");
            SendStartReply(StartControlConnectionResultCode.CommandChannelAlreadyExists, PptpGeneralErrorCode.None);
            return;
        }
        _peerHostName = PptpString.ToLogString(request.HostName);
        _peerVendor = PptpString.ToLogString(request.VendorString);
        _peerProtocolVersion = request.ProtocolVersion;
        if (_admissionRefusal is { } refusal)
        {
            _events.Error(TunnelId, PptpErrorKind.StartRequestRefused, "SCCRQ refused: " + refusal.ToRfcText());
            SendStartReply(StartControlConnectionResultCode.GeneralError, refusal);
            CloseCore(PptpCloseReason.AdmissionRefused, PptpControlConnectionEvent.LocalStop);
            return;
        }
        // We speak 1.0. An older requester cannot be served; a newer one is answered with 1.0 and, per §3.1.1
        // ("the older (lower) version should be used provided it is supported"), falls back to it or stops.
        if (request.ProtocolVersion < PptpControlMessage.ProtocolVersion)
        {
            _events.Error(TunnelId, PptpErrorKind.StartRequestRefused,
                Invariant($"SCCRQ protocol version 0x{request.ProtocolVersion:x} not supported: answered {StartControlConnectionResultCode.ProtocolVersionNotSupported.ToRfcText()}"));
            Transition(PptpControlConnectionEvent.StartRequestRefused);
            SendStartReply(StartControlConnectionResultCode.ProtocolVersionNotSupported, PptpGeneralErrorCode.None);
            return;
        }
        Transition(PptpControlConnectionEvent.StartRequestAccepted);
        _startTimer.Disarm();
        RearmIdle();
        SendStartReply(StartControlConnectionResultCode.Successful, PptpGeneralErrorCode.None);
    }

    private void SendStartReply(StartControlConnectionResultCode result, PptpGeneralErrorCode error) =>
        Send(new StartControlConnectionReply
        {
            ProtocolVersion = PptpControlMessage.ProtocolVersion,
            ResultCode = result,
            ErrorCode = error,
            FramingCapabilities = _options.FramingCapabilities,
            BearerCapabilities = _options.BearerCapabilities,
            MaximumChannels = _options.MaximumChannels,
            FirmwareRevision = _options.FirmwareRevision,
            HostName = _hostName,
            VendorString = _vendorString,
        });

    private void OnStopRequest(byte[] frame)
    {
        PptpParseError error = StopControlConnectionRequest.TryParse(frame, out StopControlConnectionRequest request, _options.ReservedFieldPolicy);
        if (!Accept(error, request.ReservedFieldsNonZero, PptpControlMessageType.StopControlConnectionRequest, frame))
            return;
        // Reply first, then close: the reply is queued before the close, so it is written before TCP closes.
        Send(new StopControlConnectionReply { ResultCode = StopControlConnectionResultCode.Ok });
        CloseCore(PptpCloseReason.PeerStopRequest, PptpControlConnectionEvent.StopRequestReceived);
    }

    private void OnStopReply(byte[] frame)
    {
        PptpParseError error = StopControlConnectionReply.TryParse(frame, out StopControlConnectionReply reply, _options.ReservedFieldPolicy);
        if (!Accept(error, reply.ReservedFieldsNonZero, PptpControlMessageType.StopControlConnectionReply, frame))
            return;
        if (_state != PptpControlConnectionState.WaitStopReply)
        {
            _events.Error(TunnelId, PptpErrorKind.UnexpectedMessage, "StopCCRP without our StopCCRQ: ignored");
            return;
        }
        if (reply.ResultCode != StopControlConnectionResultCode.Ok)
            _events.Error(TunnelId, PptpErrorKind.UnexpectedMessage,
                "StopCCRP " + reply.ResultCode.ToRfcText() + ", error " + reply.ErrorCode.ToRfcText() + "; closing anyway");
        CloseCore(PptpCloseReason.LocalStop, PptpControlConnectionEvent.StopReplyReceived);
    }

    private void OnEchoRequest(byte[] frame)
    {
        PptpParseError error = EchoRequest.TryParse(frame, out EchoRequest request, _options.ReservedFieldPolicy);
        if (!Accept(error, request.ReservedFieldsNonZero, PptpControlMessageType.EchoRequest, frame))
            return;
        if (_state == PptpControlConnectionState.WaitStartControlConnectionRequest)
        {
            _events.Error(TunnelId, PptpErrorKind.UnexpectedMessage, "ECHORQ before SCCRQ: answered General Error Not-Connected");
            Send(new EchoReply { Identifier = request.Identifier, ResultCode = EchoReplyResultCode.GeneralError, ErrorCode = PptpGeneralErrorCode.NotConnected });
            return;
        }
        Send(new EchoReply { Identifier = request.Identifier, ResultCode = EchoReplyResultCode.Ok });
    }

    private void OnEchoReply(byte[] frame)
    {
        PptpParseError error = EchoReply.TryParse(frame, out EchoReply reply, _options.ReservedFieldPolicy);
        if (!Accept(error, reply.ReservedFieldsNonZero, PptpControlMessageType.EchoReply, frame))
            return;
        if (_outstandingEcho != reply.Identifier)
        {
            _events.Error(TunnelId, PptpErrorKind.UnexpectedMessage, _outstandingEcho is { } expected
                ? Invariant($"ECHORP identifier {reply.Identifier} does not match our ECHORQ {expected}: ignored")
                : Invariant($"ECHORP identifier {reply.Identifier} without an outstanding ECHORQ: ignored"));
            return;
        }
        if (reply.ResultCode != EchoReplyResultCode.Ok)
            _events.Error(TunnelId, PptpErrorKind.UnexpectedMessage, "ECHORP " + reply.ResultCode.ToRfcText() + "; the peer is alive all the same");
        _outstandingEcho = null;
        _echoTimer.Disarm();
        if (_state == PptpControlConnectionState.Established)
            RearmIdle();
    }

    private void OnStop(StopInput stop)
    {
        switch (_state)
        {
            case PptpControlConnectionState.WaitStartControlConnectionRequest:
                CloseCore(PptpCloseReason.LocalStopBeforeStart, PptpControlConnectionEvent.LocalStop);
                break;
            case PptpControlConnectionState.Established:
                Transition(PptpControlConnectionEvent.LocalStop);
                // §2.3: all calls are implicitly cleared by the Stop-Control-Connection-Request.
                ClearAllCalls();
                _idleTimer.Disarm();
                _echoTimer.Disarm();
                _outstandingEcho = null;
                Arm(_stopTimer, stop.ReplyTimeout ?? _options.StopReplyTimeout);
                Send(new StopControlConnectionRequest { Reason = stop.Reason });
                break;
        }
    }

    private void OnStreamEnded(StreamEndedInput ended)
    {
        if (_state == PptpControlConnectionState.Closed)
            return;
        _events.Error(TunnelId, ended.Reason switch
        {
            PptpCloseReason.StreamCorrupt => PptpErrorKind.CorruptStream,
            PptpCloseReason.IoError => PptpErrorKind.Transport,
            _ => PptpErrorKind.Transport,
        }, ended.Detail);
        CloseCore(ended.Reason, ended.Event);
    }

    private void OnTimer(TimerInput timer)
    {
        // A timer that was re-armed or disarmed after its expiry was queued is stale.
        TimerSlot slot = timer.Call?.DecisionTimer ?? timer.Kind switch
        {
            TimerKind.StartRequest => _startTimer,
            TimerKind.Idle => _idleTimer,
            TimerKind.EchoReply => _echoTimer,
            _ => _stopTimer,
        };
        if (!slot.IsCurrent(timer.Id))
            return;
        slot.Disarm();
        switch (timer.Kind)
        {
            case TimerKind.StartRequest when _state == PptpControlConnectionState.WaitStartControlConnectionRequest:
                _events.Error(TunnelId, PptpErrorKind.Timeout, Invariant($"no SCCRQ within {_options.StartRequestTimeout.TotalSeconds} s of TCP open"));
                CloseCore(PptpCloseReason.StartRequestTimeout, PptpControlConnectionEvent.StartRequestTimeout);
                break;
            case TimerKind.Idle when _state == PptpControlConnectionState.Established && _outstandingEcho is null:
                // §3.1.4 keep-alive: nothing heard for the interval, so probe the peer.
                _outstandingEcho = ++_lastEchoIdentifier;
                Arm(_echoTimer, _options.EchoReplyTimeout);
                Send(new EchoRequest { Identifier = _outstandingEcho.Value });
                break;
            case TimerKind.EchoReply when _state == PptpControlConnectionState.Established && _outstandingEcho is { } id:
                _events.Error(TunnelId, PptpErrorKind.Timeout, Invariant($"no ECHORP to ECHORQ {id} within {_options.EchoReplyTimeout.TotalSeconds} s: closing"));
                CloseCore(PptpCloseReason.EchoTimeout, PptpControlConnectionEvent.EchoTimeout);
                break;
            case TimerKind.StopReply when _state == PptpControlConnectionState.WaitStopReply:
                _events.Error(TunnelId, PptpErrorKind.Timeout, "no StopCCRP in time: closing");
                CloseCore(PptpCloseReason.StopReplyTimeout, PptpControlConnectionEvent.StopReplyTimeout);
                break;
            case TimerKind.CallDecision when timer.Call is { State: PptpCallState.WaitDecision } call:
                _events.Error(TunnelId, PptpErrorKind.Timeout,
                    Invariant($"call {call.CallId}: no decision within {_options.CallDecisionTimeout.TotalSeconds} s: answered {OutgoingCallResultCode.TimeOut.ToRfcText()}"));
                CallTransition(call, PptpCallEvent.DecisionTimeout);
                RemoveCall(call, PptpCallClearReason.DecisionTimeout);
                // A refused call has no Call ID of ours (it was returned to the source): 0.
                Send(new OutgoingCallReply { PeersCallId = call.PeerCallId, ResultCode = OutgoingCallResultCode.TimeOut });
                break;
        }
    }

    /// <summary>Moves to the closed state: stops timers, clears every call, queues the stream's disposal.</summary>
    private void CloseCore(PptpCloseReason reason, PptpControlConnectionEvent @event)
    {
        if (_state == PptpControlConnectionState.Closed)
            return;
        if (PptpStateMachine.Next(_state, @event) is PptpControlConnectionState.Closed)
            Transition(@event);
        else
            SetState(PptpControlConnectionState.Closed, @event.TriggerName());
        _startTimer.Disarm();
        _idleTimer.Disarm();
        _echoTimer.Disarm();
        _stopTimer.Disarm();
        _outstandingEcho = null;
        ClearAllCalls();
        _closeReason = reason;
        _events.TunnelDeleted(TunnelId, Remote, reason);
        // Queued after any reply (StopCCRP, SCCRP refusal) so those are written before TCP closes; the
        // processing loop ends once this input is done and the run disposes the stream.
        _inputs.Writer.TryComplete();
    }

    private void Transition(PptpControlConnectionEvent @event)
    {
        PptpControlConnectionState next = PptpStateMachine.Next(_state, @event)
            ?? throw new InvalidOperationException(Invariant($"no transition from {_state} on {@event}"));
        if (next != _state)
            SetState(next, @event.TriggerName());
    }

    private void SetState(PptpControlConnectionState next, string trigger)
    {
        _events.StateChanged(new PptpStateChange(TunnelId, null, trigger, _state.ShortName(), next.ShortName()));
        _state = next;
        _stateStamp = _time.GetTimestamp();
    }

    // ───────────────────────────── calls ─────────────────────────────

    private void OnOutgoingCallRequest(byte[] frame)
    {
        PptpParseError error = OutgoingCallRequest.TryParse(frame, out OutgoingCallRequest request, _options.ReservedFieldPolicy);
        if (!Accept(error, request.ReservedFieldsNonZero, PptpControlMessageType.OutgoingCallRequest, frame))
            return;
        ushort peerCallId = request.CallId;
        if (_state != PptpControlConnectionState.Established)
        {
            // §2.16 Not-Connected: "No control connection exists yet for this PAC-PNS pair"; while stopping, we take no new calls.
            bool beforeStart = _state == PptpControlConnectionState.WaitStartControlConnectionRequest;
            RefuseCall(peerCallId, beforeStart ? OutgoingCallResultCode.GeneralError : OutgoingCallResultCode.DoNotAccept,
                beforeStart ? PptpGeneralErrorCode.NotConnected : PptpGeneralErrorCode.None,
                beforeStart ? "OCRQ before SCCRQ" : "OCRQ while the control connection is stopping");
            return;
        }
        foreach (Call existing in _calls.Values)
        {
            if (existing.PeerCallId == peerCallId)
            {
                RefuseCall(peerCallId, OutgoingCallResultCode.GeneralError, PptpGeneralErrorCode.BadCallId,
                    Invariant($"OCRQ reuses peer call id {peerCallId} of a live call"));
                return;
            }
        }
        if (_calls.Count >= _options.MaxCallsPerConnection)
        {
            RefuseCall(peerCallId, OutgoingCallResultCode.GeneralError, PptpGeneralErrorCode.NoResource,
                Invariant($"connection already carries {_calls.Count} call(s), the limit per connection"));
            return;
        }
        if (!_callIds.TryAllocate(Remote.Address, out ushort callId))
        {
            RefuseCall(peerCallId, OutgoingCallResultCode.GeneralError, PptpGeneralErrorCode.NoResource, "no free call id for " + Remote.Address);
            return;
        }
        var call = new Call(callId, peerCallId, _time.GetTimestamp())
        {
            SerialNumber = request.CallSerialNumber,
            MinimumBps = request.MinimumBps,
            MaximumBps = request.MaximumBps,
            PeerReceiveWindowSize = request.PacketRecvWindowSize,
            PeerProcessingDelay = request.PacketProcessingDelay,
        };
        _calls.Add(callId, call);
        _events.StateChanged(new PptpStateChange(TunnelId, callId, "OCRQ", PptpCallState.Cleared.ShortName(), PptpCallState.WaitDecision.ShortName()));
        Arm(call.DecisionTimer, _options.CallDecisionTimeout, call);
        var info = new CallRequestInfo(TunnelId, Remote, callId, peerCallId, request.CallSerialNumber, request.MinimumBps, request.MaximumBps,
            request.BearerType, request.FramingType, request.PacketRecvWindowSize, request.PacketProcessingDelay,
            PptpString.ToLogString(request.PhoneNumber));
        call.DecisionPending = true;
        Run(() => AskHandler(call, info));
    }

    private void RefuseCall(ushort peerCallId, OutgoingCallResultCode result, PptpGeneralErrorCode error, string why)
    {
        _events.Error(TunnelId, PptpErrorKind.CallRefused, Invariant($"OCRQ peer call id {peerCallId} refused ({why}): {result.ToRfcText()}")
            + (error == PptpGeneralErrorCode.None ? "" : ", error " + error.ToRfcText()));
        Send(new OutgoingCallReply { PeersCallId = peerCallId, ResultCode = result, ErrorCode = error });
    }

    /// <summary>Runs on the processing loop, outside the lock; the answer comes back as an input.</summary>
    private void AskHandler(Call call, CallRequestInfo info)
    {
        ValueTask<CallDecision> pending;
        try
        {
            pending = _handler.OnOutgoingCallRequestAsync(info, call.DecisionCancellation.Token);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            DeliverDecision(call, null, ex);
            return;
        }
        if (pending.IsCompletedSuccessfully)
            DeliverDecision(call, pending.Result, null);
        else
            _ = AwaitDecisionAsync(call, pending);
    }

    private async Task AwaitDecisionAsync(Call call, ValueTask<CallDecision> pending)
    {
        try
        {
            DeliverDecision(call, await pending.ConfigureAwait(false), null);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            DeliverDecision(call, null, ex);
        }
    }

    private void DeliverDecision(Call call, CallDecision? decision, Exception? error)
    {
        if (!Post(new DecisionInput(call, decision, error)))
            LateDecision(call, decision);
    }

    /// <summary>A decision that arrives after its call (or the whole connection) is gone: release the id and keep the handler's books straight.</summary>
    private void LateDecision(Call call, CallDecision? decision)
    {
        lock (_gate)
        {
            if (!call.DecisionPending)
                return;
            call.DecisionPending = false;
        }
        _callIds.Release(Remote.Address, call.CallId);
        call.DecisionCancellation.Dispose();
        if (decision is { Accepted: true })
        {
            try
            {
                _handler.OnCallCleared(TunnelId, call.CallId, call.ClearReason ?? PptpCallClearReason.ControlConnectionClosed);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                _events.Error(TunnelId, PptpErrorKind.HandlerFailure, ex.GetType().Name + ": " + ex.Message);
            }
        }
    }

    private void OnDecision(DecisionInput input)
    {
        Call call = input.Call;
        if (call.State != PptpCallState.WaitDecision)
        {
            // Cleared while the handler thought (timeout, CCRQ, Stop): an acceptance must still be undone.
            call.DecisionPending = false;
            _callIds.Release(Remote.Address, call.CallId);
            call.DecisionCancellation.Dispose();
            if (input.Decision is { Accepted: true })
                Run(() => _handler.OnCallCleared(TunnelId, call.CallId, call.ClearReason ?? PptpCallClearReason.ControlConnectionClosed));
            return;
        }
        call.DecisionPending = false;
        call.DecisionCancellation.Dispose();
        call.DecisionTimer.Disarm();
        CallDecision decision;
        if (input.Error is { } ex)
        {
            _events.Error(TunnelId, PptpErrorKind.HandlerFailure, Invariant($"call {call.CallId}: decision failed: {ex.GetType().Name}: {ex.Message}"));
            decision = CallDecision.Refuse(OutgoingCallResultCode.GeneralError, "handler failure", PptpGeneralErrorCode.PacError);
        }
        else
        {
            decision = input.Decision!.Value;
            if (!decision.Accepted && decision.ResultCode is OutgoingCallResultCode.Connected or 0)
            {
                _events.Error(TunnelId, PptpErrorKind.HandlerFailure, Invariant($"call {call.CallId}: a refusal without a result code: sent PAC-Error"));
                decision = decision with { ResultCode = OutgoingCallResultCode.GeneralError, ErrorCode = PptpGeneralErrorCode.PacError };
            }
        }
        if (decision.Accepted)
        {
            call.Accepted = true;
            call.ConnectSpeed = decision.ConnectSpeed != 0 ? decision.ConnectSpeed : ClampSpeed(_options.ConnectSpeed, call.MinimumBps, call.MaximumBps);
            CallTransition(call, PptpCallEvent.Accepted);
            var established = new EstablishedCall(this, TunnelId, call.CallId, call.PeerCallId, Remote, Local,
                call.PeerReceiveWindowSize, _options.ReceiveWindowSize, call.PeerProcessingDelay, call.ConnectSpeed);
            // The session is installed before the reply, so the peer's first GRE packet finds it.
            Run(() => _handler.OnCallEstablished(established));
            Send(new OutgoingCallReply
            {
                CallId = call.CallId,
                PeersCallId = call.PeerCallId,
                ResultCode = OutgoingCallResultCode.Connected,
                ConnectSpeed = call.ConnectSpeed,
                PacketRecvWindowSize = _options.ReceiveWindowSize,
                PacketProcessingDelay = _options.ProcessingDelay,
            });
        }
        else
        {
            _events.Error(TunnelId, PptpErrorKind.CallRefused, Invariant($"call {call.CallId} (peer call id {call.PeerCallId}) refused: {decision.Reason ?? "no reason given"}: {decision.ResultCode.ToRfcText()}")
                + (decision.ErrorCode == PptpGeneralErrorCode.None ? "" : ", error " + decision.ErrorCode.ToRfcText()));
            CallTransition(call, PptpCallEvent.Refused);
            RemoveCall(call, reason: null);
            Send(new OutgoingCallReply
            {
                PeersCallId = call.PeerCallId,
                ResultCode = decision.ResultCode,
                ErrorCode = decision.ErrorCode,
                CauseCode = decision.CauseCode,
            });
        }
    }

    /// <summary>Connect Speed within what the request allows (§2.7 Minimum/Maximum BPS), when the range is sane.</summary>
    private static uint ClampSpeed(uint speed, uint minimum, uint maximum) =>
        maximum == 0 || minimum > maximum ? speed : Math.Clamp(speed, minimum, maximum);

    private void OnIncomingCallRequest(byte[] frame)
    {
        PptpParseError error = IncomingCallRequest.TryParse(frame, out IncomingCallRequest request, _options.ReservedFieldPolicy);
        if (!Accept(error, request.ReservedFieldsNonZero, PptpControlMessageType.IncomingCallRequest, frame))
            return;
        if (_state == PptpControlConnectionState.WaitStartControlConnectionRequest)
        {
            _events.Error(TunnelId, PptpErrorKind.UnexpectedMessage, "ICRQ before SCCRQ: answered General Error Not-Connected");
            Send(new IncomingCallReply { PeersCallId = request.CallId, ResultCode = IncomingCallResultCode.GeneralError, ErrorCode = PptpGeneralErrorCode.NotConnected });
            return;
        }
        // The gateway is the PAC of outgoing calls only; an ICRQ asks it to act as a PNS (§3.2.3), which it does not.
        _events.Error(TunnelId, PptpErrorKind.UnsupportedMessage,
            Invariant($"ICRQ peer call id {request.CallId} refused: incoming calls are not supported: {IncomingCallResultCode.DoNotAccept.ToRfcText()}"));
        Send(new IncomingCallReply { PeersCallId = request.CallId, ResultCode = IncomingCallResultCode.DoNotAccept });
    }

    private void OnCallClearRequest(byte[] frame)
    {
        PptpParseError error = CallClearRequest.TryParse(frame, out CallClearRequest request, _options.ReservedFieldPolicy);
        if (!Accept(error, request.ReservedFieldsNonZero, PptpControlMessageType.CallClearRequest, frame))
            return;
        // The CCRQ names the call by the sender's (the PNS's) Call ID (§2.12).
        if (FindByPeerCallId(request.CallId) is not { } call)
        {
            _events.Error(TunnelId, PptpErrorKind.UnknownCallId, Invariant($"CCRQ for peer call id {request.CallId}, which names no call: ignored"));
            return;
        }
        CallTransition(call, PptpCallEvent.PeerClearRequest);
        RemoveCall(call, PptpCallClearReason.PeerCallClearRequest);
        Send(new CallDisconnectNotify { CallId = call.CallId, ResultCode = CallDisconnectResultCode.Request });
    }

    private void OnCallDisconnectNotify(byte[] frame)
    {
        PptpParseError error = CallDisconnectNotify.TryParse(frame, out CallDisconnectNotify notify, _options.ReservedFieldPolicy);
        if (!Accept(error, notify.ReservedFieldsNonZero, PptpControlMessageType.CallDisconnectNotify, frame))
            return;
        // CDN flows PAC→PNS, but a peer that sends one clearly considers its call gone: believe it.
        if (FindByPeerCallId(notify.CallId) is not { } call)
        {
            _events.Error(TunnelId, PptpErrorKind.UnknownCallId, Invariant($"CDN for peer call id {notify.CallId}, which names no call: ignored"));
            return;
        }
        CallTransition(call, PptpCallEvent.PeerDisconnectNotify);
        RemoveCall(call, PptpCallClearReason.PeerCallDisconnectNotify);
    }

    private void OnSetLinkInfo(byte[] frame)
    {
        PptpParseError error = SetLinkInfo.TryParse(frame, out SetLinkInfo info, _options.ReservedFieldPolicy);
        if (!Accept(error, info.ReservedFieldsNonZero, PptpControlMessageType.SetLinkInfo, frame))
            return;
        // SLI's Peer's Call ID is the id the receiver (we) assigned (§2.15).
        if (!_calls.TryGetValue(info.PeersCallId, out Call? call))
        {
            _events.Error(TunnelId, PptpErrorKind.UnknownCallId, Invariant($"SLI for call id {info.PeersCallId}, which names no call: ignored"));
            return;
        }
        call.SendAccm = info.SendAccm;
        call.ReceiveAccm = info.ReceiveAccm;
        if (call.State == PptpCallState.Established)
        {
            uint send = info.SendAccm, receive = info.ReceiveAccm;
            Run(() => _handler.OnSetLinkInfo(TunnelId, call.CallId, send, receive));
        }
    }

    private void OnWanErrorNotify(byte[] frame)
    {
        PptpParseError error = WanErrorNotify.TryParse(frame, out WanErrorNotify notify, _options.ReservedFieldPolicy);
        if (!Accept(error, notify.ReservedFieldsNonZero, PptpControlMessageType.WanErrorNotify, frame))
            return;
        _events.Error(TunnelId, PptpErrorKind.PeerReportedError, Invariant(
            $"WEN call id {notify.PeersCallId}: CRC errors {notify.CrcErrors}, framing errors {notify.FramingErrors}, hardware overruns {notify.HardwareOverruns}, buffer overruns {notify.BufferOverruns}, time-out errors {notify.TimeoutErrors}, alignment errors {notify.AlignmentErrors}"));
    }

    private void OnClearCall(ClearCallInput input)
    {
        if (_state == PptpControlConnectionState.Closed || !_calls.TryGetValue(input.CallId, out Call? call) || call.State != PptpCallState.Established)
        {
            input.Done.TrySetResult(false);
            return;
        }
        (CallDisconnectResultCode result, PptpGeneralErrorCode error) = input.Reason.ToDisconnectCodes();
        CallTransition(call, PptpCallEvent.LocalClear);
        RemoveCall(call, input.Reason);
        Send(new CallDisconnectNotify { CallId = call.CallId, ResultCode = result, ErrorCode = error });
        Run(() => input.Done.TrySetResult(true));
    }

    private void ClearAllCalls()
    {
        foreach (Call call in _calls.Values.ToArray())
        {
            CallTransition(call, PptpCallEvent.ControlConnectionClosed);
            RemoveCall(call, PptpCallClearReason.ControlConnectionClosed);
        }
    }

    /// <summary>Forgets a cleared call: its id goes back (unless a decision is still out) and an accepted call is reported cleared.</summary>
    private void RemoveCall(Call call, PptpCallClearReason? reason)
    {
        _calls.Remove(call.CallId);
        call.ClearReason = reason;
        call.DecisionTimer.Disarm();
        if (call.DecisionPending)
        {
            // The handler is still deciding; OnDecision or LateDecision finishes the job.
            call.DecisionCancellation.Cancel();
            return;
        }
        _callIds.Release(Remote.Address, call.CallId);
        if (call.Accepted && reason is { } why)
            Run(() => _handler.OnCallCleared(TunnelId, call.CallId, why));
    }

    private Call? FindByPeerCallId(ushort peerCallId)
    {
        foreach (Call call in _calls.Values)
            if (call.PeerCallId == peerCallId)
                return call;
        return null;
    }

    private void CallTransition(Call call, PptpCallEvent @event)
    {
        PptpCallState next = PptpStateMachine.Next(call.State, @event)
            ?? throw new InvalidOperationException(Invariant($"no call transition from {call.State} on {@event}"));
        _events.StateChanged(new PptpStateChange(TunnelId, call.CallId, @event.TriggerName(), call.State.ShortName(), next.ShortName()));
        call.State = next;
        call.StateStamp = _time.GetTimestamp();
    }

    // ───────────────────────────── helpers ─────────────────────────────

    private void Send<T>(scoped in T message) where T : IPptpControlMessage<T>, allows ref struct
    {
        byte[] frame = new byte[T.MessageLength];
        if (!message.TryWrite(frame))
            throw new InvalidOperationException("a control message did not fit its own length");
        _effects.Add(new Effect(frame, T.Type, null));
    }

    private void Run(Action action) => _effects.Add(new Effect(null, default, action));

    private void RearmIdle()
    {
        _idleTimer.Disarm();
        if (_options.EchoInterval > TimeSpan.Zero)
            Arm(_idleTimer, _options.EchoInterval);
    }

    /// <summary>Starts a one-shot timer in <paramref name="slot"/> (replacing its previous one); its expiry becomes an input.</summary>
    private void Arm(TimerSlot slot, TimeSpan due, Call? call = null)
    {
        slot.Disarm();
        long id = ++_lastTimerId;
        slot.Id = id;
        slot.Timer = _time.CreateTimer(static state =>
        {
            var (self, input) = ((PptpControlConnection, TimerInput))state!;
            self.Post(input);
        }, (this, new TimerInput(slot.Kind, id, call)), due, Timeout.InfiniteTimeSpan);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private enum TimerKind { StartRequest, Idle, EchoReply, StopReply, CallDecision }

    private readonly record struct Effect(byte[]? Frame, PptpControlMessageType Type, Action? Action);

    private abstract record Input;
    private sealed record MessageInput(byte[] Frame) : Input;
    private sealed record StreamEndedInput(PptpCloseReason Reason, PptpControlConnectionEvent Event, string Detail) : Input;
    private sealed record TimerInput(TimerKind Kind, long Id, Call? Call) : Input;
    private sealed record DecisionInput(Call Call, CallDecision? Decision, Exception? Error) : Input;
    private sealed record ClearCallInput(ushort CallId, PptpCallClearReason Reason, TaskCompletionSource<bool> Done) : Input;
    private sealed record StopInput(StopControlConnectionReason Reason, TimeSpan? ReplyTimeout) : Input;
    private sealed record AbortInput : Input;
    private sealed record ShedInput : Input;

    private sealed class Call(ushort callId, ushort peerCallId, long stamp)
    {
        public ushort CallId { get; } = callId;
        public ushort PeerCallId { get; } = peerCallId;
        public PptpCallState State { get; set; } = PptpCallState.WaitDecision;
        public long StateStamp { get; set; } = stamp;
        public ushort SerialNumber { get; init; }
        public uint MinimumBps { get; init; }
        public uint MaximumBps { get; init; }
        public ushort PeerReceiveWindowSize { get; init; }
        public ushort PeerProcessingDelay { get; init; }
        public uint SendAccm { get; set; } = uint.MaxValue;
        public uint ReceiveAccm { get; set; } = uint.MaxValue;
        public uint ConnectSpeed { get; set; }
        public bool Accepted { get; set; }
        public bool DecisionPending { get; set; }
        public PptpCallClearReason? ClearReason { get; set; }
        public CancellationTokenSource DecisionCancellation { get; } = new();
        public TimerSlot DecisionTimer { get; } = new(TimerKind.CallDecision);
    }

    /// <summary>One armed-or-not timer; <see cref="Id"/> tells a current expiry from a stale one.</summary>
    private sealed class TimerSlot(TimerKind kind)
    {
        public TimerKind Kind { get; } = kind;
        public ITimer? Timer { get; set; }
        public long Id { get; set; }

        public bool IsCurrent(long id) => Timer is not null && Id == id;

        public void Disarm()
        {
            Timer?.Dispose();
            Timer = null;
        }
    }
}
