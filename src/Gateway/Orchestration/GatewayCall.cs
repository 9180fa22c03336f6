using System.Net;
using PptpGw.ControlPlane.Calls;
using PptpGw.ControlPlane.Admin;
using PptpGw.ControlPlane.Ppp.Auth;
using PptpGw.ControlPlane.Ppp.Session;
using PptpGw.ControlPlane.Ppp;
using PptpGw.ControlPlane.Pptp.Connection;
using PptpGw.Dataplane.Sessions;
using PptpGw.Gateway.Aaa;

namespace PptpGw.Gateway.Orchestration;

/// <summary>
/// One accepted PPTP call and everything the gateway keeps for it: the dataplane session, the PPP session (server role)
/// and what <c>show vpdn</c> prints. It is the PPP session's observer and hands every event to its
/// <see cref="CallLifecycle"/> (its PPP events through <see cref="CallLifecycle.Ppp"/>).
/// </summary>
internal sealed class GatewayCall(CallLifecycle owner, CallRequestInfo request, int virtualInterface, SessionHandle handle, long createdTimestamp)
    : IPppSessionObserver
{
    private int _started;
    private int _cleared;
    private int _dataplaneClosed;

    public CallRequestInfo Request { get; } = request;
    public uint TunnelId => Request.TunnelId;
    public ushort CallId => Request.CallId;
    public ushort PeerCallId => Request.PeerCallId;
    public IPAddress PeerAddress { get; } = request.Peer.Address.IsIPv4MappedToIPv6 ? request.Peer.Address.MapToIPv4() : request.Peer.Address;

    /// <summary>The PIX's "PPP virtual interface N" of this call (603102-603104, <c>debug ppp io</c> "ifc").</summary>
    public int VirtualInterface { get; } = virtualInterface;

    public SessionHandle Handle { get; } = handle;
    public long CreatedTimestamp { get; } = createdTimestamp;

    /// <summary>Set once the call is established (before the Outgoing-Call-Reply goes out).</summary>
    public EstablishedCall? Established { get; set; }

    /// <summary>Set together with <see cref="Established"/> (<see cref="AttachSession"/>).</summary>
    public PppSession? Session { get; private set; }

    // PPP frames that arrived on the call's GRE before its PppSession existed (the PAC may send its first LCP
    // Configure-Request as soon as it has the Outgoing-Call-Reply). Bounded: a peer cannot make it hold more.
    private const int EarlyFrameLimit = 4, EarlyFrameMaxLength = 2048;
    private readonly Lock _earlyGate = new();
    private List<byte[]>? _earlyFrames;

    /// <summary>
    /// Holds <paramref name="frame"/> until <see cref="AttachSession"/>, when there is no session yet: true when the caller
    /// must not deliver it itself (held, or dropped over the bound), false when the session exists.
    /// </summary>
    public bool TryHoldEarlyFrame(ReadOnlySpan<byte> frame)
    {
        lock (_earlyGate)
        {
            if (Session is not null)
                return false;
            _earlyFrames ??= new List<byte[]>(EarlyFrameLimit);
            if (_earlyFrames.Count < EarlyFrameLimit && frame.Length <= EarlyFrameMaxLength)
                _earlyFrames.Add(frame.ToArray());
            return true;
        }
    }

    /// <summary>Sets <see cref="Session"/> and returns the frames held before it existed, oldest first.</summary>
    public IReadOnlyList<byte[]> AttachSession(PppSession session)
    {
        lock (_earlyGate)
        {
            Session = session;
            List<byte[]>? held = _earlyFrames;
            _earlyFrames = null;
            return held ?? (IReadOnlyList<byte[]>)[];
        }
    }

    /// <summary>Fallback start of PPP when the peer stays silent after the Outgoing-Call-Reply.</summary>
    public ITimer? StartTimer { get; set; }

    /// <summary>Set at link-up: what authenticated the user ("LOCAL", a RADIUS server).</summary>
    public string? AaaServer { get; set; }

    /// <summary>Set at link-up.</summary>
    public MppeStatus Mppe { get; set; }

    /// <summary>The name of the last authentication attempt (603102/603103 before link-up).</summary>
    public string? UserName { get; set; }

    /// <summary>The call's AAA (per-call authenticator, accounting, Session-Timeout), or null.</summary>
    public AaaCall? Aaa { get; set; }

    /// <summary>From link-up with an Idle-Timeout (RADIUS or the group's <c>idle-timeout</c>): ends the call when the client is idle.</summary>
    public IdleTimeoutMonitor? IdleMonitor { get; set; }

    /// <summary>Serializes starting, changing and stopping <see cref="IdleMonitor"/> (link-up, CoA-Requests).</summary>
    public Lock IdleLock { get; } = new();

    /// <summary>With <c>single-session</c>: the user name this call holds its one session under (set under the table's user lock).</summary>
    public string? ClaimedUser { get; set; }

    /// <summary>The dial-in group the call was negotiated under (a reload changes the group for new calls only).</summary>
    public ControlPlane.Config.VpdnGroupConfig? Group { get; set; }

    private int _endReason;

    /// <summary>Why the call ended: the first reason set wins; <see cref="CallEndReason.Unknown"/> until then.</summary>
    public CallEndReason EndReason => (CallEndReason)Volatile.Read(ref _endReason);

    /// <summary>Records <paramref name="reason"/> unless a reason is already known.</summary>
    public void SetEndReason(CallEndReason reason) => Interlocked.CompareExchange(ref _endReason, (int)reason, 0);

    /// <summary>True once, for the caller that starts PPP.</summary>
    public bool TryMarkStarted() => Interlocked.Exchange(ref _started, 1) == 0;

    /// <summary>True once, when the PPTP side has cleared the call (OnCallCleared).</summary>
    public bool TryMarkCleared() => Interlocked.Exchange(ref _cleared, 1) == 0;

    public bool IsCleared => Volatile.Read(ref _cleared) != 0;

    private int _setupCounted;

    /// <summary>True once, for the first outcome of the setup (metrics count each call's setup once).</summary>
    public bool TryMarkSetupCounted() => Interlocked.Exchange(ref _setupCounted, 1) == 0;

    /// <summary>The protocol of the last failed authentication, or null (metrics: how an unfinished setup ended).</summary>
    public PppAuthProtocol? FailedAuthentication { get; set; }

    /// <summary>Set when the PPP link came up (for <c>pptpgw_sessions{state="established"}</c>).</summary>
    public bool IsLinkUp { get; set; }

    /// <summary>True once, for the caller that removes the dataplane session.</summary>
    public bool TryMarkDataplaneClosed() => Interlocked.Exchange(ref _dataplaneClosed, 1) == 0;

    public void LinkUp(PppSession session, PppLinkResult result) => owner.Ppp.OnLinkUp(this, result);
    public void LinkDown(PppSession session, PppLinkDown down) => owner.Ppp.OnLinkDown(this, down);
    public void NetworkDown(PppSession session, PppRenegotiation renegotiation) => owner.Ppp.OnNetworkDown(this, renegotiation);
    public void NetworkUp(PppSession session, PppLinkResult result) => owner.Ppp.OnNetworkUp(this, result);
    public void AuthenticationStarted(PppSession session, string userName) => owner.Ppp.OnAuthenticationStarted(this, userName);
    public void AuthenticationSucceeded(PppSession session, PppAuthOutcome outcome) => owner.Ppp.OnAuthenticationSucceeded(this, outcome);
    public void AuthenticationFailed(PppSession session, PppAuthOutcome outcome) => owner.Ppp.OnAuthenticationFailed(this, outcome);
    public void CcpResetRequested(PppSession session) => owner.Ppp.OnCcpResetRequested(this);
    public void Log(PppSession session, string message) => owner.Ppp.OnPppLog(this, message);
    public bool IsLogEnabled(PppSession session) => owner.Ppp.IsPppLogEnabled;

    private uint _hostRoute;

    /// <summary>Records the client address whose host route this call installed; false when one is recorded already.</summary>
    public bool TrySetHostRoute(uint address) => address != 0 && Interlocked.CompareExchange(ref _hostRoute, address, 0) == 0;

    /// <summary>Takes the recorded host route (once) so it can be removed at release.</summary>
    public bool TryTakeHostRoute(out uint address)
    {
        address = Interlocked.Exchange(ref _hostRoute, 0);
        return address != 0;
    }
}
