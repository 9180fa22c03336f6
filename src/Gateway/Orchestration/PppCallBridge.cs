using PptpGw.ControlPlane.Calls;
using PptpGw.ControlPlane.Admin;
using PptpGw.ControlPlane.Config;
using PptpGw.ControlPlane.Logging;
using PptpGw.ControlPlane.Pools;
using PptpGw.ControlPlane.Ppp.Auth;
using PptpGw.ControlPlane.Ppp.Session;
using PptpGw.ControlPlane.Ppp;
using PptpGw.Dataplane.Control;
using PptpGw.Dataplane.Mppe;
using PptpGw.Dataplane.Packets;
using PptpGw.Dataplane.Sessions;
using PptpGw.Dataplane.Workers;

namespace PptpGw.Gateway.Orchestration;

/// <summary>
/// What a call's PPP session reports, turned into dataplane commands (the tunnel address and MPPE keys at link-up, CCP
/// resets), PIX messages and debug lines, and accounting (link-up, terminate cause). Runs under the session's lock:
/// nothing here blocks; ending the PPTP call is <see cref="CallLifecycle.OnPppEnded"/>'s job.
/// </summary>
internal sealed class PppCallBridge(CallTable table, CallLifecycle lifecycle)
{
    private readonly GatewayLog _log = table.Log;

    public void OnAuthenticationStarted(GatewayCall call, string userName)
    {
        call.UserName = userName;
        _log.PppAaaAuthenticationStarted(call.VirtualInterface, userName);
        if (_log.IsEnabled(DebugClasses.PppUauth))
            _log.Debug(DebugClasses.PppUauth, PixDebugText.UauthMschapSendRequest(call.VirtualInterface, userName));
    }

    public void OnAuthenticationSucceeded(GatewayCall call, PppAuthOutcome outcome)
    {
        call.UserName = outcome.UserName;
        if (_log.IsEnabled(DebugClasses.PppUauth))
            _log.Debug(DebugClasses.PppUauth, PixDebugText.UauthMschapProcessReply(call.VirtualInterface, 1));
        _log.PppAaaAuthenticationStatus(call.VirtualInterface, outcome.UserName, succeeded: true);
        _log.AuthenSessionStart(outcome.UserName, call.VirtualInterface);
    }

    public void OnAuthenticationFailed(GatewayCall call, PppAuthOutcome outcome)
    {
        if (_log.IsEnabled(DebugClasses.PppUauth))
            _log.Debug(DebugClasses.PppUauth, PixDebugText.UauthMschapProcessReply(call.VirtualInterface, 0));
        // The PPP session turns an accept without MS-MPPE keys into this reject (RFC 2548 §2.4.2-§2.4.3; PIX 403110).
        if (outcome.Failure == PppAuthFailure.MissingMppeKeys)
            _log.PppMissingMppeKey(call.VirtualInterface, outcome.UserName);
        _log.PppAaaAuthenticationStatus(call.VirtualInterface, outcome.UserName, succeeded: false);
        lifecycle.Metrics.AuthenticationFailed(call, outcome.Protocol, outcome.IsFinal);
        if (_log.IsEnabled(DebugClasses.PppError))
            _log.Debug(DebugClasses.PppError, $"PPP virtual interface {call.VirtualInterface}: authentication failed: {outcome.Reason}");
    }

    public void OnLinkUp(GatewayCall call, PppLinkResult result)
    {
        SingleSessionPolicy policy = (call.Group ?? table.Group).SingleSession;
        GatewayCall[] replaced = [];
        if (policy != SingleSessionPolicy.Allow && result.UserName is { Length: > 0 } user
            && !table.TryClaimUser(call, user, policy == SingleSessionPolicy.Deny, out replaced))
        {
            // deny: the new session ends before the dataplane knows its address (no traffic, no accounting Start).
            call.SetEndReason(CallEndReason.SingleSession);
            _log.Write(PixSeverity.Notification, $"single-session deny: user {user} already has a session; PPP virtual interface {call.VirtualInterface} ended");
            call.Session?.Close(PppDownCause.LocalClose, "single-session: the user already has a session");
            return;
        }
        if (!InstallNetwork(call, result, out MppeKeyStrength? strength))
            return;
        call.IsLinkUp = true;
        lifecycle.Metrics.Established(call, result.AuthenticationProtocol);
        _log.PptpTunnelCreated((int)call.TunnelId, call.PeerAddress, call.VirtualInterface, Ipv4.ToIPAddress(result.PeerAddress),
            result.UserName, strength);
        table.AnnouncedTunnels[call.TunnelId] = 0;
        ((ICallAccounting?)call.Aaa)?.LinkUp(result, () => table.DataplaneOrNull is { } d && d.TryGetCounters(call.Handle, out SessionCounters c) ? c : null);
        StartIdleTimeout(call, result);
        // replace: the user's older sessions end with LCP Terminate-Request. Off this session's lock: closing another
        // session takes that session's lock, and two link-ups replacing each other must not wait on each other.
        foreach (GatewayCall old in replaced)
        {
            _log.Write(PixSeverity.Notification, $"single-session replace: user {result.UserName}: PPP virtual interface {old.VirtualInterface} ended for {call.VirtualInterface}");
            old.SetEndReason(CallEndReason.SingleSession);
            ThreadPool.QueueUserWorkItem(static o => o.Session?.Close(PppDownCause.LocalClose, "single-session: replaced by a new session of the user"), old, preferLocal: false);
        }
        // A RADIUS Framed-IP-Address outside the pool has no route into the tunnel yet: give it a host route for the call.
        if (table.HostRoute is { } route && table.Options.Pool?.Contains(result.PeerAddress) != true && call.TrySetHostRoute(result.PeerAddress))
        {
            if (route(result.PeerAddress, true) is { } failure)
                _log.Write(PixSeverity.Warning, failure);
        }
    }

    /// <summary>
    /// Idle-Timeout: the AAA server's (RFC 2865 §5.28) or else the group's <c>idle-timeout</c>, watched on the dataplane's
    /// counter of the client's data (<see cref="IdleTimeoutMonitor"/>).
    /// </summary>
    private void StartIdleTimeout(GatewayCall call, PppLinkResult result)
    {
        int groupSeconds = (call.Group ?? table.Group).IdleTimeoutSeconds;
        TimeSpan? limit = result.IdleTimeout ?? (groupSeconds > 0 ? TimeSpan.FromSeconds(groupSeconds) : null);
        // A RADIUS CoA-Request may set, change or lift it later (RFC 5176 §3.1).
        call.Aaa?.OnIdleTimeoutChange(change => SetIdleTimeout(call, change));
        if (limit is { } idle)
            SetIdleTimeout(call, idle);
    }

    /// <summary>
    /// Starts, changes (the client's idle time so far counts) or, with null, stops the call's Idle-Timeout; false once the
    /// call is cleared.
    /// </summary>
    internal bool SetIdleTimeout(GatewayCall call, TimeSpan? limit)
    {
        lock (call.IdleLock)
        {
            if (call.IsCleared)
                return false;
            if (limit is not { } idle)
            {
                call.IdleMonitor?.Dispose();
                call.IdleMonitor = null;
            }
            else if (call.IdleMonitor?.ChangeLimit(idle) != true)
            {
                call.IdleMonitor = new IdleTimeoutMonitor(table.Time, idle,
                    () => table.DataplaneOrNull is { } d && d.TryGetCounters(call.Handle, out SessionCounters c) ? c.DataPacketsIn : null,
                    () => lifecycle.DisconnectIdle(call));
            }
            if (call.IsCleared)
            {
                call.IdleMonitor?.Dispose(); // released meanwhile: Release may have missed the monitor
                return false;
            }
            return true;
        }
    }

    /// <summary>
    /// The MSS TCP SYNs through the call are clamped to: <c>sysopt connection tcpmss N</c> when configured (0: off), else
    /// what the tunnel's MTU holds — the smallest of the group's <c>ppp mtu</c>, the client's MRU and ours (RFC 1661 §6.1),
    /// less 40 (IPv4 and TCP headers).
    /// </summary>
    internal static ushort TcpMssFor(GatewayConfig config, VpdnGroupConfig group, PppLinkResult result)
    {
        if (config.TcpMss is { } configured)
            return (ushort)configured;
        int mtu = Math.Min(group.Mtu ?? int.MaxValue, result.PeerMru);
        if (result.LocalMru != 0)
            mtu = Math.Min(mtu, result.LocalMru);
        // MPPE puts its header and the encrypted protocol field into the information field the MRU bounds (RFC 3078 §3):
        // 4 octets less for the datagram, as pppd and accel-ppp lower the interface MTU (MPPE_PAD).
        if (result.Mppe is not null)
            mtu -= Worker.MppePad;
        return TcpMssClamp.ForMtu(mtu);
    }

    /// <summary>
    /// The largest information field we may send the client (RFC 1661 §6.1): its MRU, bounded by the group's <c>ppp
    /// mtu</c>. The dataplane answers a larger DF datagram with ICMP "fragmentation needed" (RFC 1191).
    /// </summary>
    internal static ushort TunnelMtuFor(VpdnGroupConfig group, PppLinkResult result) =>
        (ushort)Math.Clamp(Math.Min(group.Mtu ?? int.MaxValue, result.PeerMru), 0, ushort.MaxValue);

    /// <summary>LCP, IPCP or CCP renegotiates on a live call (RFC 1661 §4.1): the dataplane stops its data until <see cref="OnNetworkUp"/>.</summary>
    public void OnNetworkDown(GatewayCall call, PppRenegotiation renegotiation)
    {
        table.DataplaneOrNull?.SetNetworkDown(call.Handle);
        if (_log.IsEnabled(DebugClasses.PppNegotiation))
            _log.Debug(DebugClasses.PppNegotiation, $"PPP virtual interface {call.VirtualInterface}: {renegotiation} renegotiation: data held");
    }

    /// <summary>
    /// The renegotiation is over: framing, address and MPPE installed again (the coherency count restarts, RFC 3078 §7);
    /// the call's 603104, accounting start and routes are those of its first link-up.
    /// </summary>
    public void OnNetworkUp(GatewayCall call, PppLinkResult result)
    {
        if (!InstallNetwork(call, result, out _))
            return;
        if (_log.IsEnabled(DebugClasses.PppNegotiation))
            _log.Debug(DebugClasses.PppNegotiation, $"PPP virtual interface {call.VirtualInterface}: renegotiated, data flows again");
    }

    /// <summary>The dataplane's half of a link-up: address and framing, then MPPE keys; false (and the session closed) when it refuses.</summary>
    private bool InstallNetwork(GatewayCall call, PppLinkResult result, out MppeKeyStrength? strength)
    {
        IDataplaneControl dataplane = table.Dataplane;
        VpdnGroupConfig group = call.Group ?? table.Group;
        bool required = group.Mppe is { Required: true };
        if (!dataplane.SetNetwork(call.Handle, result.PeerAddress, result.TransmitAddressControlFieldCompression,
                result.TransmitProtocolFieldCompression, required, TcpMssFor(table.Config, group, result), TunnelMtuFor(group, result)))
        {
            lifecycle.DebugError(call.TunnelId, $"call {call.CallId}: the dataplane refused the tunnel address {Ipv4.Format(result.PeerAddress)}");
            call.SetEndReason(CallEndReason.GatewayError);
            call.Session?.Close(PppDownCause.LocalClose, "dataplane refused the session's address");
            strength = null;
            return false;
        }
        strength = null;
        if (result.Mppe is { } keys)
        {
            if (!dataplane.SetMppe(call.Handle, new MppeParameters(keys.Strength, keys.Stateless, keys.SendStartKey, keys.ReceiveStartKey)))
            {
                lifecycle.DebugError(call.TunnelId, $"call {call.CallId}: the dataplane refused the MPPE keys");
                call.SetEndReason(CallEndReason.GatewayError);
                call.Session?.Close(PppDownCause.LocalClose, "dataplane refused MPPE");
                return false;
            }
            strength = keys.Strength;
        }
        call.UserName = result.UserName;
        call.AaaServer = result.AaaServer;
        call.Mppe = new MppeStatus(strength, result.Mppe?.Stateless ?? false);
        return true;
    }

    public void OnLinkDown(GatewayCall call, PppLinkDown down)
    {
        // The PIX messages of a session ending (reference guide, 603xxx/403xxx): one place, from the typed cause.
        switch (down.Cause)
        {
            case PppDownCause.MppeRequiresMsChap:
                _log.PppRequiresMschapForMppe(call.VirtualInterface);
                break;
            case PppDownCause.MppeNoCommonStrength or PppDownCause.MppeNotNegotiated:
                _log.MppeRequiredButNotActive(call.VirtualInterface, call.CallId, PppProtocol.Ipv4);
                break;
            case PppDownCause.AddressPoolExhausted or PppDownCause.NoAddressPool:
                _log.PppClientIpAllocationFailed(call.VirtualInterface);
                break;
        }
        if (_log.IsEnabled(DebugClasses.PppNegotiation))
            _log.Debug(DebugClasses.PppNegotiation, $"PPP virtual interface {call.VirtualInterface}: link down: {down.Detail}");
        lifecycle.OnPppEnded(call, down);
    }

    public void OnCcpResetRequested(GatewayCall call) => table.DataplaneOrNull?.OnPeerResetRequest(call.Handle);

    /// <summary>Whether "debug ppp negotiation" is on (PPP builds its per-event lines only then).</summary>
    public bool IsPppLogEnabled => _log.IsEnabled(DebugClasses.PppNegotiation);

    public void OnPppLog(GatewayCall call, string message)
    {
        if (_log.IsEnabled(DebugClasses.PppNegotiation))
            _log.Debug(DebugClasses.PppNegotiation, $"PPP virtual interface {call.VirtualInterface}: {message}");
    }
}
