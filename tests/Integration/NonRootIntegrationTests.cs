namespace PptpGw.Tests.Integration;

/// <summary>
/// The systemd unit's way of running (packaging/pptpgw.service: <c>User=pptpgw</c>, <c>AmbientCapabilities=CAP_NET_ADMIN
/// CAP_NET_RAW CAP_NET_BIND_SERVICE</c>), reproduced with <c>setpriv</c>: the gateway as an unprivileged user with only
/// those three ambient capabilities binds TCP 1723, opens the raw GRE socket and the TUN device, routes its pool, and a
/// client dials and pings through it; without CAP_NET_RAW it refuses to start and says why.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class NonRootIntegrationTests
{
    private static readonly TimeSpan Up = TimeSpan.FromSeconds(15);
    private const string Nobody = "65534";

    private static string[] AsNobody(string caps) =>
        ["setpriv", $"--reuid={Nobody}", $"--regid={Nobody}", "--clear-groups", $"--inh-caps={caps}", $"--ambient-caps={caps}"];

    private static Lab CreateLab()
    {
        Lab lab = Lab.Create(Lab.Configuration("198.19.13.10-198.19.13.20", "ppp authentication mschapv2", "ppp encryption mppe 128 required"));
        // The unit's RuntimeDirectory: the service user owns the directory of its admin socket.
        Lab.Run("chmod", "755", lab.LabDirectory);
        Lab.Run("chown", $"{Nobody}:{Nobody}", lab.LabDirectory, lab.ConfigPath);
        return lab;
    }

    [IntegrationFact]
    public async Task An_unprivileged_user_with_the_units_ambient_capabilities_serves_a_dial()
    {
        await using Lab lab = CreateLab();
        LabProcess gateway = await lab.StartGatewayAsync(wrapper: AsNobody("+net_admin,+net_raw,+net_bind_service"));
        Assert.Contains("PPTP on 198.18.10.1:1723", gateway.Output, StringComparison.Ordinal);
        // ip netns exec and setpriv both exec: the PID started is the gateway's.
        string status = File.ReadAllText($"/proc/{gateway.Pid}/status");
        Assert.Contains($"Uid:\t{Nobody}", status, StringComparison.Ordinal);
        Assert.Contains("CapEff:\t0000000000003400", status, StringComparison.Ordinal); // net_bind_service(10), net_admin(12), net_raw(13)

        LabProcess dial = lab.Dial("dial", "--auth", "mschapv2", "--mppe", "128", "--ping", Lab.GatewayInside, "--count", "2");
        Assert.Equal(0, await dial.WaitForExitAsync(Up));
        Assert.Contains("DIAL: link up", dial.Output, StringComparison.Ordinal);
        Assert.Contains("% No active PPTP tunnels", await lab.WaitForShowVpdnAsync("% No active PPTP tunnels", TimeSpan.FromSeconds(10)), StringComparison.Ordinal);
        Assert.DoesNotContain("Warning", gateway.Output, StringComparison.Ordinal);
    }

    [IntegrationFact]
    public async Task Without_cap_net_raw_the_gateway_refuses_to_start_and_says_why()
    {
        await using Lab lab = CreateLab();
        LabProcess gateway = lab.Start("gateway", ["ip", "netns", "exec", lab.GatewayNamespace.Name, .. AsNobody("+net_admin,+net_bind_service"),
            Lab.GatewayBinary!, "run", "--config", lab.ConfigPath]);
        Assert.Equal(1, await gateway.WaitForExitAsync(Up));
        Assert.Contains("CAP_NET_RAW", gateway.Output, StringComparison.Ordinal);
    }
}
