using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;

namespace PptpGw.Tests.Integration;

/// <summary>
/// The gateway as shipped: <c>pptpgw run</c> in one network namespace with the kernel dataplane (raw GRE socket, TUN
/// device), our client (<c>pptpgw dial</c>) in another, a veth link between them. Each test asserts the outcome on
/// both sides (exit codes, <c>DIAL:</c> lines), the gateway's PIX log lines and <c>show vpdn</c>.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class GatewayIntegrationTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Up = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan Exit = TimeSpan.FromSeconds(10);
    private const string NoTunnels = "% No active PPTP tunnels";

    private sealed record DialCase(string Auth, string Mppe, bool Stateful, string AuthName, int? Bits)
    {
        public string[] Arguments => Stateful ? ["--auth", Auth, "--mppe", Mppe, "--stateful"] : ["--auth", Auth, "--mppe", Mppe];

        /// <summary>"mppe=128 stateful" as the client's link-up line says it.</summary>
        public string LinkText => Bits is { } b ? $"mppe={b} {(Stateful ? "stateful" : "stateless")}" : "mppe=none";

        /// <summary>"MPPE 128 bits stateful" as <c>show vpdn</c> says it.</summary>
        public string VpdnText => Bits is { } b ? $"MPPE {b} bits {(Stateful ? "stateful" : "stateless")}" : "MPPE None";

        public override string ToString() => $"--auth {Auth} --mppe {Mppe}{(Stateful ? " --stateful" : "")}";
    }

    /// <summary>
    /// Every authentication type against one gateway, and with MS-CHAP v1/v2 every MPPE strength, stateless and
    /// stateful (MPPE needs MS-CHAP keys, RFC 3079): the link comes up as asked, a ping to the gateway's tunnel
    /// address crosses the GRE/MPPE path both ways, <c>show vpdn</c> shows the session, and the client's hang-up
    /// (SIGTERM: Terminate-Request, Call-Clear-Request, StopCCRQ) leaves no tunnel. The gateway prefers stateful MPPE,
    /// so a client asking for stateless mode (the H bit, RFC 3078 §2) gets it, and a stateful client gets stateful.
    /// </summary>
    [IntegrationFact]
    public async Task Every_authentication_type_and_mppe_mode_carries_traffic()
    {
        var cases = new List<DialCase>
        {
            new("pap", "none", false, "Pap", null),
            new("chap", "none", false, "Chap", null),
        };
        foreach ((string auth, string name) in new[] { ("mschap", "MsChapV1"), ("mschapv2", "MsChapV2") })
        {
            cases.Add(new(auth, "none", false, name, null));
            foreach (int bits in new[] { 40, 56, 128 })
            {
                cases.Add(new(auth, bits.ToString(CultureInfo.InvariantCulture), false, name, bits));
                cases.Add(new(auth, bits.ToString(CultureInfo.InvariantCulture), true, name, bits));
            }
        }

        await using Lab lab = Lab.Create(Lab.Configuration("198.19.10.10-198.19.10.50",
            "ppp authentication mschapv2", "ppp authentication mschap", "ppp authentication chap", "ppp authentication pap",
            "ppp encryption mppe auto", "ppp encryption mppe stateful"));
        LabProcess gateway = await lab.StartGatewayAsync();
        Assert.Contains("pptpgw0", lab.IpGw("route show 198.19.10.16/28"), StringComparison.Ordinal);

        var failures = new List<string>();
        int tunnel = 0;
        foreach (DialCase c in cases)
        {
            var clock = Stopwatch.StartNew();
            tunnel++;
            try
            {
                await DialOnce(lab, gateway, c, tunnel);
                output.WriteLine($"{c}: ok in {clock.ElapsedMilliseconds} ms");
            }
            catch (Exception ex) when (ex is Xunit.Sdk.XunitException)
            {
                failures.Add($"{c}: {ex.Message}");
                output.WriteLine($"{c}: FAILED: {ex.Message}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n\n", failures) + "\n\ngateway:\n" + gateway.Output);
        Assert.Equal(cases.Count, gateway.Count("%PIX-6-603104: PPTP Tunnel created"));
        Assert.Equal(cases.Count, gateway.Count("%PIX-6-603105: PPTP Tunnel deleted"));
    }

    private static async Task DialOnce(Lab lab, LabProcess gateway, DialCase c, int tunnel)
    {
        await using LabProcess dial = lab.Dial($"dial {c}", [.. c.Arguments, "--seconds", "60"]);
        string link = await dial.WaitForLineAsync("DIAL: link up", Up);
        Assert.Contains(c.LinkText, link, StringComparison.Ordinal);
        Assert.Contains($"auth={c.AuthName}", link, StringComparison.Ordinal);
        Assert.Contains($"remote={Lab.GatewayInside}", link, StringComparison.Ordinal);
        Assert.True(lab.PingFromClient(Lab.GatewayInside), $"no ping reply through the tunnel ({c})");

        string created = await gateway.WaitForLineAsync($"tunnel_id is {tunnel},", Up);
        Assert.Contains($"username is {Lab.User}, MPPE_key_strength is {(c.Bits is { } b ? $"{b} bits" : "None")}", created, StringComparison.Ordinal);
        string vpdn = lab.Admin("show vpdn");
        Assert.Contains("Total tunnels=1 sessions=1", vpdn, StringComparison.Ordinal);
        Assert.Contains($"Session username is {Lab.User}, state is estabd", vpdn, StringComparison.Ordinal);
        Assert.Contains($"Client address 198.19.10.", vpdn, StringComparison.Ordinal);
        Assert.Contains(c.VpdnText, vpdn, StringComparison.Ordinal);
        Assert.Contains("Authenticated by local", vpdn, StringComparison.Ordinal);

        var hangUp = Stopwatch.StartNew();
        dial.Terminate();
        Assert.Equal(0, await dial.WaitForExitAsync(Exit));
        Assert.Contains("DIAL: down reason=user request", dial.Output, StringComparison.Ordinal);
        // The gateway's Terminate-Ack reaches the client (no 3 s LCP restart timer at hang-up).
        Assert.True(hangUp.Elapsed < TimeSpan.FromSeconds(2), $"hang-up took {hangUp.Elapsed.TotalSeconds:0.0} s");
        await gateway.WaitForLineAsync($"PPTP Tunnel deleted, tunnel_id = {tunnel},", Exit);
        Assert.Contains(NoTunnels, await lab.WaitForShowVpdnAsync(NoTunnels, Exit), StringComparison.Ordinal);
    }

    /// <summary>A wrong password: the client exits 5 (authentication failed), the gateway logs 603103 "failed", no tunnel stays.</summary>
    [IntegrationFact]
    public async Task A_wrong_password_is_refused()
    {
        await using Lab lab = Lab.Create(Lab.Configuration("198.19.10.10-198.19.10.20",
            "ppp authentication mschapv2", "ppp encryption mppe 128 required"));
        LabProcess gateway = await lab.StartGatewayAsync();

        LabProcess dial = lab.DialAs("dial", Lab.User, "not-the-password", "--auth", "mschapv2", "--mppe", "128");
        Assert.Equal(5, await dial.WaitForExitAsync(Up));
        Assert.Contains("DIAL: down reason=", dial.Output, StringComparison.Ordinal);
        await gateway.WaitForLineAsync($"%PIX-6-603103: PPP virtual interface 1 - user: {Lab.User} aaa authentication failed", Exit);
        Assert.Equal(0, gateway.Count("603104"));
        Assert.Contains(NoTunnels, await lab.WaitForShowVpdnAsync(NoTunnels, Exit), StringComparison.Ordinal);
    }

    /// <summary><c>mppe 128 required</c> against a client that will not encrypt: the session ends with "mppe required but not active".</summary>
    [IntegrationFact]
    public async Task Required_mppe_disconnects_a_client_that_will_not_encrypt()
    {
        await using Lab lab = Lab.Create(Lab.Configuration("198.19.10.10-198.19.10.20",
            "ppp authentication mschapv2", "ppp encryption mppe 128 required"));
        LabProcess gateway = await lab.StartGatewayAsync();

        LabProcess dial = lab.Dial("dial", "--auth", "mschapv2", "--mppe", "none");
        Assert.Equal(6, await dial.WaitForExitAsync(Up)); // MPPE mismatch
        Assert.Contains("DIAL: down reason=MPPE mismatch: peer terminated the link: mppe required but not active", dial.Output, StringComparison.Ordinal);
        await gateway.WaitForLineAsync("reason: mppe required but not active", Exit);
        Assert.Equal(0, gateway.Count("603104"));
        Assert.Contains(NoTunnels, await lab.WaitForShowVpdnAsync(NoTunnels, Exit), StringComparison.Ordinal);
    }

    /// <summary>
    /// <c>clear vpdn tunnel all</c> on the gateway: the client sees the server stop the control connection and exits
    /// 8 with the reason; 603105 is logged and <c>show vpdn</c> is empty.
    /// </summary>
    [IntegrationFact]
    public async Task Clear_vpdn_tunnel_all_ends_the_clients_call()
    {
        await using Lab lab = Lab.Create(Lab.Configuration("198.19.10.10-198.19.10.20",
            "ppp authentication mschapv2", "ppp encryption mppe 128 required"));
        LabProcess gateway = await lab.StartGatewayAsync();

        LabProcess dial = lab.Dial("dial", "--auth", "mschapv2", "--mppe", "128", "--seconds", "60");
        await dial.WaitForLineAsync("DIAL: link up", Up);
        Assert.Contains("Total tunnels=1 sessions=1", lab.Admin("show vpdn"), StringComparison.Ordinal);

        lab.Admin("clear vpdn tunnel all");
        Assert.Equal(8, await dial.WaitForExitAsync(Exit));
        Assert.Contains("DIAL: down reason=", dial.Output, StringComparison.Ordinal);
        await gateway.WaitForLineAsync("PPTP Tunnel deleted, tunnel_id = 1,", Exit);
        Assert.Contains(NoTunnels, await lab.WaitForShowVpdnAsync(NoTunnels, Exit), StringComparison.Ordinal);
        output.WriteLine(dial.Output);
    }

    /// <summary>
    /// A pool of one address: a second client is refused (exit 4) while the first holds it; after the first hangs up
    /// the address is free again and the second client gets it.
    /// </summary>
    [IntegrationFact]
    public async Task A_pool_of_one_refuses_the_second_client_and_is_freed_by_a_hang_up()
    {
        await using Lab lab = Lab.Create(Lab.Configuration("198.19.10.10",
            "ppp authentication mschapv2", "ppp encryption mppe 128 required"));
        LabProcess gateway = await lab.StartGatewayAsync();

        LabProcess first = lab.Dial("first", "--auth", "mschapv2", "--mppe", "128", "--seconds", "60", "--tun", "pptp0");
        Assert.Contains("local=198.19.10.10", await first.WaitForLineAsync("DIAL: link up", Up), StringComparison.Ordinal);

        LabProcess second = lab.Dial("second", "--auth", "mschapv2", "--mppe", "128", "--seconds", "60", "--tun", "pptp1");
        Assert.Equal(4, await second.WaitForExitAsync(Up));
        await gateway.WaitForLineAsync("client ip allocation failed", Exit);
        string vpdn = lab.Admin("show vpdn");
        Assert.Contains("Total tunnels=1 sessions=1", vpdn, StringComparison.Ordinal);
        Assert.Contains("Client address 198.19.10.10", vpdn, StringComparison.Ordinal);

        first.Terminate();
        Assert.Equal(0, await first.WaitForExitAsync(Exit));
        Assert.Contains(NoTunnels, await lab.WaitForShowVpdnAsync(NoTunnels, Exit), StringComparison.Ordinal);

        LabProcess third = lab.Dial("third", "--auth", "mschapv2", "--mppe", "128", "--ping", Lab.GatewayInside, "--count", "1", "--tun", "pptp1");
        Assert.Equal(0, await third.WaitForExitAsync(Up));
        Assert.Contains("local=198.19.10.10", third.Output, StringComparison.Ordinal);
        Assert.Contains("received=1", third.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// SIGTERM with two live sessions: the gateway sends StopCCRQ (Stop-Local-Shutdown) to both, exits 0 and says how
    /// many tunnels it closed; both clients report the server's stop and exit 8.
    /// </summary>
    [IntegrationFact]
    public async Task Sigterm_stops_the_gateway_cleanly_with_live_sessions()
    {
        await using Lab lab = Lab.Create(Lab.Configuration("198.19.10.10-198.19.10.20",
            "ppp authentication mschapv2", "ppp encryption mppe 128 required"));
        LabProcess gateway = await lab.StartGatewayAsync();

        LabProcess a = lab.Dial("a", "--auth", "mschapv2", "--mppe", "128", "--seconds", "60", "--tun", "pptp0");
        LabProcess b = lab.Dial("b", "--auth", "mschapv2", "--mppe", "128", "--seconds", "60", "--tun", "pptp1", "--stateful");
        await a.WaitForLineAsync("DIAL: link up", Up);
        await b.WaitForLineAsync("DIAL: link up", Up);
        Assert.Contains("Total tunnels=2 sessions=2", lab.Admin("show vpdn"), StringComparison.Ordinal);

        gateway.Terminate();
        Assert.Equal(0, await gateway.WaitForExitAsync(Exit));
        Assert.Contains("pptpgw stopped (2 tunnels closed)", gateway.Output, StringComparison.Ordinal);
        foreach (LabProcess client in new[] { a, b })
        {
            Assert.Equal(8, await client.WaitForExitAsync(Exit));
            Assert.Contains("the server stopped the control connection: 3 (Stop-Local-Shutdown)", client.Output, StringComparison.Ordinal);
        }
        Assert.Equal(2, gateway.Count("603105"));
    }

    /// <summary>
    /// <c>pptp echo 1</c>: a peer that goes silent after the control connection is up gets an Echo-Request after a
    /// second of silence (RFC 2637 §2.6) and, not answering it, is dropped a second later; <c>show vpdn</c> is empty, and
    /// no 603105 is logged: the tunnel never had a call, so never a 603104 (the PIX logs 603105 only for created tunnels).
    /// </summary>
    [IntegrationFact]
    public async Task A_silent_peer_is_dropped_after_the_echo_timeout()
    {
        await using Lab lab = Lab.Create(Lab.Configuration("198.19.10.10-198.19.10.20", "ppp authentication pap", "pptp echo 1"));
        LabProcess gateway = await lab.StartGatewayAsync();

        using RawPptpPeer peer = RawPptpPeer.Connect(lab);
        Assert.Equal(PptpGw.ControlPlane.Pptp.PptpControlMessageType.StartControlConnectionReply, peer.StartControlConnection());
        var silent = Stopwatch.StartNew();
        Assert.Contains("Total tunnels=1", lab.Admin("show vpdn"), StringComparison.Ordinal);

        var echo = peer.Receive(TimeSpan.FromSeconds(3));
        Assert.Equal(PptpGw.ControlPlane.Pptp.PptpControlMessageType.EchoRequest, echo?.Type);
        TimeSpan echoAt = silent.Elapsed;
        Assert.True(peer.IsClosedByPeer(TimeSpan.FromSeconds(5)), "the gateway kept the silent peer");
        TimeSpan closedAt = silent.Elapsed;
        output.WriteLine($"Echo-Request after {echoAt.TotalSeconds:0.00} s, closed after {closedAt.TotalSeconds:0.00} s");
        Assert.InRange(echoAt.TotalSeconds, 0.5, 2.5);
        Assert.InRange((closedAt - echoAt).TotalSeconds, 0.5, 3);
        Assert.Contains(NoTunnels, await lab.WaitForShowVpdnAsync(NoTunnels, Exit), StringComparison.Ordinal);
        Assert.Equal(0, gateway.Count("603105"));
    }

    /// <summary>
    /// A PPP protocol the gateway does not speak (0x8057, IPv6CP) arriving over GRE once the link is in the network
    /// phase is answered with an LCP Protocol-Reject carrying the protocol and the rejected information (RFC 1661
    /// §5.7), and the session stays up. (During authentication such packets are silently discarded, RFC 1661 §3.5, so
    /// the stand-in authenticates with PAP first.)
    /// </summary>
    [IntegrationFact]
    public async Task An_unknown_protocol_gets_a_protocol_reject()
    {
        await using Lab lab = Lab.Create(Lab.Configuration("198.19.10.10-198.19.10.20", "ppp authentication pap"));
        LabProcess gateway = await lab.StartGatewayAsync();

        using RawPptpPeer peer = RawPptpPeer.Connect(lab);
        Assert.Equal(PptpGw.ControlPlane.Pptp.PptpControlMessageType.StartControlConnectionReply, peer.StartControlConnection());
        peer.PlaceCall(lab);

        // LCP (RFC 1661 §5.1-5.2): our Configure-Request with no options, and an Ack of whatever the gateway asks.
        peer.SendPpp([0xFF, 0x03, 0xC0, 0x21, 0x01, 0x01, 0x00, 0x04]);
        bool ourAcked = false, theirsAcked = false;
        var clock = Stopwatch.StartNew();
        while (!(ourAcked && theirsAcked) && clock.Elapsed < Up)
        {
            byte[]? lcp = peer.ReceivePpp(f => RawPptpPeer.ProtocolOf(f).Protocol == 0xC021, TimeSpan.FromSeconds(1));
            if (lcp is null)
                continue;
            int at = RawPptpPeer.ProtocolOf(lcp).Offset;
            if (lcp[at] == 1)
            {
                byte[] ack = [0xFF, 0x03, 0xC0, 0x21, .. lcp.AsSpan(at)];
                ack[4] = 2; // Configure-Ack: same identifier and options
                peer.SendPpp(ack);
                theirsAcked = true;
            }
            else if (lcp[at] == 2)
            {
                ourAcked = true;
            }
        }
        Assert.True(ourAcked && theirsAcked, "LCP did not open");

        // PAP Authenticate-Request (RFC 1334 §2.2.1): Peer-ID and Password, each with its length octet.
        byte[] user = System.Text.Encoding.ASCII.GetBytes(Lab.User), password = System.Text.Encoding.ASCII.GetBytes(Lab.Password);
        int papLength = 4 + 1 + user.Length + 1 + password.Length;
        peer.SendPpp([0xFF, 0x03, 0xC0, 0x23, 0x01, 0x01, 0x00, (byte)papLength, (byte)user.Length, .. user, (byte)password.Length, .. password]);
        byte[]? papReply = peer.ReceivePpp(f => RawPptpPeer.ProtocolOf(f).Protocol == 0xC023, Up);
        Assert.NotNull(papReply);
        Assert.Equal(2, papReply[RawPptpPeer.ProtocolOf(papReply).Offset]); // Authenticate-Ack
        await gateway.WaitForLineAsync("603103: PPP virtual interface 1 - user: alice aaa authentication succeed", Exit);

        byte[] unknown = [0xFF, 0x03, 0x80, 0x57, 0x01, 0x07, 0x00, 0x04];
        peer.SendPpp(unknown);
        byte[]? reject = peer.ReceivePpp(f => RawPptpPeer.ProtocolOf(f) is (0xC021, int o) && f[o] == 8, TimeSpan.FromSeconds(5));
        Assert.NotNull(reject);
        int r = RawPptpPeer.ProtocolOf(reject).Offset;
        Assert.Equal(0x8057, (reject[r + 4] << 8) | reject[r + 5]); // Rejected-Protocol
        Assert.Equal(unknown.AsSpan(4).ToArray(), reject.AsSpan(r + 6, 4).ToArray()); // Rejected-Information
        Assert.Contains("Total tunnels=1 sessions=1", lab.Admin("show vpdn"), StringComparison.Ordinal);
    }
}
