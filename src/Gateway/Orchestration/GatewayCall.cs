using System.Net;
using PptpGw.ControlPlane.Aaa.Radius;
using PptpGw.ControlPlane.Admin;
using PptpGw.ControlPlane.Ppp.Auth;
using PptpGw.ControlPlane.Ppp.Session;
using PptpGw.ControlPlane.Pptp.Connection;
using PptpGw.Dataplane.Sessions;
using PptpGw.Gateway.Aaa;

namespace PptpGw.Gateway.Orchestration;

/// <summary>
/// One accepted PPTP call and everything the gateway keeps for it: the dataplane session, the PPP session (server role)
/// and what <c>show vpdn</c> prints. It is the PPP session's observer and hands every event to its
/// <see cref="CallOrchestrator"/>.
/// </summary>
internal sealed class GatewayCall(CallOrchestrator owner, CallRequestInfo request, int virtualInterface, SessionHandle handle, long createdTimestamp)
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

    /// <summary>Set together with <see cref="Established"/>.</summary>
    public PppSession? Session { get; set; }

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

    private int _terminateCause;

    /// <summary>Why the call ended, for Acct-Terminate-Cause (RFC 2866 §5.10): the first cause set wins; null until then.</summary>
    public AcctTerminateCause? TerminateCause => Volatile.Read(ref _terminateCause) is int c and not 0 ? (AcctTerminateCause)c : null;

    /// <summary>Records <paramref name="cause"/> unless a cause is already known.</summary>
    public void SetTerminateCause(AcctTerminateCause cause) => Interlocked.CompareExchange(ref _terminateCause, (int)cause, 0);

    /// <summary>True once, for the caller that starts PPP.</summary>
    public bool TryMarkStarted() => Interlocked.Exchange(ref _started, 1) == 0;

    /// <summary>True once, when the PPTP side has cleared the call (OnCallCleared).</summary>
    public bool TryMarkCleared() => Interlocked.Exchange(ref _cleared, 1) == 0;

    public bool IsCleared => Volatile.Read(ref _cleared) != 0;

    private int _setupCounted;

    /// <summary>True once, for the first outcome of the setup (metrics count each call's setup once).</summary>
    public bool TryMarkSetupCounted() => Interlocked.Exchange(ref _setupCounted, 1) == 0;

    /// <summary>Set when the PPP link came up (for <c>pptpgw_sessions{state="established"}</c>).</summary>
    public bool IsLinkUp { get; set; }

    /// <summary>True once, for the caller that removes the dataplane session.</summary>
    public bool TryMarkDataplaneClosed() => Interlocked.Exchange(ref _dataplaneClosed, 1) == 0;

    public void LinkUp(PppSession session, PppLinkResult result) => owner.OnLinkUp(this, result);
    public void LinkDown(PppSession session, string reason) => owner.OnLinkDown(this, reason);
    public void AuthenticationStarted(PppSession session, string userName) => owner.OnAuthenticationStarted(this, userName);
    public void AuthenticationSucceeded(PppSession session, PppAuthOutcome outcome) => owner.OnAuthenticationSucceeded(this, outcome);
    public void AuthenticationFailed(PppSession session, PppAuthOutcome outcome) => owner.OnAuthenticationFailed(this, outcome);
    public void CcpResetRequested(PppSession session) => owner.OnCcpResetRequested(this);
    public void Log(PppSession session, string message) => owner.OnPppLog(this, message);

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
