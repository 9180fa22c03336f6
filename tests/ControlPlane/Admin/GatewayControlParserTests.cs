using PptpGw.ControlPlane.Admin;

namespace PptpGw.Tests.ControlPlane.Admin;

/// <summary><c>reload</c> and <c>shutdown</c> on the admin line: whole words only, so "sh" stays the PIX's show.</summary>
public sealed class GatewayControlParserTests
{
    [Theory]
    [InlineData("reload", OperatorCommandKind.Reload, false)]
    [InlineData("RELOAD --json", OperatorCommandKind.Reload, true)]
    [InlineData("shutdown", OperatorCommandKind.Shutdown, false)]
    public void Whole_words_parse(string line, OperatorCommandKind kind, bool json)
    {
        OperatorCommand command = OperatorCommandParser.Parse(line).Command!;
        Assert.Equal(kind, command.Kind);
        Assert.Equal(json, command.Json);
    }

    [Theory]
    [InlineData("shutdown", ShutdownMode.Hard, null)]
    [InlineData("shutdown hard", ShutdownMode.Hard, null)]
    [InlineData("shutdown soft", ShutdownMode.Soft, null)]
    [InlineData("shutdown so 300", ShutdownMode.Soft, 300)]
    public void Shutdown_modes_and_deadline(string line, ShutdownMode mode, int? deadline)
    {
        OperatorCommand command = OperatorCommandParser.Parse(line).Command!;
        Assert.Equal((OperatorCommandKind.Shutdown, mode, deadline), (command.Kind, command.ShutdownMode, command.DeadlineSeconds));
    }

    [Theory]
    [InlineData("shutdown soft 0", "deadline")]
    [InlineData("shutdown soft x", "deadline")]
    [InlineData("shutdown later", "expected")]
    [InlineData("reload now", "unexpected 'now'")]
    [InlineData("shutdown --json", "--json")]
    public void Bad_lines_are_refused(string line, string message)
    {
        OperatorParseResult result = OperatorCommandParser.Parse(line);
        Assert.Null(result.Command);
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Sh_is_still_show_and_not_shutdown()
    {
        Assert.Null(OperatorCommandParser.Parse("sh vpdn").Error);
        Assert.Equal(OperatorCommandKind.ShowDataplane, OperatorCommandParser.Parse("sh datap").Command!.Kind);
    }

    [Fact]
    public async Task Without_a_control_the_dispatcher_says_reload_is_not_offered()
    {
        var dispatcher = new AdminDispatcher(new FakeAdminHandler(), new PptpGw.ControlPlane.Logging.GatewayLog());
        AdminReply reply = await dispatcher.ExecuteAsync("reload");
        Assert.Equal(AdminStatus.Error, reply.Status);
        Assert.Contains("does not offer reload", reply.Text, StringComparison.Ordinal);
    }
}
