using System.Globalization;
using Spectre.Console;

namespace PptpGw.Load;

/// <summary>The summary table printed at the end of a run (Spectre.Console; plain text when the output is not a terminal).</summary>
public static class LoadReport
{
    public static void Write(IAnsiConsole console, LoadResult r)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(r);
        var table = new Table().Title("pptpgw load").AddColumn("measure").AddColumn(new TableColumn("value").RightAligned());
        void Row(string name, string value) => table.AddRow(Markup.Escape(name), Markup.Escape(value));
        Row("sessions requested / established", $"{r.SessionsRequested:N0} / {r.SessionsEstablished:N0}");
        Row("tunnels x calls, source addresses", $"{r.Tunnels:N0} x {r.CallsPerTunnel}, {r.SourceAddresses:N0}");
        Row("mode", r.Mode == "open" ? $"open loop, {r.TargetRatePerS:N0}/s" : $"closed loop, {r.Concurrency:N0} in flight");
        if (r.OpenLoop is { } o)
            Row("open loop: starts achieved, max backlog, delayed", $"{o.AchievedStartRatePerS:N1}/s of {o.TargetRatePerS:N0}/s, {o.MaxBacklog:N0} (bound {o.MaxInFlight:N0} in flight), {o.StartsDelayed:N0}");
        Row("auth, MPPE", $"{r.Authentication}, {r.Mppe}");
        Row("set-up rate (mean over the ramp)", $"{r.SetupRatePerS:N1}/s in {r.SetupSeconds:N2} s");
        LatencySummary l = r.SetupLatencyMs;
        Row("set-up latency p50 / p90 / p99 / p99.9 / max", $"{l.P50:N1} / {l.P90:N1} / {l.P99:N1} / {l.P999:N1} / {l.Max:N1} ms");
        Row("held", $"{r.SessionsUpAtEndOfHold:N0} up after {r.HoldSeconds:N1} s");
        if (r.LcpEcho is { } e)
            Row("LCP echo: sent, replies, missing, gateway's answered", $"every {e.IntervalSeconds:N0} s: {e.RequestsSent:N0}, {e.RepliesReceived:N0}, {e.RepliesMissing:N0}, {e.GatewayRequestsAnswered:N0}");
        Row("teardown", $"{r.Teardown.Seconds:N2} s, {r.Teardown.CleanTunnels:N0} clean, {r.Teardown.UncleanTunnels:N0} not; at most {r.Teardown.TunnelsAtOnceMax:N0} of {r.Teardown.TunnelsAtOnceAllowed:N0} tunnels at once");
        if (r.Failures.Count == 0)
            Row("failures", "none");
        foreach ((string cause, long count) in r.Failures)
            Row("failure " + cause, count.ToString("N0", CultureInfo.InvariantCulture));
        if (r.Gateway is { } g)
        {
            Row("gateway CPU", $"{g.CpuSeconds:N2} s");
            Row("gateway RSS start / max", $"{Mib(g.RssBytesStart)} / {Mib(g.RssBytesMax)}");
            Row("gateway RSS per session (held)", g.RssBytesPerSession is { } p ? $"{p:N0} B" : "-");
            Row("gateway descriptors max", $"{g.FdsMax:N0}");
        }
        Row("tool CPU, RSS max", $"{r.Tool.CpuSeconds:N2} s, {Mib(r.Tool.RssBytesMax)}");
        Row("data path", r.DataPath);
        Row("traffic", r.TrafficMeasured ? $"up {r.ThroughputBps.Up:N0} b/s, down {r.ThroughputBps.Down:N0} b/s" : "not measured (control plane only)");
        if (r.Traffic is { } t)
        {
            Row("traffic packets sent / received / invalid / not sent", $"{t.PacketsSent:N0} / {t.PacketsReceived:N0} / {t.PacketsInvalid:N0} / {t.PacketsNotSent:N0}");
            Row("traffic sessions, rate achieved", $"{t.Sessions:N0} x {t.PacketsPerSecondPerSession:N1}/s x {t.PacketSize} B, {t.AchievedPacketsPerSecond:N0} packets/s");
            Row("traffic loss (all; sessions with loss, worst)", $"{t.Loss:P3}; {t.SessionsWithLoss:N0}, {t.WorstSessionLoss:P1}");
            LatencySummary rtt = t.RoundTripMs;
            Row("round trip p50 / p90 / p99 / p99.9 / max", $"{rtt.P50:N3} / {rtt.P90:N3} / {rtt.P99:N3} / {rtt.P999:N3} / {rtt.Max:N3} ms");
            if (t.GatewayCpuMicrosecondsPerPacket is { } us)
                Row("gateway CPU per packet (traffic phase)", $"{us:N2} µs");
        }
        if (r.LoadAverage is { } load)
            Row("load average at the end", load);
        console.Write(table);
    }

    private static string Mib(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576.0:N1} MiB");
}
