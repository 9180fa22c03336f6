using System.Collections.Immutable;
using System.Globalization;

namespace PptpGw.ControlPlane.Config;

/// <summary>
/// Compares the running configuration with a newly read one and sorts every difference into what a running gateway can
/// take (users, the dial-in group's authentication servers, pool ranges, group settings for new calls, logging,
/// limits) and what needs a restart (addresses PPTP listens on, the dataplane, the admin socket, the metrics listener,
/// accounting, the RFC 5176 listener, the NAS identity). Pure: the host applies the plan and may still refuse a live
/// change it finds impossible now (<see cref="ReloadDisposition.Refused"/>).
/// </summary>
public static class ConfigReloadPlanner
{
    /// <summary>The plan to go from <paramref name="running"/> to <paramref name="candidate"/> (both validated, both with a dial-in group).</summary>
    /// <param name="running">What the gateway runs with now (the effective configuration of the last reload).</param>
    /// <param name="candidate">The file as read now.</param>
    /// <param name="started">The configuration the gateway started with: what the restart-only parts (accounting) still
    /// run with. Null: <paramref name="running"/>. It matters when a reload applied a group's servers for authentication
    /// that accounting uses too: accounting then still runs on the old ones, and says so at every reload.</param>
    public static ConfigReloadPlan Plan(GatewayConfig running, GatewayConfig candidate, GatewayConfig? started = null)
    {
        ArgumentNullException.ThrowIfNull(running);
        ArgumentNullException.ThrowIfNull(candidate);
        VpdnGroupConfig runGroup = running.DialinGroup ?? throw new ArgumentException("the running configuration has no dial-in group", nameof(running));
        VpdnGroupConfig newGroup = candidate.DialinGroup ?? throw new ArgumentException("the new configuration has no dial-in group", nameof(candidate));
        var changes = ImmutableArray.CreateBuilder<ConfigChange>();

        // Users: always applied (the local store serves "client authentication local"; kept current otherwise too).
        if (UsersDiff(running.Users, candidate.Users) is { } users)
            changes.Add(new ConfigChange(ConfigChangeKind.Users, ReloadDisposition.Applied, users));

        AaaServerGroup? runAuth = AuthGroup(running, runGroup), newAuth = AuthGroup(candidate, newGroup);
        if (runGroup.AuthenticationSource != newGroup.AuthenticationSource || !SameServers(runAuth, newAuth))
            changes.Add(new ConfigChange(ConfigChangeKind.AuthenticationServers, ReloadDisposition.Applied,
                $"{AuthText(runGroup, runAuth)} -> {AuthText(newGroup, newAuth)} (new calls)"));

        // The pool: same name, new ranges: resized in place (held addresses stay held). Another pool: a restart.
        string? poolName = runGroup.AddressPool;
        PoolConfig? runPool = poolName is null ? null : running.FindPool(poolName);
        bool keepPool = false;
        if (poolName != newGroup.AddressPool)
        {
            keepPool = true;
            changes.Add(new ConfigChange(ConfigChangeKind.Pool, ReloadDisposition.NeedsRestart,
                $"the group's pool {poolName ?? "none"} -> {newGroup.AddressPool ?? "none"}: live sessions hold addresses of the old one"));
        }
        else if (runPool is not null && candidate.FindPool(runPool.Name) is { } newPool && !runPool.Ranges.SequenceEqual(newPool.Ranges))
        {
            changes.Add(new ConfigChange(ConfigChangeKind.Pool, ReloadDisposition.Applied, string.Create(CultureInfo.InvariantCulture,
                $"{runPool.Name}: {string.Join(' ', runPool.Ranges)} ({runPool.Capacity}) -> {string.Join(' ', newPool.Ranges)} ({newPool.Capacity})")));
        }

        string? settings = GroupSettingsDiff(runGroup, newGroup);
        if (running.TcpMss != candidate.TcpMss)
            settings = (settings is null ? "" : settings + "; ") + $"sysopt connection tcpmss {MssText(running.TcpMss)} -> {MssText(candidate.TcpMss)}";
        if (settings is not null)
            changes.Add(new ConfigChange(ConfigChangeKind.GroupSettings, ReloadDisposition.Applied, settings + " (new calls)"));

        if (!running.Gateway.Logging.Equals(candidate.Gateway.Logging) || running.Gateway.Syslog != candidate.Gateway.Syslog)
            changes.Add(new ConfigChange(ConfigChangeKind.Logging, ReloadDisposition.Applied, LoggingText(running.Gateway) + " -> " + LoggingText(candidate.Gateway)));

        if (LimitsDiff(running.Gateway, candidate.Gateway) is { } limits)
            changes.Add(new ConfigChange(ConfigChangeKind.Limits, ReloadDisposition.Applied, limits));

        // What needs a restart: reported, and the running value kept in the effective configuration.
        bool interfaces = !running.Interfaces.SequenceEqual(candidate.Interfaces) || !running.VpdnEnabledInterfaces.SequenceEqual(candidate.VpdnEnabledInterfaces)
            || running.PermitPptp != candidate.PermitPptp;
        if (interfaces)
            changes.Add(Restart(ConfigChangeKind.Interfaces, "interfaces / vpdn enable (the PPTP listener, the IPCP address)"));
        if (running.Gateway.Dataplane != candidate.Gateway.Dataplane || !SameDpdk(running.Gateway.Dpdk, candidate.Gateway.Dpdk))
            changes.Add(Restart(ConfigChangeKind.Dataplane, $"{Lower(running.Gateway.Dataplane)} -> {Lower(candidate.Gateway.Dataplane)}{(SameDpdk(running.Gateway.Dpdk, candidate.Gateway.Dpdk) ? "" : ", gateway dpdk lines")}"));
        if (running.Gateway.DataplaneWorkers != candidate.Gateway.DataplaneWorkers)
            changes.Add(Restart(ConfigChangeKind.Dataplane, $"gateway dataplane workers {running.Gateway.DataplaneWorkers} -> {candidate.Gateway.DataplaneWorkers}"));
        if (running.Gateway.AdminSocketPath != candidate.Gateway.AdminSocketPath)
            changes.Add(Restart(ConfigChangeKind.AdminSocket, $"{running.Gateway.AdminSocketPath} -> {candidate.Gateway.AdminSocketPath}"));
        if (!Equals(running.Gateway.MetricsEndPoint, candidate.Gateway.MetricsEndPoint))
            changes.Add(Restart(ConfigChangeKind.Metrics, $"{running.Gateway.MetricsEndPoint?.ToString() ?? "off"} -> {candidate.Gateway.MetricsEndPoint?.ToString() ?? "off"}"));
        AaaServerGroup? runAcct = runGroup.AccountingServerGroup is { } ra ? running.Aaa.FindGroup(ra) : null;
        // Accounting runs on the servers it started with, even where a reload gave authentication (same group) new ones.
        AaaServerGroup? startedAcct = started?.DialinGroup?.AccountingServerGroup is { } sa ? started.Aaa.FindGroup(sa) : runAcct;
        AaaServerGroup? newAcct = newGroup.AccountingServerGroup is { } na ? candidate.Aaa.FindGroup(na) : null;
        bool accounting = runGroup.AccountingServerGroup != newGroup.AccountingServerGroup || !SameServers(startedAcct, newAcct)
            || runGroup.AccountingInterimSeconds != newGroup.AccountingInterimSeconds || runGroup.UnansweredStart != newGroup.UnansweredStart
            || running.Accounting != candidate.Accounting;
        if (accounting)
            changes.Add(Restart(ConfigChangeKind.Accounting, "client accounting / accounting lines (the durable queue and its spool stay as started)"));
        if (running.Aaa.DynamicAuthorizationPort != candidate.Aaa.DynamicAuthorizationPort
            || !running.Aaa.DynamicAuthorizationClients.SequenceEqual(candidate.Aaa.DynamicAuthorizationClients))
            changes.Add(Restart(ConfigChangeKind.DynamicAuthorization, "radius-dynamic-authorization (the RFC 5176 listener)"));
        if (running.Hostname != candidate.Hostname || running.Aaa.Nas != candidate.Aaa.Nas)
            changes.Add(Restart(ConfigChangeKind.NasIdentity, "hostname / radius-nas-identifier / radius-nas-ip-address"));

        // The effective configuration: the new one, with the running values of everything that needs a restart.
        VpdnGroupConfig group = newGroup with
        {
            AddressPool = keepPool ? runGroup.AddressPool : newGroup.AddressPool,
            AccountingServerGroup = runGroup.AccountingServerGroup,
            AccountingInterimSeconds = runGroup.AccountingInterimSeconds,
            UnansweredStart = runGroup.UnansweredStart,
        };
        ImmutableArray<AaaServerGroup> aaaGroups = candidate.Aaa.Groups;
        // The accounting group keeps its running servers unless authentication (applied live) uses the same group.
        if (runAcct is not null && runAcct.Name != newAuth?.Name)
            aaaGroups = [.. aaaGroups.Where(g => g.Name != runAcct.Name), runAcct];
        GatewayConfig effective = candidate with
        {
            Interfaces = running.Interfaces,
            VpdnEnabledInterfaces = running.VpdnEnabledInterfaces,
            PermitPptp = running.PermitPptp,
            VpdnGroups = [.. candidate.VpdnGroups.Select(g => ReferenceEquals(g, newGroup) ? group : g)],
            Pools = keepPool && runPool is not null ? WithPool(candidate.Pools, runPool) : candidate.Pools,
            Aaa = candidate.Aaa with
            {
                Groups = aaaGroups,
                DynamicAuthorizationPort = running.Aaa.DynamicAuthorizationPort,
                DynamicAuthorizationClients = running.Aaa.DynamicAuthorizationClients,
                Nas = running.Aaa.Nas,
            },
            Hostname = running.Hostname,
            Accounting = running.Accounting,
            Gateway = candidate.Gateway with
            {
                AdminSocketPath = running.Gateway.AdminSocketPath,
                Dataplane = running.Gateway.Dataplane,
                Dpdk = running.Gateway.Dpdk,
                DataplaneWorkers = running.Gateway.DataplaneWorkers,
                MetricsEndPoint = running.Gateway.MetricsEndPoint,
            },
        };
        return new ConfigReloadPlan(effective, changes.ToImmutable());
    }

    /// <summary><paramref name="config"/> with <paramref name="pool"/> in place of the pool of the same name (a refused resize keeps the running ranges).</summary>
    public static GatewayConfig KeepPool(GatewayConfig config, PoolConfig pool)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(pool);
        return config with { Pools = WithPool(config.Pools, pool) };
    }

    /// <summary>
    /// <paramref name="config"/> with the dial-in group's authentication (source, server group and its servers) of
    /// <paramref name="running"/> (a refused authentication change keeps what runs).
    /// </summary>
    public static GatewayConfig KeepAuthentication(GatewayConfig config, GatewayConfig running)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(running);
        VpdnGroupConfig runGroup = running.DialinGroup!;
        VpdnGroupConfig group = config.DialinGroup!;
        VpdnGroupConfig kept = group with { AuthenticationSource = runGroup.AuthenticationSource, AuthenticationServerGroup = runGroup.AuthenticationServerGroup };
        ImmutableArray<AaaServerGroup> groups = config.Aaa.Groups;
        if (AuthGroup(running, runGroup) is { } runAuth)
            groups = [.. groups.Where(g => g.Name != runAuth.Name), runAuth];
        return config with
        {
            VpdnGroups = [.. config.VpdnGroups.Select(g => ReferenceEquals(g, group) ? kept : g)],
            Aaa = config.Aaa with { Groups = groups },
        };
    }

    private static ImmutableArray<PoolConfig> WithPool(ImmutableArray<PoolConfig> pools, PoolConfig pool) =>
        [.. pools.Where(p => p.Name != pool.Name), pool];

    private static ConfigChange Restart(ConfigChangeKind kind, string detail) => new(kind, ReloadDisposition.NeedsRestart, detail + ": restart to apply");

    private static string Lower(DataplaneBackend backend) => backend.ToString().ToLowerInvariant();

    private static AaaServerGroup? AuthGroup(GatewayConfig config, VpdnGroupConfig group) =>
        group.AuthenticationSource == ClientAuthenticationSource.Aaa && group.AuthenticationServerGroup is { } name ? config.Aaa.FindGroup(name) : null;

    private static string AuthText(VpdnGroupConfig group, AaaServerGroup? servers) =>
        group.AuthenticationSource == ClientAuthenticationSource.Local ? "local"
        : servers is null ? "aaa " + group.AuthenticationServerGroup
        : string.Create(CultureInfo.InvariantCulture, $"aaa {servers.Name} ({servers.Protocol}: {string.Join(", ", servers.Hosts.Select(h => $"{h.Address}:{h.AuthenticationPort}"))})");

    private static bool SameServers(AaaServerGroup? a, AaaServerGroup? b) =>
        a is null || b is null ? a is null && b is null
        : a.Name == b.Name && a.Protocol == b.Protocol && a.RequireMessageAuthenticator == b.RequireMessageAuthenticator && a.Hosts.SequenceEqual(b.Hosts);

    private static bool SameDpdk(DpdkConfig a, DpdkConfig b) =>
        a.EalArguments.SequenceEqual(b.EalArguments) && a.OutsideDevargs == b.OutsideDevargs && a.InsideDevargs == b.InsideDevargs
        && a.ExceptionDevargs == b.ExceptionDevargs && Equals(a.OutsideNextHop, b.OutsideNextHop) && Equals(a.InsideNextHop, b.InsideNextHop)
        && a.InsideExceptionInterface == b.InsideExceptionInterface && a.Workers == b.Workers;

    /// <summary>"added carol, dave; removed bob; password changed for alice", or null when the users are the same.</summary>
    internal static string? UsersDiff(ImmutableArray<VpdnUser> running, ImmutableArray<VpdnUser> candidate)
    {
        // A later line for the same name wins (VpdnUserCredentialStore), so compare the last password per name.
        Dictionary<string, string> before = Last(running), after = Last(candidate);
        List<string> added = [.. after.Keys.Where(n => !before.ContainsKey(n)).Order(StringComparer.Ordinal)];
        List<string> removed = [.. before.Keys.Where(n => !after.ContainsKey(n)).Order(StringComparer.Ordinal)];
        List<string> changed = [.. after.Where(kv => before.TryGetValue(kv.Key, out string? old) && old != kv.Value).Select(kv => kv.Key).Order(StringComparer.Ordinal)];
        var parts = new List<string>();
        if (added.Count > 0)
            parts.Add("added " + string.Join(", ", added));
        if (removed.Count > 0)
            parts.Add("removed " + string.Join(", ", removed));
        if (changed.Count > 0)
            parts.Add("password changed for " + string.Join(", ", changed));
        return parts.Count == 0 ? null : string.Join("; ", parts);

        static Dictionary<string, string> Last(ImmutableArray<VpdnUser> users)
        {
            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (VpdnUser user in users)
                map[user.Name] = user.Password;
            return map;
        }
    }

    private static string? GroupSettingsDiff(VpdnGroupConfig a, VpdnGroupConfig b)
    {
        var parts = new List<string>();
        if (a.Name != b.Name)
            parts.Add($"name {a.Name} -> {b.Name}");
        if (!a.AuthenticationMethods.SequenceEqual(b.AuthenticationMethods))
            parts.Add($"ppp authentication {string.Join(' ', a.AuthenticationMethods).ToLowerInvariant()} -> {string.Join(' ', b.AuthenticationMethods).ToLowerInvariant()}");
        if (a.Mppe != b.Mppe)
            parts.Add($"ppp encryption {MppeText(a.Mppe)} -> {MppeText(b.Mppe)}");
        if (!a.DnsServers.SequenceEqual(b.DnsServers))
            parts.Add($"dns {string.Join(' ', a.DnsServers)} -> {string.Join(' ', b.DnsServers)}");
        if (!a.WinsServers.SequenceEqual(b.WinsServers))
            parts.Add($"wins {string.Join(' ', a.WinsServers)} -> {string.Join(' ', b.WinsServers)}");
        if (a.StripDomain != b.StripDomain)
            parts.Add($"strip-domain {(a.StripDomain ? "on" : "off")} -> {(b.StripDomain ? "on" : "off")}");
        if (a.EchoIntervalSeconds != b.EchoIntervalSeconds)
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"pptp echo {a.EchoIntervalSeconds} -> {b.EchoIntervalSeconds} (new tunnels)"));
        if (a.SingleSession != b.SingleSession)
            parts.Add($"single-session {a.SingleSession.ToString().ToLowerInvariant()} -> {b.SingleSession.ToString().ToLowerInvariant()}");
        if (a.IdleTimeoutSeconds != b.IdleTimeoutSeconds)
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"idle-timeout {a.IdleTimeoutSeconds} -> {b.IdleTimeoutSeconds}"));
        if (a.Mtu != b.Mtu)
            parts.Add($"ppp mtu {a.Mtu?.ToString(CultureInfo.InvariantCulture) ?? "default"} -> {b.Mtu?.ToString(CultureInfo.InvariantCulture) ?? "default"}");
        if (a.Mru != b.Mru)
            parts.Add($"ppp mru {a.Mru?.ToString(CultureInfo.InvariantCulture) ?? "default"} -> {b.Mru?.ToString(CultureInfo.InvariantCulture) ?? "default"}");
        if (a.MaxCallsPerTunnel != b.MaxCallsPerTunnel)
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"pptp max-calls-per-tunnel {a.MaxCallsPerTunnel} -> {b.MaxCallsPerTunnel} (new tunnels)"));
        return parts.Count == 0 ? null : string.Join("; ", parts);
    }

    private static string MssText(int? mss) => mss switch
    {
        null => "derived",
        0 => "off",
        { } n => n.ToString(CultureInfo.InvariantCulture),
    };

    private static string MppeText(MppeSettings? mppe) =>
        mppe is null ? "none" : $"mppe {mppe.Strength.ToString().Replace("Bits", "", StringComparison.Ordinal).ToLowerInvariant()}{(mppe.Required ? " required" : "")} {mppe.StatePreference.ToString().ToLowerInvariant()}";

    private static string LoggingText(GatewayOptions gateway)
    {
        LoggingConfig l = gateway.Logging;
        return string.Create(CultureInfo.InvariantCulture,
            $"[{(l.Enabled ? "on" : "off")}, trap {l.TrapLevel.ToString().ToLowerInvariant()}, facility {(int)l.Facility}, {l.Hosts.Length} host(s), {l.MessageLevels.Count} message level(s), json {(l.Json ? "on" : "off")}, syslog {(gateway.Syslog ? "on" : "off")}]");
    }

    private static string? LimitsDiff(GatewayOptions a, GatewayOptions b)
    {
        var parts = new List<string>();
        if (a.MaxSessions != b.MaxSessions)
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"max-sessions {a.MaxSessions} -> {b.MaxSessions}"));
        if (a.MaxControlConnections != b.MaxControlConnections)
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"max-control-connections {a.MaxControlConnections} -> {b.MaxControlConnections}"));
        if (a.ConnectionLimit != b.ConnectionLimit)
            parts.Add($"connlimit {ConnLimit(a.ConnectionLimit)} -> {ConnLimit(b.ConnectionLimit)}");
        if (a.StartRequestTimeoutSeconds != b.StartRequestTimeoutSeconds)
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"sccrq-timeout {a.StartRequestTimeoutSeconds} -> {b.StartRequestTimeoutSeconds}"));
        return parts.Count == 0 ? null : string.Join("; ", parts);
    }

    private static string ConnLimit(ConnectionLimitConfig? limit) =>
        limit is null ? "off" : string.Create(CultureInfo.InvariantCulture, $"burst {limit.Burst} then 1/{limit.Interval.TotalMilliseconds:0.###} ms");
}
