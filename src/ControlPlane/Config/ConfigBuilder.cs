using System.Collections.Immutable;
using System.Net;
using PptpGw.ControlPlane.Pools;

namespace PptpGw.ControlPlane.Config;

/// <summary>
/// Collects the lines of one file (<see cref="Apply"/>), then cross-checks them and builds the model (<see cref="Build"/>).
/// References (pools, AAA groups, interfaces) are resolved at the end so lines may come in any order, as in a PIX
/// <c>write terminal</c> where <c>vpdn</c> lines follow everything else. A malformed line changes nothing.
/// </summary>
internal sealed partial class ConfigBuilder(string fileName)
{
    private const string RangeSyntax = "expected 'ip local pool NAME A.B.C.D[-A.B.C.D] [mask A.B.C.D]'";

    private readonly List<ConfigDiagnostic> _diagnostics = [];

    private readonly Dictionary<string, InterfaceBuilder> _interfaces = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<(Ipv4Range Range, int Line)>> _pools = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AaaGroupBuilder> _aaaGroups = new(StringComparer.Ordinal);
    private readonly Dictionary<string, VpdnGroupBuilder> _vpdnGroups = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Password, int Line)> _users = new(StringComparer.Ordinal);
    private readonly List<(string Interface, int Line)> _vpdnEnable = [];
    private readonly List<DynamicAuthorizationClient> _dynamicAuthorizationClients = [];
    // Dictionaries do not promise enumeration order; keep the order of first appearance explicitly.
    private readonly List<string> _interfaceOrder = [];
    private readonly List<string> _poolOrder = [];
    private readonly List<string> _aaaOrder = [];
    private readonly List<string> _vpdnOrder = [];
    private readonly List<string> _userOrder = [];

    private int _radiusAuthPort = AaaConfig.DefaultRadiusAuthenticationPort;
    private int _radiusAcctPort = AaaConfig.DefaultRadiusAccountingPort;
    private int _dynamicAuthorizationPort = AaaConfig.DefaultDynamicAuthorizationPort;
    private bool _permitPptp;
    private int? _tcpMss;
    private GatewayOptions _gateway = GatewayOptions.Default;

    private sealed class InterfaceBuilder
    {
        public string? HardwareId;
        public int? SecurityLevel;
        public uint? Address;
        public uint? Mask;
        public int Line;
    }

    private sealed class AaaGroupBuilder
    {
        public AaaProtocol Protocol;
        public int Line;
        public readonly List<HostBuilder> Hosts = [];
        public bool RequireMessageAuthenticator;
    }

    private sealed record HostBuilder(string Interface, uint Address, string? Key, int Timeout, int? Port, int? AcctPort, int Line);

    private sealed class VpdnGroupBuilder
    {
        public int FirstLine;
        public bool AcceptDialin;
        public int AcceptDialinLine;
        public readonly List<PppAuthenticationMethod> Methods = [];
        public int MethodsLine;
        public MppeStrengthSetting? Strength;
        public bool Required;
        public int MppeLine;
        public MppeStatePreference StatePreference;
        public int StatePreferenceLine;
        public string? Pool;
        public int PoolLine;
        public ImmutableArray<IPAddress> Dns = [];
        public ImmutableArray<IPAddress> Wins = [];
        public string? AuthGroup;   // null: local
        public int AuthLine;
        public string? AcctGroup;
        public int AcctLine;
        public int Echo = VpdnGroupConfig.DefaultEchoIntervalSeconds;
        public int MaxCallsPerTunnel = VpdnGroupConfig.DefaultMaxCallsPerTunnel;
        public bool StripDomain;
        public SingleSessionPolicy SingleSession;
        public int? Interim;
        public int InterimLine;
        public AccountingStartPolicy UnansweredStart = AccountingStartPolicy.CarryOn;
        public int UnansweredStartLine;
        public int IdleTimeout;
        public int? Mtu;
        public int? Mru;
    }

    private void Report(ConfigSeverity severity, int line, string message) =>
        _diagnostics.Add(new ConfigDiagnostic(severity, fileName, line, message));

    private void Error(int line, string message) => Report(ConfigSeverity.Error, line, message);

    private void Warning(int line, string message) => Report(ConfigSeverity.Warning, line, message);

    private void Ignored(int line, string[] tokens, string? why = null)
    {
        string text = string.Join(' ', tokens);
        if (text.Length > 60)
            text = string.Concat(text.AsSpan(0, 57), "...");
        _diagnostics.Add(new ConfigDiagnostic(ConfigSeverity.Notice, fileName, line, $"'{text}' ignored: {why ?? NotUsed}")
        {
            // Only the plain "a PIX command we do not use" notices are summed up; one with its own reason is shown.
            IgnoredCommand = why is null ? Lower(tokens[0]) : null,
        });
    }

    private const string NotUsed = "not used by this gateway";

    private static string Head(string[] tokens, int count) => string.Join(' ', tokens.Take(count));

    private static bool Is(string[] tokens, int index, string keyword) =>
        index < tokens.Length && string.Equals(tokens[index], keyword, StringComparison.OrdinalIgnoreCase);

    private static string Lower(string token) => token.ToLowerInvariant();

    /// <summary>Dispatches one non-comment line on its first word.</summary>
    public void Apply(int line, string[] t)
    {
        switch (Lower(t[0]))
        {
            case "ip" when Is(t, 1, "address"):
                IpAddress(line, t);
                break;
            case "ip" when Is(t, 1, "local") && Is(t, 2, "pool"):
                LocalPool(line, t);
                break;
            case "nameif":
                NameIf(line, t);
                break;
            case "aaa-server":
                AaaServer(line, t);
                break;
            case "radius-dynamic-authorization":
                DynamicAuthorization(line, t);
                break;
            case "vpdn":
                Vpdn(line, t);
                break;
            case "sysopt" when Is(t, 1, "connection") && Is(t, 2, "permit-pptp") && t.Length == 3:
                _permitPptp = true;
                break;
            case "sysopt" when Is(t, 1, "connection") && Is(t, 2, "tcpmss"):
                TcpMss(line, t);
                break;
            case "no" when t.Length == 4 && Is(t, 1, "sysopt") && Is(t, 2, "connection") && Is(t, 3, "tcpmss"):
                _tcpMss = 0;
                break;
            case "gateway":
                Gateway(line, t);
                break;
            case "logging" when Is(t, 1, "syslog"):
                LoggingSyslog(line, t);
                break;
            case "accounting":
                Accounting(line, t);
                break;
            case "hostname":
                Hostname(line, t);
                break;
            case "logging" when Logging(line, t, negated: false):
                break;
            case "no" when t.Length >= 2 && Is(t, 1, "logging") && Logging(line, t[1..], negated: true):
                break;
            default:
                Ignored(line, t);
                break;
        }
    }

    // ---- interfaces -------------------------------------------------------------------------------------------

    private InterfaceBuilder Interface(string name, int line)
    {
        if (!_interfaces.TryGetValue(name, out var builder))
        {
            builder = new InterfaceBuilder { Line = line };
            _interfaces.Add(name, builder);
            _interfaceOrder.Add(name);
        }
        return builder;
    }

    /// <summary><c>nameif HARDWARE NAME securityN</c>: only the name and level are kept.</summary>
    private void NameIf(int line, string[] t)
    {
        if (t.Length != 4 || !t[3].StartsWith("security", StringComparison.OrdinalIgnoreCase)
            || !PixConfigParser.TryParseNumber(t[3]["security".Length..], 0, 100, out int level))
        {
            Warning(line, "nameif: expected 'nameif HARDWARE NAME securityN' (N 0-100); line ignored");
            return;
        }
        var builder = Interface(t[2], line);
        builder.HardwareId = t[1];
        builder.SecurityLevel = level;
    }

    /// <summary><c>ip address NAME A.B.C.D MASK</c> (any interface name; a later line replaces an earlier one, as on the PIX).</summary>
    private void IpAddress(int line, string[] t)
    {
        if (t.Length == 4 && Is(t, 3, "dhcp"))
        {
            Warning(line, $"{Head(t, 3)}: dhcp is not supported; interface '{t[2]}' has no address");
            Interface(t[2], line);
            return;
        }
        if (t.Length != 5)
        {
            Error(line, "ip address: expected 'ip address INTERFACE A.B.C.D MASK'");
            return;
        }
        if (!Ipv4.TryParse(t[3], out uint address))
        {
            Error(line, $"{Head(t, 3)}: malformed address '{t[3]}'");
            return;
        }
        if (!Ipv4.TryParse(t[4], out uint mask) || !Ipv4.IsContiguousMask(mask))
        {
            Error(line, $"{Head(t, 4)}: malformed mask '{t[4]}' (expected contiguous ones, such as 255.255.255.0)");
            return;
        }
        var builder = Interface(t[2], line);
        builder.Address = address;
        builder.Mask = mask;
    }

    // ---- pools ------------------------------------------------------------------------------------------------

    /// <summary><c>ip local pool NAME A.B.C.D[-A.B.C.D] [mask M]</c>; the mask is checked and ignored (PPP peers get host routes).</summary>
    private void LocalPool(int line, string[] t)
    {
        if (t.Length != 5 && !(t.Length == 7 && Is(t, 5, "mask")))
        {
            Error(line, $"ip local pool: {RangeSyntax}");
            return;
        }
        string context = Head(t, 4);
        if (t.Length == 7 && !Ipv4.TryParse(t[6], out _))
        {
            Error(line, $"{context}: malformed mask '{t[6]}'");
            return;
        }
        string spec = t[4];
        int dash = spec.IndexOf('-', StringComparison.Ordinal);
        string firstText = dash < 0 ? spec : spec[..dash];
        string lastText = dash < 0 ? spec : spec[(dash + 1)..];
        if (!Ipv4.TryParse(firstText, out uint first))
        {
            Error(line, $"{context}: malformed address '{firstText}'");
            return;
        }
        if (!Ipv4.TryParse(lastText, out uint last))
        {
            Error(line, $"{context}: malformed address '{lastText}'");
            return;
        }
        if (first > last)
        {
            Error(line, $"{context}: range {spec} starts above its end");
            return;
        }
        var range = new Ipv4Range(first, last);
        if (range.Count > IpLocalPool.MaxCapacity)
        {
            Error(line, $"{context}: range {spec} holds {range.Count} addresses, more than the {IpLocalPool.MaxCapacity} a pool may hold");
            return;
        }
        if (!_pools.TryGetValue(t[3], out var ranges))
        {
            ranges = [];
            _pools.Add(t[3], ranges);
            _poolOrder.Add(t[3]);
        }
        ranges.Add((range, line));
    }

    // ---- gateway extensions -----------------------------------------------------------------------------------

    /// <summary>Extensions <c>gateway max-sessions|max-control-connections|admin-socket|dataplane|metrics</c>.</summary>
    private void Gateway(int line, string[] t)
    {
        const int Max = 1_000_000;
        if (t.Length >= 2 && Is(t, 1, "connlimit"))
        {
            ConnectionLimit(line, t);
            return;
        }
        if (t.Length >= 2 && Lower(t[1]) == "dpdk")
        {
            GatewayDpdk(line, t);
            return;
        }
        if (t.Length >= 3 && Is(t, 1, "dataplane") && Is(t, 2, "workers"))
        {
            // gateway dataplane workers N (issue 12): workers of the kernel backend (worker 0 does the I/O and steers).
            if (t.Length == 4 && PixConfigParser.TryParseNumber(t[3], 1, GatewayOptions.MaxDataplaneWorkers, out int workers))
                _gateway = _gateway with { DataplaneWorkers = workers };
            else
                Error(line, $"{Head(t, 3)}: expected a worker count from 1 to {GatewayOptions.MaxDataplaneWorkers}");
            return;
        }
        if (t.Length != 3)
        {
            Error(line, "gateway: expected 'gateway max-sessions N', 'gateway max-control-connections N', 'gateway admin-socket PATH', " +
                "'gateway dataplane kernel|memory', 'gateway sccrq-timeout S' or 'gateway connlimit rate N/sec|min|hour burst B|off' or 'gateway metrics ADDR:PORT'");
            return;
        }
        string context = Head(t, 2);
        switch (Lower(t[1]))
        {
            case "max-sessions":
                if (PixConfigParser.TryParseNumber(t[2], 1, Max, out int sessions))
                    _gateway = _gateway with { MaxSessions = sessions };
                else
                    Error(line, $"{context}: '{t[2]}' is not a number from 1 to {Max}");
                break;
            case "max-control-connections":
                if (PixConfigParser.TryParseNumber(t[2], 1, Max, out int connections))
                    _gateway = _gateway with { MaxControlConnections = connections };
                else
                    Error(line, $"{context}: '{t[2]}' is not a number from 1 to {Max}");
                break;
            case "sccrq-timeout":
                if (PixConfigParser.TryParseNumber(t[2], 1, 600, out int seconds))
                    _gateway = _gateway with { StartRequestTimeoutSeconds = seconds };
                else
                    Error(line, $"{context}: '{t[2]}' is not a number of seconds from 1 to 600");
                break;
            case "admin-socket":
                if (t[2].StartsWith('/'))
                    _gateway = _gateway with { AdminSocketPath = t[2] };
                else
                    Error(line, $"{context}: '{t[2]}' is not an absolute path");
                break;
            case "metrics":
                if (Is(t, 2, "off"))
                    _gateway = _gateway with { MetricsEndPoint = null };
                else if (IPEndPoint.TryParse(t[2], out IPEndPoint? metrics) && metrics.Port != 0 && t[2].Contains(':', StringComparison.Ordinal))
                    _gateway = _gateway with { MetricsEndPoint = metrics };
                else
                    Error(line, $"{context}: '{t[2]}' is not ADDR:PORT (e.g. 'gateway metrics 127.0.0.1:9477') or 'off'");
                break;
            case "dataplane":
                switch (Lower(t[2]))
                {
                    case "kernel":
                        _gateway = _gateway with { Dataplane = DataplaneBackend.Kernel };
                        break;
                    case "memory":
                        _gateway = _gateway with { Dataplane = DataplaneBackend.Memory };
                        break;
                    case "dpdk":
                        _gateway = _gateway with { Dataplane = DataplaneBackend.Dpdk };
                        _dpdkLine = line;
                        break;
                    default:
                        Error(line, $"{context}: unknown backend '{t[2]}' (expected kernel, memory or dpdk)");
                        break;
                }
                break;
            default:
                Error(line, $"gateway: unknown setting '{t[1]}'");
                break;
        }
    }

    /// <summary>Extension <c>gateway connlimit rate N/sec|min|hour burst B</c> (either part may come alone) or <c>gateway connlimit off</c>.</summary>
    private void ConnectionLimit(int line, string[] t)
    {
        const string Usage = "gateway connlimit: expected 'gateway connlimit rate N/sec|min|hour [burst B]', 'gateway connlimit burst B' or 'gateway connlimit off'";
        if (t.Length == 3 && Is(t, 2, "off"))
        {
            _gateway = _gateway with { ConnectionLimit = null };
            return;
        }
        ConnectionLimitConfig limit = _gateway.ConnectionLimit ?? ConnectionLimitConfig.Default;
        if (t.Length is not (4 or 6))
        {
            Error(line, Usage);
            return;
        }
        for (int i = 2; i < t.Length; i += 2)
        {
            switch (Lower(t[i]))
            {
                case "rate":
                    string[] parts = t[i + 1].Split('/');
                    long unitMs = parts.Length == 2 ? Lower(parts[1]) switch { "sec" or "s" => 1000L, "min" or "m" => 60_000L, "hour" or "h" => 3_600_000L, _ => 0L } : 0L;
                    if (unitMs == 0 || !PixConfigParser.TryParseNumber(parts[0], 1, 1_000_000, out int count))
                    {
                        Error(line, $"gateway connlimit rate: '{t[i + 1]}' is not N/sec, N/min or N/hour with N from 1 to 1000000");
                        return;
                    }
                    limit = limit with { Interval = TimeSpan.FromMilliseconds((double)unitMs / count) };
                    break;
                case "burst":
                    if (!PixConfigParser.TryParseNumber(t[i + 1], 1, 1_000_000, out int burst))
                    {
                        Error(line, $"gateway connlimit burst: '{t[i + 1]}' is not a number from 1 to 1000000");
                        return;
                    }
                    limit = limit with { Burst = burst };
                    break;
                default:
                    Error(line, Usage);
                    return;
            }
        }
        _gateway = _gateway with { ConnectionLimit = limit };
    }

    /// <summary>
    /// The PIX's <c>sysopt connection tcpmss BYTES</c> (0: off). <c>tcpmss minimum BYTES</c> (raise a smaller MSS) is not
    /// applied: raising a host's MSS can only make its segments too large for the path.
    /// </summary>
    private void TcpMss(int line, string[] t)
    {
        if (t.Length == 5 && Is(t, 3, "minimum"))
        {
            Ignored(line, t, "a minimum MSS is not applied (it could only make segments too large for the path)");
            return;
        }
        if (t.Length != 4)
        {
            Error(line, "sysopt connection tcpmss: expected 'sysopt connection tcpmss BYTES' (0: off)");
            return;
        }
        if (PixConfigParser.TryParseNumber(t[3], 0, 65535, out int mss) && (mss == 0 || mss >= TcpMssMinimum))
            _tcpMss = mss;
        else
            Error(line, $"sysopt connection tcpmss: '{t[3]}' is not 0 (off) or a number of bytes from {TcpMssMinimum} to 65535");
    }

    /// <summary>The PIX's smallest <c>tcpmss</c> (RFC 879's 536 is what hosts assume; 48 is the PIX's floor).</summary>
    private const int TcpMssMinimum = 48;

    /// <summary>Extension <c>logging syslog on|off</c>; every other <c>logging</c> line is a PIX line and is ignored.</summary>
    private void LoggingSyslog(int line, string[] t)
    {
        if (t.Length == 3 && Is(t, 2, "on"))
            _gateway = _gateway with { Syslog = true };
        else if (t.Length == 3 && Is(t, 2, "off"))
            _gateway = _gateway with { Syslog = false };
        else
            Error(line, "logging syslog: expected 'logging syslog on' or 'logging syslog off'");
    }
}
