using PptpGw.ControlPlane.Pools;

namespace PptpGw.ControlPlane.Config;

internal sealed partial class ConfigBuilder
{
    private int _dpdkLine;
    private int _insideExceptionLine;

    /// <summary>
    /// Extensions <c>gateway dpdk eal ARGS…</c> (appended in order), <c>gateway dpdk port outside|inside DEVARGS</c>,
    /// <c>gateway dpdk exception DEVARGS</c>, <c>gateway dpdk inside-exception NAME|off</c>,
    /// <c>gateway dpdk next-hop outside|inside A.B.C.D</c>, <c>gateway dpdk workers N</c>.
    /// </summary>
    private void GatewayDpdk(int line, string[] t)
    {
        DpdkConfig d = _gateway.Dpdk;
        string sub = t.Length > 2 ? Lower(t[2]) : "";
        switch (sub)
        {
            case "eal" when t.Length > 3:
                _gateway = _gateway with { Dpdk = d with { EalArguments = d.EalArguments.AddRange(t.Skip(3)) } };
                return;
            case "port" when t.Length == 5 && Lower(t[3]) is "outside" or "inside":
                _gateway = Lower(t[3]) == "outside"
                    ? _gateway with { Dpdk = d with { OutsideDevargs = t[4] } }
                    : _gateway with { Dpdk = d with { InsideDevargs = t[4] } };
                return;
            case "exception" when t.Length == 4:
                _gateway = _gateway with { Dpdk = d with { ExceptionDevargs = t[3] } };
                return;
            case "inside-exception" when t.Length == 4:
                if (Lower(t[3]) == "off")
                {
                    _gateway = _gateway with { Dpdk = d with { InsideExceptionInterface = null } };
                }
                else if (InterfaceNameError(t[3]) is { } why)
                {
                    Error(line, $"{Head(t, 3)}: '{t[3]}' is not a kernel interface name ({why}), nor 'off'");
                    return;
                }
                else
                {
                    _gateway = _gateway with { Dpdk = d with { InsideExceptionInterface = t[3] } };
                }

                _insideExceptionLine = line;
                return;
            case "workers" when t.Length == 4:
                if (!int.TryParse(t[3], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int workers)
                    || workers < 1 || workers > DpdkConfig.MaxWorkers)
                {
                    Error(line, $"{Head(t, 3)}: '{t[3]}' is not a worker count (1-{DpdkConfig.MaxWorkers})");
                    return;
                }
                _gateway = _gateway with { Dpdk = d with { Workers = workers } };
                return;
            case "next-hop" when t.Length == 5 && Lower(t[3]) is "outside" or "inside":
                if (!Ipv4.TryParse(t[4], out uint hop))
                {
                    Error(line, $"{Head(t, 4)}: '{t[4]}' is not an IPv4 address");
                    return;
                }
                _gateway = Lower(t[3]) == "outside"
                    ? _gateway with { Dpdk = d with { OutsideNextHop = Ipv4.ToIPAddress(hop) } }
                    : _gateway with { Dpdk = d with { InsideNextHop = Ipv4.ToIPAddress(hop) } };
                return;
            default:
                Error(line, "gateway dpdk: expected 'gateway dpdk eal ARGS...', 'gateway dpdk port outside|inside DEVARGS', "
                    + "'gateway dpdk exception DEVARGS', 'gateway dpdk inside-exception NAME|off', 'gateway dpdk next-hop outside|inside A.B.C.D' "
                    + "or 'gateway dpdk workers N'");
                return;
        }
    }

    /// <summary>With <c>gateway dataplane dpdk</c>, both ports and both interface addresses must be there.</summary>
    private void CheckDpdk()
    {
        if (_gateway.Dataplane != DataplaneBackend.Dpdk)
            return;
        if (_gateway.Dpdk.OutsideDevargs is null)
            Error(_dpdkLine, "gateway dataplane dpdk: no 'gateway dpdk port outside DEVARGS' line");
        if (_gateway.Dpdk.InsideDevargs is null)
            Error(_dpdkLine, "gateway dataplane dpdk: no 'gateway dpdk port inside DEVARGS' line");
        foreach (string name in (ReadOnlySpan<string>)["outside", "inside"])
        {
            if (!_interfaces.TryGetValue(name, out var i) || i.Address is null)
                Error(_dpdkLine, $"gateway dataplane dpdk: no 'ip address {name} A.B.C.D MASK' line (the DPDK port answers ARP for it)");
        }

        // The two TAPs carry different addresses: one kernel interface cannot be both.
        if (_gateway.Dpdk.InsideExceptionInterface is { } insideTap && insideTap == OutsideExceptionInterface(_gateway.Dpdk))
            Error(_insideExceptionLine == 0 ? _dpdkLine : _insideExceptionLine,
                $"gateway dpdk inside-exception {insideTap}: the outside exception path's interface has that name already");
    }

    /// <summary>The kernel interface of the outside exception path: <c>iface=</c> of <c>gateway dpdk exception DEVARGS</c>, or the default.</summary>
    private static string? OutsideExceptionInterface(DpdkConfig d)
    {
        if (d.ExceptionDevargs is null)
            return DpdkConfig.DefaultExceptionInterface;
        foreach (string part in d.ExceptionDevargs.Split(','))
        {
            if (part.StartsWith("iface=", StringComparison.Ordinal))
                return part["iface=".Length..];
        }

        return null;
    }

    /// <summary>
    /// Why <paramref name="name"/> cannot name a Linux network interface (net/core/dev.c dev_valid_name: 1 to
    /// IFNAMSIZ − 1 = 15 octets, not "." or "..", no '/', ':' or white space), or that it would break the net_tap devargs
    /// it goes into (no ',' or '='); printable ASCII only, as <c>ip link</c> users expect. Null when it can.
    /// </summary>
    private static string? InterfaceNameError(string name)
    {
        if (name.Length is 0 or > 15)
            return "1 to 15 characters";
        if (name is "." or "..")
            return "'.' and '..' are reserved";
        foreach (char c in name)
        {
            if (c is '/' or ':' or ',' or '=' || char.IsWhiteSpace(c) || c > '~' || c < '!')
                return $"'{c}' is not allowed";
        }

        return null;
    }
}
