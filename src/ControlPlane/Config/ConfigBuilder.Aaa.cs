using PptpGw.ControlPlane.Pools;

namespace PptpGw.ControlPlane.Config;

internal sealed partial class ConfigBuilder
{
    private const string HostSyntax = "expected 'aaa-server NAME (INTERFACE) host A.B.C.D [KEY] [timeout SECONDS] [port N] [acct-port N]'";

    /// <summary>
    /// <c>aaa-server radius-authport|radius-acctport N</c>, <c>aaa-server NAME protocol radius|tacacs+</c>,
    /// <c>aaa-server NAME (IF) host ...</c> and the extension <c>aaa-server NAME require-message-authenticator</c>.
    /// </summary>
    private void AaaServer(int line, string[] t)
    {
        if (t.Length < 3)
        {
            Error(line, "aaa-server: incomplete line");
            return;
        }
        string first = Lower(t[1]);
        if (first is "radius-authport" or "radius-acctport")
        {
            if (t.Length != 3 || !PixConfigParser.TryParseNumber(t[2], 1, 65535, out int port))
            {
                Error(line, $"aaa-server {t[1]}: expected a port number from 1 to 65535");
                return;
            }
            if (first == "radius-authport")
                _radiusAuthPort = port;
            else
                _radiusAcctPort = port;
            return;
        }

        if (first is "radius-nas-identifier" or "radius-nas-ip-address")
        {
            NasIdentity(line, t);
            return;
        }

        string name = t[1];
        if (Is(t, 2, "protocol"))
        {
            AaaProtocolLine(line, t, name);
            return;
        }
        if (t[2].StartsWith('('))
        {
            AaaHostLine(line, t, name);
            return;
        }
        if (Is(t, 2, "require-message-authenticator"))
        {
            if (t.Length != 3)
                Error(line, $"{Head(t, 3)}: unexpected words after the keyword");
            else if (!_aaaGroups.TryGetValue(name, out var group))
                Error(line, $"{Head(t, 3)}: unknown group '{name}'; define it first with 'aaa-server {name} protocol radius'");
            else if (group.Protocol != AaaProtocol.Radius)
                Error(line, $"{Head(t, 3)}: group '{name}' is TACACS+; Message-Authenticator is a RADIUS attribute (RFC 3579 §3.2)");
            else
                group.RequireMessageAuthenticator = true;
            return;
        }
        // PIX aaa-server options this gateway has no use for (max-failed-attempts, deadtime, ...).
        Ignored(line, t);
    }

    private void AaaProtocolLine(int line, string[] t, string name)
    {
        string context = Head(t, 3);
        if (t.Length == 4 && Is(t, 3, "local"))
        {
            Ignored(line, t, "the LOCAL group is built in ('client authentication local')");
            return;
        }
        AaaProtocol protocol;
        if (t.Length == 4 && Is(t, 3, "radius"))
            protocol = AaaProtocol.Radius;
        else if (t.Length == 4 && Is(t, 3, "tacacs+"))
            protocol = AaaProtocol.TacacsPlus;
        else
        {
            string given = string.Join(' ', t.Skip(3));
            Error(line, given.Contains('|', StringComparison.Ordinal)
                ? $"{context}: '{given}' is the syntax of the guide, not a value: choose one of 'radius' or 'tacacs+'"
                : $"{context}: expected 'radius' or 'tacacs+', not '{given}'");
            return;
        }
        if (_aaaGroups.TryGetValue(name, out var existing))
        {
            if (existing.Protocol != protocol)
                Error(line, $"{context}: group '{name}' was defined with the other protocol at line {existing.Line}");
            return;
        }
        _aaaGroups.Add(name, new AaaGroupBuilder { Protocol = protocol, Line = line });
        _aaaOrder.Add(name);
    }

    private void AaaHostLine(int line, string[] t, string name)
    {
        if (t.Length < 5 || !t[2].EndsWith(')') || t[2].Length < 3 || !Is(t, 3, "host"))
        {
            Error(line, $"aaa-server {name}: {HostSyntax}");
            return;
        }
        string context = Head(t, 5);
        if (!_aaaGroups.TryGetValue(name, out var group))
        {
            Error(line, $"{context}: unknown group '{name}'; define it first with 'aaa-server {name} protocol radius|tacacs+'");
            return;
        }
        if (!Ipv4.TryParse(t[4], out uint address))
        {
            Error(line, $"{Head(t, 4)}: malformed address '{t[4]}'");
            return;
        }
        int i = 5;
        string? key = null;
        // PIX 6.3 syntax: the key is positional, right after the address; a key spelt like a keyword cannot be written.
        if (i < t.Length && !IsHostKeyword(t[i]))
            key = t[i++];
        int timeout = AaaConfig.DefaultTimeoutSeconds;
        int? port = null, acctPort = null;
        while (i < t.Length)
        {
            string keyword = Lower(t[i]);
            if (!IsHostKeyword(keyword) || i + 1 >= t.Length)
            {
                Error(line, $"{context}: unexpected '{t[i]}'; {HostSyntax}");
                return;
            }
            string value = t[i + 1];
            switch (keyword)
            {
                case "timeout":
                    if (!PixConfigParser.TryParseNumber(value, 1, 300, out timeout))
                    {
                        Error(line, $"{context}: timeout '{value}' is not a number of seconds from 1 to 300");
                        return;
                    }
                    break;
                case "port":
                    if (!PixConfigParser.TryParseNumber(value, 1, 65535, out int p))
                    {
                        Error(line, $"{context}: port '{value}' is not a number from 1 to 65535");
                        return;
                    }
                    port = p;
                    break;
                default:
                    if (group.Protocol != AaaProtocol.Radius)
                    {
                        Error(line, $"{context}: acct-port applies to RADIUS only; TACACS+ accounts over its one TCP connection");
                        return;
                    }
                    if (!PixConfigParser.TryParseNumber(value, 1, 65535, out int a))
                    {
                        Error(line, $"{context}: acct-port '{value}' is not a number from 1 to 65535");
                        return;
                    }
                    acctPort = a;
                    break;
            }
            i += 2;
        }
        var host = new HostBuilder(t[2][1..^1], address, key, timeout, port, acctPort, line);
        int same = group.Hosts.FindIndex(h => h.Address == address);
        if (same >= 0)
        {
            Warning(line, $"{context}: replaces the same host from line {group.Hosts[same].Line}");
            group.Hosts[same] = host;
        }
        else
        {
            group.Hosts.Add(host);
        }
    }

    private static bool IsHostKeyword(string token) =>
        token.Equals("timeout", StringComparison.OrdinalIgnoreCase)
        || token.Equals("port", StringComparison.OrdinalIgnoreCase)
        || token.Equals("acct-port", StringComparison.OrdinalIgnoreCase);

    /// <summary>Extensions <c>radius-dynamic-authorization client A.B.C.D key KEY</c> and <c>radius-dynamic-authorization port N</c> (RFC 5176).</summary>
    private void DynamicAuthorization(int line, string[] t)
    {
        if (t.Length == 3 && Is(t, 1, "port"))
        {
            if (PixConfigParser.TryParseNumber(t[2], 1, 65535, out int port))
                _dynamicAuthorizationPort = port;
            else
                Error(line, $"{Head(t, 2)}: '{t[2]}' is not a port number from 1 to 65535");
            return;
        }
        if (t.Length == 5 && Is(t, 1, "client") && Is(t, 3, "key"))
        {
            if (!Ipv4.TryParse(t[2], out uint address))
            {
                Error(line, $"{Head(t, 2)}: malformed address '{t[2]}'");
                return;
            }
            var ip = Ipv4.ToIPAddress(address);
            _dynamicAuthorizationClients.RemoveAll(c => c.Address.Equals(ip));
            _dynamicAuthorizationClients.Add(new DynamicAuthorizationClient(ip, t[4]));
            return;
        }
        Error(line, "radius-dynamic-authorization: expected 'radius-dynamic-authorization client A.B.C.D key KEY' or 'radius-dynamic-authorization port N'");
    }
}
