using System.Globalization;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace PptpGw.Tests.Integration;

/// <summary>
/// Issue 9, dataplane items 1 and 2, through the real kernel port: a session (our <c>pptpgw dial</c>, MPPE-128)
/// carries pings while a spoofer in the client's namespace (so with the client's source address) injects enhanced GRE
/// with the session's call id: sequence numbers ~100,000 ahead, then packets sprayed over the first GRE numbers (some
/// inside the receive window) with forged MPPE (flushed + encrypted, coherency counts spread over the 4096 space,
/// random body). The session keeps carrying pings and <c>show vpdn</c> counts the spoofed packets as drops.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed partial class SpoofingIntegrationTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Up = TimeSpan.FromSeconds(60); // link-up on a machine loaded by other work took over 15 s

    // Raw GRE (protocol 47) from the client's namespace: the kernel writes the IPv4 header with the client's address.
    // argv: gateway, call id, count far ahead, count sprayed from 0.
    private const string Spoofer = """
        import os, socket, struct, sys
        gw, call, far, spray = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 47)
        def send(seq, ccount, ack=None):
            ppp = b"\xff\x03\x00\xfd" + struct.pack(">H", 0x9000 | (ccount & 0x0fff)) + os.urandom(60)
            flags = 0x3081 if ack is not None else 0x3001   # K, S (and A), version 1 (RFC 2637 §4.1)
            hdr = struct.pack(">HHHHI", flags, 0x880B, len(ppp), call, seq & 0xffffffff)
            if ack is not None:
                hdr += struct.pack(">I", ack)
            s.sendto(hdr + ppp, (gw, 0))
        for i in range(far):      # item 1: consecutive numbers ~100,000 ahead, half with acknowledgments
            send(100000 + i, 1 + 211 * i, ack=i if i % 2 == 0 else None)
        for i in range(spray):    # item 2: forged coherency counts, GRE numbers from 0 (some in the window)
            send(i, 1 + 205 * i)
        """;

    [IntegrationFact]
    public async Task Spoofed_GRE_and_forged_MPPE_leave_a_live_session_carrying_pings()
    {
        await using Lab lab = Lab.Create(Lab.Configuration("198.19.12.10-198.19.12.20",
            "ppp authentication mschapv2", "ppp encryption mppe auto", "ppp encryption mppe stateful"));
        LabProcess gateway = await lab.StartGatewayAsync();
        foreach (bool stateful in new[] { false, true })
        {
            string[] mode = stateful ? ["--stateful"] : [];
            await using LabProcess dial = lab.Dial($"dial stateful={stateful}", ["--auth", "mschapv2", "--mppe", "128", "--seconds", "60", .. mode]);
            _ = await dial.WaitForLineAsync("DIAL: link up", Up);
            for (int i = 0; i < 3; i++)
                Assert.True(lab.PingFromClient(Lab.GatewayInside), $"no ping before spoofing (stateful={stateful})");

            string vpdn = lab.Admin("show vpdn");
            ushort callId = ushort.Parse(CallId().Match(vpdn).Groups[1].Value, CultureInfo.InvariantCulture);
            ulong droppedBefore = ulong.Parse(Dropped().Match(vpdn).Groups[1].Value, CultureInfo.InvariantCulture);

            const int Far = 50, Spray = 200;
            (int code, _, string err) = Lab.RunRaw("ip", "netns", "exec", lab.ClientNamespace.Name, "python3", "-c", Spoofer,
                Lab.GatewayOutside, callId.ToString(CultureInfo.InvariantCulture), $"{Far}", $"{Spray}");
            Assert.True(code == 0, err);

            for (int i = 0; i < 5; i++)
                Assert.True(lab.PingFromClient(Lab.GatewayInside), $"no ping after spoofing (stateful={stateful}), ping {i}\n{gateway.Output}");
            vpdn = lab.Admin("show vpdn");
            output.WriteLine(vpdn);
            Assert.Contains("state is estabd", vpdn, StringComparison.Ordinal);
            ulong droppedAfter = ulong.Parse(Dropped().Match(vpdn).Groups[1].Value, CultureInfo.InvariantCulture);
            // Every spoofed packet is dropped and counted on the session (beyond the window, too old, duplicate or
            // failed verification), none delivered.
            Assert.True(droppedAfter - droppedBefore >= Far + Spray, $"dropped {droppedBefore} → {droppedAfter}");

            dial.Terminate();
            Assert.Equal(0, await dial.WaitForExitAsync(TimeSpan.FromSeconds(10)));
            _ = await lab.WaitForShowVpdnAsync("% No active PPTP tunnels", TimeSpan.FromSeconds(10));
        }
    }

    [GeneratedRegex(@"Call id (\d+) is up")]
    private static partial Regex CallId();

    [GeneratedRegex(@"(\d+) dropped packets")]
    private static partial Regex Dropped();
}
