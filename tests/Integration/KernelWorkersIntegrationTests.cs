using Xunit.Abstractions;

namespace PptpGw.Tests.Integration;

/// <summary>
/// <c>gateway dataplane workers 2</c> on the kernel backend (issue 12), end to end: <c>pptpgw run</c> and
/// <c>pptpgw dial</c> in network namespaces, sixteen MS-CHAPv2/MPPE-128 calls on one control connection, placed on both
/// workers by the session table; worker 0 reads the raw GRE socket and the TUN and steers each call's packets to its
/// owner, and sends what worker 1 hands back. Every call's pings to the gateway's inside address come back;
/// <c>show dataplane</c> shows both workers carrying traffic.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class KernelWorkersIntegrationTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Exit = TimeSpan.FromSeconds(10);

    [IntegrationFact]
    public async Task Two_kernel_workers_share_the_calls_and_every_call_pings()
    {
        await using Lab lab = Lab.Create(Lab.Configuration("198.19.10.10-198.19.10.50",
            "ppp authentication mschapv2", "ppp encryption mppe auto") + "gateway dataplane workers 2\n");
        LabProcess gateway = await lab.StartGatewayAsync();
        Assert.Contains("2 workers", await gateway.WaitForLineAsync("dataplane kernel: GRE on", Exit), StringComparison.Ordinal);

        LabProcess dial = lab.Dial("dial", "--calls", "16", "--ping", Lab.GatewayInside, "--count", "2");
        int code = await dial.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.True(code == 0, $"dial exited {code}:\n{dial.Output}\n\nshow dataplane:\n{lab.Admin("show dataplane")}");
        Assert.Contains($"DIAL: ping {Lab.GatewayInside} through each call: calls=16/16 sent=32 received=32 loss=0%", dial.Output, StringComparison.Ordinal);

        string show = lab.Admin("show dataplane");
        output.WriteLine(show);
        // Placement hashes (peer, call id) over the workers: with 16 calls both get some (all on one: p = 2^-15).
        Assert.Matches(@"Worker 0: [^\n]+\n  packets: outside_in [1-9]\d* inside_out [1-9]\d* inside_in [1-9]\d* outside_out [1-9]", show);
        Assert.Matches(@"Worker 1: [^\n]+\n  packets: outside_in [1-9]\d* inside_out [1-9]\d* inside_in [1-9]\d* outside_out [1-9]", show);
        Assert.DoesNotContain("wrong_worker", show, StringComparison.Ordinal);

        gateway.Terminate();
        Assert.Equal(0, await gateway.WaitForExitAsync(Exit));
    }
}
