using System.Globalization;
using System.Text;
using PptpGw.ControlPlane.Aaa.Accounting;

namespace PptpGw.ControlPlane.Admin;

/// <summary>The text of the operator views (<see cref="OperatorCommandKind"/>): one table or block per view.</summary>
public static class OperatorRenderer
{
    /// <summary>
    /// <c>show vpdn session brief</c>: a header, one aligned line per session, and the count (accel-cmd's <c>show
    /// sessions</c> layout with '|' between columns).
    /// </summary>
    public static string Brief(IReadOnlyList<SessionSnapshot> rows, IReadOnlyList<SessionBriefColumn> columns)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(columns);
        var cells = new string[rows.Count + 1][];
        cells[0] = [.. columns.Select(c => c.Name)];
        for (int r = 0; r < rows.Count; r++)
            cells[r + 1] = [.. columns.Select(c => c.Text(rows[r]))];
        int[] widths = [.. Enumerable.Range(0, columns.Count).Select(i => cells.Max(row => row[i].Length))];
        var text = new StringBuilder();
        for (int r = 0; r < cells.Length; r++)
        {
            for (int i = 0; i < columns.Count; i++)
            {
                if (i > 0)
                    text.Append(" | ");
                // Numbers right-aligned, text left-aligned (the last column unpadded).
                string cell = cells[r][i];
                if (columns[i].Numeric && r > 0)
                    text.Append(cell.PadLeft(widths[i]));
                else
                    text.Append(i == columns.Count - 1 ? cell : cell.PadRight(widths[i]));
            }
            text.Append('\n');
            if (r == 0)
                text.Append(string.Join("-+-", widths.Select(w => new string('-', w)))).Append('\n');
        }
        text.Append(CultureInfo.InvariantCulture, $"{rows.Count} session{(rows.Count == 1 ? "" : "s")}\n");
        return text.ToString();
    }

    /// <summary><c>show vpdn username [NAME]</c>: per user, each session on one line.</summary>
    public static string Users(IReadOnlyList<SessionSnapshot> sessions, string? name)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        if (sessions.Count == 0)
            return name is null ? "% No active PPTP sessions\n" : $"% No session for username {name}\n";
        var text = new StringBuilder();
        foreach (IGrouping<string, SessionSnapshot> user in sessions.GroupBy(s => s.UserName ?? "(not authenticated)").OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $"Username {user.Key}, {user.Count()} session{(user.Count() == 1 ? "" : "s")}\n");
            foreach (SessionSnapshot s in user.OrderBy(s => s.PppInterfaceId))
            {
                text.Append(CultureInfo.InvariantCulture,
                    $"  PPP virtual interface id {s.PppInterfaceId}, client {s.ClientAddress?.ToString() ?? "-"}, remote {s.RemoteAddress}, ");
                text.Append(CultureInfo.InvariantCulture,
                    $"tunnel {s.TunnelId} call {s.CallId}, {s.State}, MPPE {s.Mppe}, up {SessionBriefColumns.FormatUptime(s.Uptime)}, ");
                text.Append(CultureInfo.InvariantCulture, $"authenticated by {s.AaaServer ?? "-"}\n");
            }
        }
        return text.ToString();
    }

    /// <summary><c>show vpdn pppinterface [id N]</c>: the PIX's block per PPP virtual interface.</summary>
    public static string PppInterfaces(IReadOnlyList<SessionSnapshot> sessions, int? id)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        if (sessions.Count == 0)
            return id is { } n ? string.Create(CultureInfo.InvariantCulture, $"% No PPP virtual interface with id {n}\n") : "% No active PPP virtual interfaces\n";
        var text = new StringBuilder();
        foreach (SessionSnapshot s in sessions.OrderBy(s => s.PppInterfaceId))
        {
            text.Append(CultureInfo.InvariantCulture, $"PPP virtual interface id = {s.PppInterfaceId}\n");
            text.Append(CultureInfo.InvariantCulture, $"PPP authentication by {s.AaaServer ?? "-"}, username {s.UserName ?? "-"}\n");
            text.Append(CultureInfo.InvariantCulture, $"Client ip address is {s.ClientAddress?.ToString() ?? "-"}, tunnel {s.TunnelId}, call {s.CallId}\n");
            text.Append(CultureInfo.InvariantCulture,
                $"Transmitted Pkts: {s.PacketsSent}, Received Pkts: {s.PacketsReceived}, Error Pkts: {s.DroppedPackets}\n");
            text.Append(CultureInfo.InvariantCulture, $"MPPE key strength is {s.Mppe}\n\n");
        }
        return text.ToString();
    }

    /// <summary><c>show vpdn group</c>.</summary>
    public static string Groups(IReadOnlyList<VpdnGroupView> groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        if (groups.Count == 0)
            return "% No vpdn group\n";
        var text = new StringBuilder();
        foreach (VpdnGroupView g in groups)
        {
            text.Append(CultureInfo.InvariantCulture, $"vpdn group {g.Name}{(g.AcceptsPptp ? ", accept dialin pptp" : "")}\n");
            text.Append(CultureInfo.InvariantCulture, $"  ppp authentication {string.Join(' ', g.Authentication)}; client authentication {g.AuthenticationSource}\n");
            text.Append(CultureInfo.InvariantCulture, $"  ppp encryption {g.Encryption}\n");
            text.Append(g.Pool is null
                ? "  no address pool\n"
                : string.Create(CultureInfo.InvariantCulture, $"  address pool {g.Pool}: {g.PoolUsed} of {g.PoolSize} in use\n"));
            if (g.DnsServers.Count > 0)
                text.Append("  dns ").Append(string.Join(' ', g.DnsServers)).Append('\n');
            if (g.WinsServers.Count > 0)
                text.Append("  wins ").Append(string.Join(' ', g.WinsServers)).Append('\n');
            text.Append(CultureInfo.InvariantCulture, $"  pptp echo {g.EchoIntervalSeconds}; {g.Sessions} session{(g.Sessions == 1 ? "" : "s")}\n");
        }
        return text.ToString();
    }

    /// <summary><c>show dataplane</c>: per worker, its ports, packets by direction and the non-zero drops.</summary>
    public static string Dataplane(DataplaneView? dataplane)
    {
        if (dataplane is null)
            return "% No dataplane workers (the dataplane in use has none to show)\n";
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Dataplane {dataplane.Backend}, {dataplane.Workers.Count} worker{(dataplane.Workers.Count == 1 ? "" : "s")}, {dataplane.SessionCapacity} sessions at most\n");
        foreach (DataplanePortView p in dataplane.Ports)
        {
            text.Append(CultureInfo.InvariantCulture, $"Port {p.Name} ({p.Role}, mac {p.Mac})\n");
            Counts(text, "  device:", p.Device);
            if (p.Link.Count != 0)
                Counts(text, "  ethernet:", p.Link);
        }
        foreach (DataplaneWorkerView w in dataplane.Workers)
        {
            text.Append(CultureInfo.InvariantCulture, $"Worker {w.Index}: outside {w.Outside}, inside {w.Inside}\n");
            text.Append("  packets:");
            foreach ((string name, ulong value) in w.Packets)
                text.Append(CultureInfo.InvariantCulture, $" {name} {value}");
            text.Append('\n');
            text.Append(CultureInfo.InvariantCulture,
                $"  MPPE key changes {w.MppeKeyChanges}, CCP reset requests {w.ResetRequests}; sessions holding packets {w.HoldingPackets}, owing acks {w.OwingAcknowledgments}\n");
            text.Append(CultureInfo.InvariantCulture,
                $"  loop: {w.LoopTurns} turns, {w.BusyTurns} with work; command ring {w.CommandRing.Used}/{w.CommandRing.Capacity}, control ring {w.ControlRing.Used}/{w.ControlRing.Capacity}\n");
            KeyValuePair<string, ulong>[] drops = [.. w.Drops.Where(d => d.Value != 0)];
            if (drops.Length == 0)
            {
                text.Append("  drops: none\n");
                continue;
            }
            text.Append(CultureInfo.InvariantCulture, $"  drops ({drops.Sum(d => (decimal)d.Value)}):\n");
            int width = drops.Max(d => d.Key.Length);
            foreach ((string reason, ulong value) in drops)
                text.Append(CultureInfo.InvariantCulture, $"    {reason.PadRight(width)} {value}\n");
        }
        return text.ToString();
    }

    private static void Counts(StringBuilder text, string head, IReadOnlyList<KeyValuePair<string, ulong>> counts)
    {
        text.Append(head);
        foreach ((string name, ulong value) in counts)
            text.Append(CultureInfo.InvariantCulture, $" {name} {value}");
        text.Append('\n');
    }

    /// <summary><c>show aaa-server</c>: one line per backend.</summary>
    public static string AaaServers(IReadOnlyList<AaaServerView> servers, AccountingQueueSnapshot? accounting = null)
    {
        ArgumentNullException.ThrowIfNull(servers);
        var text = new StringBuilder();
        if (servers.Count == 0)
            text.Append("% No authentication requests yet\n");
        foreach (AaaServerView s in servers)
        {
            text.Append(CultureInfo.InvariantCulture,
                $"{s.Server}: {s.State}, {s.Requests} requests, {s.Accepts} accepts, {s.Rejects} rejects, {s.Timeouts} timeouts, {s.Errors} errors");
            if (s.P50Milliseconds is { } p50)
                text.Append(CultureInfo.InvariantCulture, $"; round trip p50 {p50:0.###} ms, p90 {s.P90Milliseconds:0.###} ms, p99 {s.P99Milliseconds:0.###} ms");
            text.Append('\n');
        }
        if (accounting is not null)
            AppendAccounting(text, accounting);
        return text.ToString();
    }

    /// <summary>
    /// The accounting queue (docs/ACCOUNTING.md): what is owed to the server and for how long, then one line per server.
    /// An operator billing from these records looks here first when the server was down: "0 waiting" means nothing is owed.
    /// </summary>
    private static void AppendAccounting(StringBuilder text, AccountingQueueSnapshot q)
    {
        text.Append(CultureInfo.InvariantCulture, $"Accounting {q.Group}: {q.QueueDepth} records waiting");
        if (q.OldestAge is { } age)
            text.Append(CultureInfo.InvariantCulture, $", oldest {age.TotalSeconds:0.0} s");
        text.Append(CultureInfo.InvariantCulture, $"; {q.Delivered} delivered, {q.Retried} retransmissions, {q.Replayed} replayed from the spool");
        text.Append(CultureInfo.InvariantCulture,
            $"; dropped (spool full): {q.DroppedInterim} interim, {q.DroppedStart} start, {q.DroppedStop} stop; {q.Superseded} interim superseded, {q.Expired} expired\n");
        text.Append(q.SpoolPath is { } path
            ? string.Create(CultureInfo.InvariantCulture, $"  spool {path}: {q.Spooled} records, {q.SpoolBytes} octets\n")
            : "  spool: none (records held in memory only)\n");
        foreach (AccountingServerSnapshot s in q.Servers)
        {
            text.Append(CultureInfo.InvariantCulture, $"  {s.Name}: {(s.Dead ? "dead" : "alive")}{(s.Preferred ? ", preferred" : "")}, {s.InFlight} in flight, {s.QueueDepth} waiting");
            if (s.OldestAge is { } oldest)
                text.Append(CultureInfo.InvariantCulture, $", oldest {oldest.TotalSeconds:0.0} s");
            text.Append(CultureInfo.InvariantCulture, $", {s.Delivered} delivered, {s.Retried} retransmissions");
            if (s.LateAnswers != 0) // a server slower than its timeout: every record costs it duplicates
                text.Append(CultureInfo.InvariantCulture, $", {s.LateAnswers} late answers (server slower than its timeout)");
            text.Append('\n');
        }
        AccountingIgnoredReplies ignored = q.IgnoredReplies;
        if (ignored.Total != 0)
            text.Append(CultureInfo.InvariantCulture,
                $"  replies ignored: {ignored.BadAuthenticator} bad authenticator (shared key?), {ignored.UnknownIdentifier} unknown identifier, {ignored.WrongSource} wrong source, {ignored.UnexpectedCode} unexpected code, {ignored.Malformed} malformed\n");
    }

    /// <summary>What a clear ended, one line per session.</summary>
    public static string Cleared(SessionClearResult result, SessionSelector selector)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(selector);
        if (result.Sessions.Count == 0)
            return $"% No session for {selector}\n";
        var text = new StringBuilder();
        for (int i = 0; i < result.Sessions.Count; i++)
        {
            SessionSnapshot s = result.Sessions[i];
            text.Append(CultureInfo.InvariantCulture,
                $"Session id {s.PppInterfaceId} (username {s.UserName ?? "-"}, client {s.ClientAddress?.ToString() ?? "-"}, remote {s.RemoteAddress}, tunnel {s.TunnelId} call {s.CallId}) cleared");
            text.Append(result.Soft ? " soft (LCP Terminate-Request, then Call-Disconnect-Notify)" : " hard (Call-Disconnect-Notify)");
            text.Append(result.Closed[i] ? "\n" : ", still closing\n");
        }
        if (result.Sessions.Count > 1)
            text.Append(CultureInfo.InvariantCulture, $"{result.Sessions.Count} sessions cleared\n");
        return text.ToString();
    }
}
