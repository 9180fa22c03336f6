using CsCheck;
using PptpGw.ControlPlane.Admin;
using PptpGw.ControlPlane.Logging;

namespace PptpGw.Tests.ControlPlane.Admin;

public class AdminCommandParserTests
{
    public static TheoryData<string, AdminCommand> Valid => new()
    {
        { "show vpdn", new AdminCommand(AdminCommandKind.ShowVpdn, VpdnView.All) },
        { "sh vpdn", new AdminCommand(AdminCommandKind.ShowVpdn, VpdnView.All) },
        { "  SHOW   VPDN  ", new AdminCommand(AdminCommandKind.ShowVpdn, VpdnView.All) },
        { "show vpdn tunnel", new AdminCommand(AdminCommandKind.ShowVpdn, VpdnView.Tunnel) },
        { "sh vp tun", new AdminCommand(AdminCommandKind.ShowVpdn, VpdnView.Tunnel) },
        { "sh vpdn s", new AdminCommand(AdminCommandKind.ShowVpdn, VpdnView.Session) },
        { "show vpdn session", new AdminCommand(AdminCommandKind.ShowVpdn, VpdnView.Session) },
        { "show debug", new AdminCommand(AdminCommandKind.ShowDebug) },
        { "sh ver", new AdminCommand(AdminCommandKind.ShowVersion) },
        { "show version", new AdminCommand(AdminCommandKind.ShowVersion) },
        { "clear vpdn tunnel all", new AdminCommand(AdminCommandKind.ClearAllTunnels) },
        { "clear vpdn tun all", new AdminCommand(AdminCommandKind.ClearAllTunnels) },
        { "cl vp t a", new AdminCommand(AdminCommandKind.ClearAllTunnels) },
        { "clear vpdn tunnel id 13", new AdminCommand(AdminCommandKind.ClearTunnel, TunnelId: 13) },
        { "clear vpdn tunnel id 65535", new AdminCommand(AdminCommandKind.ClearTunnel, TunnelId: 65535) },
        { "debug vpdn events", new AdminCommand(AdminCommandKind.DebugOn, Debug: DebugClasses.VpdnEvents) },
        { "debug vpdn packet", new AdminCommand(AdminCommandKind.DebugOn, Debug: DebugClasses.VpdnPacket) },
        { "deb vpdn err", new AdminCommand(AdminCommandKind.DebugOn, Debug: DebugClasses.VpdnError) },
        { "debug ppp negotiation", new AdminCommand(AdminCommandKind.DebugOn, Debug: DebugClasses.PppNegotiation) },
        { "debug ppp io", new AdminCommand(AdminCommandKind.DebugOn, Debug: DebugClasses.PppIo) },
        { "debug ppp e", new AdminCommand(AdminCommandKind.DebugOn, Debug: DebugClasses.PppError) },
        { "debug ppp uauth", new AdminCommand(AdminCommandKind.DebugOn, Debug: DebugClasses.PppUauth) },
        { "no debug vpdn events", new AdminCommand(AdminCommandKind.DebugOff, Debug: DebugClasses.VpdnEvents) },
        { "no debug ppp io", new AdminCommand(AdminCommandKind.DebugOff, Debug: DebugClasses.PppIo) },
        { "no debug all", new AdminCommand(AdminCommandKind.DebugOff, Debug: DebugClasses.All) },
        { "undebug all", new AdminCommand(AdminCommandKind.DebugOff, Debug: DebugClasses.All) },
        { "un all", new AdminCommand(AdminCommandKind.DebugOff, Debug: DebugClasses.All) },
        { "undebug vpdn packet", new AdminCommand(AdminCommandKind.DebugOff, Debug: DebugClasses.VpdnPacket) },
        { "terminal monitor", new AdminCommand(AdminCommandKind.TerminalMonitor) },
        { "term mon", new AdminCommand(AdminCommandKind.TerminalMonitor) },
        { "?", new AdminCommand(AdminCommandKind.Help) },
        { "help", new AdminCommand(AdminCommandKind.Help) },
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void ParsesValidAndAbbreviatedCommands(string line, AdminCommand expected)
    {
        var result = AdminCommandParser.Parse(line);
        Assert.Equal(AdminParseError.None, result.Error);
        Assert.True(result.Success);
        Assert.Equal(expected, result.Command);
    }

    [Theory]
    [InlineData("", AdminParseError.Empty, 0)]
    [InlineData("   ", AdminParseError.Empty, 0)]
    [InlineData("show vpdx", AdminParseError.InvalidInput, 5)]
    [InlineData("garbage", AdminParseError.InvalidInput, 0)]
    [InlineData("show vpdn tunnel extra", AdminParseError.InvalidInput, 17)]
    [InlineData("clear vpdn", AdminParseError.Incomplete, 10)]
    [InlineData("clear vpdn tunnel id", AdminParseError.Incomplete, 20)]
    [InlineData("clear vpdn tunnel id 65536", AdminParseError.InvalidInput, 21)]
    [InlineData("clear vpdn tunnel id -1", AdminParseError.InvalidInput, 21)]
    [InlineData("clear vpdn tunnel id 0x10", AdminParseError.InvalidInput, 21)]
    [InlineData("clear", AdminParseError.Incomplete, 5)]
    [InlineData("show v", AdminParseError.Ambiguous, 5)]
    [InlineData("debug vpdn e", AdminParseError.Ambiguous, 11)]
    [InlineData("debug all", AdminParseError.InvalidInput, 6)]
    [InlineData("debug ppp chap", AdminParseError.InvalidInput, 10)]
    [InlineData("show vpdn\u0000", AdminParseError.InvalidInput, 9)]
    [InlineData("show\nvpdn", AdminParseError.InvalidInput, 4)]
    public void RejectsBadLinesWithAReasonAndPosition(string line, AdminParseError error, int position)
    {
        var result = AdminCommandParser.Parse(line);
        Assert.Equal(error, result.Error);
        Assert.Equal(position, result.Position);
        Assert.False(result.Success);
    }

    [Fact]
    public void NullAndOverlongLinesAreRejected()
    {
        Assert.Equal(AdminParseError.Empty, AdminCommandParser.Parse(null).Error);
        Assert.Equal(AdminParseError.TooLong, AdminCommandParser.Parse("show vpdn " + new string(' ', AdminCommandParser.MaxLineLength)).Error);
    }

    [Fact]
    public void ErrorTextsFollowThePix()
    {
        const string line = "show vpdx";
        Assert.Equal("show vpdx\n     ^\n% Invalid input detected at '^' marker.\n", AdminCommandParser.FormatError(line, AdminCommandParser.Parse(line)));
        Assert.Equal("% Incomplete command.\n", AdminCommandParser.FormatError("clear", AdminCommandParser.Parse("clear")));
        Assert.Equal("% Ambiguous command:  \"sh v\"\n", AdminCommandParser.FormatError("sh v", AdminCommandParser.Parse("sh v")));
        Assert.Equal(string.Empty, AdminCommandParser.FormatError("", AdminCommandParser.Parse("")));
    }

    [Fact]
    public void ArbitraryInputNeverThrows()
    {
        var words = Gen.OneOfConst("show", "sh", "vpdn", "v", "tunnel", "session", "clear", "id", "all", "debug", "no", "undebug", "ppp", "io", "e", "65536", "13", "-", "\t", "?", "terminal", "mon");
        var lines = Gen.OneOf(
            Gen.String,
            Gen.Char.Array[0, 40].Select(c => new string(c)),
            words.Array[0, 7].Select(w => string.Join(' ', w)));
        lines.Sample(line =>
        {
            var result = AdminCommandParser.Parse(line);
            Assert.Equal(result.Error == AdminParseError.None, result.Success);
            Assert.InRange(result.Position, 0, Math.Max(line.Length, 0));
            string error = AdminCommandParser.FormatError(line, result);
            Assert.Equal(result.Success || result.Error == AdminParseError.Empty, error.Length == 0);
            Assert.DoesNotContain('\r', error);
        }, iter: 5000);
    }
}
