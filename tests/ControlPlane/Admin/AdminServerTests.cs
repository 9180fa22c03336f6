using System.Net.Sockets;
using PptpGw.ControlPlane.Admin;
using PptpGw.ControlPlane.Logging;

namespace PptpGw.Tests.ControlPlane.Admin;

/// <summary>Round trips over a Unix socket in a temporary directory.</summary>
public sealed class AdminServerTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pptpgw-admin-").FullName;
    private readonly FakeAdminHandler _handler = new(VpdnSamples.Tunnel);
    private readonly GatewayLog _log = new();
    private AdminServer _server = null!;

    private string SocketPath => Path.Combine(_dir, "run", "admin.sock");

    public Task InitializeAsync()
    {
        _server = new AdminServer(new AdminDispatcher(_handler, _log), new AdminServerOptions { SocketPath = SocketPath });
        _server.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token;

    [Fact]
    public async Task ShowClearAndDebugRoundTrip()
    {
        string shown = (await AdminClient.SendAsync(SocketPath, "sh vpdn", Timeout())).Text;
        Assert.Equal(VpdnRenderer.Render(VpdnSamples.Snapshot, VpdnView.All), shown);

        Assert.Equal(string.Empty, (await AdminClient.SendAsync(SocketPath, "debug vpdn events", Timeout())).Text);
        Assert.True(_log.IsEnabled(DebugClasses.VpdnEvents));
        Assert.Equal("debug vpdn events\n", (await AdminClient.SendAsync(SocketPath, "show debug", Timeout())).Text);

        AdminReply cleared = await AdminClient.SendAsync(SocketPath, "clear vpdn tunnel id 13", Timeout());
        Assert.Equal(AdminStatus.Ok, cleared.Status);
        Assert.StartsWith("Tunnel 13 (", cleared.Text, StringComparison.Ordinal);
        Assert.Equal(AdminStatus.NotFound, (await AdminClient.SendAsync(SocketPath, "clear vpdn tunnel id 13", Timeout())).Status);
        Assert.Contains("clear 13", _handler.Calls);
        Assert.Equal("% No active PPTP tunnels\n", (await AdminClient.SendAsync(SocketPath, "show vpdn tunnel", Timeout())).Text);
    }

    [Fact]
    public async Task GarbageGetsThePixError()
    {
        Assert.Equal("shoe vpdn\n^\n% Invalid input detected at '^' marker.\n", (await AdminClient.SendAsync(SocketPath, "shoe vpdn", Timeout())).Text);
        Assert.Equal(new AdminReply(AdminStatus.InvalidInput, "% Incomplete command.\n"), await AdminClient.SendAsync(SocketPath, "clear vpdn tunnel", Timeout()));
        await Assert.ThrowsAsync<ArgumentException>(() => AdminClient.SendAsync(SocketPath, "show vpdn\nclear vpdn tunnel all"));
    }

    [Fact]
    public async Task ClientsThatSendNothingOrBinaryDoNotHurtTheServer()
    {
        using (var silent = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            await silent.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath));
            silent.Shutdown(SocketShutdown.Send);
            var buffer = new byte[256];
            // Empty line: empty answer (only the NUL + status trailer), then close.
            Assert.Equal(2, await silent.ReceiveAsync(buffer));
            Assert.Equal(0, buffer[0]);
            Assert.Equal(0, await silent.ReceiveAsync(buffer));
        }

        using (var binary = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            await binary.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath));
            await binary.SendAsync(new byte[] { 0xff, 0xfe, 0x00, 0x41, (byte)'\n' });
            var buffer = new byte[256];
            int n = await binary.ReceiveAsync(buffer);
            Assert.Contains("% Invalid input detected", System.Text.Encoding.UTF8.GetString(buffer, 0, n), StringComparison.Ordinal);
        }

        Assert.StartsWith("PPTP Tunnel and Session Information", (await AdminClient.SendAsync(SocketPath, "show vpdn", Timeout())).Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TerminalMonitorStreamsLogLines()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await using var lines = AdminClient.MonitorAsync(SocketPath, cts.Token).GetAsyncEnumerator(cts.Token);
        Assert.True(await lines.MoveNextAsync());
        Assert.Equal("% Monitoring; close the connection to stop", lines.Current);

        _log.EnableDebug(DebugClasses.VpdnEvents);
        _log.Debug(DebugClasses.VpdnEvents, "Tnl 9 PPTP: Tunnel created; peer initiated");
        _log.PptpTunnelDeleted(9, System.Net.IPAddress.Parse("10.44.17.104"));

        Assert.True(await lines.MoveNextAsync());
        Assert.EndsWith("Z Tnl 9 PPTP: Tunnel created; peer initiated", lines.Current, StringComparison.Ordinal);
        Assert.True(await lines.MoveNextAsync());
        Assert.EndsWith("Z %PIX-6-603105: PPTP Tunnel deleted, tunnel_id = 9, remote_peer_ip = 10.44.17.104", lines.Current, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASecondServerOnALivePathIsRefusedAndAStaleFileIsReplaced()
    {
        await using var second = new AdminServer(new AdminDispatcher(_handler, _log), new AdminServerOptions { SocketPath = SocketPath });
        Assert.Throws<IOException>(second.Start);

        string stalePath = Path.Combine(_dir, "stale.sock");
        // Bound but never listening: connecting is refused, as with a crashed server's leftover file. (Kept open
        // until the end: .NET unlinks a socket's path when the socket that bound it is disposed.)
        using var dead = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        dead.Bind(new UnixDomainSocketEndPoint(stalePath));

        Assert.True(File.Exists(stalePath));
        await using var third = new AdminServer(new AdminDispatcher(_handler, _log), new AdminServerOptions { SocketPath = stalePath });
        third.Start();
        Assert.Equal("pptpgw test version\n", (await AdminClient.SendAsync(stalePath, "show version", Timeout())).Text);
        await third.StopAsync();
        Assert.False(File.Exists(stalePath));
    }
}
