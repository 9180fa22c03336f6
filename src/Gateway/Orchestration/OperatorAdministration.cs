using System.Globalization;
using PptpGw.ControlPlane.Aaa.Accounting;
using PptpGw.ControlPlane.Admin;
using PptpGw.ControlPlane.Calls;
using PptpGw.ControlPlane.Config;
using PptpGw.ControlPlane.Ppp.Session;
using PptpGw.ControlPlane.Pptp.Connection;
using PptpGw.ControlPlane.Pools;
using PptpGw.Dataplane.Ports;
using PptpGw.Dataplane.Ports.Dpdk;
using PptpGw.Dataplane.Workers;
using PptpGw.Gateway.Metrics;

namespace PptpGw.Gateway.Orchestration;

/// <summary>
/// The operator views and per-session clears (<see cref="IOperatorViews"/>) over the live calls: <c>show vpdn
/// group</c>, <c>show dataplane</c>, <c>show aaa-server</c>, <c>clear vpdn username|session</c>. The session views
/// read <see cref="VpdnAdministration"/>'s snapshot; this type adds what the PIX has no word for.
/// </summary>
internal sealed class OperatorAdministration(CallTable table, IAdminHandler vpdn, AaaServerStatistics aaaServers) : IOperatorViews
{
    /// <summary>How long a soft clear waits for PPP to end by itself (Terminate-Ack, RFC 1661 §5.5) before clearing the call.</summary>
    public TimeSpan SoftClearWait { get; init; } = TimeSpan.FromSeconds(3);

    /// <inheritdoc/>
    public IReadOnlyList<VpdnGroupView> GetGroups()
    {
        int sessions = table.LiveCalls;
        var views = new List<VpdnGroupView>();
        foreach (VpdnGroupConfig g in table.Config.VpdnGroups)
        {
            bool served = ReferenceEquals(g, table.Group) || g.Name == table.Group.Name;
            var pool = served ? table.Options.Pool : null;
            views.Add(new VpdnGroupView(
                g.Name,
                g.AcceptDialinPptp,
                [.. g.AuthenticationMethods.Select(m => m.ToString().ToLowerInvariant().Replace("v1", "", StringComparison.Ordinal))],
                g.AuthenticationSource == ClientAuthenticationSource.Local ? "local" : "aaa " + (g.AuthenticationServerGroup ?? "-"),
                g.Mppe is { } mppe
                    ? $"mppe {(mppe.Strength == MppeStrengthSetting.Auto ? "auto" : mppe.Strength.ToString()[4..])}{(mppe.Required ? " required" : "")}"
                    : "none",
                g.AddressPool,
                pool?.Capacity ?? 0,
                pool?.UsedCount ?? 0,
                [.. g.DnsServers.Select(a => a.ToString())],
                [.. g.WinsServers.Select(a => a.ToString())],
                g.EchoIntervalSeconds,
                served ? sessions : 0));
        }
        return views;
    }

    /// <inheritdoc/>
    public DataplaneView? GetDataplane()
    {
        if (table.DataplaneOrNull is not DataplaneHost host)
            return null;
        var workers = new List<DataplaneWorkerView>(host.Workers.Count);
        foreach (Worker w in host.Workers)
        {
            WorkerTraffic t = w.Traffic;
            KeyValuePair<string, ulong>[] packets =
            [
                new("outside_in", t.OutsideReceived), new("inside_out", t.InsideDelivered), new("inside_in", t.InsideReceived),
                new("outside_out", t.OutsideSent), new("control_up", t.ControlFramesUp), new("control_down", t.ControlFramesDown),
            ];
            var drops = new KeyValuePair<string, ulong>[DataplaneCounters.ReasonCount - 1];
            for (int r = 1; r < DataplaneCounters.ReasonCount; r++)
                drops[r - 1] = new(GatewayMetrics.DropReasonName((DataplaneDropReason)r), w.GetDrops((DataplaneDropReason)r));
            (int holding, int owing) = w.PendingTimers;
            DataplanePortPair ports = w.Ports;
            string outside = PortName(ports.Outside) + (ports.LocalAddress != 0 ? " " + Ipv4.Format(ports.LocalAddress) : "");
            string inside = PortName(ports.Inside) + (ports.InsideDeviceName is { } dev ? " " + dev : "");
            WorkerLoopStatistics loop = w.Loop;
            workers.Add(new DataplaneWorkerView(w.Index, outside, inside, packets, drops, t.ResetRequestsSignalled, w.MppeKeyChanges, holding, owing)
            {
                LoopTurns = loop.Turns,
                BusyTurns = loop.BusyTurns,
                CommandRing = (loop.CommandRing, loop.CommandRingCapacity),
                ControlRing = (loop.ControlRing, loop.ControlRingCapacity),
            });
        }
        return new DataplaneView(table.Config.Gateway.Dataplane.ToString().ToLowerInvariant(), host.Options.SessionCapacity, workers)
        {
            Ports = host.Workers.Count > 0 && host.Workers[0].Ports.Owner is DpdkPortSet dpdk ? DpdkPorts(dpdk) : [],
        };
    }

    /// <summary>The DPDK devices' counters (rte_eth_stats) and the Ethernet layer's on each (ARP, exception path, drops by reason).</summary>
    private static DataplanePortView[] DpdkPorts(DpdkPortSet set)
    {
        IReadOnlyList<DpdkPortStatistics> stats = set.GetStatistics();
        var views = new DataplanePortView[stats.Count];
        for (int i = 0; i < stats.Count; i++)
        {
            DpdkPortStatistics p = stats[i];
            DpdkDeviceStats s = p.Stats;
            KeyValuePair<string, ulong>[] device =
            [
                new("rx_packets", s.PacketsIn), new("rx_bytes", s.BytesIn), new("tx_packets", s.PacketsOut), new("tx_bytes", s.BytesOut),
                new("imissed", s.Missed), new("rx_errors", s.ErrorsIn), new("tx_errors", s.ErrorsOut), new("rx_nombuf", s.NoMbuf),
                new("tx_queue_full", (ulong)p.TransmitQueueFull),
            ];
            KeyValuePair<string, ulong>[] link = p.Link is not { } e ? [] :
            [
                new("frames_in", (ulong)e.FramesReceived), new("to_worker", (ulong)e.ToWorker), new("frames_out", (ulong)e.FramesSent),
                new("to_kernel", (ulong)e.ToKernel), new("from_kernel", (ulong)e.FromKernel),
                new("arp_answered", (ulong)e.ArpRequestsAnswered), new("arp_requests", (ulong)e.ArpRequestsSent), new("arp_learned", (ulong)e.ArpLearned),
                new("waited_for_neighbour", (ulong)e.WaitedForNeighbour),
                new("drop_malformed", (ulong)e.DroppedMalformed), new("drop_not_for_us", (ulong)e.DroppedNotForUs),
                new("drop_unhandled", (ulong)e.DroppedUnhandled), new("drop_no_route", (ulong)e.DroppedNoRoute), new("drop_transmit", (ulong)e.DroppedTransmit),
                new("drop_replaced_while_resolving", (ulong)p.NeighbourHeldDropped),
            ];
            if (p.Steering is { } h && set.Workers > 1)
            {
                // Several workers: worker 0 steers to the session's worker over rte_rings and sends what they hand back.
                link = [.. link, new("steered", (ulong)Volatile.Read(ref h.Steered)), new("drop_steer_ring_full", (ulong)Volatile.Read(ref h.SteerRingFull)),
                    new("handed_back", (ulong)Volatile.Read(ref h.HandedBack)), new("drop_hand_back_ring_full", (ulong)Volatile.Read(ref h.HandBackDropped))];
            }
            views[i] = new DataplanePortView(p.Device.Name, p.Role, p.Device.Mac.ToString(), device, link);
        }
        return views;
    }

    /// <summary>What a port is, for the operator ("raw GRE socket", "TUN", "memory", "DPDK").</summary>
    private static string PortName(IPacketPort port) => port switch
    {
        RawGreSocket => "raw GRE socket",
        TunDevice => "TUN",
        MemoryPort => "memory",
        _ => port.GetType().Name.StartsWith("Dpdk", StringComparison.Ordinal) ? "DPDK" : port.GetType().Name,
    };

    /// <inheritdoc/>
    public IReadOnlyList<AaaServerView> GetAaaServers() => aaaServers.Snapshot();

    /// <inheritdoc/>
    public AccountingQueueSnapshot? GetAccounting() => table.Options.Aaa?.AccountingSnapshot();

    /// <inheritdoc/>
    public async ValueTask<SessionClearResult> ClearSessionsAsync(SessionSelector selector, bool soft, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(selector);
        SessionSnapshot[] picked = [.. vpdn.GetSnapshot().Tunnels.SelectMany(t => t.Sessions).Where(selector.Matches)];
        var clearing = new Task<bool>[picked.Length];
        for (int i = 0; i < picked.Length; i++)
        {
            clearing[i] = table.TryGet(picked[i].TunnelId, picked[i].CallId, out GatewayCall? call) && call is not null
                ? ClearAsync(call, soft, cancellationToken)
                : Task.FromResult(true); // gone between the snapshot and now
        }
        bool[] closed = await Task.WhenAll(clearing).ConfigureAwait(false);
        return new SessionClearResult(picked, closed, soft);
    }

    /// <summary>
    /// Soft: LCP Terminate-Request (the client sees an orderly end, RFC 1661 §5.5); PPP's end clears the PPTP call
    /// (<see cref="CallLifecycle.OnPppEnded"/>). If the call is still there after <see cref="SoftClearWait"/>, or at
    /// once when hard: Call-Disconnect-Notify (RFC 2637 §2.13). True when the call is gone within the admin wait.
    /// </summary>
    private async Task<bool> ClearAsync(GatewayCall call, bool soft, CancellationToken cancellationToken)
    {
        call.SetEndReason(CallEndReason.AdminClear);
        if (soft && call.Session is { } session)
        {
            session.Close(PppDownCause.LocalClose, "clear vpdn (admin)");
            if (await GoneAsync(call, SoftClearWait, cancellationToken).ConfigureAwait(false))
                return true;
        }
        if (call.Established is { } established && !call.IsCleared)
            _ = await established.Connection.ClearCallAsync(call.CallId, PptpCallClearReason.AdminClear).ConfigureAwait(false);
        return await GoneAsync(call, table.Options.AdminClearWait, cancellationToken).ConfigureAwait(false);
    }

    private async Task<bool> GoneAsync(GatewayCall call, TimeSpan wait, CancellationToken cancellationToken)
    {
        long start = table.Time.GetTimestamp();
        while (table.TryGet(call.TunnelId, call.CallId, out GatewayCall? current) && ReferenceEquals(current, call))
        {
            if (table.Time.GetElapsedTime(start) >= wait)
                return false;
            await Task.Delay(TimeSpan.FromMilliseconds(20), table.Time, cancellationToken).ConfigureAwait(false);
        }
        return true;
    }
}
