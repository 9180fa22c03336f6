using ScottPlot;

namespace PptpGw.Load;

/// <summary>The PNG of a run (ScottPlot, rendered by SkiaSharp off screen): set-ups per second and sessions up over time, and the gateway's RSS.</summary>
public static class LoadPlot
{
    public static void Write(LoadResult result, string path)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(path);
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } dir)
            Directory.CreateDirectory(dir);
        double[] t = [0, .. result.Timeline.Select(p => p.Seconds)];
        double[] rate = [0, .. result.Timeline.Select(p => p.SetupsPerSecond)];
        double[] up = [0, .. result.Timeline.Select(p => (double)p.Established)];

        var plot = new Plot();
        var rateLine = plot.Add.Scatter(t, rate);
        rateLine.LegendText = "set-ups per second";
        var upLine = plot.Add.Scatter(t, up);
        upLine.LegendText = "sessions up";
        upLine.Axes.YAxis = plot.Axes.Right;
        if (result.Timeline.Any(p => p.GatewayRssBytes is not null))
        {
            double[] rss = [result.Gateway?.RssBytesStart / 1048576.0 ?? 0, .. result.Timeline.Select(p => (p.GatewayRssBytes ?? 0) / 1048576.0)];
            var rssLine = plot.Add.Scatter(t, rss);
            rssLine.LegendText = "gateway RSS (MiB, left axis)";
        }
        bool traffic = result.Timeline.Any(p => p.TrafficRepliesPerSecond is not null);
        if (traffic)
        {
            double[] replies = [0, .. result.Timeline.Select(p => p.TrafficRepliesPerSecond ?? 0)];
            var trafficLine = plot.Add.Scatter(t, replies);
            trafficLine.LegendText = "traffic: echo replies back per second (left axis)";
        }
        plot.Axes.Left.Label.Text = traffic ? "set-ups/s, MiB, replies/s" : "set-ups/s, MiB";
        plot.Axes.Right.Label.Text = "sessions up";
        plot.Axes.Bottom.Label.Text = "seconds";
        plot.Title($"pptpgw load: {result.SessionsEstablished:N0}/{result.SessionsRequested:N0} sessions, {result.Tunnels:N0} tunnels x {result.CallsPerTunnel}, " +
            $"{result.Mode} loop, {result.SetupRatePerS:N0} set-ups/s");
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, 1100, 600);
    }
}
