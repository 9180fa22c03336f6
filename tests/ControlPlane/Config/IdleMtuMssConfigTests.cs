using PptpGw.ControlPlane.Aaa.Radius;
using PptpGw.ControlPlane.Calls;
using PptpGw.ControlPlane.Config;
using PptpGw.ControlPlane.Ppp.Auth;
using PptpGw.Tests.Gateway;

namespace PptpGw.Tests.ControlPlane.Config;

/// <summary>
/// The lines of Idle-Timeout, MTU/MRU and MSS clamping: <c>vpdn group G idle-timeout S</c>, <c>vpdn group G ppp mtu|mru N</c>
/// (extensions) and the PIX's <c>sysopt connection tcpmss N</c>; bad values are errors with their line numbers.
/// </summary>
public sealed class IdleMtuMssConfigTests
{
    private static GatewayConfig Parse(string extra)
    {
        ConfigParseResult parsed = PixConfigParser.Parse(GatewayTestBed.Config(extra: extra), "t.cfg");
        Assert.True(parsed.Config is not null, string.Join("\n", parsed.Errors));
        return parsed.Config;
    }

    private static ConfigDiagnostic SingleError(string extra, string lineText)
    {
        string text = GatewayTestBed.Config(extra: extra);
        int line = text.Split('\n').ToList().FindIndex(l => l.Contains(lineText, StringComparison.Ordinal)) + 1;
        ConfigParseResult bad = PixConfigParser.Parse(text, "t.cfg");
        Assert.Null(bad.Config);
        ConfigDiagnostic error = Assert.Single(bad.Errors);
        Assert.Equal(line, error.Line);
        return error;
    }

    [Fact]
    public void Defaults_are_no_idle_timeout_no_mtu_mru_and_a_derived_mss()
    {
        GatewayConfig config = Parse("");
        Assert.Equal(0, config.DialinGroup!.IdleTimeoutSeconds);
        Assert.Null(config.DialinGroup.Mtu);
        Assert.Null(config.DialinGroup.Mru);
        Assert.Null(config.TcpMss);
    }

    [Fact]
    public void The_lines_set_their_values()
    {
        GatewayConfig config = Parse("vpdn group 1 idle-timeout 600\nvpdn group 1 ppp mtu 1380\nvpdn group 1 ppp mru 1450\nsysopt connection tcpmss 1300");
        Assert.Equal(600, config.DialinGroup!.IdleTimeoutSeconds);
        Assert.Equal(1380, config.DialinGroup.Mtu);
        Assert.Equal(1450, config.DialinGroup.Mru);
        Assert.Equal(1300, config.TcpMss);
        Assert.Equal(0, Parse("sysopt connection tcpmss 0").TcpMss);
        Assert.Equal(0, Parse("sysopt connection tcpmss 1300\nno sysopt connection tcpmss").TcpMss);
        Assert.Equal(0, Parse("vpdn group 1 idle-timeout 600\nvpdn group 1 idle-timeout 0").DialinGroup!.IdleTimeoutSeconds);
    }

    [Fact]
    public void The_mru_reaches_lcp()
    {
        GatewayConfig config = Parse("vpdn group 1 ppp mru 1300");
        var options = PptpGw.ControlPlane.Ppp.Session.PppSessionOptions.ForServer(config, config.DialinGroup!,
            new LocalPppAuthenticator(new VpdnUserCredentialStore(config.Users)), null);
        Assert.Equal(1300, options.Lcp.Mru);
        GatewayConfig plain = Parse("");
        Assert.Equal(1400, PptpGw.ControlPlane.Ppp.Session.PppSessionOptions.ForServer(plain, plain.DialinGroup!,
            new LocalPppAuthenticator(new VpdnUserCredentialStore(plain.Users)), null).Lcp.Mru);
    }

    [Fact]
    public void Tcpmss_minimum_is_a_notice_not_an_error()
    {
        ConfigParseResult parsed = PixConfigParser.Parse(GatewayTestBed.Config(extra: "sysopt connection tcpmss minimum 48"), "t.cfg");
        Assert.NotNull(parsed.Config);
        Assert.Contains(parsed.Diagnostics, d => d.Severity == ConfigSeverity.Notice && d.Message.Contains("minimum MSS is not applied", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("vpdn group 1 idle-timeout soon", "'soon' is not a number of seconds from 0 (off) to 2592000")]
    [InlineData("vpdn group 1 idle-timeout -1", "is not a number of seconds")]
    [InlineData("vpdn group 1 ppp mtu 9000", "'9000' is not a number of bytes from 576 to 1500")]
    [InlineData("vpdn group 1 ppp mru 100", "'100' is not a number of bytes from 576 to 1500")]
    [InlineData("sysopt connection tcpmss 20", "'20' is not 0 (off) or a number of bytes from 48 to 65535")]
    [InlineData("sysopt connection tcpmss", "expected 'sysopt connection tcpmss BYTES'")]
    public void A_bad_value_is_an_error_on_its_line(string line, string message) =>
        Assert.Contains(message, SingleError(line, line).Message, StringComparison.Ordinal);

    [Theory]
    [InlineData("", 1500, 1400, 1360)]                                 // our MRU 1400 bounds it
    [InlineData("", 1300, 1400, 1260)]                                 // the client's smaller MRU
    [InlineData("vpdn group 1 ppp mtu 1200", 1500, 1400, 1160)]        // the group's MTU
    [InlineData("sysopt connection tcpmss 1380", 1500, 1400, 1380)]    // the PIX line wins (as on the PIX)
    [InlineData("sysopt connection tcpmss 0", 1500, 1400, 0)]          // off
    public void The_clamp_is_the_tcpmss_line_or_the_tunnel_mtu_less_40(string extra, int peerMru, int localMru, int expected)
    {
        GatewayConfig config = Parse(extra);
        var link = new PptpGw.ControlPlane.Ppp.Session.PppLinkResult(PptpGw.ControlPlane.Ppp.Session.PppRole.Server, "u", null, null,
            0, 0, 0, 0, 0, 0, null, null, (ushort)peerMru, false, false, null, (ushort)localMru);
        Assert.Equal(expected, PptpGw.Gateway.Orchestration.PppCallBridge.TcpMssFor(config, config.DialinGroup!, link));
    }

    [Fact]
    public void Idle_timeout_ends_are_acct_terminate_cause_4()
    {
        // RFC 2866 §5.10: Idle-Timeout is 4.
        Assert.Equal(4, (int)AcctTerminateCause.IdleTimeout);
        Assert.Equal(AcctTerminateCause.IdleTimeout, CallEndReason.IdleTimeout.ToAcctTerminateCause());
        Assert.Equal(CallEndReason.IdleTimeout, CallEndReasonMapping.FromAaa(AcctTerminateCause.IdleTimeout));
    }
}
