using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using PptpGw.ControlPlane.Aaa.Radius;
using PptpGw.ControlPlane.Aaa.Tacacs;
using PptpGw.ControlPlane.Calls;
using PptpGw.ControlPlane.Logging;
using PptpGw.ControlPlane.Ppp;
using PptpGw.ControlPlane.Ppp.Auth;
using PptpGw.ControlPlane.Ppp.Session;
using PptpGw.Dataplane.Control;

namespace PptpGw.Gateway.Aaa;

/// <summary>
/// The AAA state of one call (<see cref="GatewayAaa.BeginCall"/>): the per-call authenticator, then from link-up the
/// accounting session (one Start, Interim-Updates, exactly one Stop) and the Session-Timeout timer. Thread-safe.
/// </summary>
public sealed class AaaCall : ICallAccounting
{
    private readonly GatewayAaa _owner;
    private readonly RadiusPppAuthenticator? _radius;
    private readonly Action<AcctTerminateCause, string> _disconnect;
    private readonly Lock _lock = new();
    private Func<SessionCounters?>? _counters;
    private SessionCounters? _final;
    private AccountingSession? _radiusSession;
    private TacacsAccountingSession? _tacacsSession;
    private ITimer? _watchdog;
    private ITimer? _sessionTimer;
    private bool _up;
    private bool _ended;

    internal AaaCall(GatewayAaa owner, ushort callId, IPAddress peer, string port, IPppAuthenticator authenticator, RadiusPppAuthenticator? radius,
        Action<AcctTerminateCause, string> disconnect)
    {
        _owner = owner;
        CallId = callId;
        PeerAddress = peer;
        Port = port;
        Authenticator = authenticator;
        _radius = radius;
        _disconnect = disconnect;
    }

    /// <summary>The PPTP call id (RADIUS NAS-Port).</summary>
    public ushort CallId { get; }

    /// <summary>The client's outside address (Calling-Station-Id, TACACS+ rem_addr).</summary>
    public IPAddress PeerAddress { get; }

    /// <summary>TACACS+ port ("pptp/ID").</summary>
    public string Port { get; }

    /// <summary>Checks this call's PPP proofs.</summary>
    public IPppAuthenticator Authenticator { get; }

    /// <summary>The authenticated user (after link-up).</summary>
    public string? UserName { get; private set; }

    /// <summary>The client's tunnel address (after link-up).</summary>
    public IPAddress? FramedIpAddress { get; private set; }

    /// <summary>RADIUS Acct-Session-Id, or the TACACS+ task_id (after link-up with accounting).</summary>
    public string? AcctSessionId { get; private set; }

    /// <summary>When the Session-Timeout ends the call; null: no limit.</summary>
    public DateTimeOffset? SessionExpires { get; private set; }

    /// <summary>
    /// The link is up: starts accounting (RADIUS with User-Name, Framed-IP-Address, the Access-Accept's Class; interim at
    /// <c>accounting interim</c> or the server's Acct-Interim-Interval) and the Session-Timeout timer.
    /// <paramref name="counters"/> reads the dataplane's counters for Interim and Stop.
    /// </summary>
    public void LinkUp(PppLinkResult result, Func<SessionCounters?> counters)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(counters);
        RadiusAccessResult? accept = _radius?.LastAccept;
        lock (_lock)
        {
            if (_ended || _up)
                return;
            _up = true;
            _counters = counters;
            UserName = result.UserName;
            FramedIpAddress = GatewayAaa.AddressOf(result.PeerAddress);
            if (result.SessionTimeout is { } timeout)
                ArmSessionTimeout(timeout);
            if (_owner.RadiusAccounting is { } tracker)
            {
                var info = new AccountingSessionInfo(AccountingSession.NewSessionId(), result.UserName)
                {
                    NasPort = CallId,
                    FramedIpAddress = FramedIpAddress,
                    CallingStationId = PeerAddress.ToString(),
                    Classes = accept?.Classes ?? ImmutableArray<ReadOnlyMemory<byte>>.Empty,
                    Authentic = _owner.AuthenticationGroup is null ? AcctAuthentic.Local : AcctAuthentic.Radius,
                };
                AcctSessionId = info.SessionId;
                _owner.Track(StartRadiusAsync(tracker, info, accept?.AcctInterimInterval));
            }
            else if (_owner.TacacsAccounting is { } tacacs)
            {
                TacacsAccountingSession session = tacacs.Begin(result.UserName, Port, PeerAddress.ToString(),
                    result.PeerAddress == 0 ? null : result.PeerAddress, AuthenType(result.AuthenticationProtocol));
                _tacacsSession = session;
                AcctSessionId = session.TaskId;
                _owner.Track(tacacs.StartAsync(session, CancellationToken.None).AsTask());
                if (_owner.InterimInterval is { } interval)
                    _watchdog = _owner.Time.CreateTimer(static s => ((AaaCall)s!).OnWatchdog(), this, interval, interval);
            }
        }
    }

    private async Task StartRadiusAsync(AccountingSessionTracker tracker, AccountingSessionInfo info, uint? serverInterim)
    {
        AccountingSession session = await tracker.StartSessionAsync(info, CountersForRadius, serverInterim).ConfigureAwait(false);
        AcctTerminateCause? endedWith = null;
        lock (_lock)
        {
            _radiusSession = session;
            if (_ended)
                endedWith = _endCause;
        }
        // The call ended while Start was on its way: its Stop goes now.
        if (endedWith is { } cause)
            await session.StopAsync(cause).ConfigureAwait(false);
    }

    private AcctTerminateCause _endCause;

    /// <summary>
    /// The call ended: Stop with <paramref name="cause"/> and the final counters (read now, before the dataplane session
    /// goes), and the timers are cancelled. Only the first call counts.
    /// </summary>
    public void End(AcctTerminateCause cause)
    {
        AccountingSession? radius;
        TacacsAccountingSession? tacacs;
        lock (_lock)
        {
            if (_ended)
                return;
            _ended = true;
            _endCause = cause;
            _final = _counters?.Invoke();
            _sessionTimer?.Dispose();
            _watchdog?.Dispose();
            radius = _radiusSession;
            tacacs = _tacacsSession;
        }
        if (radius is not null)
            _owner.Track(radius.StopAsync(cause));
        if (tacacs is not null && _owner.TacacsAccounting is { } accounting)
            _owner.Track(accounting.StopAsync(tacacs, TacacsCounters(), TacacsReason(cause), CancellationToken.None).AsTask());
    }

    /// <inheritdoc/>
    void ICallAccounting.End(CallEndReason reason) => End(reason.ToAcctTerminateCause());

    /// <summary>Sets the Session-Timeout to <paramref name="seconds"/> from now (a CoA-Request, RFC 5176 §3.2); false once ended.</summary>
    public bool ApplySessionTimeout(uint seconds)
    {
        lock (_lock)
        {
            if (_ended)
                return false;
            ArmSessionTimeout(TimeSpan.FromSeconds(seconds));
            return true;
        }
    }

    /// <summary>Ends the call for the AAA server (a Disconnect-Request): Acct-Terminate-Cause Admin-Reset (RFC 5176 §3.1).</summary>
    public void Disconnect(string reason) => _disconnect(AcctTerminateCause.AdminReset, reason);

    private void ArmSessionTimeout(TimeSpan timeout)
    {
        _sessionTimer?.Dispose();
        SessionExpires = _owner.Time.GetUtcNow() + timeout;
        // RFC 2865 §5.27: the maximum number of seconds of service before termination of the session.
        _sessionTimer = _owner.Time.CreateTimer(static s =>
        {
            var call = (AaaCall)s!;
            call._owner.Log.Write(PixSeverity.Informational, string.Create(CultureInfo.InvariantCulture,
                $"user '{call.UserName}' (call {call.CallId}): Session-Timeout expired; disconnecting"));
            call._disconnect(AcctTerminateCause.SessionTimeout, "session timeout");
        }, this, timeout, Timeout.InfiniteTimeSpan);
    }

    private AccountingCounters CountersForRadius()
    {
        SessionCounters? c;
        lock (_lock)
            c = _ended ? _final : _counters?.Invoke();
        return c is { } v ? new AccountingCounters(v.BytesIn, v.BytesOut, v.PacketsIn, v.PacketsOut) : default;
    }

    private TacacsAccountingCounters TacacsCounters()
    {
        AccountingCounters c = CountersForRadius();
        return new TacacsAccountingCounters(c.InputOctets, c.OutputOctets, c.InputPackets, c.OutputPackets);
    }

    private void OnWatchdog()
    {
        TacacsAccountingSession? session;
        lock (_lock)
            session = _ended ? null : _tacacsSession;
        if (session is not null && _owner.TacacsAccounting is { } accounting)
            _owner.Track(accounting.WatchdogAsync(session, TacacsCounters(), CancellationToken.None).AsTask());
    }

    private static TacacsAuthenType AuthenType(PppAuthProtocol? protocol) => protocol switch
    {
        PppAuthProtocol.Pap => TacacsAuthenType.Pap,
        PppAuthProtocol.Chap => TacacsAuthenType.Chap,
        PppAuthProtocol.MsChapV1 => TacacsAuthenType.MsChap,
        PppAuthProtocol.MsChapV2 => TacacsAuthenType.MsChapV2,
        _ => TacacsAuthenType.NotSet,
    };

    /// <summary>The TACACS+ reason= text of a terminate cause (RFC 2866 §5.10 names).</summary>
    private static string TacacsReason(AcctTerminateCause cause) => cause switch
    {
        AcctTerminateCause.UserRequest => "User-Request",
        AcctTerminateCause.LostCarrier => "Lost-Carrier",
        AcctTerminateCause.IdleTimeout => "Idle-Timeout",
        AcctTerminateCause.SessionTimeout => "Session-Timeout",
        AcctTerminateCause.AdminReset => "Admin-Reset",
        AcctTerminateCause.AdminReboot => "Admin-Reboot",
        AcctTerminateCause.NasError => "NAS-Error",
        _ => cause.ToString(),
    };
}
