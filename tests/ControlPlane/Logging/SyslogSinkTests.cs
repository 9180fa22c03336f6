using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using PptpGw.ControlPlane.Logging;

namespace PptpGw.Tests.ControlPlane.Logging;

/// <summary>RFC 3164 framing, sent to a Unix datagram socket the test binds (never the real /dev/log).</summary>
public sealed class SyslogSinkTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pptpgw-syslog-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2007, 12, 18, 8, 32, 6, TimeSpan.Zero));

    private string SocketPath => Path.Combine(_dir, "log");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Socket BindReceiver()
    {
        var rx = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        rx.Bind(new UnixDomainSocketEndPoint(SocketPath));
        rx.ReceiveTimeout = 5000;
        return rx;
    }

    private SyslogSinkOptions Options(string? hostname = null) => new()
    {
        Path = SocketPath,
        ProcessId = 4242,
        Hostname = hostname,
        TimeZone = TimeZoneInfo.Utc,
    };

    private static string Receive(Socket rx)
    {
        var buffer = new byte[4096];
        int n = rx.Receive(buffer);
        return Encoding.UTF8.GetString(buffer, 0, n);
    }

    [Fact]
    public void SendsRfc3164FramedPixMessagesAtLocal4()
    {
        using var rx = BindReceiver();
        using var sink = new SyslogSink(Options(), _time);
        var log = new GatewayLog(_time, PixSeverity.Debugging);
        log.AddSink(sink);

        log.PptpTunnelDeleted(8, System.Net.IPAddress.Parse("10.44.17.104"));
        // PRI = 20 (local4) * 8 + 6 (informational) = 166 (RFC 3164 §4.1.1).
        Assert.Equal("<166>Dec 18 08:32:06 pptpgw[4242]: %PIX-6-603105: PPTP Tunnel deleted, tunnel_id = 8, remote_peer_ip = 10.44.17.104", Receive(rx));

        log.AuthenSessionStart("john", 3);
        Assert.Equal("<162>Dec 18 08:32:06 pptpgw[4242]: %PIX-2-109011: Authen Session Start: user 'john', sid 3", Receive(rx));

        log.EnableDebug(DebugClasses.PppIo);
        log.Debug(DebugClasses.PppIo, "PPP xmit, ifc = 0, len: 8 data: ff03c22303010004");
        Assert.Equal("<167>Dec 18 08:32:06 pptpgw[4242]: PPP xmit, ifc = 0, len: 8 data: ff03c22303010004", Receive(rx));
        Assert.Equal(3, sink.Sent);
        Assert.Equal(0, sink.Dropped);
    }

    [Fact]
    public void TimestampPadsTheDayWithASpaceAndHostnameIsOptional()
    {
        Assert.Equal("Feb  5 07:08:09", Rfc3164.FormatTimestamp(new DateTime(2024, 2, 5, 7, 8, 9)));
        using var rx = BindReceiver();
        using var sink = new SyslogSink(Options("pix") with { Facility = SyslogFacility.Local7, ProcessId = 0 }, _time);
        sink.Write(new LogRecord(_time.GetUtcNow(), PixSeverity.Warning, PixMessageId.PppMissingMppeKey, DebugClasses.None, "PPP virtual interface 1, user: cisco missing MPPE key from aaa server"));
        Assert.Equal("<188>Dec 18 08:32:06 pix pptpgw: %PIX-4-403110: PPP virtual interface 1, user: cisco missing MPPE key from aaa server", Receive(rx));
    }

    [Fact]
    public void LongMessagesAreCutAt1024Bytes()
    {
        using var rx = BindReceiver();
        using var sink = new SyslogSink(Options(), _time);
        sink.Write(new LogRecord(_time.GetUtcNow(), PixSeverity.Debugging, PixMessageId.None, DebugClasses.PppIo, new string('x', 3000)));
        string received = Receive(rx);
        Assert.Equal(Rfc3164.MaxPacketLength, Encoding.UTF8.GetByteCount(received));
        Assert.StartsWith("<167>Dec 18 08:32:06 pptpgw[4242]: xxx", received, StringComparison.Ordinal);
    }

    [Fact]
    public void AnAbsentSocketDropsWithoutThrowingAndIsRetriedAfterTheInterval()
    {
        using var sink = new SyslogSink(Options(), _time);
        var record = new LogRecord(_time.GetUtcNow(), PixSeverity.Informational, PixMessageId.None, DebugClasses.None, "hello");
        sink.Write(record);
        Assert.Equal(1, sink.Dropped);

        using var rx = BindReceiver();
        sink.Write(record); // still within the reconnect interval: not even tried
        Assert.Equal(2, sink.Dropped);
        Assert.Equal(0, sink.Sent);

        _time.Advance(TimeSpan.FromSeconds(6));
        sink.Write(record);
        Assert.Equal(1, sink.Sent);
        Assert.EndsWith(": hello", Receive(rx), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFullReceiverNeverBlocksTheWriter()
    {
        using var rx = BindReceiver(); // never read: its queue fills up
        using var sink = new SyslogSink(Options(), _time);
        var record = new LogRecord(_time.GetUtcNow(), PixSeverity.Informational, PixMessageId.None, DebugClasses.None, new string('y', 900));
        var task = Task.Run(() =>
        {
            for (int i = 0; i < 5000; i++)
            {
                sink.Write(record);
            }
        });
        await task.WaitAsync(TimeSpan.FromSeconds(20)); // a TimeoutException here means a full socket blocked the writer
        Assert.True(sink.Dropped > 0);
        Assert.Equal(5000, sink.Sent + sink.Dropped);
    }

    [Fact]
    public void LevelAndDebugFilteringApply()
    {
        using var rx = BindReceiver();
        using var sink = new SyslogSink(Options() with { Level = PixSeverity.Warning, IncludeDebug = false }, _time);
        sink.Write(new LogRecord(_time.GetUtcNow(), PixSeverity.Informational, PixMessageId.None, DebugClasses.None, "info"));
        sink.Write(new LogRecord(_time.GetUtcNow(), PixSeverity.Debugging, PixMessageId.None, DebugClasses.PppIo, "debug"));
        sink.Write(new LogRecord(_time.GetUtcNow(), PixSeverity.Error, PixMessageId.None, DebugClasses.None, "error"));
        Assert.Equal(1, sink.Sent);
        Assert.EndsWith(": error", Receive(rx), StringComparison.Ordinal);
    }
}
