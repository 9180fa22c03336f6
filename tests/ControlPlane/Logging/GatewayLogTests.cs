using System.Net;
using Microsoft.Extensions.Time.Testing;
using PptpGw.ControlPlane.Logging;

namespace PptpGw.Tests.ControlPlane.Logging;

public class GatewayLogTests
{
    private static readonly IPAddress Peer = IPAddress.Parse("10.44.17.104");

    private static (GatewayLog Log, CaptureLogSink Sink, FakeTimeProvider Time) Create(PixSeverity level = PixSeverity.Debugging)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2007, 12, 18, 8, 32, 6, TimeSpan.Zero));
        var log = new GatewayLog(time, level);
        var sink = new CaptureLogSink();
        log.AddSink(sink);
        return (log, sink, time);
    }

    [Fact]
    public void TypedMethodsEmitTheFullPixLines()
    {
        var (log, sink, _) = Create();
        log.PppAaaAuthenticationStarted(1, "cisco");
        log.PppAaaAuthenticationStatus(1, "cisco", false);
        log.PppMissingMppeKey(1, "cisco");
        log.PptpTunnelCreated(15, Peer, 1, null, null, null);
        log.PptpTunnelDeleted(15, Peer);
        log.PptpAcceptError(5);
        log.AuthenSessionStart("john", 3);
        log.PppMaxConnectionsReached();

        // The guide's RADIUS-without-MPPE-keys sequence, then the 127-session error and a session start.
        Assert.Equal(
        [
            "%PIX-6-603102: PPP virtual interface 1 - user: cisco aaa authentication started",
            "%PIX-6-603103: PPP virtual interface 1 - user: cisco aaa authentication failed",
            "%PIX-4-403110: PPP virtual interface 1, user: cisco missing MPPE key from aaa server",
            "%PIX-6-603104: PPTP Tunnel created, tunnel_id is 15, remote_peer_ip is 10.44.17.104 ppp_virtual_interface_id is 1, client_dynamic_ip is 0.0.0.0 username is Unknown, MPPE_key_strength is None",
            "%PIX-6-603105: PPTP Tunnel deleted, tunnel_id = 15, remote_peer_ip = 10.44.17.104",
            "%PIX-3-213001: PPTP control daemon socket io accept error, errno = 5",
            "%PIX-2-109011: Authen Session Start: user 'john', sid 3",
            "%PIX-4-403103: PPP virtual interface max connections reached",
        ], sink.Lines);
        Assert.All(sink.Records, r => Assert.Equal(new DateTimeOffset(2007, 12, 18, 8, 32, 6, TimeSpan.Zero), r.Timestamp));
    }

    [Fact]
    public void LevelFiltersLessSevereMessages()
    {
        var (log, sink, _) = Create(PixSeverity.Warning);
        log.PptpTunnelDeleted(1, Peer);          // 6: dropped
        log.PppRequiresMschapForMppe(1);         // 4: kept
        log.PptpControlSocketIoError("read error", 104); // 3: kept
        Assert.Equal([PixMessageId.PppRequiresMschapForMppe, PixMessageId.PptpControlSocketIoError], sink.Records.Select(r => r.MessageId));
        Assert.False(log.IsEnabled(PixSeverity.Informational));
        log.Level = PixSeverity.Informational;
        log.PptpTunnelDeleted(1, Peer);
        Assert.Equal(3, sink.Records.Count);
    }

    [Fact]
    public void DebugClassesToggleAtRunTime()
    {
        var (log, sink, _) = Create();
        Assert.Equal(DebugClasses.None, log.Debugging);
        log.Debug(DebugClasses.VpdnEvents, "off");
        Assert.Empty(sink.Records);

        log.EnableDebug(DebugClasses.VpdnEvents);
        log.EnableDebug(DebugClasses.PppIo);
        Assert.True(log.IsEnabled(DebugClasses.VpdnEvents));
        Assert.True(log.IsEnabled(DebugClasses.PppIo | DebugClasses.PppError));
        Assert.False(log.IsEnabled(DebugClasses.VpdnPacket));
        log.Debug(DebugClasses.VpdnEvents, "Tnl 9 PPTP: Tunnel created; peer initiated");
        log.Debug(DebugClasses.VpdnPacket, "not shown");

        log.DisableDebug(DebugClasses.VpdnEvents);
        log.Debug(DebugClasses.VpdnEvents, "not shown either");
        Assert.Equal(DebugClasses.PppIo, log.Debugging);

        log.EnableDebug(DebugClasses.All);
        log.DisableDebug(DebugClasses.All);
        Assert.Equal(DebugClasses.None, log.Debugging);

        var record = Assert.Single(sink.Records);
        Assert.Equal("Tnl 9 PPTP: Tunnel created; peer initiated", record.Text);
        Assert.Equal(DebugClasses.VpdnEvents, record.DebugClass);
        Assert.Equal(PixSeverity.Debugging, record.Severity);
    }

    [Fact]
    public void InterpolatedDebugDoesNotFormatWhenOff()
    {
        var (log, sink, _) = Create();
        int evaluated = 0;
        int Count() => ++evaluated;

        log.Debug(DebugClasses.PppIo, $"PPP rcvd, ifc = {Count()}");
        Assert.Equal(0, evaluated);
        Assert.Empty(sink.Records);

        log.EnableDebug(DebugClasses.PppIo);
        log.Debug(DebugClasses.PppIo, $"PPP rcvd, ifc = {Count()}, pppdev: {1:D}");
        Assert.Equal(1, evaluated);
        Assert.Equal("PPP rcvd, ifc = 1, pppdev: 1", Assert.Single(sink.Records).Text);
    }

    [Fact]
    public void MppeRequiredButNotActiveLogsTheWarningAndTheGuidesDebugLine()
    {
        var (log, sink, _) = Create();
        log.MppeRequiredButNotActive(1, 8, 0x0021);
        Assert.Equal(["%PIX-4-403102: PPP virtual interface 1 rcvd pkt with invalid protocol: 21, reason: mppe required but not active"], sink.Lines);

        log.EnableDebug(DebugClasses.VpdnError);
        log.MppeRequiredButNotActive(1, 8, 0x0021);
        Assert.Equal("PPTP: Call id 8, no session id protocol: 21, reason: mppe required but not active, tunnel terminated", sink.Lines[^1]);
    }

    [Fact]
    public void AFaultySinkDoesNotStopTheOthers()
    {
        var (log, sink, _) = Create();
        log.AddSink(new ThrowingSink());
        var second = new CaptureLogSink();
        log.AddSink(second);
        log.PptpTunnelDeleted(1, Peer);
        Assert.Single(sink.Records);
        Assert.Single(second.Records);
        Assert.True(log.RemoveSink(second));
        Assert.False(log.RemoveSink(second));
        log.PptpTunnelDeleted(2, Peer);
        Assert.Single(second.Records);
        Assert.Equal(2, sink.Records.Count);
    }

    [Fact]
    public void ConcurrentWritersLoseNothing()
    {
        var (log, sink, _) = Create();
        log.EnableDebug(DebugClasses.All);
        Parallel.For(0, 4, w =>
        {
            for (int i = 0; i < 500; i++)
            {
                log.Debug(DebugClasses.PppIo, $"w{w} i{i}");
                if (i == 250)
                {
                    log.AddSink(new CaptureLogSink());
                }
            }
        });
        Assert.Equal(2000, sink.Records.Count);
        Assert.Equal(2000, sink.Records.Select(r => r.Text).Distinct().Count());
    }

    [Fact]
    public void ConsoleSinkPrefixesAnIsoTimestamp()
    {
        using var writer = new StringWriter();
        var (log, _, _) = Create();
        log.AddSink(new ConsoleLogSink(writer));
        log.PptpTunnelDeleted(8, Peer);
        Assert.Equal("2007-12-18T08:32:06.000Z %PIX-6-603105: PPTP Tunnel deleted, tunnel_id = 8, remote_peer_ip = 10.44.17.104\n", writer.ToString());
    }

    private sealed class ThrowingSink : ILogSink
    {
        public void Write(in LogRecord record) => throw new InvalidOperationException("broken sink");
    }
}
