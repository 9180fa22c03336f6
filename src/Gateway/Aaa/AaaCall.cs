using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using PptpGw.ControlPlane.Aaa.Accounting;
using PptpGw.ControlPlane.Aaa.Radius;
using PptpGw.ControlPlane.Calls;
using PptpGw.ControlPlane.Logging;
using PptpGw.ControlPlane.Ppp;
using PptpGw.ControlPlane.Ppp.Auth;
using PptpGw.ControlPlane.Ppp.Session;
using PptpGw.Dataplane.Control;

namespace PptpGw.Gateway.Aaa;

/// <summary>
/// The AAA state of one call (<see cref="GatewayAaa.BeginCall"/>): the per-call authenticator, then from link-up the
/// accounting session (one Start, Interim-Updates, exactly one Stop, through the group's durable queue whatever the
/// protocol), the Session-Timeout timer, and the policy for a Start nobody acknowledges. Thread-safe.
/// </summary>
public sealed class AaaCall : ICallAccounting
{
    private readonly GatewayAaa _owner;
    private readonly RadiusPppAuthenticator? _radius;
    private readonly IPAddress? _local;
    private readonly Action<AcctTerminateCause, string> _disconnect;
    private readonly Lock _lock = new();
    private Func<SessionCounters?>? _counters;
    private SessionCounters? _final;
    private AccountingSession? _accounting;
    private ITimer? _sessionTimer;
    private ITimer? _startTimer;
    private Func<TimeSpan?, bool>? _idleTimeout;
    private bool _up;
    private bool _ended;

    internal AaaCall(GatewayAaa owner, ushort callId, IPAddress peer, IPAddress? local, string port, IPppAuthenticator authenticator,
        RadiusPppAuthenticator? radius, Action<AcctTerminateCause, string> disconnect)
    {
        _owner = owner;
        CallId = callId;
        PeerAddress = peer;
        _local = local;
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

    /// <summary>The accounting session (after link-up with <c>client accounting</c>).</summary>
    public AccountingSession? Accounting
    {
        get { lock (_lock) return _accounting; }
    }

    /// <summary>
    /// The link is up: queues the accounting Start (User-Name, Framed-IP-Address, Calling/Called-Station-Id, the
    /// Access-Accept's Class; interim at <c>accounting interim</c> or the server's Acct-Interim-Interval), arms the
    /// Session-Timeout timer and, with <c>accounting unanswered-start disconnect S</c>, the Start's deadline.
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
            if (_owner.Accounting is not { } service)
                return;
            var data = new AccountingSessionData(AccountingSession.NewSessionId(), result.UserName)
            {
                NasPort = CallId,
                Port = Port,
                FramedIpAddress = FramedIpAddress,
                CallingStationId = PeerAddress.ToString(),
                CalledStationId = _local?.ToString(),
                Classes = accept?.Classes ?? ImmutableArray<ReadOnlyMemory<byte>>.Empty,
                Authentic = _owner.AuthenticationGroup is null ? AcctAuthentic.Local : AcctAuthentic.Radius,
                AuthenticationProtocol = result.AuthenticationProtocol,
            };
            AcctSessionId = data.SessionId;
            _accounting = service.Begin(data, CountersNow, accept?.AcctInterimInterval);
            _accounting.Start();
            if (_owner.Group.UnansweredStart is { Disconnect: true } policy)
                _startTimer = _owner.Time.CreateTimer(static s => ((AaaCall)s!).OnStartDeadline(), this,
                    TimeSpan.FromSeconds(policy.TimeoutSeconds), Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>
    /// The call ended: Stop with <paramref name="cause"/> and the final counters (read now, before the dataplane session
    /// goes), and the timers are cancelled. Only the first call counts.
    /// </summary>
    public void End(AcctTerminateCause cause)
    {
        AccountingSession? accounting;
        lock (_lock)
        {
            if (_ended)
                return;
            _ended = true;
            _final = _counters?.Invoke();
            _sessionTimer?.Dispose();
            _startTimer?.Dispose();
            accounting = _accounting;
        }
        accounting?.Stop(cause);
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

    /// <summary>
    /// Sets the Idle-Timeout to <paramref name="seconds"/> (a CoA-Request, RFC 5176 §3.1; 0: no limit), counted from the
    /// client's last data as before; false once ended or before link-up (nothing watches the call's activity yet).
    /// </summary>
    public bool ApplyIdleTimeout(uint seconds)
    {
        Func<TimeSpan?, bool>? apply;
        lock (_lock)
        {
            if (_ended)
                return false;
            apply = _idleTimeout;
        }
        return apply is not null && apply(seconds == 0 ? null : TimeSpan.FromSeconds(seconds));
    }

    /// <summary>At link-up: how <see cref="ApplyIdleTimeout"/> reaches the call's idle watch (the orchestrator's).</summary>
    internal void OnIdleTimeoutChange(Func<TimeSpan?, bool> apply)
    {
        lock (_lock)
            _idleTimeout = apply;
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

    /// <summary><c>accounting unanswered-start disconnect S</c>: no server took the Start in time, so the session is not billed; end it.</summary>
    private void OnStartDeadline()
    {
        AccountingRecord? start;
        lock (_lock)
        {
            if (_ended)
                return;
            start = _accounting?.StartRecord;
        }
        if (start is null || start.IsAcknowledged)
            return;
        _owner.Log.Write(PixSeverity.Warning, string.Create(CultureInfo.InvariantCulture,
            $"user '{UserName}' (call {CallId}): accounting Start of session {AcctSessionId} not acknowledged within {_owner.Group.UnansweredStart.TimeoutSeconds} s; disconnecting (NAS-Error)"));
        _disconnect(AcctTerminateCause.NasError, "accounting start not acknowledged");
    }

    private AccountingCounters CountersNow()
    {
        SessionCounters? c;
        lock (_lock)
            c = _ended ? _final : _counters?.Invoke();
        return c is { } v ? new AccountingCounters(v.BytesIn, v.BytesOut, v.PacketsIn, v.PacketsOut) : default;
    }
}
