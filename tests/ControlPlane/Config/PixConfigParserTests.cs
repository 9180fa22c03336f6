using PptpGw.ControlPlane.Logging;
using System.Net;
using PptpGw.ControlPlane.Config;
using PptpGw.ControlPlane.Pools;

namespace PptpGw.Tests.ControlPlane.Config;

public class PixConfigParserTests
{
    private static GatewayConfig LoadClean(string text, string file = "pix.cfg")
    {
        var result = PixConfigParser.Parse(text, file);
        Assert.Empty(result.Errors.Select(d => d.ToString()));
        Assert.NotNull(result.Config);
        return result.Config;
    }

    private static IPAddress Ip(string text) => IPAddress.Parse(text);

    [Fact]
    public void GuideLocalAuthenticationConfigurationLoads()
    {
        var result = PixConfigParser.Parse(GuideConfigurations.LocalAuthenticationNoEncryption, "guide-local.cfg");

        Assert.Empty(result.Errors.Select(d => d.ToString()));
        Assert.Empty(result.Warnings.Select(d => d.ToString()));
        var config = result.Config!;
        Assert.Equal(["outside", "inside", "pix/intf2"], config.Interfaces.Select(i => i.Name));
        Assert.Equal(new InterfaceConfig("outside", "ethernet0", 0, Ip("172.18.124.152"), Ip("255.255.255.0")), config.Interfaces[0]);
        Assert.Equal(Ip("10.1.1.1"), config.InsideAddress);
        var pool = Assert.Single(config.Pools);
        Assert.Equal("pptp-pool", pool.Name);
        Assert.Equal("192.168.1.1-192.168.1.50", Assert.Single(pool.Ranges).ToString());
        Assert.Equal(50, pool.Capacity);
        Assert.Equal([("TACACS+", AaaProtocol.TacacsPlus), ("RADIUS", AaaProtocol.Radius)],
            config.Aaa.Groups.Select(g => (g.Name, g.Protocol)));
        var group = Assert.Single(config.VpdnGroups);
        Assert.Same(group, config.DialinGroup);
        Assert.Equal([PppAuthenticationMethod.Pap, PppAuthenticationMethod.Chap, PppAuthenticationMethod.MsChapV1], group.AuthenticationMethods.ToArray());
        Assert.Null(group.Mppe);
        Assert.Equal("pptp-pool", group.AddressPool);
        Assert.Equal(ClientAuthenticationSource.Local, group.AuthenticationSource);
        Assert.Equal(VpdnGroupConfig.DefaultEchoIntervalSeconds, group.EchoIntervalSeconds);
        Assert.Equal(new VpdnUser("cisco", "cisco"), Assert.Single(config.Users.ToArray()));
        Assert.Equal(["outside"], config.VpdnEnabledInterfaces.ToArray());
        Assert.True(config.PermitPptp);
        // The guide's "logging on" and "logging trap debugging" are honoured now (no logging host: nothing leaves).
        Assert.Equal(GatewayOptions.Default with { Logging = LoggingConfig.Default with { Enabled = true, TrapLevel = PixSeverity.Debugging } }, config.Gateway);
    }

    [Fact]
    public void GuideLocalConfigurationNoticesNameTheIgnoredLines()
    {
        var result = PixConfigParser.Parse(GuideConfigurations.LocalAuthenticationNoEncryption, "guide-local.cfg");
        var lines = GuideConfigurations.LocalAuthenticationNoEncryption.Split('\n');
        int fixup = Array.IndexOf(lines, "fixup protocol ftp 21") + 1;

        var notice = Assert.Single(result.Diagnostics, d => d.Line == fixup);
        Assert.Equal(ConfigSeverity.Notice, notice.Severity);
        Assert.Equal($"guide-local.cfg:{fixup}: notice: 'fixup protocol ftp 21' ignored: not used by this gateway", notice.ToString());
        // ": end" is a comment; every other line not ignored is one the model holds.
        Assert.DoesNotContain(result.Diagnostics, d => d.Line == lines.Length);
        Assert.DoesNotContain(result.Diagnostics, d => lines[d.Line - 1].StartsWith("vpdn", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("radius", AaaProtocol.Radius)]
    [InlineData("tacacs+", AaaProtocol.TacacsPlus)]
    public void GuideAaaConfigurationLoadsWithEitherProtocol(string choice, AaaProtocol expected)
    {
        string text = GuideConfigurations.AaaAuthenticationNoEncryption.Replace(
            GuideConfigurations.ProtocolPlaceholder, "aaa-server AuthInbound protocol " + choice, StringComparison.Ordinal);

        var result = PixConfigParser.Parse(text, "guide-aaa.cfg");

        Assert.Empty(result.Errors.Select(d => d.ToString()));
        Assert.Empty(result.Warnings.Select(d => d.ToString()));
        var config = result.Config!;
        var group = config.Aaa.FindGroup("AuthInbound");
        Assert.NotNull(group);
        Assert.Equal(expected, group.Protocol);
        var host = Assert.Single(group.Hosts);
        int port = expected == AaaProtocol.Radius ? 1645 : 49;
        int acctPort = expected == AaaProtocol.Radius ? 1646 : 49;
        Assert.Equal(new AaaServerHost("outside", Ip("172.18.124.99"), "cisco", 5, port, acctPort), host);
        var vpdn = config.DialinGroup!;
        Assert.Equal(ClientAuthenticationSource.Aaa, vpdn.AuthenticationSource);
        Assert.Equal("AuthInbound", vpdn.AuthenticationServerGroup);
        Assert.Empty(config.Users.ToArray());
    }

    [Fact]
    public void GuideAaaConfigurationVerbatimIsRefusedOnlyForThePlaceholder()
    {
        var result = PixConfigParser.Parse(GuideConfigurations.AaaAuthenticationNoEncryption, "guide-aaa.cfg");

        Assert.Null(result.Config);
        var errors = result.Errors.ToList();
        Assert.Equal(3, errors.Count);
        Assert.Equal(
            $"guide-aaa.cfg:{GuideConfigurations.ProtocolPlaceholderLine}: error: aaa-server AuthInbound protocol: "
            + "'radius | tacacs+' is the syntax of the guide, not a value: choose one of 'radius' or 'tacacs+'",
            errors[0].ToString());
        // With the group undefined, its host line cannot be placed either; the message says why.
        Assert.Equal(GuideConfigurations.ProtocolPlaceholderLine + 1, errors[1].Line);
        Assert.Contains("unknown group 'AuthInbound'; define it first", errors[1].Message, StringComparison.Ordinal);
        // And the vpdn group that names it.
        Assert.EndsWith("client authentication aaa: unknown aaa-server group 'AuthInbound'", errors[2].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PromptsAndGuideCommentsAreStripped()
    {
        const string text = """
            pix(config)# ip address inside 10.1.1.1 255.255.255.0
            PIX(config)#ip local pool pptp-pool 192.168.1.1-192.168.1.50
            !--- Use the local database.
            pix(config)# vpdn group 1 accept dialin pptp
            pix(config)# vpdn group 1 ppp authentication mschap
            pix(config)# vpdn group 1 client configuration address local pptp-pool
            pix(config)# vpdn group 1 client authentication local
            pix(config)# vpdn username cisco password cisco
            pix(config)# vpdn enable inside
            PIX# show vpdn
            : Saved
            """;

        var result = PixConfigParser.Parse(text, "pasted.cfg");

        Assert.NotNull(result.Config);
        Assert.Equal("pptp-pool", result.Config.DialinGroup!.AddressPool);
        Assert.Equal(Ip("10.1.1.1"), result.Config.InsideAddress);
        // Only the exec command "show vpdn" is reported (ignored); prompts, "!---" and ": Saved" vanish silently.
        var notice = Assert.Single(result.Diagnostics);
        Assert.Equal("pasted.cfg:10: notice: 'show vpdn' ignored: not used by this gateway", notice.ToString());
    }

    [Fact]
    public void EveryAcceptedLineLandsInTheModel()
    {
        const string text = """
            nameif ethernet0 outside security0
            nameif ethernet1 inside security100
            ip address outside 198.18.0.1 255.255.255.0
            ip address inside 10.1.1.1 255.255.255.0
            ip local pool pool-a 192.168.10.1-192.168.10.100
            ip local pool pool-a 192.168.20.1 mask 255.255.255.0
            ip local pool pool-b 192.168.30.0-192.168.31.255
            aaa-server radius-authport 1812
            aaa-server radius-acctport 1813
            aaa-server RAD protocol radius
            aaa-server RAD (inside) host 10.1.1.10 s3cret timeout 3
            aaa-server RAD (inside) host 10.1.1.11 other port 11812 acct-port 11813
            aaa-server RAD (inside) host 10.1.1.12
            aaa-server RAD require-message-authenticator
            aaa-server TAC protocol tacacs+
            aaa-server TAC (inside) host 10.1.1.20 tkey port 4949
            radius-dynamic-authorization client 10.1.1.10 key coa-key
            radius-dynamic-authorization port 13799
            vpdn group 7 accept dialin pptp
            vpdn group 7 ppp authentication mschapv2
            vpdn group 7 ppp authentication mschap
            vpdn group 7 ppp authentication chap
            vpdn group 7 ppp authentication pap
            vpdn group 7 ppp encryption mppe 56 required
            vpdn group 7 ppp encryption mppe stateful
            vpdn group 7 client configuration address local pool-a
            vpdn group 7 client configuration dns 10.1.1.53 10.1.1.54
            vpdn group 7 client configuration wins 10.1.1.55
            vpdn group 7 client authentication aaa RAD
            vpdn group 7 client accounting RAD
            vpdn group 7 pptp echo 30
            vpdn group 7 strip-domain
            vpdn group 7 accounting interim 600
            vpdn username cisco password cisco
            vpdn username DOMAIN\cisco password cisco2 store-local
            vpdn enable outside
            sysopt connection permit-pptp
            gateway max-sessions 50000
            gateway max-control-connections 20000
            gateway admin-socket /run/test/admin.sock
            gateway dataplane memory
            logging syslog on
            """;

        var result = PixConfigParser.Parse(text, "full.cfg");

        Assert.Empty(result.Diagnostics.Select(d => d.ToString()));
        var config = result.Config!;
        Assert.Equal(
            [new InterfaceConfig("outside", "ethernet0", 0, Ip("198.18.0.1"), Ip("255.255.255.0")),
             new InterfaceConfig("inside", "ethernet1", 100, Ip("10.1.1.1"), Ip("255.255.255.0"))],
            config.Interfaces.ToArray());

        Assert.Equal(["pool-a", "pool-b"], config.Pools.Select(p => p.Name));
        Assert.Equal(["192.168.10.1-192.168.10.100", "192.168.20.1"], config.FindPool("pool-a")!.Ranges.Select(r => r.ToString()));
        Assert.Equal(101, config.FindPool("pool-a")!.Capacity);
        Assert.Equal(512, config.FindPool("pool-b")!.Capacity);

        Assert.Equal(1812, config.Aaa.RadiusAuthenticationPort);
        Assert.Equal(1813, config.Aaa.RadiusAccountingPort);
        var rad = config.Aaa.FindGroup("RAD")!;
        Assert.Equal(AaaProtocol.Radius, rad.Protocol);
        Assert.True(rad.RequireMessageAuthenticator);
        Assert.Equal(
            [new AaaServerHost("inside", Ip("10.1.1.10"), "s3cret", 3, 1812, 1813),
             new AaaServerHost("inside", Ip("10.1.1.11"), "other", 5, 11812, 11813),
             new AaaServerHost("inside", Ip("10.1.1.12"), null, 5, 1812, 1813)],
            rad.Hosts.ToArray());
        var tac = config.Aaa.FindGroup("TAC")!;
        Assert.Equal(AaaProtocol.TacacsPlus, tac.Protocol);
        Assert.False(tac.RequireMessageAuthenticator);
        Assert.Equal(new AaaServerHost("inside", Ip("10.1.1.20"), "tkey", 5, 4949, 4949), Assert.Single(tac.Hosts));
        Assert.Equal(13799, config.Aaa.DynamicAuthorizationPort);
        Assert.Equal(new DynamicAuthorizationClient(Ip("10.1.1.10"), "coa-key"), Assert.Single(config.Aaa.DynamicAuthorizationClients));

        var group = Assert.Single(config.VpdnGroups);
        Assert.Equal("7", group.Name);
        Assert.True(group.AcceptDialinPptp);
        Assert.Equal(
            [PppAuthenticationMethod.MsChapV2, PppAuthenticationMethod.MsChapV1, PppAuthenticationMethod.Chap, PppAuthenticationMethod.Pap],
            group.AuthenticationMethods.ToArray());
        Assert.Equal(new MppeSettings(MppeStrengthSetting.Bits56, Required: true, MppeStatePreference.Stateful), group.Mppe);
        Assert.Equal("pool-a", group.AddressPool);
        Assert.Equal([Ip("10.1.1.53"), Ip("10.1.1.54")], group.DnsServers.ToArray());
        Assert.Equal([Ip("10.1.1.55")], group.WinsServers.ToArray());
        Assert.Equal(ClientAuthenticationSource.Aaa, group.AuthenticationSource);
        Assert.Equal("RAD", group.AuthenticationServerGroup);
        Assert.Equal("RAD", group.AccountingServerGroup);
        Assert.Equal(30, group.EchoIntervalSeconds);
        Assert.True(group.StripDomain);
        Assert.Equal(600, group.AccountingInterimSeconds);

        Assert.Equal([new VpdnUser("cisco", "cisco"), new VpdnUser(@"DOMAIN\cisco", "cisco2")], config.Users.ToArray());
        Assert.Equal("cisco2", config.FindUser(@"DOMAIN\cisco")!.Password);
        Assert.Equal(["outside"], config.VpdnEnabledInterfaces.ToArray());
        Assert.True(config.PermitPptp);
        Assert.Equal(new GatewayOptions(50000, 20000, "/run/test/admin.sock", DataplaneBackend.Memory, Syslog: true), config.Gateway);
    }

    [Fact]
    public void MaxCallsPerTunnelDefaultsTo1000AndIsBoundedWithLineNumbers()
    {
        const string head = """
            ip address outside 198.18.0.1 255.255.255.0
            ip local pool p 198.18.5.1-198.18.5.10
            vpdn group 1 accept dialin pptp
            vpdn group 1 ppp authentication pap
            vpdn group 1 client configuration address local p
            vpdn group 1 client authentication local

            """;
        Assert.Equal(VpdnGroupConfig.DefaultMaxCallsPerTunnel, LoadClean(head).DialinGroup!.MaxCallsPerTunnel);
        Assert.Equal(1000, VpdnGroupConfig.DefaultMaxCallsPerTunnel);
        Assert.Equal(5, LoadClean(head + "vpdn group 1 pptp max-calls-per-tunnel 5").DialinGroup!.MaxCallsPerTunnel);
        Assert.Equal(65535, LoadClean(head + "VPDN GROUP 1 PPTP MAX-CALLS-PER-TUNNEL 65535").DialinGroup!.MaxCallsPerTunnel);

        foreach (string bad in new[] { "0", "65536", "many", "-1" })
        {
            var result = PixConfigParser.Parse(head + "vpdn group 1 pptp max-calls-per-tunnel " + bad, "pix.cfg");
            Assert.Null(result.Config);
            Assert.Equal($"pix.cfg:7: error: vpdn group 1 pptp max-calls-per-tunnel: '{bad}' is not a number of calls from 1 to 65535",
                Assert.Single(result.Errors).ToString());
        }
        var extra = PixConfigParser.Parse(head + "vpdn group 1 pptp max-calls-per-tunnel 5 6", "pix.cfg");
        Assert.Contains("pix.cfg:7: error: vpdn group 1: unknown or malformed command", Assert.Single(extra.Errors).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void KeywordsAreCaseInsensitiveAndNamesAreNot()
    {
        const string text = """
            IP ADDRESS inside 10.1.1.1 255.255.255.0
            IP LOCAL POOL Pool 192.168.1.1-192.168.1.9
            VPDN GROUP g ACCEPT DIALIN PPTP
            VPDN GROUP g PPP AUTHENTICATION MSCHAPV2
            VPDN GROUP g CLIENT CONFIGURATION ADDRESS LOCAL pool
            VPDN USERNAME u PASSWORD p
            VPDN ENABLE inside
            """;

        var result = PixConfigParser.Parse(text, "case.cfg");

        var error = Assert.Single(result.Errors);
        Assert.Equal("case.cfg:5: error: vpdn group g client configuration address local: unknown pool 'pool'", error.ToString());
    }

    [Fact]
    public void SecretsStayOutOfToString()
    {
        var config = LoadClean("""
            ip address inside 10.1.1.1 255.255.255.0
            ip local pool p 192.168.1.1-192.168.1.9
            aaa-server R protocol radius
            aaa-server R (inside) host 10.1.1.10 radius-secret-xyz
            radius-dynamic-authorization client 10.1.1.10 key coa-secret-xyz
            vpdn group 1 accept dialin pptp
            vpdn group 1 ppp authentication mschapv2
            vpdn group 1 client configuration address local p
            vpdn group 1 client authentication aaa R
            vpdn username alice password user-secret-xyz
            vpdn enable inside
            """);

        string printed = config.ToString() + config.Aaa.Groups[0].Hosts[0] + config.Users[0] + config.Aaa.DynamicAuthorizationClients[0];
        Assert.DoesNotContain("secret-xyz", printed, StringComparison.Ordinal);
        Assert.Contains("alice", printed, StringComparison.Ordinal);
        Assert.Equal("radius-secret-xyz", config.Aaa.Groups[0].Hosts[0].Key);
    }

    [Fact]
    public void BrokenConfigurationGivesLineNumberedErrors()
    {
        const string text = """
            ip address outside 198.18.0.1 255.255.255.0
            ip address inside 10.1.1.1 255.0.255.0
            ip local pool pptp-pool 192.168.1.50-192.168.1.1
            ip local pool pool-a 192.168.2.1-192.168.2.100
            ip local pool pool-b 192.168.2.50-192.168.2.60
            ip local pool pool-c 192.168.3.1-192.168.3.300
            aaa-server TAC protocol tacacs+
            aaa-server TAC (inside) host 10.1.1.20 key
            vpdn group 1 accept dialin pptp
            vpdn group 1 ppp authentication pap
            vpdn group 1 ppp authentication chap
            vpdn group 1 client configuration address local pptp-pol
            vpdn group 1 ppp encryption mppe 128 required
            vpdn group 1 client authentication aaa TAC
            vpdn group 1 pptp echo sixty
            vpdn group 2 ppp authentication mschap
            vpdn group 2 client authentication aaa NOPE
            vpdn group 2 client configuration address local pool-a
            vpdn group 2 ppp encryption mppe 64
            vpdn group 2 ppp authentication eap
            gateway max-sessions 0
            aaa-server TAC (inside) host 10.1.1.21 k acct-port 49
            """;

        var result = PixConfigParser.Parse(text, "pix.cfg");

        Assert.Null(result.Config);
        string[] expected =
        [
            "pix.cfg:2: error: ip address inside 10.1.1.1: malformed mask '255.0.255.0' (expected contiguous ones, such as 255.255.255.0)",
            "pix.cfg:3: error: ip local pool pptp-pool: range 192.168.1.50-192.168.1.1 starts above its end",
            "pix.cfg:5: error: ip local pool pool-b: range 192.168.2.50-192.168.2.60 overlaps pool 'pool-a' (192.168.2.1-192.168.2.100, line 4)",
            "pix.cfg:6: error: ip local pool pool-c: malformed address '192.168.3.300'",
            "pix.cfg:12: error: vpdn group 1 client configuration address local: unknown pool 'pptp-pol'",
            "pix.cfg:15: error: vpdn group 1 pptp echo: 'sixty' is not a number of seconds from 0 (off) to 3600",
            "pix.cfg:16: error: vpdn group 2: no 'vpdn group 2 accept dialin pptp' line, so the group can serve no call",
            "pix.cfg:17: error: vpdn group 2 client authentication aaa: unknown aaa-server group 'NOPE'",
            "pix.cfg:19: error: vpdn group 2 ppp encryption mppe: expected 'mppe 40|56|128|auto [required]' or 'mppe stateful|stateless', not '64'",
            "pix.cfg:20: error: vpdn group 2 ppp authentication: unknown method 'eap' (expected pap, chap, mschap or mschapv2)",
            "pix.cfg:21: error: gateway max-sessions: '0' is not a number from 1 to 1000000",
            "pix.cfg:22: error: aaa-server TAC (inside) host 10.1.1.21: acct-port applies to RADIUS only; TACACS+ accounts over its one TCP connection",
        ];
        var errors = result.Errors.Select(d => d.ToString()).ToList();
        foreach (var line in expected)
            Assert.Contains(line, errors);

        // Line 13: mppe required with PAP/CHAP only, and with TACACS+: two errors, each explaining why.
        var mppe = result.Errors.Where(d => d.Line == 13).Select(d => d.Message).ToList();
        Assert.Equal(2, mppe.Count);
        Assert.Contains(mppe, m => m.Contains("requires mschap for MPPE", StringComparison.Ordinal) && m.Contains("no session can come up", StringComparison.Ordinal));
        Assert.Contains(mppe, m => m.Contains("TACACS+ cannot return MPPE keys", StringComparison.Ordinal));
        // The key-less TACACS+ host line 8 ("key" is taken as the key itself) is fine; the group it serves is not the problem.
        Assert.DoesNotContain(result.Errors, d => d.Line == 8);
        Assert.Equal(expected.Length + 2, errors.Count);
        // Diagnostics come in line order.
        Assert.Equal(result.Diagnostics.Select(d => d.Line == 0 ? int.MaxValue : d.Line).Order(), result.Diagnostics.Select(d => d.Line == 0 ? int.MaxValue : d.Line));
    }

    [Fact]
    public void OptionalMppeWithoutMsChapOrWithTacacsIsAWarning()
    {
        const string text = """
            ip address outside 198.18.0.1 255.255.255.0
            ip address inside 10.1.1.1 255.255.255.0
            ip local pool p 192.168.1.1-192.168.1.9
            aaa-server TAC protocol tacacs+
            aaa-server TAC (inside) host 10.1.1.20 k
            vpdn group 1 accept dialin pptp
            vpdn group 1 ppp authentication pap
            vpdn group 1 ppp encryption mppe auto
            vpdn group 1 client configuration address local p
            vpdn group 1 client authentication aaa TAC
            vpdn enable outside
            """;

        var result = PixConfigParser.Parse(text, "w.cfg");

        Assert.NotNull(result.Config);
        var warnings = result.Warnings.ToList();
        Assert.Equal(2, warnings.Count);
        Assert.All(warnings, w => Assert.Equal(8, w.Line));
        Assert.All(warnings, w => Assert.EndsWith("sessions will run unencrypted", w.Message, StringComparison.Ordinal));
        Assert.Equal(new MppeSettings(MppeStrengthSetting.Auto, false, MppeStatePreference.Stateless), result.Config.DialinGroup!.Mppe);
    }

    [Fact]
    public void MissingPiecesGiveWarnings()
    {
        const string text = """
            ip local pool p 192.168.1.1-192.168.1.9
            ip local pool q 10.1.1.0-10.1.1.9
            ip address inside 10.1.1.1 255.255.255.0
            vpdn group 1 accept dialin pptp
            vpdn group 1 ppp authentication mschapv2
            vpdn group 1 client configuration address local p
            vpdn group 1 ppp encryption mppe stateless
            vpdn group 1 accounting interim 300
            """;

        var result = PixConfigParser.Parse(text, "m.cfg");

        Assert.NotNull(result.Config);
        var warnings = result.Warnings.Select(w => w.ToString()).ToList();
        Assert.Equal(
        [
            "m.cfg:2: warning: ip local pool q: range 10.1.1.0-10.1.1.9 contains the address of interface 'inside' (10.1.1.1)",
            "m.cfg:4: warning: vpdn group 1: authentication is local but there is no 'vpdn username' line; every login will fail",
            "m.cfg:7: warning: vpdn group 1 ppp encryption mppe: a stateful/stateless preference has no effect without 'mppe 40|56|128|auto'",
            "m.cfg:8: warning: vpdn group 1 accounting interim: no 'vpdn group 1 client accounting NAME' line, so no interim updates will be sent",
            "m.cfg: warning: no 'vpdn enable INTERFACE' line: PPTP is not enabled on any interface",
        ], warnings);
    }

    [Fact]
    public void OnlyOneGroupMayAcceptPptp()
    {
        const string text = """
            ip local pool p 192.168.1.1-192.168.1.9
            vpdn group a accept dialin pptp
            vpdn group a ppp authentication mschapv2
            vpdn group a client configuration address local p
            vpdn group b accept dialin pptp
            vpdn group b ppp authentication mschapv2
            vpdn group b client configuration address local p
            """;

        var error = Assert.Single(PixConfigParser.Parse(text, "x.cfg").Errors);

        Assert.Equal("x.cfg:5: error: vpdn group b accept dialin pptp: group a already accepts PPTP calls; only one group may", error.ToString());
    }

    [Fact]
    public void RadiusGroupWithoutPoolIsAWarningLocalIsAnError()
    {
        const string radius = """
            aaa-server R protocol radius
            aaa-server R (inside) host 10.1.1.10 k
            vpdn group 1 accept dialin pptp
            vpdn group 1 ppp authentication mschapv2
            vpdn group 1 client authentication aaa R
            """;
        var withRadius = PixConfigParser.Parse(radius, "r.cfg");
        Assert.NotNull(withRadius.Config);
        Assert.Contains(withRadius.Warnings, w => w.Line == 3 && w.Message.Contains("Framed-IP-Address", StringComparison.Ordinal));

        var local = PixConfigParser.Parse("vpdn group 1 accept dialin pptp\nvpdn group 1 ppp authentication pap\nvpdn username a password b", "l.cfg");
        Assert.Equal("l.cfg:1: error: vpdn group 1: no 'vpdn group 1 client configuration address local POOL' line, so clients get no address",
            Assert.Single(local.Errors).ToString());
    }

    [Fact]
    public void ParseFileReportsAnUnreadableFile()
    {
        string path = Path.Combine(Path.GetTempPath(), $"pptpgw-missing-{Guid.NewGuid():N}.cfg");

        var result = PixConfigParser.ParseFile(path);

        var error = Assert.Single(result.Diagnostics);
        Assert.Equal(0, error.Line);
        Assert.StartsWith($"{path}: error: cannot read the configuration", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ParseFileReadsAFile()
    {
        string path = Path.Combine(Path.GetTempPath(), $"pptpgw-{Guid.NewGuid():N}.cfg");
        File.WriteAllText(path, GuideConfigurations.LocalAuthenticationNoEncryption);
        try
        {
            var result = PixConfigParser.ParseFile(path);
            Assert.NotNull(result.Config);
            Assert.All(result.Diagnostics, d => Assert.Equal(path, d.FileName));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void PoolConfigCreatesAnAllocatorOverItsRanges()
    {
        var config = LoadClean("""
            ip address inside 10.1.1.1 255.255.255.0
            ip local pool p 192.168.1.1-192.168.1.2
            ip local pool p 192.168.9.9
            vpdn group 1 accept dialin pptp
            vpdn group 1 ppp authentication mschapv2
            vpdn group 1 client configuration address local p
            vpdn username a password b
            vpdn enable inside
            """);

        var pool = config.FindPool("p")!.CreatePool();

        Assert.Equal(3, pool.Capacity);
        Assert.True(pool.Contains(Ipv4.FromIPAddress(Ip("192.168.9.9"))));
        Assert.False(pool.Contains(Ipv4.FromIPAddress(Ip("192.168.1.3"))));
    }

    [Fact]
    public void Connection_admission_lines_set_the_per_source_limit_and_the_SCCRQ_timeout()
    {
        const string Head = "sysopt connection permit-pptp\n";
        GatewayOptions defaults = LoadClean(Head).Gateway;
        Assert.Equal(new ConnectionLimitConfig(64, TimeSpan.FromMilliseconds(50)), defaults.ConnectionLimit);
        Assert.Equal(10, defaults.StartRequestTimeoutSeconds);

        GatewayOptions set = LoadClean(Head + "gateway connlimit rate 10/min burst 3\ngateway sccrq-timeout 30\n").Gateway;
        Assert.Equal(new ConnectionLimitConfig(3, TimeSpan.FromSeconds(6)), set.ConnectionLimit);
        Assert.Equal(30, set.StartRequestTimeoutSeconds);
        Assert.Equal(new ConnectionLimitConfig(5, TimeSpan.FromMilliseconds(50)), LoadClean(Head + "gateway connlimit burst 5\n").Gateway.ConnectionLimit);
        Assert.Null(LoadClean(Head + "gateway connlimit off\n").Gateway.ConnectionLimit);

        foreach ((string line, string message) in new[]
        {
            ("gateway connlimit rate 10/day", "gateway connlimit rate: '10/day' is not N/sec, N/min or N/hour"),
            ("gateway connlimit burst 0", "gateway connlimit burst: '0' is not a number"),
            ("gateway connlimit fast", "gateway connlimit: expected"),
            ("gateway sccrq-timeout 0", "gateway sccrq-timeout: '0' is not a number of seconds from 1 to 600"),
        })
        {
            ConfigParseResult result = PixConfigParser.Parse(Head + line + "\n", "c.cfg");
            Assert.Null(result.Config);
            Assert.Contains(result.Diagnostics, d => d.ToString().StartsWith("c.cfg:2: error: " + message, StringComparison.Ordinal));
        }
    }
}
