using Xunit.Abstractions;

namespace PptpGw.Tests.Integration;

/// <summary>
/// TCP MSS clamping end to end (<c>sysopt connection tcpmss 1200</c>) against <c>pptpgw run</c> in a network namespace with
/// a real <c>pptpgw dial</c> (kernel dataplane, MPPE 128): a TCP connection from the client's kernel to a listener on the
/// gateway's inside address. A raw socket on each side sees the SYN as it arrives at the gateway's kernel and the SYN-ACK
/// as it arrives at the client's: both carry MSS 1200 (the kernels sent 1356 and 1360) and valid TCP checksums (checked in
/// the script, RFC 1071 over the pseudo-header), and the connection completes.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class MssClampIntegrationTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Up = TimeSpan.FromSeconds(15);

    // argv: role (listen|connect), address, port. Prints "ready", then "syn mss=N csum=ok|bad" for the first SYN (listen:
    // to the port; connect: the SYN-ACK from it), then "connected" once the handshake is done.
    private const string Sniffer = """
        import socket, struct, sys
        role, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
        raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
        raw.settimeout(20)
        def mss(t):
            off, i = (t[12] >> 4) * 4, 20
            while i < off:
                k = t[i]
                if k == 0: break
                if k == 1: i += 1; continue
                if k == 2: return struct.unpack('!H', t[i+2:i+4])[0]
                i += t[i+1]
            return None
        def csum(p, ihl):
            t = p[ihl:]
            data = p[12:20] + struct.pack('!BBH', 0, 6, len(t)) + t
            if len(data) % 2: data += b'\0'
            s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
            while s >> 16: s = (s & 0xffff) + (s >> 16)
            return 'ok' if s == 0xffff else 'bad'
        def watch(match):
            while True:
                p = raw.recv(65535)
                ihl = (p[0] & 15) * 4
                t = p[ihl:]
                if match(t):
                    print('syn mss=%s csum=%s' % (mss(t), csum(p, ihl)), flush=True)
                    return
        if role == 'listen':
            srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            srv.bind((addr, port)); srv.listen(1)
            print('ready', flush=True)
            watch(lambda t: struct.unpack('!H', t[2:4])[0] == port and t[13] & 0x12 == 0x02)
            srv.settimeout(20); c, _ = srv.accept(); print('connected', flush=True); c.close()
        else:
            c = socket.socket(); c.settimeout(20)
            import threading
            th = threading.Thread(target=lambda: watch(lambda t: struct.unpack('!H', t[0:2])[0] == port and t[13] & 0x12 == 0x12))
            th.start(); c.connect((addr, port)); th.join(); print('connected', flush=True); c.close()
        """;

    [IntegrationFact]
    public async Task A_syn_through_the_tunnel_arrives_clamped_both_ways()
    {
        (int syn, int synAck) = await ConnectThroughTunnelAsync("sysopt connection tcpmss 1200\n");
        Assert.Equal((1200, 1200), (syn, synAck));
    }

    [IntegrationFact]
    public async Task Without_the_line_the_clamp_is_the_tunnel_mtu_less_mppe_and_40_and_tcpmss_0_turns_it_off()
    {
        // The kernels send 1356 (the client's TUN has the negotiated MTU 1396) and 1360 (the gateway's TUN): a group
        // MTU of 1300 less MPPE's 4 octets (MPPE_PAD) makes the derived clamp 1256, both ways.
        (int syn, int synAck) = await ConnectThroughTunnelAsync("vpdn group 1 ppp mtu 1300\n");
        Assert.Equal((1256, 1256), (syn, synAck));
        // Off: the kernels' values pass unchanged.
        (syn, synAck) = await ConnectThroughTunnelAsync("vpdn group 1 ppp mtu 1300\nsysopt connection tcpmss 0\n");
        Assert.True(syn > 1256 && synAck > 1256, $"with clamping off: SYN {syn}, SYN-ACK {synAck}");
    }

    private async Task<(int Syn, int SynAck)> ConnectThroughTunnelAsync(string extra)
    {
        Assert.True(Lab.FindTool("python3") is not null, "needs python3 (the raw-socket sniffer)");
        await using Lab lab = Lab.Create(Lab.Configuration("198.19.14.30-198.19.14.39", "ppp authentication mschapv2", "ppp encryption mppe 128 required")
            + extra);
        LabProcess gateway = await lab.StartGatewayAsync();
        LabProcess dial = lab.Dial("dial", "--auth", "mschapv2", "--mppe", "128", "--seconds", "60", "--tun", "pptp0");
        await dial.WaitForLineAsync("DIAL: link up", Up);

        LabProcess listener = lab.Start("listener", ["ip", "netns", "exec", lab.GatewayNamespace.Name, "python3", "-c", Sniffer, "listen", Lab.GatewayInside, "8080"]);
        await listener.WaitForLineAsync("ready", Up);
        LabProcess connector = lab.Start("connector", ["ip", "netns", "exec", lab.ClientNamespace.Name, "python3", "-c", Sniffer, "connect", Lab.GatewayInside, "8080"]);

        string synAtGateway = await listener.WaitForLineAsync("syn mss=", Up);
        string synAckAtClient = await connector.WaitForLineAsync("syn mss=", Up);
        await listener.WaitForLineAsync("connected", Up);
        await connector.WaitForLineAsync("connected", Up);
        output.WriteLine($"'{extra.Trim()}': gateway saw: {synAtGateway}; client saw: {synAckAtClient}");
        Assert.Contains("csum=ok", synAtGateway, StringComparison.Ordinal);
        Assert.Contains("csum=ok", synAckAtClient, StringComparison.Ordinal);

        dial.Terminate();
        Assert.Equal(0, await dial.WaitForExitAsync(TimeSpan.FromSeconds(10)));
        return (MssOf(synAtGateway), MssOf(synAckAtClient));
    }

    private static int MssOf(string line) =>
        int.Parse(System.Text.RegularExpressions.Regex.Match(line, @"mss=(\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
}
