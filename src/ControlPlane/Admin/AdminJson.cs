using System.Text.Json.Nodes;
using PptpGw.ControlPlane.Aaa.Accounting;
using PptpGw.ControlPlane.Logging;

namespace PptpGw.ControlPlane.Admin;

/// <summary>
/// The JSON of <c>show … --json</c>: one object per answer, field names in snake_case, numbers as numbers, addresses as
/// text. Built as a <see cref="JsonNode"/> tree (no reflection: the gateway is published trimmed).
/// </summary>
public static class AdminJson
{
    /// <summary><c>show vpdn [tunnel|session] --json</c>.</summary>
    public static JsonObject Vpdn(VpdnSnapshot snapshot, VpdnView view)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var tunnels = new JsonArray();
        var sessions = new JsonArray();
        foreach (TunnelSnapshot t in snapshot.Tunnels)
        {
            var tunnel = new JsonObject
            {
                ["tunnel_id"] = t.TunnelId,
                ["state"] = t.State,
                ["seconds_in_state"] = t.SecondsSinceStateChange,
                ["remote"] = t.RemoteEndPoint.ToString(),
                ["local"] = t.LocalEndPoint.ToString(),
                ["packets_sent"] = t.PacketsSent,
                ["packets_received"] = t.PacketsReceived,
                ["bytes_sent"] = t.BytesSent,
                ["bytes_received"] = t.BytesReceived,
                ["uptime_seconds"] = (long)t.Uptime.TotalSeconds,
                ["sessions"] = t.Sessions.Count,
            };
            tunnels.Add(tunnel);
            foreach (SessionSnapshot s in t.Sessions)
                sessions.Add(Session(s));
        }
        var result = new JsonObject { ["total_tunnels"] = snapshot.Tunnels.Count, ["total_sessions"] = snapshot.SessionCount };
        if (view != VpdnView.Session)
            result["tunnels"] = tunnels;
        if (view != VpdnView.Tunnel)
            result["sessions"] = sessions;
        return result;
    }

    /// <summary>One session, every field.</summary>
    public static JsonObject Session(SessionSnapshot s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return new JsonObject
        {
            ["id"] = s.PppInterfaceId,
            ["tunnel_id"] = s.TunnelId,
            ["call_id"] = s.CallId,
            ["peer_call_id"] = s.PeerCallId,
            ["state"] = s.State,
            ["username"] = s.UserName,
            ["client_address"] = s.ClientAddress?.ToString(),
            ["remote_address"] = s.RemoteAddress.ToString(),
            ["interface"] = s.InterfaceName,
            ["mppe"] = s.Mppe.KeyStrength is null ? null : s.Mppe.ToString(),
            ["aaa_server"] = s.AaaServer,
            ["uptime_seconds"] = (long)s.Uptime.TotalSeconds,
            ["packets_sent"] = s.PacketsSent,
            ["packets_received"] = s.PacketsReceived,
            ["bytes_sent"] = s.BytesSent,
            ["bytes_received"] = s.BytesReceived,
            ["out_of_order"] = s.OutOfOrderPackets,
            ["dropped"] = s.DroppedPackets,
        };
    }

    /// <summary><c>show vpdn session brief --json</c>: the chosen columns of each row.</summary>
    public static JsonObject Brief(IReadOnlyList<SessionSnapshot> rows, IReadOnlyList<SessionBriefColumn> columns)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(columns);
        var array = new JsonArray();
        foreach (SessionSnapshot row in rows)
        {
            var o = new JsonObject();
            foreach (SessionBriefColumn c in columns)
                o[c.Name] = c.Numeric && c.Key(row) is long n ? JsonValue.Create(n) : JsonValue.Create(c.Text(row));
            array.Add(o);
        }
        return new JsonObject { ["sessions"] = array, ["count"] = rows.Count };
    }

    /// <summary><c>show vpdn group --json</c>.</summary>
    public static JsonObject Groups(IReadOnlyList<VpdnGroupView> groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        var array = new JsonArray();
        foreach (VpdnGroupView g in groups)
        {
            array.Add(new JsonObject
            {
                ["name"] = g.Name,
                ["accept_dialin_pptp"] = g.AcceptsPptp,
                ["authentication"] = Strings(g.Authentication),
                ["authentication_source"] = g.AuthenticationSource,
                ["encryption"] = g.Encryption,
                ["pool"] = g.Pool,
                ["pool_size"] = g.PoolSize,
                ["pool_used"] = g.PoolUsed,
                ["dns"] = Strings(g.DnsServers),
                ["wins"] = Strings(g.WinsServers),
                ["echo_interval_seconds"] = g.EchoIntervalSeconds,
                ["sessions"] = g.Sessions,
            });
        }
        return new JsonObject { ["groups"] = array };
    }

    /// <summary><c>show dataplane --json</c>.</summary>
    public static JsonObject Dataplane(DataplaneView? dataplane)
    {
        if (dataplane is null)
            return new JsonObject { ["backend"] = null, ["workers"] = new JsonArray() };
        var workers = new JsonArray();
        foreach (DataplaneWorkerView w in dataplane.Workers)
        {
            workers.Add(new JsonObject
            {
                ["worker"] = w.Index,
                ["outside"] = w.Outside,
                ["inside"] = w.Inside,
                ["packets"] = Counts(w.Packets),
                ["drops"] = Counts(w.Drops),
                ["mppe_reset_requests"] = w.ResetRequests,
                ["mppe_key_changes"] = w.MppeKeyChanges,
                ["sessions_holding_packets"] = w.HoldingPackets,
                ["sessions_owing_acknowledgments"] = w.OwingAcknowledgments,
                ["loop"] = new JsonObject { ["turns"] = w.LoopTurns, ["busy_turns"] = w.BusyTurns },
                ["rings"] = new JsonObject
                {
                    ["command"] = new JsonObject { ["used"] = w.CommandRing.Used, ["capacity"] = w.CommandRing.Capacity },
                    ["control"] = new JsonObject { ["used"] = w.ControlRing.Used, ["capacity"] = w.ControlRing.Capacity },
                },
            });
        }
        var ports = new JsonArray();
        foreach (DataplanePortView p in dataplane.Ports)
        {
            ports.Add(new JsonObject
            {
                ["name"] = p.Name,
                ["role"] = p.Role,
                ["mac"] = p.Mac,
                ["device"] = Counts(p.Device),
                ["ethernet"] = Counts(p.Link),
            });
        }
        return new JsonObject { ["backend"] = dataplane.Backend, ["session_capacity"] = dataplane.SessionCapacity, ["ports"] = ports, ["workers"] = workers };
    }

    /// <summary><c>show aaa-server --json</c>.</summary>
    public static JsonObject AaaServers(IReadOnlyList<AaaServerView> servers, AccountingQueueSnapshot? accounting = null)
    {
        ArgumentNullException.ThrowIfNull(servers);
        var array = new JsonArray();
        foreach (AaaServerView s in servers)
        {
            array.Add(new JsonObject
            {
                ["server"] = s.Server,
                ["state"] = s.State,
                ["requests"] = s.Requests,
                ["accepts"] = s.Accepts,
                ["rejects"] = s.Rejects,
                ["timeouts"] = s.Timeouts,
                ["errors"] = s.Errors,
                ["rtt_p50_ms"] = s.P50Milliseconds,
                ["rtt_p90_ms"] = s.P90Milliseconds,
                ["rtt_p99_ms"] = s.P99Milliseconds,
            });
        }
        var json = new JsonObject { ["servers"] = array };
        if (accounting is { } q)
        {
            var queueServers = new JsonArray();
            foreach (AccountingServerSnapshot s in q.Servers)
            {
                queueServers.Add(new JsonObject
                {
                    ["server"] = s.Name,
                    ["dead"] = s.Dead,
                    ["preferred"] = s.Preferred,
                    ["in_flight"] = s.InFlight,
                    ["waiting"] = s.QueueDepth,
                    ["oldest_seconds"] = s.OldestAge?.TotalSeconds,
                    ["delivered"] = s.Delivered,
                    ["retransmissions"] = s.Retried,
                    ["late_answers"] = s.LateAnswers,
                });
            }
            json["accounting"] = new JsonObject
            {
                ["group"] = q.Group,
                ["waiting"] = q.QueueDepth,
                ["oldest_seconds"] = q.OldestAge?.TotalSeconds,
                ["spool"] = q.SpoolPath,
                ["spooled"] = q.Spooled,
                ["spool_octets"] = q.SpoolBytes,
                ["delivered"] = q.Delivered,
                ["retransmissions"] = q.Retried,
                ["replayed"] = q.Replayed,
                ["dropped_interim"] = q.DroppedInterim,
                ["dropped_start"] = q.DroppedStart,
                ["dropped_stop"] = q.DroppedStop,
                ["superseded"] = q.Superseded,
                ["expired"] = q.Expired,
                ["ignored_replies"] = new JsonObject
                {
                    ["bad_authenticator"] = q.IgnoredReplies.BadAuthenticator,
                    ["unknown_identifier"] = q.IgnoredReplies.UnknownIdentifier,
                    ["wrong_source"] = q.IgnoredReplies.WrongSource,
                    ["unexpected_code"] = q.IgnoredReplies.UnexpectedCode,
                    ["malformed"] = q.IgnoredReplies.Malformed,
                },
                ["servers"] = queueServers,
            };
        }
        return json;
    }

    /// <summary><c>show debug --json</c>.</summary>
    public static JsonObject Debug(DebugClasses enabled)
    {
        var array = new JsonArray();
        foreach ((DebugClasses c, string group, string name) in DebugClassNames.All)
        {
            if ((enabled & c) != 0)
                array.Add(group + " " + name);
        }
        return new JsonObject { ["debug"] = array };
    }

    /// <summary>The text of a JSON answer: indented, one trailing newline.</summary>
    public static string Text(JsonNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return node.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    private static JsonArray Strings(IEnumerable<string> values) => [.. values.Select(v => (JsonNode?)JsonValue.Create(v))];

    private static JsonObject Counts(IEnumerable<KeyValuePair<string, ulong>> counts)
    {
        var o = new JsonObject();
        foreach ((string name, ulong value) in counts)
            o[name] = value;
        return o;
    }
}
