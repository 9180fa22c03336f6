using System.Buffers;
using System.Text;

namespace PptpGw.ControlPlane.Ppp.Fsm;

/// <summary>
/// The option negotiation automaton of RFC 1661 §4, shared by LCP, IPCP and CCP. Transitions come from
/// <see cref="PppFsmTable"/>; the protocol-specific half is an <see cref="IPppFsmLayer"/>.
/// </summary>
/// <remarks>
/// <para><b>Threading.</b> Every entry point (<see cref="Up"/>, <see cref="Down"/>, <see cref="Open"/>,
/// <see cref="Close"/>, <see cref="ReceivePacket"/>, <see cref="ProtocolRejected"/>, <see cref="SendPacket"/>,
/// the Restart timer callback) takes <see cref="SyncRoot"/>, so events are serialised whichever thread
/// delivers them. Layer callbacks, the output delegate and the <see cref="Observer"/> run inside that lock,
/// on the delivering thread (a timer thread for TO+/TO-): they must not block. Pass one
/// <see cref="Lock"/> to all automata of a PPP session so that a callback of one (e.g. LCP's tld) may drive
/// another (IPCP's Down) without lock-order deadlocks; <see cref="Lock"/> is reentrant.</para>
/// <para><b>Re-entrancy.</b> An event delivered while a transition is running (a callback calling
/// <see cref="Close"/>, or a loopback peer answering synchronously from inside the output delegate) is
/// queued and processed, in order, as soon as the current transition has completed — transitions never
/// interleave. Queued packets are copied.</para>
/// <para><b>Timer.</b> A stale Restart-timer callback (one that fired while the timer was being restarted
/// or stopped) is recognised by its token and ignored.</para>
/// <para><b>Identifiers.</b> Every Configure-Request transmission takes a fresh Identifier (RFC 1661 §5.1
/// allows reuse on retransmission; a fresh one makes a late reply to an older copy stale instead of being
/// mistaken for a reply to the current options). In Req-Sent, Ack-Rcvd, Ack-Sent and Opened a
/// Configure-Ack/Nak/Reject counts only if its Identifier is that of our latest request and, for an Ack,
/// its options are exactly ours (§5.2-§5.4); otherwise it is silently discarded. In Closed, Stopped,
/// Closing and Stopping no request is outstanding and any well-formed one is the RCA/RCN of the table
/// (answered by sta or ignored), without reaching the layer.</para>
/// </remarks>
public sealed class PppFsm : IDisposable
{
    private enum PendingKind { Event, Packet, Timeout, Renegotiate }

    private readonly record struct PendingEvent(PendingKind Kind, PppFsmEvent Event, byte[]? Data, TimerToken? Timer);

    private sealed class TimerToken(PppFsm owner)
    {
        public PppFsm Owner { get; } = owner;
    }

    /// <summary>What a transition's actions need from the packet that caused it.</summary>
    private ref struct Input
    {
        /// <summary>The whole received packet up to its Length (for scj).</summary>
        public ReadOnlySpan<byte> Packet;
        public byte Code;
        public byte Identifier;
        public ReadOnlySpan<byte> Data;
        /// <summary>For RCR-: Nak or Reject, with the layer's response options.</summary>
        public ConfigureVerdict Verdict;
        public ReadOnlySpan<byte> Response;
    }

    private readonly IPppFsmLayer _layer;
    private readonly PppFsmOutput _output;
    private readonly TimeProvider _timeProvider;
    private readonly Lock _sync;
    private readonly Queue<PendingEvent> _pending = new();

    /// <summary>
    /// Options of our latest Configure-Request, kept for retransmission and to validate Acks and Rejects: exactly their
    /// length (tens of octets), written through a pooled scratch buffer, not a MaxPacketLength array per automaton
    /// (three per session: 4.5 KB of a gateway's memory per session, issue 11).
    /// </summary>
    private byte[] _request = [];
    private int _requestLength;
    private byte _requestIdentifier;
    private bool _requestSent;
    private byte _lastIdentifier;
    private byte[] _terminateData = [];

    private PppFsmState _state;
    private int _restartCounter;
    private int _failureCounter;
    private int _peerMru = 1500;
    private long _illegalEvents;
    private long _discardedPackets;
    private bool _dispatching;
    private bool _disposed;
    private ITimer? _timer;
    private TimerToken? _timerToken;

    /// <param name="name">Protocol name for logs ("LCP", "IPCP", "CCP").</param>
    /// <param name="layer">The protocol-specific half.</param>
    /// <param name="output">Where control packets go (without the PPP Protocol field).</param>
    /// <param name="timeProvider">Clock for the Restart timer (<see cref="TimeProvider.System"/>, or a fake in tests).</param>
    /// <param name="options">Timer and counters; the RFC 1661 §4.6 defaults when null.</param>
    /// <param name="syncRoot">The lock serialising this automaton; share one per PPP session. A private one when null.</param>
    public PppFsm(string name, IPppFsmLayer layer, PppFsmOutput output, TimeProvider timeProvider,
        PppFsmOptions? options = null, Lock? syncRoot = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(timeProvider);
        options ??= new PppFsmOptions();
        options.Validate();
        Name = name;
        Options = options;
        _layer = layer;
        _output = output;
        _timeProvider = timeProvider;
        _sync = syncRoot ?? new Lock();
        _state = PppFsmState.Initial;
    }

    public string Name { get; }

    public PppFsmOptions Options { get; }

    /// <summary>The lock every entry point takes (see the threading remarks).</summary>
    public Lock SyncRoot => _sync;

    public PppFsmState State { get { lock (_sync) return _state; } }

    /// <summary>Restart counter (RFC 1661 §4.6): transmissions left before TO- instead of TO+.</summary>
    public int RestartCounter { get { lock (_sync) return _restartCounter; } }

    /// <summary>Configure-Naks we may still send before converting them to Configure-Rejects (Max-Failure, §4.6).</summary>
    public int FailureCounter { get { lock (_sync) return _failureCounter; } }

    public bool IsRestartTimerRunning { get { lock (_sync) return _timerToken is not null; } }

    /// <summary>Events that hit a "-" cell of the table (ignored).</summary>
    public long IllegalEventCount { get { lock (_sync) return _illegalEvents; } }

    /// <summary>Packets silently discarded: malformed, stale Identifier, Ack not matching our request, invalid Reject, layer's Discard.</summary>
    public long DiscardedPacketCount { get { lock (_sync) return _discardedPackets; } }

    /// <summary>
    /// The peer's MRU (RFC 1661 §6.1, default 1500): a Code-Reject is truncated to fit it (§5.6).
    /// LCP sets it from the negotiated MRU; the NCPs from LCP's.
    /// </summary>
    public int PeerMru
    {
        get { lock (_sync) return _peerMru; }
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, PppControlPacket.HeaderLength + 1);
            lock (_sync) _peerMru = value;
        }
    }

    /// <summary>Called (inside the lock) for every event, legal or not, before the actions run.</summary>
    public Action<PppFsmStep>? Observer { get; set; }

    /// <summary>Called when a layer callback throws from a Restart-timer callback (there is no caller to throw to).</summary>
    public Action<Exception>? TimerFault { get; set; }

    /// <summary>Up event: the lower layer is ready (LCP: the PPTP call is connected; NCPs: LCP reached Opened/Network phase).</summary>
    public void Up() => Deliver(new PendingEvent(PendingKind.Event, PppFsmEvent.Up, null, null));

    /// <summary>Down event: the lower layer went away.</summary>
    public void Down() => Deliver(new PendingEvent(PendingKind.Event, PppFsmEvent.Down, null, null));

    /// <summary>Open event: administratively allow the link to open.</summary>
    public void Open() => Deliver(new PendingEvent(PendingKind.Event, PppFsmEvent.Open, null, null));

    /// <summary>Close event; <paramref name="reason"/> (UTF-8) goes in the Terminate-Request's Data (RFC 1661 §5.5).</summary>
    public void Close(string? reason = null) =>
        Deliver(new PendingEvent(PendingKind.Event, PppFsmEvent.Close, reason is null ? [] : Encoding.UTF8.GetBytes(reason), null));

    /// <summary>
    /// Starts a renegotiation from Opened, our side asking (what a peer's Configure-Request in Opened does to it, RFC 1661
    /// §4.1: tld, then irc and scr, to Req-Sent): the layer writes fresh options. Ignored in any other state.
    /// </summary>
    public void Renegotiate() => Deliver(new PendingEvent(PendingKind.Renegotiate, default, null, null));

    /// <summary>
    /// RXJ- for this protocol: the peer sent an LCP Protocol-Reject of it (RFC 1661 §5.7). LCP's layer calls
    /// this on the NCP's automaton.
    /// </summary>
    public void ProtocolRejected() => Deliver(new PendingEvent(PendingKind.Event, PppFsmEvent.RxjMinus, null, null));

    /// <summary>
    /// A received control packet (Code, Identifier, Length, Data; octets past Length are padding). Never
    /// throws on peer input: malformed packets are counted and discarded.
    /// </summary>
    public void ReceivePacket(ReadOnlySpan<byte> packet)
    {
        lock (_sync)
        {
            if (_disposed)
                return;
            if (_dispatching)
            {
                _pending.Enqueue(new PendingEvent(PendingKind.Packet, default, packet.ToArray(), null));
                return;
            }
            _dispatching = true;
            try
            {
                ProcessPacket(packet);
                Drain();
            }
            finally
            {
                EndDispatch();
            }
        }
    }

    /// <summary>A fresh Identifier (RFC 1661 §5) for packets the layer sends itself (Echo-Request, Reset-Request...).</summary>
    public byte NextIdentifier()
    {
        lock (_sync)
            return NextIdentifierCore();
    }

    /// <summary>
    /// Sends a packet of this protocol built from <paramref name="code"/>, <paramref name="identifier"/> and
    /// <paramref name="data"/> (for the layer's own codes: Echo-Reply, Reset-Ack, Protocol-Reject...).
    /// False when the packet would exceed 65535 octets or the automaton is disposed.
    /// </summary>
    public bool SendPacket(byte code, byte identifier, ReadOnlySpan<byte> data)
    {
        lock (_sync)
            return !_disposed && Send(code, identifier, data);
    }

    /// <summary>Stops the Restart timer; later events are ignored.</summary>
    public void Dispose()
    {
        lock (_sync)
        {
            _disposed = true;
            StopRestartTimer();
            _pending.Clear();
        }
    }

    public override string ToString() => $"{Name} {State.ToRfcName()}";

    /// <summary>Tests only: puts the Restart counter where a TO+ or TO- cell needs it.</summary>
    internal void OverrideRestartCounter(int value)
    {
        lock (_sync)
            _restartCounter = value;
    }

    private void Deliver(PendingEvent pendingEvent)
    {
        lock (_sync)
        {
            if (_disposed)
                return;
            if (_dispatching)
            {
                _pending.Enqueue(pendingEvent);
                return;
            }
            _dispatching = true;
            try
            {
                Run(pendingEvent);
                Drain();
            }
            finally
            {
                EndDispatch();
            }
        }
    }

    private void Drain()
    {
        while (!_disposed && _pending.TryDequeue(out PendingEvent next))
            Run(next);
    }

    private void EndDispatch()
    {
        _dispatching = false;
        // Only non-empty when a callback threw: the queued events belonged to the aborted sequence.
        _pending.Clear();
    }

    private void Run(PendingEvent pendingEvent)
    {
        switch (pendingEvent.Kind)
        {
            case PendingKind.Packet:
                ProcessPacket(pendingEvent.Data);
                break;
            case PendingKind.Timeout:
                if (!ReferenceEquals(pendingEvent.Timer, _timerToken))
                    return; // stale: the timer was restarted or stopped after this callback was scheduled
                StopRestartTimer();
                // RFC 1661 §4.3: TO+ while the Restart counter is greater than zero, TO- once it is exhausted.
                Dispatch(_restartCounter > 0 ? PppFsmEvent.TimeoutPlus : PppFsmEvent.TimeoutMinus, default);
                break;
            case PendingKind.Renegotiate:
                if (_state != PppFsmState.Opened)
                    return;
                // Not a cell of the §4.1 table (no event names a local restart); it is the RCN-in-Opened cell's tld+scr
                // with a fresh restart count, as a new negotiation needs (§4.4 irc).
                _state = PppFsmState.ReqSent;
                _failureCounter = Options.MaxFailure;
                Observer?.Invoke(new PppFsmStep(PppFsmState.Opened, PppFsmEvent.Open, PppFsmActions.Tld | PppFsmActions.Irc | PppFsmActions.Scr,
                    PppFsmState.ReqSent, false));
                Perform(PppFsmActions.Tld | PppFsmActions.Irc | PppFsmActions.Scr, PppFsmEvent.Open, default);
                break;
            default:
                if (pendingEvent.Event == PppFsmEvent.Close)
                    _terminateData = pendingEvent.Data ?? []; // the reason travels in every Terminate-Request until the next Close
                Dispatch(pendingEvent.Event, default);
                break;
        }
    }

    private void OnRestartTimer(TimerToken token)
    {
        try
        {
            Deliver(new PendingEvent(PendingKind.Timeout, default, null, token));
        }
#pragma warning disable CA1031 // a timer thread has no caller to report to; the fault goes to TimerFault
        catch (Exception exception)
#pragma warning restore CA1031
        {
            TimerFault?.Invoke(exception);
        }
    }

    private void ProcessPacket(ReadOnlySpan<byte> raw)
    {
        if (PppControlPacket.TryParse(raw, out PppControlPacket packet) != PppPacketError.None)
        {
            _discardedPackets++; // RFC 1661 §5: malformed packets are silently discarded
            return;
        }
        var input = new Input
        {
            Packet = raw[..packet.Length],
            Code = packet.Code,
            Identifier = packet.Identifier,
            Data = packet.Data,
        };

        if (_state is PppFsmState.Initial or PppFsmState.Starting)
        {
            // The lower layer is down, so nothing can arrive (RFC 1661 §4.2): every receive event is a "-"
            // cell. Record it under the nearest event without consulting the layer.
            Dispatch(packet.Code switch
            {
                PppFsmCode.ConfigureRequest => PppFsmEvent.RcrPlus,
                PppFsmCode.ConfigureAck => PppFsmEvent.Rca,
                PppFsmCode.ConfigureNak or PppFsmCode.ConfigureReject => PppFsmEvent.Rcn,
                PppFsmCode.TerminateRequest => PppFsmEvent.Rtr,
                PppFsmCode.TerminateAck => PppFsmEvent.Rta,
                PppFsmCode.CodeReject => PppFsmEvent.RxjMinus,
                _ => PppFsmEvent.Ruc,
            }, input);
            return;
        }

        bool negotiating = _state is PppFsmState.ReqSent or PppFsmState.AckRcvd or PppFsmState.AckSent or PppFsmState.Opened;
        switch (packet.Code)
        {
            case PppFsmCode.ConfigureRequest:
                ReceiveConfigureRequest(ref input);
                return;

            case PppFsmCode.ConfigureAck:
                if (negotiating)
                {
                    // §5.2: the Identifier must match our latest request and the options must be exactly ours.
                    if (!IsReplyToLatestRequest(packet.Identifier) || !packet.Data.SequenceEqual(_request.AsSpan(0, _requestLength)))
                    {
                        _discardedPackets++;
                        return;
                    }
                    _layer.ReceiveConfigureAck(packet.Data);
                }
                Dispatch(PppFsmEvent.Rca, input);
                return;

            case PppFsmCode.ConfigureNak:
            case PppFsmCode.ConfigureReject:
                if (negotiating)
                {
                    // §5.3/§5.4: Identifier must match; a Reject must be an unmodified, ordered subset of our request.
                    bool valid = IsReplyToLatestRequest(packet.Identifier) && (packet.Code == PppFsmCode.ConfigureNak
                        ? _layer.ReceiveConfigureNak(packet.Data)
                        : ConfigurationOptionList.IsOrderedSubset(packet.Data, _request.AsSpan(0, _requestLength))
                          && _layer.ReceiveConfigureReject(packet.Data));
                    if (!valid)
                    {
                        _discardedPackets++;
                        return;
                    }
                }
                Dispatch(PppFsmEvent.Rcn, input);
                return;

            case PppFsmCode.TerminateRequest:
                Dispatch(PppFsmEvent.Rtr, input);
                return;

            case PppFsmCode.TerminateAck:
                Dispatch(PppFsmEvent.Rta, input);
                return;

            case PppFsmCode.CodeReject:
                if (packet.Data.IsEmpty)
                {
                    _discardedPackets++; // §5.6: a Code-Reject carries at least the rejected Code
                    return;
                }
                // §4.3: a Code-Reject of a code the automaton depends on is catastrophic (RXJ-); of an extended code the layer decides.
                byte rejectedCode = packet.Data[0];
                bool acceptable = !PppFsmCode.IsEssential(rejectedCode) && _layer.IsCodeRejectAcceptable(rejectedCode);
                Dispatch(acceptable ? PppFsmEvent.RxjPlus : PppFsmEvent.RxjMinus, input);
                return;

            default:
                switch (_layer.ReceiveExtendedCode(packet))
                {
                    case ExtendedCodeResult.Handled:
                        return;
                    case ExtendedCodeResult.EchoOrDiscard:
                        Dispatch(PppFsmEvent.Rxr, input);
                        return;
                    case ExtendedCodeResult.RejectPermitted:
                        Dispatch(PppFsmEvent.RxjPlus, input);
                        return;
                    case ExtendedCodeResult.RejectCatastrophic:
                        Dispatch(PppFsmEvent.RxjMinus, input);
                        return;
                    default:
                        Dispatch(PppFsmEvent.Ruc, input);
                        return;
                }
        }
    }

    private void ReceiveConfigureRequest(ref Input input)
    {
        byte[] response = ArrayPool<byte>.Shared.Rent(Math.Max(Options.MaxPacketLength, input.Data.Length));
        try
        {
            ConfigureVerdict verdict = _layer.JudgeConfigureRequest(input.Data, response, out int responseLength);
            if (verdict is not (ConfigureVerdict.Ack or ConfigureVerdict.Nak or ConfigureVerdict.Reject))
            {
                _discardedPackets++;
                return;
            }
            if (verdict != ConfigureVerdict.Ack && (uint)responseLength > (uint)response.Length)
                throw new InvalidOperationException($"{Name}: JudgeConfigureRequest returned length {responseLength}");
            input.Verdict = verdict;
            input.Response = verdict == ConfigureVerdict.Ack ? default : response.AsSpan(0, responseLength);
            Dispatch(verdict == ConfigureVerdict.Ack ? PppFsmEvent.RcrPlus : PppFsmEvent.RcrMinus, input);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(response);
        }
    }

    private bool IsReplyToLatestRequest(byte identifier) => _requestSent && identifier == _requestIdentifier;

    private void Dispatch(PppFsmEvent fsmEvent, scoped in Input input)
    {
        PppFsmState from = _state;
        PppFsmTransition transition = PppFsmTable.Lookup(from, fsmEvent);
        if (transition.IsIllegal)
        {
            _illegalEvents++;
            Observer?.Invoke(new PppFsmStep(from, fsmEvent, PppFsmActions.None, from, true));
            return;
        }

        if (fsmEvent == PppFsmEvent.RxjMinus)
            _terminateData = []; // a catastrophic reject is not the reason of an earlier Close

        // Max-Failure counts Naks "sent without sending a Configure-Ack" (§4.6): a new negotiation starts afresh.
        if (transition.Next is PppFsmState.ReqSent or PppFsmState.AckSent
            && from is not (PppFsmState.ReqSent or PppFsmState.AckRcvd or PppFsmState.AckSent))
            _failureCounter = Options.MaxFailure;

        // The state changes before the actions run, so callbacks (tlu, tld, tlf...) observe the new state.
        _state = transition.Next;
        Observer?.Invoke(new PppFsmStep(from, fsmEvent, transition.Actions, transition.Next, false));
        Perform(transition.Actions, fsmEvent, input);

        // §4.6: the Restart timer only runs in Closing, Stopping, Req-Sent, Ack-Rcvd and Ack-Sent.
        if (_disposed || _state is not (PppFsmState.Closing or PppFsmState.Stopping or PppFsmState.ReqSent
                or PppFsmState.AckRcvd or PppFsmState.AckSent))
            StopRestartTimer();
    }

    private void Perform(PppFsmActions actions, PppFsmEvent fsmEvent, scoped in Input input)
    {
        if ((actions & PppFsmActions.Tld) != 0)
            _layer.ThisLayerDown();
        if ((actions & PppFsmActions.Irc) != 0)
        {
            // §4.4 irc: "Max-Terminate or Max-Configure" — Terminate when heading for Closing/Stopping (str follows).
            _restartCounter = _state is PppFsmState.Closing or PppFsmState.Stopping ? Options.MaxTerminate : Options.MaxConfigure;
        }
        if ((actions & PppFsmActions.Zrc) != 0)
        {
            // §4.4 zrc: counter to zero, and the timer still runs so the peer gets one period before TO- (tlf).
            _restartCounter = 0;
            StartRestartTimer();
        }
        if ((actions & PppFsmActions.Scr) != 0)
            SendConfigureRequest(retransmission: fsmEvent == PppFsmEvent.TimeoutPlus);
        if ((actions & PppFsmActions.Sca) != 0)
        {
            Send(PppFsmCode.ConfigureAck, input.Identifier, input.Data); // §5.2: the options, unchanged
            _failureCounter = Options.MaxFailure;
        }
        if ((actions & PppFsmActions.Scn) != 0)
            SendConfigureNakOrReject(input);
        if ((actions & PppFsmActions.Str) != 0)
        {
            Send(PppFsmCode.TerminateRequest, NextIdentifierCore(), _terminateData);
            CountTransmission();
        }
        if ((actions & PppFsmActions.Sta) != 0)
            Send(PppFsmCode.TerminateAck, input.Identifier, default); // §5.5: Identifier of the packet answered
        if ((actions & PppFsmActions.Scj) != 0)
        {
            // §5.6: the rejected packet from its Code on, truncated so that the Code-Reject fits the peer's MRU.
            int room = Math.Max(0, _peerMru - PppControlPacket.HeaderLength);
            Send(PppFsmCode.CodeReject, NextIdentifierCore(), input.Packet[..Math.Min(input.Packet.Length, room)]);
        }
        if ((actions & PppFsmActions.Ser) != 0)
            SendEchoReply(input);
        if ((actions & PppFsmActions.Tlu) != 0)
            _layer.ThisLayerUp();
        if ((actions & PppFsmActions.Tls) != 0)
            _layer.ThisLayerStarted();
        if ((actions & PppFsmActions.Tlf) != 0)
            _layer.ThisLayerFinished();
    }

    private void SendConfigureRequest(bool retransmission)
    {
        // A TO+ retransmission resends the same options; anything else asks the layer (it may have learnt from a Nak/Reject).
        if (!retransmission || !_requestSent)
        {
            int room = Options.MaxPacketLength - PppControlPacket.HeaderLength;
            byte[] scratch = ArrayPool<byte>.Shared.Rent(room);
            try
            {
                int length = _layer.WriteConfigureRequest(scratch.AsSpan(0, room));
                if (length < 0 || length > room)
                    throw new InvalidOperationException($"{Name}: our Configure-Request options do not fit in {Options.MaxPacketLength} octets");
                if (_request.Length != length)
                    _request = new byte[length];
                scratch.AsSpan(0, length).CopyTo(_request);
                _requestLength = length;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(scratch);
            }
        }
        _requestIdentifier = NextIdentifierCore();
        _requestSent = true;
        Send(PppFsmCode.ConfigureRequest, _requestIdentifier, _request.AsSpan(0, _requestLength));
        CountTransmission();
    }

    /// <summary>§4.4: the Restart counter is decremented for each transmission, including the first, and the timer restarted.</summary>
    private void CountTransmission()
    {
        if (_restartCounter > 0)
            _restartCounter--;
        StartRestartTimer();
    }

    private void SendConfigureNakOrReject(scoped in Input input)
    {
        byte code = input.Verdict == ConfigureVerdict.Nak ? PppFsmCode.ConfigureNak : PppFsmCode.ConfigureReject;
        if (code == PppFsmCode.ConfigureReject || _failureCounter > 0)
        {
            if (code == PppFsmCode.ConfigureNak)
                _failureCounter--;
            Send(code, input.Identifier, input.Response);
            return;
        }

        // Max-Failure exhausted (§4.6): reject the peer's options we would have Nak'd, and stop counting.
        byte[] converted = ArrayPool<byte>.Shared.Rent(Math.Max(1, input.Data.Length));
        try
        {
            int length = ConfigurationOptionList.ConvertNakToReject(input.Data, input.Response, converted);
            if (length > 0)
                Send(PppFsmCode.ConfigureReject, input.Identifier, converted.AsSpan(0, length));
            else
                Send(PppFsmCode.ConfigureNak, input.Identifier, input.Response); // only hints for options the peer did not send
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(converted);
        }
    }

    private void SendEchoReply(scoped in Input input)
    {
        byte[] reply = ArrayPool<byte>.Shared.Rent(Options.MaxPacketLength);
        try
        {
            int length = _layer.WriteEchoReply(input.Code, input.Data, reply.AsSpan(0, Options.MaxPacketLength - PppControlPacket.HeaderLength));
            if (length >= 0 && length <= Options.MaxPacketLength - PppControlPacket.HeaderLength)
                Send(PppFsmCode.EchoReply, input.Identifier, reply.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(reply);
        }
    }

    private byte NextIdentifierCore() => ++_lastIdentifier;

    private bool Send(byte code, byte identifier, ReadOnlySpan<byte> data)
    {
        int length = PppControlPacket.HeaderLength + data.Length;
        if (length > ushort.MaxValue)
            return false;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            PppControlPacket.TryWriteHeader(buffer, code, identifier, data.Length);
            data.CopyTo(buffer.AsSpan(PppControlPacket.HeaderLength));
            _output(buffer.AsSpan(0, length));
            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void StartRestartTimer()
    {
        StopRestartTimer();
        if (_disposed)
            return;
        var token = new TimerToken(this);
        _timerToken = token;
        _timer = _timeProvider.CreateTimer(
            static state => { var t = (TimerToken)state!; t.Owner.OnRestartTimer(t); },
            token, Options.RestartTimer, Timeout.InfiniteTimeSpan);
    }

    private void StopRestartTimer()
    {
        _timerToken = null;
        _timer?.Dispose();
        _timer = null;
    }
}
