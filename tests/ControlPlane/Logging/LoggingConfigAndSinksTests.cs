using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using PptpGw.ControlPlane.Config;
using PptpGw.ControlPlane.Logging;
using PptpGw.Tests.Gateway;

namespace PptpGw.Tests.ControlPlane.Logging;

/// <summary>
/// The PIX's logging lines honoured: <c>logging on|trap|facility|host|message</c> parsed with line-numbered errors,
/// remote syslog over UDP (RFC 3164 and RFC 5424) received on loopback while a session comes up, the
/// <c>logging message 109011 level</c> remap, and the JSON console lines.
/// </summary>
public sealed class LoggingConfigAndSinksTests
{
    private static ConfigParseResult Parse(string text) => PixConfigParser.Parse(text, "log.cfg");

    [Fact]
    public void Logging_lines_are_parsed_with_pix_syntax()
    {
        LoggingConfig logging = Parse("""
            logging on
            logging trap notifications
            logging facility 19
            logging host inside 198.18.5.5
            logging host 198.18.5.6 udp/5514 format rfc5424
            logging message 109011 level informational
            no logging message 603109
            logging json on
            logging timestamp
            """).Config!.Gateway.Logging;
        Assert.True(logging.Enabled);
        Assert.Equal(PixSeverity.Notification, logging.TrapLevel);
        Assert.Equal(SyslogFacility.Local3, logging.Facility);
        Assert.Equal(2, logging.Hosts.Length);
        Assert.Equal(new LoggingHostConfig("inside", IPEndPoint.Parse("198.18.5.5:514"), SyslogFormat.Rfc3164), logging.Hosts[0]);
        Assert.Equal(new LoggingHostConfig(null, IPEndPoint.Parse("198.18.5.6:5514"), SyslogFormat.Rfc5424), logging.Hosts[1]);
        Assert.Equal(PixSeverity.Informational, logging.MessageLevels[PixMessageId.AuthenSessionStart]);
        Assert.Null(logging.MessageLevels[(PixMessageId)603109]);
        Assert.True(logging.Json);
        Assert.Equal(PixSeverity.Debugging, Parse("logging trap 7").Config!.Gateway.Logging.TrapLevel);
        Assert.Equal(LoggingConfig.Default, Parse("").Config!.Gateway.Logging);
    }

    [Theory]
    [InlineData("logging trap loud", "log.cfg:1: error: logging trap: expected a level 0-7")]
    [InlineData("logging facility 7", "log.cfg:1: error: logging facility: expected 16-23")]
    [InlineData("logging host inside", "log.cfg:1: error: logging host: expected 'logging host [IF] A.B.C.D")]
    [InlineData("logging host 198.18.5.5 tcp/1470", "log.cfg:1: error: logging host: syslog over TCP is not supported")]
    [InlineData("logging host 198.18.5.5 udp/0", "log.cfg:1: error: logging host: 'udp/0' is not udp/PORT")]
    [InlineData("logging message 109011 level shouty", "log.cfg:1: error: logging message: expected 'logging message ID level LEVEL'")]
    public void Bad_logging_lines_are_errors_with_their_line_number(string line, string error)
    {
        ConfigParseResult result = Parse(line);
        Assert.StartsWith(error, Assert.Single(result.Errors).ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SyslogFormat.Rfc3164)]
    [InlineData(SyslogFormat.Rfc5424)]
    public async Task A_session_logs_to_a_remote_syslog_host_over_udp(SyslogFormat format)
    {
        using var collector = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)collector.Client.LocalEndPoint!).Port;
        string formatWord = format == SyslogFormat.Rfc5424 ? " format rfc5424" : "";
        string extra = $"""
            logging on
            logging trap informational
            logging facility 19
            logging host outside 127.0.0.1 udp/{port}{formatWord}
            logging message 109011 level informational
            """;
        await using GatewayTestBed bed = GatewayTestBed.Start(GatewayTestBed.Config(extra: extra));
        bed.Host.Log.EnableDebug(DebugClasses.PppNegotiation); // debug lines stay off the syslog host
        await using (Dialled call = await bed.DialAsync(0x6100))
            await call.Events.Up.Task.WaitAsync(TimeSpan.FromSeconds(20));

        var received = new List<string>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!received.Any(m => m.Contains("%PIX-6-603104", StringComparison.Ordinal)))
            received.Add(Encoding.UTF8.GetString((await collector.ReceiveAsync(timeout.Token)).Buffer));
        // local3 = 19: PRI = 19 * 8 + 6 = 158 for informational (RFC 3164 §4.1.1, RFC 5424 §6.2.1).
        string created = received.Single(m => m.Contains("%PIX-6-603104", StringComparison.Ordinal));
        if (format == SyslogFormat.Rfc5424)
            Assert.Matches(@"^<158>1 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \S+ pptpgw \d+ 603104 - %PIX-6-603104: PPTP Tunnel created", created);
        else
            Assert.Matches(@"^<158>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ pptpgw\[\d+\]: %PIX-6-603104: PPTP Tunnel created", created);
        // The PIX logs every login at critical (%PIX-2-109011); "logging message 109011 level informational" remaps it.
        Assert.Contains(received, m => m.StartsWith("<158>", StringComparison.Ordinal) && m.Contains("%PIX-6-109011: Authen Session Start: user 'cisco'", StringComparison.Ordinal));
        Assert.DoesNotContain(received, m => m.Contains("%PIX-2-109011", StringComparison.Ordinal));
        Assert.DoesNotContain(received, m => m.Contains("PPP virtual interface", StringComparison.Ordinal) && !m.Contains("%PIX-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_logging_on_nothing_goes_to_the_host_and_the_login_stays_critical()
    {
        using var collector = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)collector.Client.LocalEndPoint!).Port;
        await using GatewayTestBed bed = GatewayTestBed.Start(GatewayTestBed.Config(extra: $"logging host 127.0.0.1 udp/{port}"));
        await using (Dialled call = await bed.DialAsync(0x6200))
            await call.Events.Up.Task.WaitAsync(TimeSpan.FromSeconds(20));
        // Faithful by default: the PIX's severity 2 for 109011 (documented in docs/CONFIG.md, remap with "logging message").
        Assert.Contains("%PIX-2-109011: Authen Session Start: user 'cisco'", await bed.WaitForLogAsync("109011"), StringComparison.Ordinal);
        Assert.Equal(0, collector.Available);
    }

    [Fact]
    public void Json_console_lines_parse_and_carry_the_pix_id()
    {
        var record = new LogRecord(new DateTimeOffset(2026, 12, 7, 12, 0, 0, 500, TimeSpan.Zero), PixSeverity.Informational,
            PixMessageId.AuthenSessionStart, DebugClasses.None, "Authen Session Start: user \"q\", sid 3");
        using JsonDocument line = JsonDocument.Parse(JsonLogSink.FormatLine(record));
        Assert.Equal("2026-12-07T12:00:00.500Z", line.RootElement.GetProperty("ts").GetString());
        Assert.Equal("informational", line.RootElement.GetProperty("severity").GetString());
        Assert.Equal(6, line.RootElement.GetProperty("level").GetInt32());
        Assert.Equal(109011, line.RootElement.GetProperty("id").GetInt32());
        Assert.Equal("%PIX-6-109011", line.RootElement.GetProperty("pix").GetString());
        Assert.Equal("Authen Session Start: user \"q\", sid 3", line.RootElement.GetProperty("message").GetString());

        var debug = new LogRecord(record.Timestamp, PixSeverity.Debugging, PixMessageId.None, DebugClasses.PppIo, "PPP xmit");
        using JsonDocument debugLine = JsonDocument.Parse(JsonLogSink.FormatLine(debug));
        Assert.Equal("ppp io", debugLine.RootElement.GetProperty("debug").GetString());
        Assert.False(debugLine.RootElement.TryGetProperty("id", out _));
    }
}
