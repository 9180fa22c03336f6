namespace PptpGw.ControlPlane.Admin;

/// <summary>One vpdn group as <c>show vpdn group</c> shows it.</summary>
/// <param name="Name">The group name.</param>
/// <param name="AcceptsPptp">"accept dialin pptp".</param>
/// <param name="Authentication">PPP authentication protocols, in preference order ("mschapv2", "pap").</param>
/// <param name="AuthenticationSource">"local" or "aaa SERVER-GROUP".</param>
/// <param name="Encryption">"mppe 128 required", "mppe auto", "none".</param>
/// <param name="Pool">The address pool, or null.</param>
/// <param name="PoolSize">Addresses in the pool.</param>
/// <param name="PoolUsed">Addresses held by sessions.</param>
/// <param name="DnsServers">DNS servers handed out (IPCP, RFC 1877).</param>
/// <param name="WinsServers">WINS servers handed out.</param>
/// <param name="EchoIntervalSeconds">"pptp echo".</param>
/// <param name="Sessions">Live sessions in the group.</param>
public sealed record VpdnGroupView(
    string Name,
    bool AcceptsPptp,
    IReadOnlyList<string> Authentication,
    string AuthenticationSource,
    string Encryption,
    string? Pool,
    int PoolSize,
    int PoolUsed,
    IReadOnlyList<string> DnsServers,
    IReadOnlyList<string> WinsServers,
    int EchoIntervalSeconds,
    int Sessions);
