using System.Net;
using PptpGw.ControlPlane.Admin;
using PptpGw.ControlPlane.Calls;
using PptpGw.ControlPlane.Pools;
using PptpGw.ControlPlane.Ppp.Auth;
using PptpGw.ControlPlane.Ppp.Session;
using PptpGw.ControlPlane.Pptp.Connection;
using PptpGw.Dataplane.Control;
using PptpGw.Dataplane.Packets;
using PptpGw.Dataplane.Sessions;
using PptpGw.Gateway.Aaa;

namespace PptpGw.Gateway.Orchestration;

/// <summary>
/// The vpdn administration over the listener's tunnels and the live calls: <c>show vpdn</c> snapshots, <c>clear vpdn
/// tunnel</c>, and the RFC 5176 directory of calls with AAA state.
/// </summary>
internal sealed class VpdnAdministration(CallTable table, PptpEventLog events) : IAdminHandler, IAaaSessionDirectory
{
    private readonly TimeProvider _time = table.Time;

    /// <inheritdoc/>
    public IEnumerable<AaaCall> AaaCalls => table.All.Select(c => c.Aaa).OfType<AaaCall>();

    /// <inheritdoc/>
    public VpdnSnapshot GetSnapshot()
    {
        if (table.Listener is not { } listener)
            return VpdnSnapshot.Empty;
        long now = _time.GetTimestamp();
        var tunnels = new List<TunnelSnapshot>();
        foreach (PptpTunnelSnapshot t in listener.GetSnapshots())
        {
            var sessions = new List<SessionSnapshot>(t.Calls.Count);
            foreach (PptpCallSnapshot c in t.Calls)
                sessions.Add(SnapshotOf(t, c, now));
            tunnels.Add(new TunnelSnapshot
            {
                TunnelId = (ushort)t.TunnelId,
                RemoteTunnelId = (ushort)t.RemoteId,
                State = t.StateName,
                SecondsSinceStateChange = (long)t.TimeSinceStateChange.TotalSeconds,
                RemoteEndPoint = t.Remote,
                LocalEndPoint = t.Local,
                PacketsSent = (ulong)Math.Max(0, t.PacketsSent),
                PacketsReceived = (ulong)Math.Max(0, t.PacketsReceived),
                BytesSent = (ulong)Math.Max(0, t.BytesSent),
                BytesReceived = (ulong)Math.Max(0, t.BytesReceived),
                Uptime = events.TryGetCreated(t.TunnelId, out long created) ? _time.GetElapsedTime(created, now) : TimeSpan.Zero,
                Sessions = sessions,
            });
        }
        return new VpdnSnapshot(tunnels);
    }

    private SessionSnapshot SnapshotOf(PptpTunnelSnapshot tunnel, PptpCallSnapshot pptpCall, long now)
    {
        IPAddress remote = tunnel.Remote.Address.IsIPv4MappedToIPv6 ? tunnel.Remote.Address.MapToIPv4() : tunnel.Remote.Address;
        var snapshot = new SessionSnapshot
        {
            CallId = pptpCall.CallId,
            PeerCallId = pptpCall.PeerCallId,
            TunnelId = (ushort)tunnel.TunnelId,
            State = pptpCall.StateName,
            SecondsSinceStateChange = (long)pptpCall.TimeSinceStateChange.TotalSeconds,
            RemoteAddress = remote,
            InterfaceName = table.Options.InterfaceName,
            PeerReceiveWindow = pptpCall.PeerReceiveWindowSize,
        };
        if (!table.TryGet(tunnel.TunnelId, pptpCall.CallId, out GatewayCall? call) || call is null)
            return snapshot;
        PppSessionSnapshot? ppp = call.Session?.GetSnapshot();
        snapshot = snapshot with
        {
            PppInterfaceId = call.VirtualInterface,
            UserName = ppp?.UserName ?? call.UserName,
            ClientAddress = ppp is { IsLinkUp: true, PeerAddress: not 0 } ? Ipv4.ToIPAddress(ppp.PeerAddress) : null,
            Mppe = ppp?.MppeStrength is { } s ? new MppeStatus(s, ppp.MppeStateless ?? false) : call.Mppe,
            AaaServer = call.AaaServer is null ? null
                : call.AaaServer == LocalPppAuthenticator.LocalServerName ? "local" : call.AaaServer,
            Uptime = _time.GetElapsedTime(call.CreatedTimestamp, now),
        };
        if (table.DataplaneOrNull is { } dataplane && dataplane.TryGetCounters(call.Handle, out SessionCounters counters))
        {
            snapshot = snapshot with
            {
                PacketsSent = counters.PacketsOut,
                BytesSent = counters.BytesOut,
                PacketsReceived = counters.PacketsIn,
                BytesReceived = counters.BytesIn,
                // The counters hold the next number to send; "Seq" is the last one sent (RFC 2637 §4.1).
                SequenceSent = counters.NextSequenceToSend == 0 ? 0 : counters.NextSequenceToSend - 1,
                AcknowledgmentSent = counters.LastAcknowledgmentSent,
                SequenceReceived = counters.LastSequenceReceived,
                AcknowledgmentReceived = counters.LastAcknowledgmentReceived,
                PeerReceiveWindow = counters.PeerReceiveWindow != 0 ? counters.PeerReceiveWindow : pptpCall.PeerReceiveWindowSize,
                OutOfOrderPackets = counters.OutOfOrder,
                DroppedPackets = counters.Dropped,
            };
        }
        return snapshot;
    }

    /// <inheritdoc/>
    public async ValueTask<VpdnClearResult?> ClearTunnelAsync(ushort tunnelId, CancellationToken cancellationToken)
    {
        if (table.Listener is not { } listener || !listener.TryGetConnection(tunnelId, out PptpControlConnection? connection))
            return null;
        ClearedTunnel cleared = await ClearAsync(listener, connection.GetSnapshot(), cancellationToken).ConfigureAwait(false);
        return new VpdnClearResult([cleared]);
    }

    /// <inheritdoc/>
    public async ValueTask<VpdnClearResult> ClearAllTunnelsAsync(CancellationToken cancellationToken)
    {
        if (table.Listener is not { } listener)
            return VpdnClearResult.None;
        IReadOnlyList<PptpTunnelSnapshot> tunnels = listener.GetSnapshots();
        ClearedTunnel[] cleared = await Task.WhenAll(tunnels.Select(t => ClearAsync(listener, t, cancellationToken))).ConfigureAwait(false);
        return new VpdnClearResult(cleared);
    }

    /// <summary>
    /// Stops one tunnel (StopCCRQ; its calls end with it, RFC 2637 §2.3) and waits at most
    /// <see cref="CallOrchestratorOptions.AdminClearWait"/> for it to close: either way it exists no longer for the
    /// operator's next "show vpdn". Nothing blocks a thread meanwhile.
    /// </summary>
    private async Task<ClearedTunnel> ClearAsync(PptpListener listener, PptpTunnelSnapshot tunnel, CancellationToken cancellationToken)
    {
        foreach (GatewayCall call in table.All.Where(c => c.TunnelId == tunnel.TunnelId))
            call.SetEndReason(CallEndReason.AdminClear);
        Task clearing = listener.ClearTunnelAsync(tunnel.TunnelId).AsTask();
        bool closed = true;
        try
        {
            await clearing.WaitAsync(table.Options.AdminClearWait, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            closed = false;
        }
        IPAddress remote = tunnel.Remote.Address.IsIPv4MappedToIPv6 ? tunnel.Remote.Address.MapToIPv4() : tunnel.Remote.Address;
        return new ClearedTunnel((ushort)tunnel.TunnelId, remote, tunnel.Calls.Count, closed);
    }

    /// <inheritdoc/>
    public string GetVersion() => table.Options.Version;
}
