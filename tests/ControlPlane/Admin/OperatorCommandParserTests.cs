using System.Net;
using PptpGw.ControlPlane.Admin;

namespace PptpGw.Tests.ControlPlane.Admin;

/// <summary>The operator grammar: abbreviations as on the PIX, the PIX commands left to their parser, precise errors.</summary>
public sealed class OperatorCommandParserTests
{
    [Theory]
    [InlineData("show vpdn")]
    [InlineData("sh vpdn tun")]
    [InlineData("show vpdn session")]
    [InlineData("clear vpdn tunnel all")]
    [InlineData("cl vpdn tu id 3")]
    [InlineData("debug ppp io")]
    [InlineData("show version")]
    [InlineData("terminal monitor")]
    public void Pix_commands_are_left_to_the_pix_parser(string line)
    {
        Assert.Same(OperatorParseResult.NotOurs, OperatorCommandParser.Parse(line));
        Assert.True(AdminCommandParser.Parse(line).Success);
    }

    [Fact]
    public void Brief_takes_columns_matches_and_order_with_abbreviations()
    {
        OperatorCommand command = OperatorCommandParser.Parse("sh vpdn ses br col user,ip,rx-b mat user ^a.*e$ mat ip 198\\.18 ord upt desc --json").Command!;
        Assert.Equal(OperatorCommandKind.ShowSessionBrief, command.Kind);
        Assert.True(command.Json);
        Assert.Equal(["user", "ip", "rx-bytes"], command.Columns.Select(c => c.Name));
        Assert.Equal(2, command.Matches.Count);
        Assert.Equal("uptime", command.Order!.Name);
        Assert.True(command.Descending);
        Assert.Equal(SessionBriefColumns.All.Count, OperatorCommandParser.Parse("show vpdn session brief columns all").Command!.Columns.Count);
    }

    [Theory]
    [InlineData("clear vpdn username alice", "alice", null, null, true)]
    [InlineData("clear vpdn user alice hard", "alice", null, null, false)]
    [InlineData("clear vpdn session ip 198.19.1.7", null, "198.19.1.7", null, true)]
    [InlineData("cl vpdn se id 12 h", null, null, 12, false)]
    public void Clears_name_what_they_end(string line, string? user, string? ip, int? id, bool soft)
    {
        OperatorCommand command = OperatorCommandParser.Parse(line).Command!;
        Assert.Equal(OperatorCommandKind.ClearSessions, command.Kind);
        Assert.Equal(user, command.Selector!.UserName);
        Assert.Equal(ip is null ? null : IPAddress.Parse(ip), command.Selector.ClientAddress);
        Assert.Equal(id, command.Selector.SessionId);
        Assert.Equal(soft, command.Soft);
    }

    [Theory]
    [InlineData("show vpdn session brief match user (", "% bad regular expression")]
    [InlineData("show vpdn session brief columns user,nosuch", "% unknown column 'nosuch'")]
    [InlineData("show vpdn session sideways", "% expected 'brief'")]
    [InlineData("clear vpdn session ip 2001:db8::1", "% expected an IPv4 address")]
    [InlineData("clear vpdn session id x", "% expected a session id")]
    [InlineData("clear vpdn username", "% expected 'clear vpdn username NAME'")]
    [InlineData("clear vpdn username bob gently", "% expected soft or hard")]
    [InlineData("show d", "% Ambiguous command")]
    [InlineData("clear vpdn tunnel all --json", "% --json applies to show commands")]
    public void Bad_lines_say_what_is_wrong(string line, string error)
    {
        OperatorParseResult result = OperatorCommandParser.Parse(line);
        Assert.Null(result.Command);
        Assert.StartsWith(error, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_on_a_pix_show_command_wraps_the_pix_command()
    {
        OperatorCommand command = OperatorCommandParser.Parse("sh vpdn tun --json").Command!;
        Assert.Equal(OperatorCommandKind.PixShowJson, command.Kind);
        Assert.Equal(AdminCommandKind.ShowVpdn, command.Pix.Kind);
        Assert.Equal(VpdnView.Tunnel, command.Pix.View);
    }
}
