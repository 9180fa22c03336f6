using PptpGw.ControlPlane.Config;

namespace PptpGw.Tests.Gateway;

/// <summary>
/// <c>vpdn group G single-session deny|replace</c> (accel-ppp's single-session) on a gateway with live calls: deny ends
/// the user's second session at its link-up (before the dataplane carries it) and leaves the first; replace brings the second up and ends
/// the first; other users are not affected; without the line a user may hold several sessions.
/// </summary>
public sealed class SingleSessionTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(20);
    private const string Bob = "vpdn username bob password bobs-secret";

    [Fact]
    public async Task Deny_ends_the_second_session_of_a_user_and_keeps_the_first()
    {
        await using GatewayTestBed bed = GatewayTestBed.Start(GatewayTestBed.Config(extra: "vpdn group 1 single-session deny\n" + Bob));
        await using Dialled first = await bed.DialAsync(0x7100);
        await first.Events.Up.Task.WaitAsync(Guard);
        await using Dialled bob = await bed.DialAsync(0x7200, "bob", "bobs-secret");
        await bob.Events.Up.Task.WaitAsync(Guard);

        await using Dialled second = await bed.DialAsync(0x7300);
        // Ended at the gateway's link-up, before the dataplane carries a packet of it (the client's own IPCP may have opened).
        await second.Events.Down.Task.WaitAsync(Guard);
        await bed.WaitForLogAsync($"single-session deny: user {GatewayTestBed.User} already has a session");
        await GatewayTestBed.EventuallyAsync(() => bed.Host.Orchestrator.LiveCalls == 2, "the denied call to be released");
        Assert.False(first.Events.Down.Task.IsCompleted);
        Assert.False(bob.Events.Down.Task.IsCompleted);
        Assert.Equal(2, bed.Host.Pool!.UsedCount);
    }

    [Fact]
    public async Task Replace_brings_the_new_session_up_and_ends_the_older_one()
    {
        await using GatewayTestBed bed = GatewayTestBed.Start(GatewayTestBed.Config(extra: "vpdn group 1 single-session replace\n" + Bob));
        await using Dialled first = await bed.DialAsync(0x7400);
        await first.Events.Up.Task.WaitAsync(Guard);
        await using Dialled bob = await bed.DialAsync(0x7500, "bob", "bobs-secret");
        await bob.Events.Up.Task.WaitAsync(Guard);

        await using Dialled second = await bed.DialAsync(0x7600);
        await second.Events.Up.Task.WaitAsync(Guard);
        await first.Events.Down.Task.WaitAsync(Guard);
        await bed.WaitForLogAsync($"single-session replace: user {GatewayTestBed.User}: PPP virtual interface 1 ended for 3");
        await GatewayTestBed.EventuallyAsync(() => bed.Host.Orchestrator.LiveCalls == 2, "the replaced call to be released");
        Assert.False(second.Events.Down.Task.IsCompleted);
        Assert.False(bob.Events.Down.Task.IsCompleted);
    }

    [Fact]
    public async Task Without_the_line_a_user_holds_several_sessions()
    {
        await using GatewayTestBed bed = GatewayTestBed.Start(GatewayTestBed.Config());
        await using Dialled first = await bed.DialAsync(0x7700);
        await first.Events.Up.Task.WaitAsync(Guard);
        await using Dialled second = await bed.DialAsync(0x7800);
        await second.Events.Up.Task.WaitAsync(Guard);
        Assert.False(first.Events.Down.Task.IsCompleted);
    }

    [Fact]
    public void The_line_parses_and_a_bad_value_is_an_error_with_its_line()
    {
        GatewayConfig config = PixConfigParser.Parse(GatewayTestBed.Config(extra: "vpdn group 1 single-session replace"), "s.cfg").Config!;
        Assert.Equal(SingleSessionPolicy.Replace, config.DialinGroup!.SingleSession);
        Assert.Equal(SingleSessionPolicy.Allow, PixConfigParser.Parse(GatewayTestBed.Config(), "s.cfg").Config!.DialinGroup!.SingleSession);
        string text = GatewayTestBed.Config(extra: "vpdn group 1 single-session maybe");
        int line = text.Split('\n').ToList().FindIndex(l => l.Contains("single-session", StringComparison.Ordinal)) + 1;
        ConfigParseResult bad = PixConfigParser.Parse(text, "s.cfg");
        Assert.Null(bad.Config);
        ConfigDiagnostic error = Assert.Single(bad.Errors);
        Assert.Equal(line, error.Line);
        Assert.Contains("'maybe' is not deny or replace", error.Message, StringComparison.Ordinal);
    }
}
