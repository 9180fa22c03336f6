using System.Buffers.Binary;
using System.Diagnostics;
using PptpGw.ControlPlane.Ppp.Lcp;
using PptpGw.ControlPlane.Ppp.Auth;
using PptpGw.ControlPlane.Ppp.Session;
using PptpGw.Dataplane.Gre;
using PptpGw.Dataplane.Packets;
using PptpGw.Dataplane.Sessions;

namespace PptpGw.Load;

/// <summary>
/// One call of the load tool: the project's <see cref="PppSession"/> in the client role over enhanced GRE (RFC 2637 §4),
/// either through the shared <see cref="GreMux"/> (control traffic only; the session's lock guards the GRE numbering, so
/// frames leave in sequence order) or as a session of the client-role dataplane (<see cref="LoadDataPath"/>: the worker
/// numbers and acknowledges, PPP frames come up its exception path, data flows once IPCP is up). No thread, timer or
/// socket of its own beyond what the session's automata keep.
/// </summary>
internal sealed class LoadCall : IPppSessionObserver
{
    /// <summary>Room for the IPv4 (20) and GRE (16) headers in front of a PPP frame.</summary>
    private const int Headroom = Ipv4Header.MinHeaderLength + EnhancedGrePacket.MaxHeaderLength;
    private const int MaxFrame = 1600;

    private readonly GreMux? _mux;
    private readonly LoadDataPath? _path;
    private readonly ushort _receiveWindow;
    private SessionHandle _reserved = SessionHandle.None; // installed before the OCRQ (the gateway's call id not known yet)
    private SessionHandle _handle = SessionHandle.None;   // installed with the gateway's call id
    private bool _requireEncryption;
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
    private List<(byte[] Data, bool IsGre)>? _early;
    private readonly Lock _earlyGate = new();
    private const int EarlyLimit = 8;

    public LoadCall(GreMux mux, uint localAddress, ushort callId, long dispatchTimestamp)
    {
        _mux = mux;
        LocalAddress = localAddress;
        CallId = callId;
        DispatchTimestamp = dispatchTimestamp;
    }

    public LoadCall(LoadDataPath path, uint localAddress, ushort callId, long dispatchTimestamp, ushort receiveWindow)
    {
        _path = path;
        _receiveWindow = receiveWindow;
        LocalAddress = localAddress;
        CallId = callId;
        DispatchTimestamp = dispatchTimestamp;
    }

    /// <summary>PPP frames this call sent and handed to its session, and the session's discarded count (set-up diagnostics).</summary>
    public (int Sent, int Received, long Discarded) FrameCounts =>
        (Volatile.Read(ref _framesSent), Volatile.Read(ref _framesReceived), _ppp?.GetSnapshot().FramesDiscarded ?? 0);

    private int _framesSent, _framesReceived;
    private int _echoSent, _echoReplies, _echoAnswered;
    private byte _echoIdentifier;

    /// <summary>LCP echo of this call: our Echo-Requests, the gateway's Echo-Replies, the gateway's Echo-Requests (our PPP answers them).</summary>
    public (int Sent, int Replies, int Answered) EchoCounts =>
        (Volatile.Read(ref _echoSent), Volatile.Read(ref _echoReplies), Volatile.Read(ref _echoAnswered));

    /// <summary>
    /// An LCP Echo-Request to the gateway (RFC 1661 §5.8), as pppd's lcp-echo-interval sends: Magic-Number, no data. The
    /// gateway's Echo-Reply is counted on arrival (<see cref="NoteLcpEcho"/>). False when the link is not up.
    /// </summary>
    public bool SendLcpEchoRequest()
    {
        PppSession? ppp = _ppp;
        if (ppp is null || !_up)
            return false;
        uint magic = ppp.LcpMagicNumber;
        lock (ppp.SyncRoot)
        {
            if (!_up)
                return false;
            // Address/Control and the full protocol field: LCP is never sent with ACFC or PFC (RFC 1661 §6.5, §6.6).
            Span<byte> frame = stackalloc byte[12];
            frame[0] = 0xFF;
            frame[1] = 0x03;
            BinaryPrimitives.WriteUInt16BigEndian(frame[2..], PppProtocol.Lcp);
            frame[4] = (byte)LcpCode.EchoRequest;
            frame[5] = ++_echoIdentifier;
            BinaryPrimitives.WriteUInt16BigEndian(frame[6..], 8);
            BinaryPrimitives.WriteUInt32BigEndian(frame[8..], magic);
            SendFrame(frame);
            Interlocked.Increment(ref _echoSent);
            return true;
        }
    }

    /// <summary>Counts an LCP Echo-Reply or Echo-Request from the gateway (the frame still goes to PPP, which answers requests).</summary>
    private void NoteLcpEcho(ReadOnlySpan<byte> frame)
    {
        if (PppFrame.TryParse(frame, out PppFrame ppp) != PppFrameError.None || ppp.Protocol != PppProtocol.Lcp || ppp.Information.IsEmpty)
            return;
        byte code = ppp.Information[0];
        if (code == (byte)LcpCode.EchoReply)
            Interlocked.Increment(ref _echoReplies);
        else if (code == (byte)LcpCode.EchoRequest)
            Interlocked.Increment(ref _echoAnswered);
    }

    /// <summary>True when a control frame for <paramref name="session"/> (current or reserved) is this call's.</summary>
    public bool Owns(SessionHandle session) => Pack(session) is var p && (p == Volatile.Read(ref _handleBits) || p == Volatile.Read(ref _reservedBits));

    // The handles as one word each, for Owns on the dataplane's drain thread (a SessionHandle is two).
    private long _handleBits, _reservedBits;

    private static long Pack(SessionHandle h) => ((long)h.Slot << 32) | h.Generation;

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
            if (_mux is not null)
            {
                _registered = _mux.Register(LocalAddress, CallId, this);
            }
            else if (_path!.TryOpen(this, 0, 0, _receiveWindow, out SessionHandle reserved))
            {
                _reserved = reserved;
                Volatile.Write(ref _reservedBits, Pack(reserved));
                _registered = true;
            }
        }
    }

    /// <summary>The Outgoing-Call-Reply said Connected: start PPP (RFC 2637 §2.8: the call is up, PPP runs in GRE).</summary>
    public void Start(ushort peerCallId, ushort peerReceiveWindow, PppSessionOptions options)
    {
        PeerCallId = peerCallId;
        var ppp = new PppSession(options, SendFrame, this, name: "load");
        lock (ppp.SyncRoot)
        {
            if (_mux is not null)
            {
                _greTx.Initialize(peerCallId, peerReceiveWindow);
                if (!_registered)
                    _registered = _mux.Register(LocalAddress, CallId, this);
            }
            else
            {
                // Installed again with the gateway's call id (the key of what we send): frames that came before are
                // in _early (the reserved handle stays ours for the ones still on the up ring).
                if (_reserved != SessionHandle.None)
                    _path!.Close(_reserved);
                _registered = _path!.TryOpen(this, peerCallId, peerReceiveWindow, _receiveWindow, out SessionHandle handle);
                _handle = handle;
                Volatile.Write(ref _handleBits, Pack(handle));
            }
            // Started under the lock, then the early packets: LCP must be out of Initial when the first Configure-Request is read.
            ppp.Start();
            List<(byte[] Data, bool IsGre)>? early;
            lock (_earlyGate)
            {
                _ppp = ppp;
                early = _early;
                _early = null;
            }
            foreach ((byte[] packet, bool isGre) in early ?? [])
            {
                if (!isGre)
                {
                    Interlocked.Increment(ref _framesReceived);
                    ppp.Receive(packet);
                }
                else if (EnhancedGrePacket.TryParse(packet, out EnhancedGrePacket gre) == EnhancedGreError.None)
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
            if (_mux is not null)
            {
                _mux.Unregister(LocalAddress, CallId);
            }
            else
            {
                _path!.Close(_handle);
                _path.Close(_reserved);
            }
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
                        early.Add((raw.ToArray(), true));
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
                    _mux!.ScheduleAcknowledgment(this);
            }
            Interlocked.Increment(ref _framesReceived);
            NoteLcpEcho(gre.Payload);
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
                _mux!.Send(buffer, Headroom, length, LocalAddress);
        }
    }

    /// <summary>The session's <see cref="PppFrameSender"/> (runs under the session lock): a PPP frame in GRE.</summary>
    private void SendFrame(ReadOnlySpan<byte> frame)
    {
        if (!_registered || frame.Length > MaxFrame)
            return;
        Interlocked.Increment(ref _framesSent);
        if (_path is not null)
        {
            _ = _path.SendControlFrame(_handle, frame); // a full ring loses it, as a wire would: PPP retransmits
            return;
        }
        Span<byte> buffer = stackalloc byte[Headroom + MaxFrame];
        frame.CopyTo(buffer[Headroom..]);
        int start = _greTx.EncapsulateData(buffer, Headroom, frame.Length);
        if (start < Ipv4Header.MinHeaderLength)
            return;
        _mux!.Send(buffer, start, Headroom + frame.Length - start, LocalAddress);
    }

    /// <summary>A PPP control frame from the dataplane's exception path (its drain thread).</summary>
    public void ReceivePpp(ReadOnlySpan<byte> frame)
    {
        PppSession? ppp = _ppp;
        if (ppp is null)
        {
            lock (_earlyGate)
            {
                if (_ppp is null)
                {
                    if (_early is { Count: < EarlyLimit } early)
                        early.Add((frame.ToArray(), false));
                    return;
                }
                ppp = _ppp;
            }
        }
        lock (ppp.SyncRoot)
        {
            Interlocked.Increment(ref _framesReceived);
            NoteLcpEcho(frame);
            ppp.Receive(frame);
        }
    }

    /// <summary>The worker lost stateful MPPE synchronisation (RFC 3078 §8): our CCP asks the gateway to flush.</summary>
    public void RequestCcpReset() => _ = _ppp?.SendCcpResetRequest();

    /// <summary>Installs the data path's half of a link-up (address, framing, keys) and lets the traffic generator use it.</summary>
    private void InstallNetwork(PppLinkResult result)
    {
        if (_path is null)
            return;
        _requireEncryption |= result.Mppe is not null; // once encrypted, never clear (RFC 3078: as the gateway's 'required')
        if (_path.InstallNetwork(_handle, result, _requireEncryption))
            _path.Traffic.Add(_handle, result.LocalAddress, _path.Traffic.Target != 0 ? _path.Traffic.Target : result.PeerAddress);
    }

    void IPppSessionObserver.LinkUp(PppSession session, PppLinkResult result)
    {
        UpTimestamp = Stopwatch.GetTimestamp();
        AssignedAddress = result.LocalAddress;
        InstallNetwork(result);
        _up = true;
        _established.TrySetResult(null);
    }

    void IPppSessionObserver.LinkDown(PppSession session, PppLinkDown down)
    {
        _path?.Traffic.Remove(_handle);
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
        if (_path is not null)
            _path.PeerResetRequest(_handle);
    }

    void IPppSessionObserver.NetworkDown(PppSession session, PppRenegotiation renegotiation)
    {
        if (_path is not null)
            _path.NetworkDown(_handle);
    }

    void IPppSessionObserver.NetworkUp(PppSession session, PppLinkResult result) => InstallNetwork(result);

    void IPppSessionObserver.Log(PppSession session, string message)
    {
    }

    bool IPppSessionObserver.IsLogEnabled(PppSession session) => false; // the tool keeps no negotiation lines
}
