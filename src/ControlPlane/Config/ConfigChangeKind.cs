namespace PptpGw.ControlPlane.Config;

/// <summary>What part of the configuration a reload found changed (<see cref="ConfigReloadPlanner"/>).</summary>
public enum ConfigChangeKind
{
    /// <summary><c>vpdn username</c> lines: users added, removed, passwords changed.</summary>
    Users = 1,
    /// <summary>The dial-in group's authentication: <c>client authentication local|aaa NAME</c> and that group's <c>aaa-server</c> hosts, keys, timeouts.</summary>
    AuthenticationServers,
    /// <summary>The <c>ip local pool</c> the dial-in group hands out (its ranges).</summary>
    Pool,
    /// <summary>Settings of the dial-in group for new calls: name, PPP authentication methods, MPPE, DNS/WINS, strip-domain, <c>pptp echo</c>, max-calls-per-tunnel.</summary>
    GroupSettings,
    /// <summary>The <c>logging</c> lines and <c>logging syslog</c>.</summary>
    Logging,
    /// <summary><c>gateway max-sessions</c>, <c>max-control-connections</c>, <c>connlimit</c>, <c>sccrq-timeout</c>.</summary>
    Limits,
    /// <summary>Where PPTP listens and the gateway's own addresses: <c>nameif</c>, <c>ip address</c>, <c>vpdn enable</c>, <c>sysopt connection permit-pptp</c>.</summary>
    Interfaces,
    /// <summary><c>gateway dataplane</c> and the <c>gateway dpdk</c> lines.</summary>
    Dataplane,
    /// <summary><c>gateway admin-socket</c>.</summary>
    AdminSocket,
    /// <summary><c>gateway metrics</c>.</summary>
    Metrics,
    /// <summary>Accounting: <c>client accounting</c>, <c>accounting interim|unanswered-start</c>, the <c>accounting ...</c> queue lines, the accounting group's servers.</summary>
    Accounting,
    /// <summary><c>radius-dynamic-authorization</c> (the RFC 5176 listener).</summary>
    DynamicAuthorization,
    /// <summary><c>hostname</c>, <c>aaa-server radius-nas-identifier|radius-nas-ip-address</c>.</summary>
    NasIdentity,
}
