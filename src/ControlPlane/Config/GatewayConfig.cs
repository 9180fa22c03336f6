using System.Collections.Immutable;
using System.Net;
using System.Text;
using PptpGw.ControlPlane.Pools;

namespace PptpGw.ControlPlane.Config;

/// <summary>
/// The gateway's validated configuration, as read from a PIX 6.3 style file by <see cref="PixConfigParser"/>.
/// Immutable: a reload builds a new instance. Names (pools, AAA groups, users, interfaces) are case-sensitive
/// as on the PIX; keywords are not. See docs/CONFIG.md for every accepted line.
/// </summary>
public sealed record GatewayConfig(
    ImmutableArray<InterfaceConfig> Interfaces,
    ImmutableArray<PoolConfig> Pools,
    AaaConfig Aaa,
    ImmutableArray<VpdnGroupConfig> VpdnGroups,
    ImmutableArray<VpdnUser> Users,
    ImmutableArray<string> VpdnEnabledInterfaces,
    bool PermitPptp,
    GatewayOptions Gateway)
{
    /// <summary>The interface named <paramref name="name"/> (from <c>nameif</c> or <c>ip address</c>), or null.</summary>
    public InterfaceConfig? FindInterface(string name) => Interfaces.FirstOrDefault(i => i.Name == name);

    /// <summary>The <c>ip local pool</c> named <paramref name="name"/>, or null.</summary>
    public PoolConfig? FindPool(string name) => Pools.FirstOrDefault(p => p.Name == name);

    /// <summary>The <c>vpdn username</c> entry with exactly this name (no domain stripping here), or null.</summary>
    public VpdnUser? FindUser(string name) => Users.FirstOrDefault(u => u.Name == name);

    /// <summary>The one vpdn group with <c>accept dialin pptp</c> (validation allows at most one), or null.</summary>
    public VpdnGroupConfig? DialinGroup => VpdnGroups.FirstOrDefault(g => g.AcceptDialinPptp);

    /// <summary>
    /// The address the gateway gives itself in IPCP: the inside interface's address. The PIX used its outside address,
    /// which makes the client's route to the tunnel peer collide with its route to the GRE endpoint (DESIGN.md).
    /// </summary>
    public IPAddress? InsideAddress => FindInterface("inside")?.Address;

    /// <summary>The PIX <c>hostname NAME</c> line (RADIUS NAS-Identifier unless configured otherwise), or null.</summary>
    public string? Hostname { get; init; }

    /// <summary>The <c>accounting ...</c> extension lines (the durable accounting queue).</summary>
    public AccountingConfig Accounting { get; init; } = AccountingConfig.Default;

    /// <summary>
    /// The PIX's <c>sysopt connection tcpmss BYTES</c>: the MSS option of TCP SYNs through a tunnel is lowered to this; 0
    /// (<c>no sysopt connection tcpmss</c> or <c>tcpmss 0</c>): no clamping; null (no line): the tunnel's MTU − 40.
    /// </summary>
    public int? TcpMss { get; init; }
}

/// <summary>An interface known from <c>nameif HARDWARE NAME securityN</c> and/or <c>ip address NAME A.B.C.D MASK</c>.</summary>
/// <param name="Name">Interface name (outside, inside, pix/intf2, ...).</param>
/// <param name="HardwareId">Hardware id from <c>nameif</c> (ethernet0), or null when only <c>ip address</c> named it.</param>
/// <param name="SecurityLevel">0-100 from <c>nameif</c>, or null.</param>
/// <param name="Address">Interface address, or null when no <c>ip address</c> line gives one.</param>
/// <param name="Mask">Contiguous network mask, or null with <paramref name="Address"/>.</param>
public sealed record InterfaceConfig(string Name, string? HardwareId, int? SecurityLevel, IPAddress? Address, IPAddress? Mask);

/// <summary>One <c>ip local pool NAME ...</c>: every line with the same name adds a range.</summary>
public sealed record PoolConfig(string Name, ImmutableArray<Ipv4Range> Ranges)
{
    /// <summary>Number of addresses over all ranges.</summary>
    public long Capacity => Ranges.Sum(r => r.Count);

    /// <summary>A fresh, empty allocator over this pool's ranges.</summary>
    public IpLocalPool CreatePool() => new(Name, Ranges);
}

/// <summary>AAA server protocol of an <c>aaa-server NAME protocol ...</c> group.</summary>
public enum AaaProtocol
{
    /// <summary>RADIUS (RFC 2865/2866); can return MPPE keys (MS-MPPE-Send-Key/Recv-Key, RFC 2548).</summary>
    Radius,
    /// <summary>TACACS+ (RFC 8907); has no way to return MPPE keys, so it cannot serve encrypted sessions.</summary>
    TacacsPlus,
}

/// <summary>One <c>aaa-server NAME (IF) host ADDR [KEY] [timeout S] [port N] [acct-port N]</c>.</summary>
/// <param name="InterfaceName">Interface the server is reached through (the PIX's "(inside)").</param>
/// <param name="Address">Server address.</param>
/// <param name="Key">Shared secret (RADIUS, RFC 2865 §3) or TACACS+ key; null when the line gives none.</param>
/// <param name="TimeoutSeconds">Per-try timeout; PIX default 5.</param>
/// <param name="AuthenticationPort">Resolved port: the line's <c>port</c>, else <c>aaa-server radius-authport</c>
/// (default 1645 as on the PIX) for RADIUS, 49 for TACACS+.</param>
/// <param name="AccountingPort">Resolved port: <c>acct-port</c>, else <c>aaa-server radius-acctport</c> (default 1646);
/// for TACACS+ the same TCP port as authentication.</param>
public sealed record AaaServerHost(string InterfaceName, IPAddress Address, string? Key, int TimeoutSeconds, int AuthenticationPort, int AccountingPort)
{
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"InterfaceName = {InterfaceName}, Address = {Address}, Key = {(Key is null ? "null" : "***")}, ");
        builder.Append($"TimeoutSeconds = {TimeoutSeconds}, AuthenticationPort = {AuthenticationPort}, AccountingPort = {AccountingPort}");
        return true;
    }
}

/// <summary>An <c>aaa-server</c> group: servers are tried in the order of their lines (fail-over).</summary>
/// <param name="RequireMessageAuthenticator">Extension <c>aaa-server NAME require-message-authenticator</c>: drop RADIUS
/// replies without a valid Message-Authenticator (RFC 3579 §3.2; the BlastRADIUS defence).</param>
public sealed record AaaServerGroup(string Name, AaaProtocol Protocol, ImmutableArray<AaaServerHost> Hosts, bool RequireMessageAuthenticator);

/// <summary>Extension <c>radius-dynamic-authorization client ADDR key KEY</c>: a RADIUS server allowed to send
/// Disconnect-Request and CoA-Request (RFC 5176).</summary>
public sealed record DynamicAuthorizationClient(IPAddress Address, string Key)
{
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"Address = {Address}, Key = ***");
        return true;
    }
}

/// <summary>Everything the <c>aaa-server</c> and <c>radius-dynamic-authorization</c> lines say.</summary>
/// <param name="RadiusAuthenticationPort"><c>aaa-server radius-authport N</c>, default 1645 (the PIX default, not 1812).</param>
/// <param name="RadiusAccountingPort"><c>aaa-server radius-acctport N</c>, default 1646 (not 1813).</param>
/// <param name="DynamicAuthorizationPort">Extension <c>radius-dynamic-authorization port N</c>, default 3799 (RFC 5176 §3).</param>
/// <param name="DynamicAuthorizationClients">Empty: no CoA/Disconnect listener.</param>
public sealed record AaaConfig(
    int RadiusAuthenticationPort,
    int RadiusAccountingPort,
    ImmutableArray<AaaServerGroup> Groups,
    int DynamicAuthorizationPort,
    ImmutableArray<DynamicAuthorizationClient> DynamicAuthorizationClients)
{
    public const int DefaultRadiusAuthenticationPort = 1645;
    public const int DefaultRadiusAccountingPort = 1646;
    public const int DefaultTacacsPort = 49;
    public const int DefaultDynamicAuthorizationPort = 3799;
    public const int DefaultTimeoutSeconds = 5;

    /// <summary>The group named <paramref name="name"/>, or null.</summary>
    public AaaServerGroup? FindGroup(string name) => Groups.FirstOrDefault(g => g.Name == name);

    /// <summary>Extensions <c>aaa-server radius-nas-identifier</c> / <c>radius-nas-ip-address</c>.</summary>
    public NasIdentityConfig Nas { get; init; } = NasIdentityConfig.None;
}

/// <summary>A <c>vpdn group N ppp authentication</c> method.</summary>
public enum PppAuthenticationMethod
{
    /// <summary><c>pap</c>: RFC 1334 PAP.</summary>
    Pap,
    /// <summary><c>chap</c>: RFC 1994 CHAP with MD5.</summary>
    Chap,
    /// <summary><c>mschap</c>: MS-CHAP v1 (RFC 2433), the only MPPE-capable method of the PIX.</summary>
    MsChapV1,
    /// <summary><c>mschapv2</c> (extension): MS-CHAP v2 (RFC 2759), required by Windows Vista and later.</summary>
    MsChapV2,
}

/// <summary>
/// Key strength of <c>vpdn group N ppp encryption mppe 40|56|128|auto</c> (RFC 3078 §2.1, RFC 3079): the configured
/// choice, which <see cref="Ppp.Ccp.MppePolicy.FromSettings"/> turns into the CCP bits to accept. What CCP negotiates
/// is a <see cref="Dataplane.Mppe.MppeKeyStrength"/>.
/// </summary>
public enum MppeStrengthSetting
{
    /// <summary><c>auto</c>: accept whichever strength the client asks for (40, 56 or 128 bits).</summary>
    Auto,
    /// <summary><c>40</c>: 40-bit keys.</summary>
    Bits40,
    /// <summary><c>56</c> (extension): 56-bit keys.</summary>
    Bits56,
    /// <summary><c>128</c>: 128-bit keys.</summary>
    Bits128,
}

/// <summary>Extension <c>vpdn group N ppp encryption mppe stateful|stateless</c>: which MPPE mode to prefer in CCP.</summary>
public enum MppeStatePreference
{
    /// <summary>Stateless ("H" bit, RFC 3078 §2.1): rekey every packet, survives loss without CCP Reset-Request. Default.</summary>
    Stateless,
    /// <summary>Stateful: rekey every 256 packets, cheaper, needs CCP Reset-Request after loss (RFC 3078 §3.2).</summary>
    Stateful,
}

/// <summary>MPPE settings of a vpdn group.</summary>
/// <param name="Required"><c>required</c>: a client that will not encrypt is disconnected ("mppe required but not active").</param>
public sealed record MppeSettings(MppeStrengthSetting Strength, bool Required, MppeStatePreference StatePreference);

/// <summary>Where <c>vpdn group N client authentication</c> sends credentials.</summary>
public enum ClientAuthenticationSource
{
    /// <summary><c>local</c>: the <c>vpdn username</c> entries.</summary>
    Local,
    /// <summary><c>aaa NAME</c>: the AAA server group <see cref="VpdnGroupConfig.AuthenticationServerGroup"/>.</summary>
    Aaa,
}

/// <summary>One <c>vpdn group NAME</c> and everything its lines set.</summary>
/// <param name="AuthenticationMethods">In the order of the lines: the order the gateway proposes them in LCP.</param>
/// <param name="Mppe">Null: no encryption offered.</param>
/// <param name="AddressPool">Pool name of <c>client configuration address local</c>, or null (RADIUS Framed-IP-Address only).</param>
/// <param name="AuthenticationServerGroup">Group name when <paramref name="AuthenticationSource"/> is Aaa.</param>
/// <param name="AccountingServerGroup"><c>client accounting NAME</c>, or null.</param>
/// <param name="EchoIntervalSeconds"><c>pptp echo N</c>: Echo-Request interval on the control connection (RFC 2637 §2.7);
/// default 60, 0 disables.</param>
/// <param name="StripDomain">Extension <c>strip-domain</c>: remove "DOMAIN\" from user names before authenticating.</param>
/// <param name="AccountingInterimSeconds">Extension <c>accounting interim N</c>: Interim-Update interval, or null for none.</param>
public sealed record VpdnGroupConfig(
    string Name,
    bool AcceptDialinPptp,
    ImmutableArray<PppAuthenticationMethod> AuthenticationMethods,
    MppeSettings? Mppe,
    string? AddressPool,
    ImmutableArray<IPAddress> DnsServers,
    ImmutableArray<IPAddress> WinsServers,
    ClientAuthenticationSource AuthenticationSource,
    string? AuthenticationServerGroup,
    string? AccountingServerGroup,
    int EchoIntervalSeconds,
    bool StripDomain,
    int? AccountingInterimSeconds)
{
    public const int DefaultEchoIntervalSeconds = 60;

    /// <summary>Default of the extension <c>pptp max-calls-per-tunnel N</c>: generous, so a concentrator-style PAC is not cut short.</summary>
    public const int DefaultMaxCallsPerTunnel = 1000;

    /// <summary>Upper bound of <c>pptp max-calls-per-tunnel</c>: Call IDs are 16-bit and unique per peer (RFC 2637 §2.7).</summary>
    public const int MaxCallsPerTunnelLimit = ushort.MaxValue;

    /// <summary>
    /// Extension <c>pptp max-calls-per-tunnel N</c>: calls one control connection may carry at once (RFC 2637 §3.2 allows a
    /// PAC many); an Outgoing-Call-Request beyond it is answered General Error / No-Resource (§2.8, §2.16).
    /// </summary>
    public int MaxCallsPerTunnel { get; init; } = DefaultMaxCallsPerTunnel;

    /// <summary>Extension <c>single-session deny|replace</c>: one established session per user; <see cref="SingleSessionPolicy.Allow"/> without the line.</summary>
    public SingleSessionPolicy SingleSession { get; init; } = SingleSessionPolicy.Allow;

    /// <summary>Extension <c>accounting unanswered-start</c>: what happens to a session whose Start nobody acknowledged.</summary>
    public AccountingStartPolicy UnansweredStart { get; init; } = AccountingStartPolicy.CarryOn;

    /// <summary>Largest <c>idle-timeout</c> accepted: 30 days.</summary>
    public const int MaxIdleTimeoutSeconds = 2_592_000;

    /// <summary>
    /// Extension <c>idle-timeout SECONDS</c>: a session whose client sent no data for that long is ended (Acct-Terminate-Cause
    /// Idle-Timeout); 0 (the default): no limit. A RADIUS Idle-Timeout (RFC 2865 §5.28) overrides it per user.
    /// </summary>
    public int IdleTimeoutSeconds { get; init; }

    /// <summary>Smallest <c>ppp mtu</c>/<c>ppp mru</c> accepted (RFC 791's 576: every host takes datagrams that large).</summary>
    public const int MinMtu = 576;

    /// <summary>Largest <c>ppp mtu</c>/<c>ppp mru</c> accepted: above 1500 a GRE packet no longer fits an Ethernet frame.</summary>
    public const int MaxMtu = 1500;

    /// <summary>
    /// Extension <c>ppp mru BYTES</c>: the Maximum-Receive-Unit our LCP asks for (RFC 1661 §6.1); null: 1400, which keeps
    /// a client's GRE packets within a 1500-octet path (<see cref="Ppp.Lcp.LcpLayerOptions.Mru"/>).
    /// </summary>
    public int? Mru { get; init; }

    /// <summary>
    /// Extension <c>ppp mtu BYTES</c>: the largest datagram we send into the tunnel, below the client's MRU when that is
    /// larger; null: the client's MRU. With the MRU it bounds the TCP MSS clamp's default.
    /// </summary>
    public int? Mtu { get; init; }
}

/// <summary><c>vpdn username NAME password PASSWORD</c>; NAME may be "DOMAIN\name". <see cref="ToString"/> hides the password.</summary>
public sealed record VpdnUser(string Name, string Password)
{
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"Name = {Name}, Password = ***");
        return true;
    }
}

/// <summary>Extension <c>gateway dataplane kernel|memory|dpdk</c>.</summary>
public enum DataplaneBackend
{
    /// <summary>Raw IPv4 socket for GRE and a TUN device for the inside (default).</summary>
    Kernel,
    /// <summary>In-process rings, for tests and benchmarks.</summary>
    Memory,
    /// <summary>DPDK ports (kernel bypass) with Ethernet/ARP and an exception path to the kernel; see <see cref="DpdkConfig"/>.</summary>
    Dpdk,
}

/// <summary>
/// Extensions <c>gateway dpdk eal ARGS…</c>, <c>gateway dpdk port outside|inside DEVARGS</c>,
/// <c>gateway dpdk exception DEVARGS</c>, <c>gateway dpdk inside-exception NAME|off</c> and
/// <c>gateway dpdk next-hop outside|inside A.B.C.D</c>.
/// </summary>
/// <param name="EalArguments">The EAL's arguments, every <c>eal</c> line's in order.</param>
/// <param name="OutsideDevargs">The outside device (<c>net_af_packet0,iface=eth0</c>, a PCI address), required with <c>dataplane dpdk</c>.</param>
/// <param name="InsideDevargs">The inside device, required with <c>dataplane dpdk</c>.</param>
/// <param name="ExceptionDevargs">The exception-path device into the kernel; null = a net_tap named pptpgw-x0.</param>
/// <param name="OutsideNextHop">Router towards clients off the outside subnet, or null.</param>
/// <param name="InsideNextHop">Router for inside destinations off the inside subnet, or null.</param>
public sealed record DpdkConfig(ImmutableArray<string> EalArguments, string? OutsideDevargs, string? InsideDevargs, string? ExceptionDevargs,
    IPAddress? OutsideNextHop, IPAddress? InsideNextHop)
{
    /// <summary>Most workers <c>gateway dpdk workers N</c> accepts.</summary>
    public const int MaxWorkers = 64;

    /// <summary>No <c>gateway dpdk</c> lines.</summary>
    public static DpdkConfig Default { get; } = new([], null, null, null, null, null);

    /// <summary><c>gateway dpdk workers N</c>: dataplane workers (worker 0 also does the ports' I/O and steers); default 1.</summary>
    public int Workers { get; init; } = 1;

    /// <summary>The kernel interface of the default outside exception device (no <c>gateway dpdk exception</c> line).</summary>
    public const string DefaultExceptionInterface = "pptpgw-x0";

    /// <summary>The kernel interface of the inside exception path when no <c>gateway dpdk inside-exception</c> line names one.</summary>
    public const string DefaultInsideExceptionInterface = "pptpgw-x1";

    /// <summary>
    /// <c>gateway dpdk inside-exception NAME|off</c>: the kernel interface of the inside exception path (a net_tap with the
    /// inside address, into which the pool is routed), default <see cref="DefaultInsideExceptionInterface"/>; null
    /// (<c>off</c>): none, so packets for the gateway's inside address are dropped and counted.
    /// </summary>
    public string? InsideExceptionInterface { get; init; } = DefaultInsideExceptionInterface;
}

/// <summary>The gateway's own settings (extensions, lines starting with <c>gateway</c> and <c>logging syslog</c>).</summary>
/// <param name="MaxSessions"><c>gateway max-sessions N</c>, default 100000.</param>
/// <param name="MaxControlConnections"><c>gateway max-control-connections N</c>, default 100000.</param>
/// <param name="AdminSocketPath"><c>gateway admin-socket PATH</c>, default /run/pptpgw/admin.sock.</param>
/// <param name="Dataplane"><c>gateway dataplane kernel|memory|dpdk</c>, default kernel.</param>
/// <param name="Syslog"><c>logging syslog on|off</c>: also send the PIX-style messages to the local syslog; default off.</param>
public sealed record GatewayOptions(int MaxSessions, int MaxControlConnections, string AdminSocketPath, DataplaneBackend Dataplane, bool Syslog)
{
    public const int DefaultMaxSessions = 100_000;
    public const int DefaultMaxControlConnections = 100_000;
    public const string DefaultAdminSocketPath = "/run/pptpgw/admin.sock";

    /// <summary>The <c>logging</c> lines (trap, facility, hosts, message levels, JSON console).</summary>
    public LoggingConfig Logging { get; init; } = LoggingConfig.Default;

    /// <summary><c>gateway metrics ADDR:PORT</c>: serve Prometheus metrics on http://ADDR:PORT/metrics; null (the default): off.</summary>
    public System.Net.IPEndPoint? MetricsEndPoint { get; init; }

    /// <summary>Default <c>gateway sccrq-timeout</c>: pptpd's <c>stimeout</c>.</summary>
    public const int DefaultStartRequestTimeoutSeconds = 10;

    /// <summary>Most workers <c>gateway dataplane workers N</c> accepts.</summary>
    public const int MaxDataplaneWorkers = 64;

    /// <summary>
    /// <c>gateway dataplane workers N</c> (issue 12): workers of the kernel backend; with more than one, worker 0 does the
    /// raw socket's and the TUN's I/O and steers each packet to its session's worker. Default
    /// <see cref="DefaultDataplaneWorkers"/>: one per core, as the issue asks. (The DPDK backend has its own
    /// <c>gateway dpdk workers N</c>.)
    /// </summary>
    public int DataplaneWorkers { get; init; } = DefaultDataplaneWorkers;

    /// <summary>
    /// The kernel backend's worker count without a <c>gateway dataplane workers N</c> line: the cores this process may
    /// run on (<see cref="Environment.ProcessorCount"/>, which honours CPU affinity and cgroup limits), 1 to
    /// <see cref="MaxDataplaneWorkers"/>.
    /// </summary>
    public static int DefaultDataplaneWorkers => Math.Clamp(Environment.ProcessorCount, 1, MaxDataplaneWorkers);

    /// <summary>The <c>gateway dpdk ...</c> lines (used with <c>gateway dataplane dpdk</c>).</summary>
    public DpdkConfig Dpdk { get; init; } = DpdkConfig.Default;

    /// <summary>The values used when the file has no <c>gateway</c> lines.</summary>
    public static GatewayOptions Default { get; } =
        new(DefaultMaxSessions, DefaultMaxControlConnections, DefaultAdminSocketPath, DataplaneBackend.Kernel, Syslog: false);

    /// <summary><c>gateway connlimit rate N/sec|min|hour burst B</c> or <c>gateway connlimit off</c> (null); default 20/sec burst 64.</summary>
    public ConnectionLimitConfig? ConnectionLimit { get; init; } = ConnectionLimitConfig.Default;

    /// <summary><c>gateway sccrq-timeout S</c>: how long a new TCP connection may take to send its Start-Control-Connection-Request.</summary>
    public int StartRequestTimeoutSeconds { get; init; } = DefaultStartRequestTimeoutSeconds;
}

/// <summary>
/// The per-source connection limit (extension <c>gateway connlimit</c>, accel-ppp's connlimit model): a source address
/// may open <paramref name="Burst"/> TCP connections at once, then one per <paramref name="Interval"/>.
/// </summary>
/// <param name="Burst">Connections at once.</param>
/// <param name="Interval">Then one per this interval.</param>
public sealed record ConnectionLimitConfig(int Burst, TimeSpan Interval)
{
    /// <summary>20 per second after a burst of 64: far above any client's reconnects, far below a flood.</summary>
    public static ConnectionLimitConfig Default { get; } = new(64, TimeSpan.FromMilliseconds(50));
}
