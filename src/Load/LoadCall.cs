using System.Diagnostics;
using PptpGw.ControlPlane.Ppp.Auth;
using PptpGw.ControlPlane.Ppp.Session;
using PptpGw.Dataplane.Gre;
using PptpGw.Dataplane.Packets;

namespace PptpGw.Load;

/// <summary>
/// One call of the load tool: the project's <see cref="PppSession"/> in the client role over enhanced GRE (RFC 2637 §4)
/// through the shared <see cref="GreMux"/>. No thread, timer or socket of its own beyond what the session's automata
/// keep; the session's lock also guards the GRE numbering, so frames leave in sequence order.
/// </summary>
internal sealed class LoadCall : IPppSessionObserver
{
    /// <summary>Room for the IPv4 (20) and GRE (16) headers in front of a PPP frame.</summary>
    private const int Headroom = Ipv4Header.MinHeaderLength + EnhancedGrePacket.MaxHeaderLength;
    private const int MaxFrame = 1600;

    private readonly GreMux _mux;
    private readonly TaskCompletionSource<SetupFailure?> _established = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<SetupFailure> _down = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _disconnected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private PppSession? _ppp;
    private GreTransmitState _greTx;
    private uint _lastReceived;
    private bool _receivedAny;
    private PppAuthOutcome? _authFailure;
    private volatile bool _up;
    private volatile bool _registered;
    // GRE packets that came after Reserve and before Start (the gateway's first Configure-Request can beat its OCRP to us).
    private List<byte[]>? _early;
    private readonly Lock _earlyGate = new();
    private const int EarlyLimit = 8;

    public LoadCall(GreMux mux, uint localAddress, ushort callId, long dispatchTimestamp)
    {
        _mux = mux;
        LocalAddress = localAddress;
        CallId = callId;
        DispatchTimestamp = dispatchTimestamp;
    }

    /// <summary>Our address (the tunnel's source address, host order).</summary>
    public uint LocalAddress { get; }

    /// <summary>Our Call ID: the GRE Key of packets sent to us.</summary>
    public ushort CallId { get; }

    /// <summary>The gateway's Call ID (from its Outgoing-Call-Reply), 0 before.</summary>
    public ushort PeerCallId { get; private set; }

    /// <summary>When the set-up of this session was started (<see cref="Stopwatch.GetTimestamp"/>).</summary>
    public long DispatchTimestamp { get; }

    /// <summary>When PPP reported the link up (IPCP and CCP opened), 0 before.</summary>
    public long UpTimestamp { get; private set; }

    /// <summary>The address IPCP gave us (host order), 0 before.</summary>
    public uint AssignedAddress { get; private set; }

    public bool IsUp => _up;

    /// <summary>Null when the link came up; the failure otherwise.</summary>
    public Task<SetupFailure?> Established => _established.Task;

    /// <summary>Completes when the link has gone down, with why.</summary>
    public Task<SetupFailure> Down => _down.Task;

    /// <summary>Completes when the gateway's Call-Disconnect-Notify for this call arrived.</summary>
    public Task Disconnected => _disconnected.Task;

    /// <summary>Takes our (address, Call ID) in the GRE demultiplexer before the Outgoing-Call-Request goes out.</summary>
    public void Reserve()
    {
        lock (_earlyGate)
        {
            _early = [];
            _registered = _mux.Register(LocalAddress, CallId, this);
        }
    }

    /// <summary>The Outgoing-Call-Reply said Connected: start PPP (RFC 2637 §2.8: the call is up, PPP runs in GRE).</summary>
    public void Start(ushort peerCallId, ushort peerReceiveWindow, PppSessionOptions options)
    {
        PeerCallId = peerCallId;
        var ppp = new PppSession(options, SendFrame, this, name: "load");
        lock (ppp.SyncRoot)
        {
            _greTx.Initialize(peerCallId, peerReceiveWindow);
            if (!_registered)
                _registered = _mux.Register(LocalAddress, CallId, this);
            // Started under the lock, then the early packets: LCP must be out of Initial when the first Configure-Request is read.
            ppp.Start();
            List<byte[]>? early;
            lock (_earlyGate)
            {
                _ppp = ppp;
                early = _early;
                _early = null;
            }
            foreach (byte[] packet in early ?? [])
            {
                if (EnhancedGrePacket.TryParse(packet, out EnhancedGrePacket gre) == EnhancedGreError.None)
                    ReceiveGre(packet, gre);
            }
        }
    }

    /// <summary>The set-up failed before PPP started (PPTP refused, time-out, connection lost).</summary>
    public void Fail(SetupFailure failure)
    {
        _established.TrySetResult(failure);
        _down.TrySetResult(failure);
        _ppp?.LowerLayerDown("load: " + failure.Key);
    }

    /// <summary>Our hang-up (RFC 1661 §5.5 Terminate-Request); <see cref="Down"/> completes when LCP has finished.</summary>
    public void Close() => _ppp?.Close("load tool hang-up");

    /// <summary>The call is gone (CDN received or the control connection ended): PPP stops without a Terminate exchange.</summary>
    public void LowerLayerDown(SetupFailure why)
    {
        _disconnected.TrySetResult();
        // The PPTP cause first: PPP's own LinkDown (LowerLayerDown) that follows must not replace it.
        _established.TrySetResult(why);
        _down.TrySetResult(why);
        _ppp?.LowerLayerDown("load: " + why.Key);
    }

    /// <summary>Frees the GRE registration and the session.</summary>
    public void Release()
    {
        if (_registered)
        {
            _registered = false;
            _mux.Unregister(LocalAddress, CallId);
        }
        _ppp?.Dispose();
    }

    /// <summary>A GRE packet for us (receive thread).</summary>
    public void ReceiveGre(ReadOnlySpan<byte> raw, in EnhancedGrePacket gre)
    {
        PppSession? ppp = _ppp;
        if (ppp is null)
        {
            lock (_earlyGate)
            {
                if (_ppp is null)
                {
                    if (_early is { Count: < EarlyLimit } early)
                        early.Add(raw.ToArray());
                    return;
                }
                ppp = _ppp;
            }
        }
        lock (ppp.SyncRoot)
        {
            if (gre.AcknowledgmentNumberPresent)
                _greTx.OnPeerAcknowledgment(gre.AcknowledgmentNumber);
            if (!gre.SequenceNumberPresent)
                return;
            // Control traffic only: PPP copes with reordering itself, so we acknowledge the highest number seen (as pptp-linux does).
            if (!_receivedAny || SequenceNumber.IsAfter(gre.SequenceNumber, _lastReceived))
            {
                _lastReceived = gre.SequenceNumber;
                _receivedAny = true;
                if (_greTx.NoteReceived(_lastReceived))
                    _mux.ScheduleAcknowledgment(this);
            }
            ppp.Receive(gre.Payload);
        }
    }

    /// <summary>The acknowledgment delay passed: send it alone if no frame carried it (RFC 2637 §4.4).</summary>
    public void SendAcknowledgmentIfOwed()
    {
        PppSession? ppp = _ppp;
        if (ppp is null)
            return;
        Span<byte> buffer = stackalloc byte[Headroom + 16];
        lock (ppp.SyncRoot)
        {
            if (!_registered || !_greTx.AcknowledgmentOwed)
                return;
            int length = _greTx.WriteAcknowledgment(buffer[Headroom..]);
            if (length > 0)
                _mux.Send(buffer, Headroom, length, LocalAddress);
        }
    }

    /// <summary>The session's <see cref="PppFrameSender"/> (runs under the session lock): a PPP frame in GRE.</summary>
    private void SendFrame(ReadOnlySpan<byte> frame)
    {
        if (!_registered || frame.Length > MaxFrame)
            return;
        Span<byte> buffer = stackalloc byte[Headroom + MaxFrame];
        frame.CopyTo(buffer[Headroom..]);
        int start = _greTx.EncapsulateData(buffer, Headroom, frame.Length);
        if (start < Ipv4Header.MinHeaderLength)
            return;
        _mux.Send(buffer, start, Headroom + frame.Length - start, LocalAddress);
    }

    void IPppSessionObserver.LinkUp(PppSession session, PppLinkResult result)
    {
        UpTimestamp = Stopwatch.GetTimestamp();
        AssignedAddress = result.LocalAddress;
        _up = true;
        _established.TrySetResult(null);
    }

    void IPppSessionObserver.LinkDown(PppSession session, PppLinkDown down)
    {
        bool wasUp = _up;
        _up = false;
        SetupFailure failure = SetupFailure.FromLinkDown(down, _authFailure, wasUp);
        _established.TrySetResult(failure);
        _down.TrySetResult(failure);
    }

    void IPppSessionObserver.AuthenticationFailed(PppSession session, PppAuthOutcome outcome)
    {
        if (outcome.IsFinal)
            _authFailure = outcome;
    }

    void IPppSessionObserver.AuthenticationSucceeded(PppSession session, PppAuthOutcome outcome)
    {
    }

    void IPppSessionObserver.CcpResetRequested(PppSession session)
    {
    }

    void IPppSessionObserver.Log(PppSession session, string message)
    {
    }
}
