using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using PptpGw.ControlPlane.Pools;
using PptpGw.ControlPlane.Ppp.Auth;
using PptpGw.ControlPlane.Ppp.Ccp;
using PptpGw.ControlPlane.Ppp.Fsm;
using PptpGw.ControlPlane.Ppp.Ipcp;
using PptpGw.ControlPlane.Ppp.Lcp;
using PptpGw.Dataplane.Packets;

namespace PptpGw.ControlPlane.Ppp.Session;

/// <summary>
/// One PPP link (one PPTP call): the phases of RFC 1661 §3 over LCP, the authentication phase (PAP/CHAP/MS-CHAP), IPCP
/// and CCP/MPPE, in the server (gateway) or client role.
/// </summary>
/// <remarks>
/// <para><b>Input.</b> <see cref="Receive"/> takes a PPP frame as it came out of GRE (with or without FF 03, 1- or 2-octet
/// Protocol) and demultiplexes it. IP (0x0021) and compressed datagrams (0x00FD) belong to the dataplane: they are only
/// counted here. Any protocol we do not run gets an LCP Protocol-Reject (RFC 1661 §5.7) and never ends the link.</para>
/// <para><b>Output.</b> Frames go to the <see cref="PppFrameSender"/>, framed as agreed: FF 03 dropped and 1-octet
/// Protocol fields once the peer asked for ACFC/PFC, except LCP which is always sent in full (RFC 1661 §6.5, §6.6).</para>
/// <para><b>Threading.</b> One <see cref="Lock"/> serialises everything: the three automata share it (so one may drive
/// another from a callback), and <see cref="Receive"/>, timers and AAA completions take it. Observer calls and the
/// sender run inside it and must not block.</para>
/// </remarks>
public sealed class PppSession : IDisposable
{
    private readonly PppSessionOptions _options;
    private readonly PppFrameSender _send;
    private readonly IPppSessionObserver _observer;
    private readonly TimeProvider _time;
    private readonly Lock _sync = new();
    private readonly Events _events;

    private readonly LcpLayer _lcpLayer;
    private readonly PppFsm _lcp;
    private readonly IpcpLayer _ipcpLayer;
    private readonly PppFsm _ipcp;
    private readonly CcpLayer _ccpLayer;
    private readonly PppFsm _ccp;

    private PppAuthServer? _authServer;
    private PppAuthClient? _authClient;
    private PppAuthOutcome? _authOutcome;
    private string? _userName;

    private PppPhase _phase = PppPhase.Dead;
    private bool _txAcfc;
    private bool _txPfc;
    private bool _linkUp;
    // Between NetworkDown and NetworkUp: LCP or an NCP renegotiates after link-up; the call stays (RFC 1661 §4.1).
    private bool _networkSuspended;
    // The group's "mppe ... required", or an AAA server's MS-MPPE-Encryption-Policy Encryption-Required (RFC 2548 §2.4.4).
    private bool _mppeRequired;
    private bool _ipcpRequestUnheard;
    // Under MPPE required, IPCP waits for CCP (pppd auth.c start_networks/continue_networks): no NCP, so no address and
    // no cleartext window, before encryption is agreed. The peer's latest IPCP Configure-Request meanwhile is kept and
    // answered once IPCP starts, so a peer that opens IPCP early (Windows, our client) does not wait for its restart timer.
    private bool _ipcpDeferred;
    private byte[]? _deferredIpcpRequest;
    private bool _terminating;
    private bool _downFired;
    private bool _disposed;
    private PppLinkDown? _down;
    private uint _allocatedAddress;
    private bool _addressHeld;
    private ITimer? _negotiationTimer;

    private long _controlFrames;
    private long _dataFrames;
    private long _discardedFrames;
    private long _protocolRejectsSent;

    /// <param name="options">What to negotiate (see <see cref="PppSessionOptions.ForServer"/>).</param>
    /// <param name="send">Where framed PPP frames go (to GRE).</param>
    /// <param name="observer">Events for the gateway; null for none.</param>
    /// <param name="timeProvider">Clock for every timer; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="name">A label for logs (e.g. "Tnl/Cl 9/9").</param>
    public PppSession(PppSessionOptions options, PppFrameSender send, IPppSessionObserver? observer = null, TimeProvider? timeProvider = null,
        string? name = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(send);
        if (options.Role == PppRole.Server && options.Authenticator is null && !options.Lcp.AuthenticationProtocols.IsEmpty)
            throw new ArgumentException("A server session with authentication protocols needs an Authenticator.", nameof(options));
        _options = options;
        _send = send;
        _observer = observer ?? NullObserver.Instance;
        _time = timeProvider ?? TimeProvider.System;
        Name = name ?? "ppp";
        _events = new Events(this);

        _lcpLayer = new LcpLayer(options.Role, options.Lcp, _events);
        _lcp = NewFsm("LCP", _lcpLayer, PppProtocol.Lcp);
        _ipcpLayer = new IpcpLayer(options.Role, options.Ipcp, _events);
        _ipcp = NewFsm("IPCP", _ipcpLayer, PppProtocol.Ipcp);
        _ccpLayer = new CcpLayer(options.Mppe, _events);
        _ccp = NewFsm("CCP", _ccpLayer, PppProtocol.Ccp);
        _ccpLayer.Fsm = _ccp;
    }

    private PppFsm NewFsm(string name, IPppFsmLayer layer, ushort protocol)
    {
        var fsm = new PppFsm(name, layer, packet => SendControl(protocol, packet), _time, _options.Fsm, _sync)
        {
            Observer = step =>
            {
                if (_observer.IsLogEnabled(this))
                    Log($"{name}: {step}");
            },
        };
        fsm.TimerFault = exception => Log($"{name}: timer fault {exception}");
        return fsm;
    }

    public string Name { get; }

    public PppRole Role => _options.Role;

    public PppPhase Phase { get { lock (_sync) return _phase; } }

    public bool IsLinkUp { get { lock (_sync) return _linkUp; } }

    /// <summary>The session's lock (shared by its automata).</summary>
    public Lock SyncRoot => _sync;

    /// <summary>Our LCP Magic-Number for the Echo-Requests a keepalive sends (RFC 1661 §5.8), 0 before LCP is opened.</summary>
    public uint LcpMagicNumber { get { lock (_sync) return _lcp.State == PppFsmState.Opened ? _lcpLayer.MagicNumber : 0; } }

    /// <summary>The lower layer (the PPTP call) is up: LCP Up + Open, and the negotiation clock starts.</summary>
    public void Start()
    {
        lock (_sync)
        {
            if (_disposed || _phase != PppPhase.Dead || _downFired)
                return;
            _phase = PppPhase.Establish;
            _negotiationTimer = _time.CreateTimer(static state => ((PppSession)state!).OnNegotiationTimeout(), this,
                _options.NegotiationTimeout, Timeout.InfiniteTimeSpan);
            _lcp.Up();
            _lcp.Open();
        }
    }

    /// <summary>Administrative close (e.g. <c>clear vpdn</c>): LCP Terminate-Request with <paramref name="reason"/>.</summary>
    public void Close(string reason) => Close(PppDownCause.LocalClose, reason);

    /// <summary>Our side ends the link for <paramref name="cause"/>: LCP Terminate-Request with <paramref name="reason"/>.</summary>
    public void Close(PppDownCause cause, string reason)
    {
        lock (_sync)
            Terminate(cause, reason);
    }

    /// <summary>
    /// Renegotiates <paramref name="what"/> on a live link, our side asking (RFC 1661 §4.1: a new Configure-Request in
    /// Opened): LCP brings authentication and the NCPs round again, CCP alone restarts MPPE from its start keys. The
    /// observer sees NetworkDown, then NetworkUp. False when the link is not up.
    /// </summary>
    public bool Renegotiate(PppRenegotiation what)
    {
        lock (_sync)
        {
            if (_disposed || !_linkUp || _networkSuspended || _terminating)
                return false;
            PppFsm fsm = what switch { PppRenegotiation.Lcp => _lcp, PppRenegotiation.Ipcp => _ipcp, _ => _ccp };
            if (fsm.State != PppFsmState.Opened)
                return false;
            fsm.Renegotiate();
            return true;
        }
    }

    /// <summary>The lower layer went away (PPTP call cleared): everything stops without a Terminate exchange.</summary>
    public void LowerLayerDown(string reason = "lower layer down")
    {
        lock (_sync)
        {
            if (_disposed)
                return;
            _down ??= NewDown(PppDownCause.LowerLayerDown, reason);
            _terminating = true; // nothing can be sent any more: no Terminate-Request
            _ipcp.Down();
            _ccp.Down();
            _lcp.Down();
            _phase = PppPhase.Dead;
            FireLinkDown();
        }
    }

    /// <summary>
    /// The dataplane lost MPPE synchronisation in stateful mode: send a CCP Reset-Request (RFC 1962 §2.1, RFC 3078 §3.2).
    /// False when CCP is not Opened.
    /// </summary>
    public bool SendCcpResetRequest()
    {
        lock (_sync)
        {
            if (_disposed || _ccp.State != PppFsmState.Opened)
                return false;
            return _ccp.SendPacket((byte)CcpCode.ResetRequest, _ccp.NextIdentifier(), default);
        }
    }

    /// <summary>A PPP frame from the peer. Never throws on peer input.</summary>
    public void Receive(ReadOnlySpan<byte> frame)
    {
        lock (_sync)
        {
            if (_disposed)
                return;
            if (PppFrame.TryParse(frame, out PppFrame ppp) != PppFrameError.None)
            {
                _discardedFrames++;
                return;
            }
            ushort protocol = ppp.Protocol;
            ReadOnlySpan<byte> information = ppp.Information;
            switch (protocol)
            {
                case PppProtocol.Lcp:
                    _controlFrames++;
                    NoteTerminateRequest(information);
                    _lcp.ReceivePacket(information);
                    return;
                case PppProtocol.Ipv4:
                case PppProtocol.CompressedDatagram:
                case PppProtocol.VanJacobsonCompressedTcpIp:
                case PppProtocol.VanJacobsonUncompressedTcpIp:
                    _dataFrames++; // the dataplane's (VJ would be a peer bug: IPCP rejected it)
                    return;
            }
            if (_lcp.State != PppFsmState.Opened)
            {
                _discardedFrames++; // RFC 1661 §3.4: only LCP during link establishment
                return;
            }
            _controlFrames++;
            switch (protocol)
            {
                case PppProtocol.Pap:
                case PppProtocol.Chap:
                    if (_authServer is not null)
                        _authServer.Receive(protocol, information);
                    else if (_authClient is not null)
                        _authClient.Receive(protocol, information);
                    else
                        _discardedFrames++;
                    return;
                case PppProtocol.Ipcp:
                    if (_phase == PppPhase.Network && _ipcpDeferred)
                    {
                        _discardedFrames++;
                        if (!information.IsEmpty && information[0] == PppFsmCode.ConfigureRequest)
                            _deferredIpcpRequest = information.ToArray();
                    }
                    else if (_phase == PppPhase.Network)
                    {
                        ResendUnheardIpcpRequest(information);
                        _ipcp.ReceivePacket(information);
                    }
                    else
                        _discardedFrames++; // RFC 1661 §3.5: NCP packets before the network phase are discarded
                    return;
                case PppProtocol.Ccp:
                    if (_phase == PppPhase.Network)
                        _ccp.ReceivePacket(information);
                    else
                        _discardedFrames++;
                    return;
                default:
                    SendProtocolReject(protocol, information);
                    return;
            }
        }
    }

    /// <summary>Consistent state for <c>show vpdn</c>.</summary>
    public PppSessionSnapshot GetSnapshot()
    {
        lock (_sync)
        {
            MppeNegotiation? mppe = _ccp.State == PppFsmState.Opened ? _ccpLayer.Negotiated : null;
            return new PppSessionSnapshot(Role, _phase, _lcp.State, _ipcp.State, _ccp.State, _linkUp, _userName,
                _lcp.State == PppFsmState.Opened ? _lcpLayer.AuthenticationProtocol : null,
                Role == PppRole.Server ? _allocatedAddress : _ipcpLayer.LocalAddress,
                mppe?.Strength, mppe?.Stateless, _controlFrames, _dataFrames, _discardedFrames, _protocolRejectsSent,
                _ccpLayer.ResetRequestsReceived, _down?.Detail);
        }
    }

    public void Dispose()
    {
        lock (_sync)
        {
            if (_disposed)
                return;
            _down ??= NewDown(PppDownCause.Disposed, "session disposed");
            FireLinkDown();
            _disposed = true;
            _lcp.Dispose();
            _ipcp.Dispose();
            _ccp.Dispose();
        }
    }

    // ------------------------------------------------------------------ output

    private void SendControl(ushort protocol, ReadOnlySpan<byte> packet)
    {
        if (_disposed)
            return;
        int header = PppFrameWriter.GetHeaderLength(protocol, _txAcfc, _txPfc);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(header + packet.Length);
        try
        {
            PppFrameWriter.TryWriteHeader(buffer, protocol, _txAcfc, _txPfc);
            packet.CopyTo(buffer.AsSpan(header));
            _send(buffer.AsSpan(0, header + packet.Length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>RFC 1661 §5.7: the Rejected-Protocol and as much of the Information as fits the peer's MRU.</summary>
    private void SendProtocolReject(ushort protocol, ReadOnlySpan<byte> information)
    {
        int room = Math.Max(0, _lcpLayer.PeerMru - PppControlPacket.HeaderLength - 2);
        if (information.Length > room)
            information = information[..room];
        byte[] data = ArrayPool<byte>.Shared.Rent(2 + information.Length);
        try
        {
            BinaryPrimitives.WriteUInt16BigEndian(data, protocol);
            information.CopyTo(data.AsSpan(2));
            _lcp.SendPacket((byte)LcpCode.ProtocolReject, _lcp.NextIdentifier(), data.AsSpan(0, 2 + information.Length));
            _protocolRejectsSent++;
            Log($"Protocol-Reject sent for 0x{protocol:x4}");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(data);
        }
    }

    private void Log(string message) => _observer.Log(this, message);

    // ------------------------------------------------------------------ phases

    private void NoteTerminateRequest(ReadOnlySpan<byte> packet)
    {
        if (_down is null && PppControlPacket.TryParse(packet, out PppControlPacket control) == PppPacketError.None
            && LcpTerminatePacket.TryParse(control, out LcpTerminatePacket terminate) == LcpPacketError.None
            && terminate.Code == LcpCode.TerminateRequest)
        {
            _down = NewDown(PppDownCause.PeerTerminated, terminate.Data.IsEmpty ? "peer terminated the link"
                : $"peer terminated the link: {Encoding.UTF8.GetString(terminate.Data)}");
        }
    }

    /// <summary>A <see cref="PppLinkDown"/> stamped with where the session is now.</summary>
    private PppLinkDown NewDown(PppDownCause cause, string detail, PppAuthOutcome? authentication = null) =>
        new(cause, detail, authentication) { Phase = _phase, MppeActive = _ccp.State == PppFsmState.Opened && _ccpLayer.Negotiated is not null };

    private void OnNegotiationTimeout()
    {
        lock (_sync)
        {
            if (_disposed || (_linkUp && !_networkSuspended) || _downFired)
                return;
            Terminate(PppDownCause.NegotiationTimeout, $"PPP negotiation not complete after {_options.NegotiationTimeout.TotalSeconds:0} s ({_phase})");
        }
    }

    private void Terminate(PppDownCause cause, string reason, PppAuthOutcome? authentication = null)
    {
        _down ??= NewDown(cause, reason, authentication);
        if (_terminating || _disposed)
            return;
        _terminating = true;
        Log($"terminating: {reason}");
        PppFsmState state = _lcp.State;
        if (state is PppFsmState.Initial or PppFsmState.Starting or PppFsmState.Closed or PppFsmState.Stopped)
        {
            _lcp.Close(reason);
            _phase = PppPhase.Dead;
            FireLinkDown();
            return;
        }
        _phase = PppPhase.Terminate;
        _lcp.Close(reason);
    }

    private void FireLinkDown()
    {
        if (_downFired)
            return;
        _downFired = true;
        _linkUp = false;
        _negotiationTimer?.Dispose();
        _negotiationTimer = null;
        _authServer?.Dispose();
        _authClient?.Dispose();
        ReleaseAddress();
        PppLinkDown down = _down ??= NewDown(PppDownCause.LowerLayerDown, "link down");
        Log($"link down: {down.Detail}");
        _observer.LinkDown(this, down);
    }

    private void ReleaseAddress()
    {
        if (_addressHeld && _options.AddressPool is { } pool)
            pool.Release(_allocatedAddress);
        _addressHeld = false;
    }

    private void LcpUp()
    {
        _txAcfc = _lcpLayer.TransmitAddressControlFieldCompression;
        _txPfc = _lcpLayer.TransmitProtocolFieldCompression;
        _ipcp.PeerMru = _lcpLayer.PeerMru;
        _ccp.PeerMru = _lcpLayer.PeerMru;
        if (_terminating)
            return;
        PppAuthProtocol? protocol = _lcpLayer.AuthenticationProtocol;
        if (protocol is not { } auth)
        {
            if (Role == PppRole.Server && !_options.Lcp.AuthenticationProtocols.IsEmpty)
            {
                Terminate(PppDownCause.AuthenticationRefused, "peer did not agree to authenticate");
                return;
            }
            EnterNetwork();
            return;
        }
        _phase = PppPhase.Authenticate;
        Log($"authentication phase: {auth}");
        if (Role == PppRole.Server)
        {
            _authServer = new PppAuthServer(auth, _options.Authentication, _options.Authenticator!, _events, _time, _sync);
            _authServer.Start();
        }
        else if (_options.Credentials is { } credentials)
        {
            _authClient = new PppAuthClient(auth, credentials, _events, _time, _sync, _options.Fsm.RestartTimer, _options.Fsm.MaxConfigure);
            _authClient.Start();
        }
        else
        {
            Terminate(PppDownCause.NoCredentials, $"the server asks for {auth} and no credentials are configured");
        }
    }

    private void LcpDown()
    {
        _txAcfc = _txPfc = false;
        // Taken before the NCPs go down: IPCP's own Down in the Network phase starts a Terminate, which is not ours.
        bool ourTerminateRequest = _terminating;
        // RFC 1661 §4.1: a Configure-Request (or Ack/Nak) in Opened is tld + scr: LCP renegotiates (Req-Sent/Ack-Sent now;
        // the state changes before the actions run). The link goes back to the Establish phase, the NCPs restart after it.
        // A Terminate-Request (Stopping), our Close (Closing) or the lower layer's Down (Starting) end the session.
        if (!_terminating && !_downFired && _phase is PppPhase.Authenticate or PppPhase.Network
            && _lcp.State is PppFsmState.ReqSent or PppFsmState.AckSent or PppFsmState.AckRcvd)
        {
            BeginRenegotiation(PppRenegotiation.Lcp);
            _phase = PppPhase.Establish; // before the NCPs' Down, so they do not take it for an NCP of their own ending
            _ipcpDeferred = false; // under "mppe required" IPCP waits for CCP again (issue 9 item 5)
            _deferredIpcpRequest = null;
            _ipcp.Down();
            _ccp.Down();
            _authServer?.Dispose();
            _authServer = null;
            _authClient?.Dispose();
            _authClient = null;
            return;
        }
        _ipcpDeferred = false;
        _deferredIpcpRequest = null;
        _ipcp.Down();
        _ccp.Down();
        if (!_terminating)
            Terminate(PppDownCause.LcpLeftOpened, "LCP left the Opened state");
        _phase = PppPhase.Terminate;
        // Our own Close: the link is down when the Terminate-Request is answered or given up (tlf: RTA, or TO- after
        // Max-Terminate; RFC 1661 §4.3), as pppd's lcp_finished. Going down here, at tld, let the call be cleared (CDN over
        // TCP) before the Terminate-Request (GRE) left, and pptp-linux then hung up without ever reading its reason.
        if (!ourTerminateRequest)
            FireLinkDown();
    }

    /// <summary>
    /// LCP or an NCP left Opened to renegotiate: the data path stops (once, if the link was up) and the negotiation clock
    /// runs again, so a peer that stalls half-way still ends the call.
    /// </summary>
    private void BeginRenegotiation(PppRenegotiation what)
    {
        Log($"{what} renegotiation");
        if (!_linkUp || _networkSuspended)
            return;
        _networkSuspended = true;
        _negotiationTimer?.Dispose();
        _negotiationTimer = _time.CreateTimer(static state => ((PppSession)state!).OnNegotiationTimeout(), this,
            _options.NegotiationTimeout, Timeout.InfiniteTimeSpan);
        _observer.NetworkDown(this, what);
    }

    private void LcpFinished()
    {
        _phase = PppPhase.Dead;
        _down ??= _lcpLayer.AuthenticationNegotiationFailed
            ? NewDown(PppDownCause.NoAuthenticationProtocol, "no authentication protocol agreed")
            : NewDown(PppDownCause.LcpNegotiationFailed, "LCP negotiation failed");
        FireLinkDown();
    }

    private void AuthenticationDone(PppAuthOutcome outcome)
    {
        if (!outcome.Succeeded)
        {
            _observer.AuthenticationFailed(this, outcome);
            Log($"authentication failed ({outcome.Protocol}, user '{outcome.UserName}'): {outcome.Reason}");
            if (outcome.IsFinal)
                Terminate(PppDownCause.AuthenticationFailed, $"authentication failed: {outcome.Reason}", outcome);
            return;
        }
        if (_linkUp && _authOutcome is { } previous && !string.Equals(previous.UserName, outcome.UserName, StringComparison.Ordinal))
        {
            // Renegotiation must not hand a live call (its address, accounting) to someone else.
            Terminate(PppDownCause.AuthenticationFailed, $"re-authentication as '{outcome.UserName}' on the call of '{previous.UserName}'", outcome);
            return;
        }
        _authOutcome = outcome;
        _userName = outcome.UserName;
        _observer.AuthenticationSucceeded(this, outcome);
        Log($"authentication succeeded ({outcome.Protocol}, user '{outcome.UserName}'): {outcome.Reason}");
        EnterNetwork();
    }

    private void EnterNetwork()
    {
        if (_terminating || _phase is PppPhase.Network or PppPhase.Dead)
            return;
        if (Role == PppRole.Server && !AssignPeerAddress())
            return;
        MppeStartKeys? keys = _authOutcome?.Keys;
        _ccpLayer.MppeAvailable = _options.Mppe is not null && keys is not null;
        _mppeRequired = _options.Mppe is { Required: true } || (_options.Mppe is not null && keys is { EncryptionRequired: true });
        if (_options.Mppe is not null && keys is not null)
            _ccpLayer.RestrictStrengths(keys.AllowedStrengths);
        if (_mppeRequired && keys is null)
        {
            string protocol = _lcpLayer.AuthenticationProtocol?.ToString() ?? "no";
            Terminate(PppDownCause.MppeRequiresMsChap, $"mppe required but not active: {protocol} authentication gives no MPPE keys (requires mschap for MPPE)");
            return;
        }
        if (_mppeRequired && !_ccpLayer.MppeAvailable)
        {
            Terminate(PppDownCause.MppeNoCommonStrength, "mppe required but not active: no MPPE strength both the group and the AAA server's keys allow");
            return;
        }
        _phase = PppPhase.Network;
        Log("network phase");
        if (_mppeRequired)
        {
            // pppd's start_networks with MPPE required: CCP first, the NCPs from ccp_up (continue_networks).
            _ipcpDeferred = true;
            Log("mppe required: IPCP waits for CCP");
            _ccp.Up();
            _ccp.Open();
            return;
        }
        _ipcp.Up();
        _ipcp.Open();
        _ccp.Up();
        _ccp.Open();
    }

    /// <summary>CCP is Opened: with MPPE agreed, the deferred IPCP starts (and answers the request the peer sent meanwhile).</summary>
    private void StartDeferredIpcp()
    {
        if (!_ipcpDeferred || _terminating || _phase != PppPhase.Network || _ccp.State != PppFsmState.Opened || _ccpLayer.Negotiated is null)
            return;
        _ipcpDeferred = false;
        Log("CCP up with MPPE: starting IPCP");
        _ipcp.Up();
        _ipcp.Open();
        if (_deferredIpcpRequest is { } request)
        {
            _deferredIpcpRequest = null;
            _ipcp.ReceivePacket(request);
        }
    }

    // pppd with MPPE required opens IPCP only once CCP is up (2.4.9 auth.c), so the IPCP Configure-Request we send on
    // entering the network phase (with CCP's, as the PIX did) meets its closed automaton and comes back as a
    // Terminate-Ack (RFC 1661 §4.2, Closed + RCR). RFC 1661 leaves us in Req-Sent until the restart timer (3 s). When the
    // peer's own Configure-Request then shows its IPCP is listening, we send ours again at once: Down + Up in Req-Sent is
    // Starting then irc, scr (§4.1) - no layer action, a fresh Identifier - before the peer's request is judged.
    private void ResendUnheardIpcpRequest(ReadOnlySpan<byte> information)
    {
        if (information.IsEmpty || _ipcp.State != PppFsmState.ReqSent)
            return;
        if (information[0] == PppFsmCode.TerminateAck)
        {
            _ipcpRequestUnheard = true;
        }
        else if (information[0] == PppFsmCode.ConfigureRequest && _ipcpRequestUnheard)
        {
            _ipcpRequestUnheard = false;
            _ipcp.Down();
            _ipcp.Up();
        }
    }

    private bool AssignPeerAddress()
    {
        if (_addressHeld || (_linkUp && _allocatedAddress != 0))
        {
            // LCP renegotiated: the client keeps its address (the pool, the dataplane and accounting know it by it).
            _ipcpLayer.PeerAddress = _allocatedAddress;
            return true;
        }
        IpLocalPool? pool = _options.AddressPool;
        uint? framed = _authOutcome?.Result?.FramedIpAddress;
        if (framed is { } address)
        {
            // RADIUS Framed-IP-Address: recorded in the pool (even outside its ranges) so no one else gets it.
            if (pool is not null)
            {
                if (pool.TryAllocateSpecific(address, allowOutsidePool: true) != PoolAllocateResult.Allocated)
                {
                    Terminate(PppDownCause.AddressInUse, $"address {Ipv4.Format(address)} from the AAA server is in use");
                    return false;
                }
                _addressHeld = true;
            }
            _allocatedAddress = address;
        }
        else if (pool is not null && pool.TryAllocate(out uint pooled))
        {
            _allocatedAddress = pooled;
            _addressHeld = true;
        }
        else
        {
            if (pool is null)
                Terminate(PppDownCause.NoAddressPool, "no address pool configured");
            else
                Terminate(PppDownCause.AddressPoolExhausted, $"address pool {pool.Name} exhausted");
            return false;
        }
        _ipcpLayer.PeerAddress = _allocatedAddress;
        return true;
    }

    /// <summary>Link-up once IPCP is Opened and CCP has settled; `required` without MPPE terminates.</summary>
    private void CheckNetwork()
    {
        if (_phase != PppPhase.Network || (_linkUp && !_networkSuspended) || _terminating)
            return;
        PppFsmState ccp = _ccp.State;
        bool ccpSettled = ccp is PppFsmState.Opened or PppFsmState.Stopped or PppFsmState.Closed;
        MppeNegotiation? mppe = ccp == PppFsmState.Opened ? _ccpLayer.Negotiated : null;
        if (ccpSettled && mppe is null && _mppeRequired)
        {
            Terminate(PppDownCause.MppeNotNegotiated, "mppe required but not active");
            return;
        }
        if (_ipcp.State != PppFsmState.Opened || !ccpSettled)
            return;

        MppeSessionKeys? keys = null;
        if (mppe is { } m && _authOutcome?.Keys is { } start)
        {
            (byte[] send, byte[] receive) = start.ForStrength(m.Strength);
            keys = new MppeSessionKeys(m.Strength, m.Stateless, send, receive);
        }
        _negotiationTimer?.Dispose();
        _negotiationTimer = null;
        bool server = Role == PppRole.Server;
        var result = new PppLinkResult(Role, _userName ?? string.Empty, _lcpLayer.AuthenticationProtocol, _authOutcome?.Result?.ServerName,
            _ipcpLayer.LocalAddress, server ? _allocatedAddress : _ipcpLayer.PeerAddress,
            _ipcpLayer.PrimaryDns, _ipcpLayer.SecondaryDns, _ipcpLayer.PrimaryNbns, _ipcpLayer.SecondaryNbns,
            keys, _authOutcome?.Result?.SessionTimeout, _lcpLayer.PeerMru, _txAcfc, _txPfc, _authOutcome?.Result?.IdleTimeout, _lcpLayer.LocalMru);
        if (_linkUp)
        {
            // The renegotiation is over (RFC 1661 §4.1): the call never went down, only its data path waited.
            _networkSuspended = false;
            Log($"network up again: peer {Ipv4.Format(result.PeerAddress)}, MPPE {(keys is null ? "none" : keys.ToString())}");
            _observer.NetworkUp(this, result);
            return;
        }
        _linkUp = true;
        Log($"link up: peer {Ipv4.Format(result.PeerAddress)}, MPPE {(keys is null ? "none" : keys.ToString())}");
        _observer.LinkUp(this, result);
    }

    private void NcpDown(PppLayerKind layer)
    {
        if (!_linkUp || _terminating)
            return;
        if (_networkSuspended && _phase != PppPhase.Network)
            return; // LCP renegotiates: the NCPs went down with it and restart after authentication
        PppFsm fsm = layer == PppLayerKind.Ipcp ? _ipcp : _ccp;
        if (fsm.State is PppFsmState.ReqSent or PppFsmState.AckSent or PppFsmState.AckRcvd)
        {
            // RFC 1661 §4.1 in the NCP's own automaton (RFC 1332 §2, RFC 1962 §2): Configure-Request in Opened is a
            // renegotiation of that protocol alone; the call and the other NCP stay.
            BeginRenegotiation(layer == PppLayerKind.Ipcp ? PppRenegotiation.Ipcp : PppRenegotiation.Ccp);
            return;
        }
        if (layer == PppLayerKind.Ipcp)
            Terminate(PppDownCause.IpcpClosed, "IPCP closed");
        else if (_ccpLayer.Negotiated is not null || _mppeRequired)
            Terminate(PppDownCause.CcpClosed, "CCP closed while MPPE was active");
    }

    private void NcpFinished(PppLayerKind layer)
    {
        if (layer == PppLayerKind.Ipcp && !_linkUp && _phase == PppPhase.Network)
        {
            Terminate(PppDownCause.IpcpNegotiationFailed, "IPCP negotiation failed");
            return;
        }
        CheckNetwork();
    }

    private void ProtocolRejectedByPeer(ushort protocol)
    {
        switch (protocol)
        {
            case PppProtocol.Ipcp:
                _ipcp.ProtocolRejected();
                break;
            case PppProtocol.Ccp:
                _ccp.ProtocolRejected(); // RXJ-: CCP stops, which settles it without MPPE
                break;
            case PppProtocol.Pap:
            case PppProtocol.Chap:
                Terminate(PppDownCause.AuthenticationProtocolRejected, "peer rejected the authentication protocol");
                break;
        }
    }

    /// <summary>The private side of the session: what its layers and authentication engines call.</summary>
    private sealed class Events(PppSession session) : IPppLayerEvents, IPppAuthHost
    {
        public void LayerUp(PppLayerKind layer)
        {
            if (layer == PppLayerKind.Lcp)
            {
                session.LcpUp();
                return;
            }
            if (layer == PppLayerKind.Ccp)
                session.StartDeferredIpcp();
            session.CheckNetwork();
        }

        public void LayerDown(PppLayerKind layer)
        {
            if (layer == PppLayerKind.Lcp)
                session.LcpDown();
            else
                session.NcpDown(layer);
        }

        public void LayerFinished(PppLayerKind layer)
        {
            if (layer == PppLayerKind.Lcp)
                session.LcpFinished();
            else
                session.NcpFinished(layer);
        }

        public void Log(PppLayerKind layer, string message) => session.Log($"{layer.ToString().ToUpperInvariant()}: {message}");

        public void AuthenticationNegotiationFailed(string reason) => session.Terminate(PppDownCause.NoAuthenticationProtocol, reason);

        public void ProtocolRejected(ushort protocol) => session.ProtocolRejectedByPeer(protocol);

        public void CcpResetRequested() => session._observer.CcpResetRequested(session);

        public void SendAuthPacket(ushort protocol, ReadOnlySpan<byte> packet) => session.SendControl(protocol, packet);

        public void AuthenticationStarted(string userName)
        {
            session._userName = userName;
            session._observer.AuthenticationStarted(session, userName);
        }

        public void AuthenticationFinished(PppAuthOutcome outcome) => session.AuthenticationDone(outcome);

        public void Log(string message) => session.Log(message);
    }

    private sealed class NullObserver : IPppSessionObserver
    {
        public static readonly NullObserver Instance = new();
    }
}
