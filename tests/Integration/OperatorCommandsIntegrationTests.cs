using System.Text.Json;
using Xunit.Abstractions;

namespace PptpGw.Tests.Integration;

/// <summary>
/// The operator's commands as an operator runs them: the shipped <c>pptpgw</c> CLI against <c>pptpgw run</c> over its
/// admin socket, with real <c>pptpgw dial</c> clients (kernel dataplane, MS-CHAPv2, MPPE-128) for two users. Every
/// <c>show ... --json</c> prints JSON that parses and names the live sessions; <c>clear vpdn username bob</c> ends both
/// of bob's sessions (each client sees the gateway end its link) and says so, while alice's session keeps passing traffic.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class OperatorCommandsIntegrationTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Up = TimeSpan.FromSeconds(15);
    private const string Bob = "bob", BobPassword = "Bob-pass-2";

    [IntegrationFact]
    public async Task Show_json_parses_and_clear_vpdn_username_ends_exactly_that_users_sessions()
    {
        await using Lab lab = Lab.Create(Lab.Configuration("198.19.14.50-198.19.14.59", "ppp authentication mschapv2", "ppp encryption mppe 128 required")
            + $"vpdn username {Bob} password {BobPassword}\n");
        LabProcess gateway = await lab.StartGatewayAsync();
        LabProcess alice = lab.Dial("alice", "--auth", "mschapv2", "--mppe", "128", "--seconds", "120", "--tun", "pptp0");
        await alice.WaitForLineAsync("DIAL: link up", Up);
        LabProcess bob1 = lab.DialAs("bob1", Bob, BobPassword, "--auth", "mschapv2", "--mppe", "128", "--seconds", "120", "--tun", "pptp1");
        await bob1.WaitForLineAsync("DIAL: link up", Up);
        LabProcess bob2 = lab.DialAs("bob2", Bob, BobPassword, "--auth", "mschapv2", "--mppe", "128", "--seconds", "120", "--tun", "pptp2");
        await bob2.WaitForLineAsync("DIAL: link up", Up);
        Assert.True(PingThrough(lab, "pptp0"), "no ping through alice's tunnel");

        // Every show command, through the CLI, with --json: parses, and the session views name the three sessions.
        foreach (string command in new[] { "show vpdn", "show vpdn tunnel", "show vpdn session", "show vpdn session brief", "show vpdn username",
            "show vpdn pppinterface", "show vpdn group", "show dataplane", "show aaa-server", "show version", "show debug" })
        {
            string json = lab.Admin(command + " --json");
            using JsonDocument document = JsonDocument.Parse(json); // throws (fails the test) when it is not JSON
            Assert.True(document.RootElement.ValueKind is JsonValueKind.Object or JsonValueKind.Array, $"{command} --json: {json}");
            if (command is "show vpdn session brief" or "show vpdn username")
            {
                foreach (string user in new[] { Lab.User, Bob })
                    Assert.Contains($"\"{user}\"", json, StringComparison.Ordinal);
            }
        }

        string cleared = lab.Admin($"clear vpdn username {Bob}");
        output.WriteLine(cleared);
        Assert.Equal(2, cleared.Split('\n').Count(l => l.StartsWith("Session id ", StringComparison.Ordinal) && l.Contains($"username {Bob},", StringComparison.Ordinal)));
        Assert.Contains("2 sessions cleared", cleared, StringComparison.Ordinal);
        // Soft (the default): each of bob's clients got an LCP Terminate-Request and ends with exit 8 (the server ended the call).
        Assert.Equal(8, await bob1.WaitForExitAsync(Up));
        Assert.Equal(8, await bob2.WaitForExitAsync(Up));

        string brief = lab.Admin("show vpdn session brief columns user");
        Assert.Contains(Lab.User, brief, StringComparison.Ordinal);
        Assert.DoesNotContain(Bob, brief, StringComparison.Ordinal);
        Assert.False(alice.HasExited, alice.Output);
        Assert.True(PingThrough(lab, "pptp0"), "alice's session passes no traffic after bob's were cleared");
        (int again, string answer, _) = Lab.RunRaw(Lab.GatewayBinary!, "clear", "vpdn", "username", Bob, "--admin-socket", lab.AdminSocket);
        Assert.Equal(1, again); // the gateway answered with an error: exit 1
        Assert.Equal($"% No session for username {Bob}\n", answer);

        alice.Terminate();
        Assert.Equal(0, await alice.WaitForExitAsync(TimeSpan.FromSeconds(10)));
        output.WriteLine(gateway.Output);
    }

    /// <summary>One ICMP echo to the gateway's inside address out of <paramref name="device"/> (the client's TUN of that session).</summary>
    private static bool PingThrough(Lab lab, string device) =>
        Lab.RunRaw("ip", "netns", "exec", lab.ClientNamespace.Name, "ping", "-c", "1", "-W", "2", "-I", device, Lab.GatewayInside).Code == 0;
}
