using System.Collections.Immutable;
using System.Net;
using PptpGw.ControlPlane.Pools;

namespace PptpGw.ControlPlane.Config;

internal sealed partial class ConfigBuilder
{
    /// <summary><c>vpdn group ...</c>, <c>vpdn username NAME password PASSWORD [store-local]</c>, <c>vpdn enable IF</c>.</summary>
    private void Vpdn(int line, string[] t)
    {
        if (Is(t, 1, "group"))
        {
            if (t.Length < 4)
                Error(line, "vpdn group: expected 'vpdn group NAME COMMAND ...'");
            else
                VpdnGroup(line, t);
            return;
        }
        if (Is(t, 1, "username"))
        {
            if ((t.Length == 5 || (t.Length == 6 && Is(t, 5, "store-local"))) && Is(t, 3, "password"))
            {
                if (_users.TryGetValue(t[2], out var previous))
                    Warning(line, $"vpdn username {t[2]}: replaces the entry of line {previous.Line}");
                else
                    _userOrder.Add(t[2]);
                _users[t[2]] = (t[4], line);
            }
            else
            {
                Error(line, "vpdn username: expected 'vpdn username NAME password PASSWORD'");
            }
            return;
        }
        if (Is(t, 1, "enable"))
        {
            if (t.Length == 3)
                _vpdnEnable.Add((t[2], line));
            else
                Error(line, "vpdn enable: expected 'vpdn enable INTERFACE'");
            return;
        }
        Ignored(line, t);
    }

    private void VpdnGroup(int line, string[] t)
    {
        string name = t[2];
        if (!_vpdnGroups.TryGetValue(name, out var g))
        {
            g = new VpdnGroupBuilder { FirstLine = line };
            _vpdnGroups.Add(name, g);
            _vpdnOrder.Add(name);
        }
        string command = string.Join(' ', t.Skip(3).Take(3).Select(Lower));

        if (command == "accept dialin pptp" && t.Length == 6)
        {
            g.AcceptDialin = true;
            g.AcceptDialinLine = line;
        }
        else if (command == "accept dialin l2tp")
            Warning(line, $"{Head(t, 6)}: L2TP is not supported by this gateway; line ignored");
        else if (command.StartsWith("ppp authentication ", StringComparison.Ordinal) && t.Length == 6)
            PppAuthentication(line, t, g);
        else if (command.StartsWith("ppp encryption mppe", StringComparison.Ordinal) && t.Length >= 7)
            PppEncryption(line, t, g);
        else if (command == "client configuration address" && t.Length == 8 && Is(t, 6, "local"))
        {
            g.Pool = t[7];
            g.PoolLine = line;
        }
        else if (command is "client configuration dns" or "client configuration wins")
            NameServers(line, t, g);
        else if (command == "client authentication local" && t.Length == 6)
        {
            g.AuthGroup = null;
            g.AuthLine = line;
        }
        else if (command == "client authentication aaa" && t.Length == 7)
        {
            g.AuthGroup = t[6];
            g.AuthLine = line;
        }
        else if (command.StartsWith("client accounting", StringComparison.Ordinal) && t.Length == 6)
        {
            g.AcctGroup = t[5];
            g.AcctLine = line;
        }
        else if (command.StartsWith("pptp echo", StringComparison.Ordinal) && t.Length == 6)
        {
            if (PixConfigParser.TryParseNumber(t[5], 0, 3600, out int echo))
                g.Echo = echo;
            else
                Error(line, $"{Head(t, 5)}: '{t[5]}' is not a number of seconds from 0 (off) to 3600");
        }
        else if (command.StartsWith("pptp max-calls-per-tunnel", StringComparison.Ordinal) && t.Length == 6)
        {
            // Extension: RFC 2637 §3.2 lets a PAC carry many calls in one control connection; this bounds them per tunnel.
            if (PixConfigParser.TryParseNumber(t[5], 1, VpdnGroupConfig.MaxCallsPerTunnelLimit, out int calls))
                g.MaxCallsPerTunnel = calls;
            else
                Error(line, $"{Head(t, 5)}: '{t[5]}' is not a number of calls from 1 to {VpdnGroupConfig.MaxCallsPerTunnelLimit}");
        }
        else if (command == "strip-domain" && t.Length == 4)
            g.StripDomain = true;
        else if (Is(t, 3, "single-session") && t.Length == 5)
        {
            // Extension (accel-ppp's single-session): one established session per user name.
            switch (Lower(t[4]))
            {
                case "deny":
                    g.SingleSession = SingleSessionPolicy.Deny;
                    break;
                case "replace":
                    g.SingleSession = SingleSessionPolicy.Replace;
                    break;
                default:
                    Error(line, $"{Head(t, 4)}: '{t[4]}' is not deny or replace");
                    break;
            }
        }
        else if (Is(t, 3, "idle-timeout") && t.Length == 5)
        {
            // Extension: the local default of RADIUS Idle-Timeout (RFC 2865 §5.28), accel-ppp's idle-timeout.
            if (PixConfigParser.TryParseNumber(t[4], 0, VpdnGroupConfig.MaxIdleTimeoutSeconds, out int idle))
                g.IdleTimeout = idle;
            else
                Error(line, $"{Head(t, 4)}: '{t[4]}' is not a number of seconds from 0 (off) to {VpdnGroupConfig.MaxIdleTimeoutSeconds}");
        }
        else if (Is(t, 3, "ppp") && (Is(t, 4, "mtu") || Is(t, 4, "mru")) && t.Length == 6)
        {
            // Extension: LCP Maximum-Receive-Unit (RFC 1661 §6.1) we ask for (mru), and the largest datagram we send (mtu).
            if (!PixConfigParser.TryParseNumber(t[5], VpdnGroupConfig.MinMtu, VpdnGroupConfig.MaxMtu, out int bytes))
                Error(line, $"{Head(t, 5)}: '{t[5]}' is not a number of bytes from {VpdnGroupConfig.MinMtu} to {VpdnGroupConfig.MaxMtu}");
            else if (Is(t, 4, "mtu"))
                g.Mtu = bytes;
            else
                g.Mru = bytes;
        }
        else if (command.StartsWith("accounting unanswered-start", StringComparison.Ordinal))
            UnansweredStart(line, t, g);
        else if (command.StartsWith("accounting interim", StringComparison.Ordinal) && t.Length == 6)
        {
            if (PixConfigParser.TryParseNumber(t[5], 60, 86400, out int interim))
            {
                g.Interim = interim;
                g.InterimLine = line;
            }
            else
                Error(line, $"{Head(t, 5)}: '{t[5]}' is not a number of seconds from 60 to 86400");
        }
        else if (Is(t, 3, "l2tp"))
            Ignored(line, t, "L2TP is not supported by this gateway");
        else
            Error(line, $"vpdn group {name}: unknown or malformed command '{string.Join(' ', t.Skip(3))}' (see docs/CONFIG.md)");
    }

    /// <summary><c>ppp authentication pap|chap|mschap|mschapv2</c>: one per line, kept in order (the LCP preference).</summary>
    private void PppAuthentication(int line, string[] t, VpdnGroupBuilder g)
    {
        PppAuthenticationMethod? method = Lower(t[5]) switch
        {
            "pap" => PppAuthenticationMethod.Pap,
            "chap" => PppAuthenticationMethod.Chap,
            "mschap" => PppAuthenticationMethod.MsChapV1,
            "mschapv2" => PppAuthenticationMethod.MsChapV2,
            _ => null,
        };
        if (method is null)
        {
            Error(line, $"{Head(t, 5)}: unknown method '{t[5]}' (expected pap, chap, mschap or mschapv2)");
            return;
        }
        if (g.Methods.Contains(method.Value))
        {
            Warning(line, $"{Head(t, 6)}: already configured; line ignored");
            return;
        }
        if (g.Methods.Count == 0)
            g.MethodsLine = line;
        g.Methods.Add(method.Value);
    }

    /// <summary><c>ppp encryption mppe 40|56|128|auto [required]</c> and the extension <c>ppp encryption mppe stateful|stateless</c>.</summary>
    private void PppEncryption(int line, string[] t, VpdnGroupBuilder g)
    {
        string context = Head(t, 6);
        string value = Lower(t[6]);
        if (value is "stateful" or "stateless")
        {
            if (t.Length != 7)
            {
                Error(line, $"{context} {t[6]}: unexpected words after '{t[6]}'");
                return;
            }
            g.StatePreference = value == "stateful" ? MppeStatePreference.Stateful : MppeStatePreference.Stateless;
            g.StatePreferenceLine = line;
            return;
        }
        MppeStrengthSetting? strength = value switch
        {
            "40" => MppeStrengthSetting.Bits40,
            "56" => MppeStrengthSetting.Bits56,
            "128" => MppeStrengthSetting.Bits128,
            "auto" => MppeStrengthSetting.Auto,
            _ => null,
        };
        bool required = t.Length == 8 && Is(t, 7, "required");
        if (strength is null || (t.Length == 8 && !required) || t.Length > 8)
        {
            Error(line, $"{context}: expected 'mppe 40|56|128|auto [required]' or 'mppe stateful|stateless', not '{string.Join(' ', t.Skip(6))}'");
            return;
        }
        g.Strength = strength;
        g.Required = required;
        g.MppeLine = line;
    }

    /// <summary><c>client configuration dns|wins A.B.C.D [A.B.C.D]</c> (RFC 1877 primary and secondary).</summary>
    private void NameServers(int line, string[] t, VpdnGroupBuilder g)
    {
        string context = Head(t, 6);
        if (t.Length is < 7 or > 8)
        {
            Error(line, $"{context}: expected one or two addresses (primary, secondary)");
            return;
        }
        var servers = ImmutableArray.CreateBuilder<IPAddress>();
        for (int i = 6; i < t.Length; i++)
        {
            if (!Ipv4.TryParse(t[i], out uint address))
            {
                Error(line, $"{context}: malformed address '{t[i]}'");
                return;
            }
            servers.Add(Ipv4.ToIPAddress(address));
        }
        if (Is(t, 5, "dns"))
            g.Dns = servers.ToImmutable();
        else
            g.Wins = servers.ToImmutable();
    }
}
