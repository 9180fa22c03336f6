using Xunit.Abstractions;

namespace PptpGw.Tests.Integration;

/// <summary>
/// Idle-Timeout (RFC 2865 §5.28; here the group's <c>idle-timeout 3</c>) against <c>pptpgw run</c> in a network namespace
/// with two real <c>pptpgw dial</c> clients (kernel dataplane, MS-CHAPv2, MPPE 128): the one that sends nothing is ended
/// by the gateway (LCP Terminate-Request, Call-Disconnect-Notify; the client exits 8, "the tunnel went down"), the one
/// that pings once a second for longer than the limit keeps its session and gets every reply.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class IdleTimeoutIntegrationTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Up = TimeSpan.FromSeconds(15);
    private static readonly string[] Group = ["ppp authentication mschapv2", "ppp encryption mppe 128 required", "idle-timeout 3"];

    [IntegrationFact]
    public async Task The_idle_session_is_ended_and_the_pinging_one_is_not()
    {
        await using Lab lab = Lab.Create(Lab.Configuration("198.19.14.10-198.19.14.19", Group));
        LabProcess gateway = await lab.StartGatewayAsync();
        // The pinging client dials first: its TUN holds the route to the gateway's address (the second TUN's route to the
        // same peer comes after it), so the kernel's pings go through its session only.
        LabProcess busy = lab.Dial("busy", "--auth", "mschapv2", "--mppe", "128", "--ping", Lab.GatewayInside, "--count", "12", "--interval", "1", "--tun", "pptp0");
        await busy.WaitForLineAsync("DIAL: link up", Up);
        LabProcess idle = lab.Dial("idle", "--auth", "mschapv2", "--mppe", "128", "--seconds", "60", "--tun", "pptp1");
        await idle.WaitForLineAsync("DIAL: link up", Up);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        // The idle one: ended by the gateway after the limit (checks every 1 s), as an Idle-Timeout.
        Assert.Equal(8, await idle.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        TimeSpan ended = clock.Elapsed;
        Assert.Contains("DIAL: down reason=peer terminated the link: idle timeout", idle.Output, StringComparison.Ordinal);
        await gateway.WaitForLineAsync("Idle-Timeout of 3 s expired, no data from the client; disconnecting", Up);
        Assert.False(busy.HasExited, "the pinging session ended with the idle one:\n" + busy.Output);

        // The busy one: twelve pings over eleven seconds, every one answered, and it hung up itself (exit 0).
        int busyExit = await busy.WaitForExitAsync(TimeSpan.FromSeconds(30));
        output.WriteLine(idle.Output);
        output.WriteLine(busy.Output);
        Assert.Equal(0, busyExit);
        Assert.Contains("sent=12 received=12 loss=0%", busy.Output, StringComparison.Ordinal);
        Assert.Equal(1, gateway.Count("Idle-Timeout of 3 s expired"));
        output.WriteLine($"idle session ended {ended.TotalSeconds:0.0} s after its link-up");
        output.WriteLine(gateway.Output);
    }
}
