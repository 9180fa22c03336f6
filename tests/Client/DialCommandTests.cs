using System.Net;
using PptpGw.Client;
using PptpGw.ControlPlane.Ppp;
using PptpGw.ControlPlane.Ppp.Ccp;
using PptpGw.ControlPlane.Pptp;

namespace PptpGw.Tests.Client;

/// <summary><c>pptpgw dial</c>: argument parsing, output lines and exit codes, against the stand-in server.</summary>
public sealed class DialCommandTests
{
    private static async Task<(int Exit, string[] Output, string Error)> RunAsync(StandInPns pns, string[] args,
        Func<IPAddress, TimeSpan, CancellationToken, Task<TimeSpan?>>? ping = null)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        MemoryTunnelInterface? tunnel = null;
        var environment = new DialEnvironment
        {
            Output = output,
            Error = error,
            Configure = options => options with
            {
                Port = pns.Port,
                GreTransportFactory = pns.CreateClientTransport,
                InterfaceFactory = settings => tunnel = new MemoryTunnelInterface(settings),
            },
        };
        if (ping is not null)
            environment = environment with { Ping = ping };
        else
            environment = environment with { Ping = (address, timeout, token) => PingThroughAsync(() => tunnel!, address, timeout) };
        int exit = await DialCommand.RunAsync(args, environment).WaitAsync(TimeSpan.FromSeconds(30));
        return (exit, output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), error.ToString());
    }

    /// <summary>A ping through the in-memory tunnel interface (what the kernel would do through the TUN).</summary>
    private static Task<TimeSpan?> PingThroughAsync(Func<MemoryTunnelInterface> tunnel, IPAddress address, TimeSpan timeout)
    {
        MemoryTunnelInterface t = tunnel();
        byte[] request = StandInPns.MakeEchoRequest(t.Settings.LocalAddress, address, 77, 1);
        long start = Environment.TickCount64;
        t.Inject(request);
        bool ok = t.TryTakeReceived(out byte[] reply, timeout) && reply.AsSpan().SequenceEqual(StandInPns.MakeEchoReply(request));
        return Task.FromResult<TimeSpan?>(ok ? TimeSpan.FromMilliseconds(Environment.TickCount64 - start) : null);
    }

    [Fact]
    public async Task Dial_for_some_seconds_prints_progress_and_exits_0()
    {
        await using var pns = new StandInPns();
        var (exit, output, error) = await RunAsync(pns,
            ["dial", "127.0.0.1", "--user", "alice", "--password", "wonderland", "--auth", "mschapv2", "--mppe", "128", "--seconds", "0.3"]);
        Assert.True(exit == 0, error);
        Assert.Equal("DIAL: control connection up server=stand-in", output[0]);
        Assert.Matches(@"^DIAL: call established call-id=\d+ peer-call-id=16962 peer-window=32$", output[1]);
        Assert.Equal("DIAL: link up local=198.19.0.10 remote=198.19.0.1 mppe=128 stateless interface=pptp0 mtu=1396 dns=198.19.0.53 auth=MsChapV2",
            output[2]);
        Assert.StartsWith("DIAL: counters ", output[3], StringComparison.Ordinal);
        Assert.Equal("DIAL: down reason=user request", output[^1]);
        Assert.Equal(string.Empty, error);
    }

    [Fact]
    public async Task Dial_with_ping_reports_the_replies()
    {
        await using var pns = new StandInPns(new StandInPnsOptions
        {
            Mppe = new MppePolicy(MppePolicy.StrengthBits, Required: true, PreferStateless: false),
        });
        var (exit, output, _) = await RunAsync(pns,
            ["127.0.0.1", "--user", "alice", "--password", "wonderland", "--stateful", "--tun", "vpn7", "--ping", "198.19.0.1", "--count", "3", "--interval", "0.05"]);
        Assert.Equal(0, exit);
        Assert.Contains(output, l => l.StartsWith("DIAL: link up local=198.19.0.10 remote=198.19.0.1 mppe=128 stateful interface=vpn7", StringComparison.Ordinal));
        Assert.Equal(3, output.Count(l => l.StartsWith("DIAL: ping reply from 198.19.0.1 seq=", StringComparison.Ordinal)));
        Assert.Contains(output, l => l.StartsWith("DIAL: ping 198.19.0.1 sent=3 received=3 loss=0%", StringComparison.Ordinal));
        Assert.Equal(3, pns.IcmpEchoesAnswered);
    }

    [Fact]
    public async Task Unanswered_pings_exit_9()
    {
        await using var pns = new StandInPns();
        var (exit, output, _) = await RunAsync(pns,
            ["127.0.0.1", "--user", "alice", "--password", "wonderland", "--ping", "198.19.0.99", "--count", "2", "--interval", "0.05"],
            ping: (_, _, _) => Task.FromResult<TimeSpan?>(null));
        Assert.Equal(DialCommand.ExitPingFailed, exit);
        Assert.Contains("DIAL: ping 198.19.0.99 sent=2 received=0 loss=100% avg=0 ms", output);
    }

    [Fact]
    public async Task Authentication_failure_exits_5_with_the_ms_chap_error()
    {
        await using var pns = new StandInPns();
        var (exit, output, error) = await RunAsync(pns, ["127.0.0.1", "--user", "alice", "--password", "bad", "--seconds", "5"]);
        Assert.Equal((int)PptpClientFailure.AuthenticationFailed, exit);
        Assert.Contains("E=691 (ERROR_AUTHENTICATION_FAILURE)", error, StringComparison.Ordinal);
        Assert.StartsWith("DIAL: down reason=authentication failed", output[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refused_call_exits_4()
    {
        await using var pns = new StandInPns(new StandInPnsOptions { CallResult = OutgoingCallResultCode.Busy });
        var (exit, _, error) = await RunAsync(pns, ["127.0.0.1", "--user", "alice", "--password", "wonderland"]);
        Assert.Equal((int)PptpClientFailure.Refused, exit);
        Assert.Contains("call refused: 4 (Busy)", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_ending_the_call_exits_8()
    {
        await using var pns = new StandInPns();
        Task<(int, string[], string)> run = RunAsync(pns, ["127.0.0.1", "--user", "alice", "--password", "wonderland", "--seconds", "20"]);
        for (int i = 0; i < 500 && pns.ServerLink is null; i++)
            await Task.Delay(10);
        await Task.Delay(100);
        await pns.SendStopAsync();
        var (exit, output, _) = await run;
        Assert.Equal((int)PptpClientFailure.LinkFailed, exit);
        Assert.StartsWith("DIAL: down reason=the server stopped the control connection", output[^1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "--user", "u", "--password", "p" }, "the server address is missing")]
    [InlineData(new[] { "10.0.0.1", "--password", "p" }, "--user and --password are required")]
    [InlineData(new[] { "s", "--user", "u", "--password", "p", "--auth", "eap" }, "--auth takes")]
    [InlineData(new[] { "s", "--user", "u", "--password", "p", "--mppe", "64" }, "--mppe takes")]
    [InlineData(new[] { "s", "--user", "u", "--password", "p", "--auth", "pap" }, "MPPE keys come from MS-CHAP")]
    [InlineData(new[] { "s", "--user", "u", "--password", "p", "--route", "198.18.0.0/33" }, "--route takes")]
    [InlineData(new[] { "s", "--user", "u", "--password", "p", "--seconds", "-1" }, "--seconds takes")]
    [InlineData(new[] { "s", "--user", "u", "--password", "p", "--bogus" }, "unexpected argument '--bogus'")]
    [InlineData(new[] { "s", "t", "--user", "u", "--password", "p" }, "unexpected argument 't'")]
    [InlineData(new[] { "s", "--user", "u", "--password", "p", "--tun", "a-very-long-interface-name" }, "--tun takes")]
    public async Task Bad_arguments_exit_2_with_usage(string[] args, string message)
    {
        using var error = new StringWriter();
        int exit = await DialCommand.RunAsync(args, new DialEnvironment { Output = TextWriter.Null, Error = error });
        Assert.Equal(DialCommand.ExitUsage, exit);
        Assert.Contains(message, error.ToString(), StringComparison.Ordinal);
        Assert.Contains("usage: pptpgw dial SERVER", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Arguments_map_to_options()
    {
        DialArguments? a = DialArguments.TryParse(
            ["198.18.0.1", "--user", "u", "--password", "p", "--auth", "mschap", "--auth", "pap", "--mppe", "40", "--stateful",
             "--source", "198.18.0.2", "--seconds", "1.5", "--route", "198.18.10.0/24", "--route", "198.19.5.5", "--quiet"], out string? error);
        Assert.Null(error);
        Assert.NotNull(a);
        Assert.Equal([PppAuthProtocol.MsChapV1, PppAuthProtocol.Pap], a.Authentication.ToArray());
        Assert.Equal(ClientMppeMode.Bits40, a.Mppe);
        Assert.True(a.Stateful);
        Assert.True(a.Quiet);
        Assert.Equal(IPAddress.Parse("198.18.0.2"), a.Source);
        Assert.Equal(TimeSpan.FromSeconds(1.5), a.Duration);
        Assert.Equal([new Ipv4Prefix(IPAddress.Parse("198.18.10.0"), 24), new Ipv4Prefix(IPAddress.Parse("198.19.5.5"), 32)], a.Routes.ToArray());
        Assert.Equal("pptp0", a.InterfaceName);
    }
}
