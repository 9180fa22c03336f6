using System.Collections.Immutable;
using PptpGw.ControlPlane.Pools;

namespace PptpGw.ControlPlane.Config;

internal sealed partial class ConfigBuilder
{
    /// <summary>Cross-checks the collected lines and builds the model (null when any diagnostic is an error).</summary>
    public ConfigParseResult Build()
    {
        var pools = BuildPools();
        var aaa = BuildAaa();
        var groups = BuildVpdnGroups(aaa);
        CheckVpdnEnable();
        CheckDpdk();
        if (!_interfaces.TryGetValue("inside", out var inside) || inside.Address is null)
            Warning(0, "no 'ip address inside A.B.C.D MASK' line: the gateway has no inside address to give itself in IPCP");

        var diagnostics = PixConfigParser.Sort(_diagnostics);
        if (diagnostics.Any(d => d.Severity == ConfigSeverity.Error))
            return new ConfigParseResult(null, diagnostics);

        var interfaces = _interfaceOrder.Select(name =>
        {
            var i = _interfaces[name];
            return new InterfaceConfig(name, i.HardwareId, i.SecurityLevel,
                i.Address is { } a ? Ipv4.ToIPAddress(a) : null,
                i.Mask is { } m ? Ipv4.ToIPAddress(m) : null);
        }).ToImmutableArray();
        var users = _userOrder.Select(n => new VpdnUser(n, _users[n].Password)).ToImmutableArray();
        var config = new GatewayConfig(
            interfaces, pools, aaa, groups, users,
            [.. _vpdnEnable.Select(e => e.Interface).Distinct(StringComparer.Ordinal)],
            _permitPptp, _gateway with { Logging = BuildLogging() })
        {
            Hostname = _hostname,
            Accounting = _accounting,
            TcpMss = _tcpMss,
        };
        return new ConfigParseResult(config, diagnostics);
    }

    private ImmutableArray<PoolConfig> BuildPools()
    {
        // Every range, of every pool, against every other: pools are few and small in number of ranges.
        var all = _poolOrder.SelectMany(name => _pools[name].Select(r => (Pool: name, r.Range, r.Line)))
            .OrderBy(x => x.Line).ToList();
        for (int i = 0; i < all.Count; i++)
        {
            for (int j = 0; j < i; j++)
            {
                if (!all[i].Range.Overlaps(all[j].Range))
                    continue;
                string other = all[i].Pool == all[j].Pool ? "another range of the same pool" : $"pool '{all[j].Pool}'";
                Error(all[i].Line, $"ip local pool {all[i].Pool}: range {all[i].Range} overlaps {other} ({all[j].Range}, line {all[j].Line})");
                break;
            }
            foreach (var name in _interfaceOrder)
            {
                if (_interfaces[name].Address is { } address && all[i].Range.Contains(address))
                    Warning(all[i].Line, $"ip local pool {all[i].Pool}: range {all[i].Range} contains the address of interface '{name}' ({Ipv4.Format(address)})");
            }
        }
        foreach (var name in _poolOrder)
        {
            long total = _pools[name].Sum(r => r.Range.Count);
            if (total > IpLocalPool.MaxCapacity)
                Error(_pools[name][^1].Line, $"ip local pool {name}: {total} addresses in all, more than the {IpLocalPool.MaxCapacity} a pool may hold");
        }
        return [.. _poolOrder.Select(name => new PoolConfig(name, [.. _pools[name].Select(r => r.Range).OrderBy(r => r.First)]))];
    }

    private AaaConfig BuildAaa()
    {
        var groups = _aaaOrder.Select(name =>
        {
            var g = _aaaGroups[name];
            var hosts = g.Hosts.Select(h => new AaaServerHost(
                h.Interface, Ipv4.ToIPAddress(h.Address), h.Key, h.Timeout,
                h.Port ?? (g.Protocol == AaaProtocol.Radius ? _radiusAuthPort : AaaConfig.DefaultTacacsPort),
                g.Protocol == AaaProtocol.Radius ? h.AcctPort ?? _radiusAcctPort : h.Port ?? AaaConfig.DefaultTacacsPort));
            return new AaaServerGroup(name, g.Protocol, [.. hosts], g.RequireMessageAuthenticator);
        });
        return new AaaConfig(_radiusAuthPort, _radiusAcctPort, [.. groups], _dynamicAuthorizationPort, [.. _dynamicAuthorizationClients])
        {
            Nas = _nas,
        };
    }

    private ImmutableArray<VpdnGroupConfig> BuildVpdnGroups(AaaConfig aaa)
    {
        var result = ImmutableArray.CreateBuilder<VpdnGroupConfig>();
        string? dialinGroup = null;
        foreach (var name in _vpdnOrder)
        {
            var g = _vpdnGroups[name];
            string group = $"vpdn group {name}";
            if (!g.AcceptDialin)
                Error(g.FirstLine, $"{group}: no '{group} accept dialin pptp' line, so the group can serve no call");
            else if (dialinGroup is null)
                dialinGroup = name;
            else
                Error(g.AcceptDialinLine, $"{group} accept dialin pptp: group {dialinGroup} already accepts PPTP calls; only one group may");

            if (g.Methods.Count == 0)
                Error(g.FirstLine, $"{group}: no '{group} ppp authentication pap|chap|mschap|mschapv2' line");

            AaaServerGroup? authGroup = null;
            if (g.AuthGroup is not null)
            {
                authGroup = aaa.FindGroup(g.AuthGroup);
                if (authGroup is null)
                    Error(g.AuthLine, $"{group} client authentication aaa: unknown aaa-server group '{g.AuthGroup}'");
                else if (authGroup.Hosts.IsEmpty)
                    Error(g.AuthLine, $"{group} client authentication aaa: aaa-server group '{g.AuthGroup}' has no host line");
            }
            else if (g.AcceptDialin && _users.Count == 0)
            {
                Warning(g.AuthLine > 0 ? g.AuthLine : g.FirstLine, $"{group}: authentication is local but there is no 'vpdn username' line; every login will fail");
            }

            if (g.AcctGroup is not null)
            {
                var acct = aaa.FindGroup(g.AcctGroup);
                if (acct is null)
                    Error(g.AcctLine, $"{group} client accounting: unknown aaa-server group '{g.AcctGroup}'");
                else if (acct.Hosts.IsEmpty)
                    Error(g.AcctLine, $"{group} client accounting: aaa-server group '{g.AcctGroup}' has no host line");
            }
            if (g.UnansweredStartLine > 0 && g.AcctGroup is null)
                Warning(g.UnansweredStartLine, $"{group} accounting unanswered-start: no '{group} client accounting NAME' line, so no Start is ever sent");
            if (g.Interim is not null && g.AcctGroup is null)
                Warning(g.InterimLine, $"{group} accounting interim: no '{group} client accounting NAME' line, so no interim updates will be sent");

            CheckPool(g, group, authGroup);
            CheckMppe(g, group, authGroup);

            result.Add(new VpdnGroupConfig(
                name, g.AcceptDialin, [.. g.Methods],
                g.Strength is { } strength ? new MppeSettings(strength, g.Required, g.StatePreference) : null,
                g.Pool, g.Dns, g.Wins,
                g.AuthGroup is null ? ClientAuthenticationSource.Local : ClientAuthenticationSource.Aaa,
                g.AuthGroup, g.AcctGroup, g.Echo, g.StripDomain, g.Interim)
            {
                MaxCallsPerTunnel = g.MaxCallsPerTunnel,
                UnansweredStart = g.UnansweredStart,
                SingleSession = g.SingleSession,
                IdleTimeoutSeconds = g.IdleTimeout,
                Mtu = g.Mtu,
                Mru = g.Mru,
            });
        }
        if (dialinGroup is null)
            Warning(0, "no 'vpdn group NAME accept dialin pptp' line: the gateway will refuse every call");
        return result.ToImmutable();
    }

    private void CheckPool(VpdnGroupBuilder g, string group, AaaServerGroup? authGroup)
    {
        if (g.Pool is not null)
        {
            if (!_pools.ContainsKey(g.Pool))
                Error(g.PoolLine, $"{group} client configuration address local: unknown pool '{g.Pool}'");
            return;
        }
        if (!g.AcceptDialin)
            return;
        if (authGroup is { Protocol: AaaProtocol.Radius })
            Warning(g.FirstLine, $"{group}: no 'client configuration address local POOL' line; clients get an address only when the RADIUS server returns Framed-IP-Address");
        else
            Error(g.FirstLine, $"{group}: no '{group} client configuration address local POOL' line, so clients get no address");
    }

    /// <summary>
    /// MPPE needs keys from MS-CHAP (RFC 3079 §2, §3): with PAP or CHAP only, or with TACACS+ (which cannot return
    /// MS-MPPE-Send-Key/Recv-Key), no session can be encrypted. That is an error when encryption is required (no session
    /// could ever come up) and a warning when it is optional (sessions come up unencrypted).
    /// </summary>
    private void CheckMppe(VpdnGroupBuilder g, string group, AaaServerGroup? authGroup)
    {
        if (g.Strength is null)
        {
            if (g.StatePreferenceLine > 0)
                Warning(g.StatePreferenceLine, $"{group} ppp encryption mppe: a stateful/stateless preference has no effect without 'mppe 40|56|128|auto'");
            return;
        }
        var severity = g.Required ? ConfigSeverity.Error : ConfigSeverity.Warning;
        string outcome = g.Required ? "no session can come up" : "sessions will run unencrypted";
        if (g.Methods.Count > 0 && !g.Methods.Contains(PppAuthenticationMethod.MsChapV1) && !g.Methods.Contains(PppAuthenticationMethod.MsChapV2))
        {
            Report(severity, g.MppeLine,
                $"{group} ppp encryption mppe: PPP virtual interface requires mschap for MPPE (MPPE keys come from MS-CHAP; "
                + $"add '{group} ppp authentication mschapv2' or 'mschap'); {outcome}");
        }
        if (authGroup is { Protocol: AaaProtocol.TacacsPlus })
        {
            Report(severity, g.MppeLine,
                $"{group} ppp encryption mppe: authentication is by TACACS+ group '{authGroup.Name}', and TACACS+ cannot return "
                + $"MPPE keys (only RADIUS MS-MPPE-Send-Key/Recv-Key can); {outcome}");
        }
    }

    private void CheckVpdnEnable()
    {
        if (_vpdnEnable.Count == 0)
        {
            Warning(0, "no 'vpdn enable INTERFACE' line: PPTP is not enabled on any interface");
            return;
        }
        foreach (var (name, line) in _vpdnEnable)
        {
            if (!_interfaces.ContainsKey(name))
                Warning(line, $"vpdn enable: unknown interface '{name}' (no nameif or ip address line names it)");
            else if (_interfaces[name].Address is null)
                Warning(line, $"vpdn enable {name}: the interface has no address");
        }
    }
}
