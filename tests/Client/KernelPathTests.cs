using System.Diagnostics;
using System.Net;
using System.Net.NetworkInformation;
using PptpGw.Client;

namespace PptpGw.Tests.Client;

/// <summary>A fact that needs root, /dev/net/tun and iproute2; skipped (saying why) elsewhere.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!Environment.IsPrivilegedProcess)
            Skip = "needs root (raw GRE socket, TUN device)";
        else if (!File.Exists("/dev/net/tun"))
            Skip = "needs /dev/net/tun";
        else if (!File.Exists("/usr/sbin/ip") && !File.Exists("/sbin/ip") && !File.Exists("/usr/bin/ip"))
            Skip = "needs iproute2's ip";
    }
}

/// <summary>
/// The production paths: a kernel TUN interface and raw GRE sockets. The stand-in server listens on 127.0.0.2 and the
/// client binds 127.0.0.1, so GRE stays on loopback; the TUN gets 198.19.0.0/15 lab addresses and disappears with the
/// session.
/// </summary>
[Collection(HostRawGre.Name)]
public sealed class KernelPathTests
{
    private static string Ip(params string[] args)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args)
            start.ArgumentList.Add(a);
        using Process p = Process.Start(start)!;
        string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        return output;
    }

    [RootFact]
    public async Task A_kernel_ping_goes_through_the_tun_and_raw_gre_with_mppe()
    {
        await using var pns = new StandInPns(new StandInPnsOptions { RawGre = true });
        string name = $"pptpt{Environment.ProcessId % 10000}";
        var options = new PptpClientOptions
        {
            Server = StandInPns.RawAddress,
            Port = pns.Port,
            SourceAddress = IPAddress.Loopback,
            UserName = "alice",
            Password = "wonderland",
            Mppe = ClientMppeMode.Bits128,
            InterfaceName = name,
            Routes = [new Ipv4Prefix(IPAddress.Parse("198.18.250.0"), 24)],
            ConnectTimeout = TimeSpan.FromSeconds(20),
        };
        PptpClientSession session = await PptpClient.ConnectAsync(options);
        await using (session)
        {
            PptpClientLink link = await session.LinkUp.WaitAsync(TimeSpan.FromSeconds(20));
            Assert.Equal(name, link.InterfaceName);
            Assert.Contains("inet 198.19.0.10 peer 198.19.0.1/32", Ip("-o", "addr", "show", "dev", name), StringComparison.Ordinal);
            Assert.Contains($"mtu {link.Mtu}", Ip("-o", "link", "show", "dev", name), StringComparison.Ordinal);
            Assert.Contains("198.18.250.0/24", Ip("route", "show", "dev", name), StringComparison.Ordinal);

            using var ping = new Ping();
            for (int i = 0; i < 3; i++)
            {
                PingReply reply = await ping.SendPingAsync(StandInPns.ServerTunnelAddress, TimeSpan.FromSeconds(3), new byte[100]);
                Assert.Equal(IPStatus.Success, reply.Status);
            }
            Assert.True(pns.IcmpEchoesAnswered >= 3);
            Assert.True(pns.EncryptedReceived >= 3);
            Assert.True(session.Counters.IpPacketsToTunnel >= 3);

            await session.HangUpAsync();
            Assert.Equal("user request", await session.Completion);
        }
        Assert.Contains("does not exist", Ip("link", "show", "dev", name), StringComparison.Ordinal);
        Assert.Empty(pns.Failures);
    }
}
