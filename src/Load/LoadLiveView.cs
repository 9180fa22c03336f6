using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace PptpGw.Load;

/// <summary>
/// The live view while a run goes (Spectre.Console): stage, progress, current set-up rate, in flight, failures and the
/// gateway's CPU/RSS. On a terminal it redraws in place; otherwise one line per second.
/// </summary>
public static class LoadLiveView
{
    public static async Task ShowAsync(IAnsiConsole console, LoadRunner runner, Task run, bool interactive)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(run);
        if (!interactive)
        {
            while (await Task.WhenAny(run, Task.Delay(1000)).ConfigureAwait(false) != run)
                console.WriteLine(Line(runner.Progress));
            return;
        }
        await console.Live(Render(runner.Progress)).StartAsync(async context =>
        {
            while (await Task.WhenAny(run, Task.Delay(250)).ConfigureAwait(false) != run)
            {
                context.UpdateTarget(Render(runner.Progress));
                context.Refresh();
            }
            context.UpdateTarget(Render(runner.Progress));
        }).ConfigureAwait(false);
    }

    /// <summary>"[set-up 3.0 s] started 1,200/20,000 up 1,100 in flight 100 failed 0 rate 380/s gw 1.2 core 45 MiB".</summary>
    public static string Line(LoadProgress p)
    {
        ArgumentNullException.ThrowIfNull(p);
        string gateway = p.Gateway is { } g ? string.Create(CultureInfo.InvariantCulture, $" gw rss {g.RssBytes / 1048576.0:N1} MiB fds {g.FileDescriptors:N0}") : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"[{p.Stage} {p.Elapsed.TotalSeconds:N1} s] started {p.Started:N0}/{p.Requested:N0} established {p.Established:N0} up {p.Up:N0} in flight {p.InFlight:N0} failed {p.Failed:N0} rate {p.CurrentRate:N0}/s{gateway}");
    }

    private static IRenderable Render(LoadProgress p)
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"pptpgw load: {p.Stage}").AddColumn("").AddColumn(new TableColumn("").RightAligned());
        table.HideHeaders();
        double fraction = p.Requested == 0 ? 0 : (double)(p.Established + p.Failed) / p.Requested;
        table.AddRow("elapsed", $"{p.Elapsed.TotalSeconds:N1} s");
        table.AddRow(new Markup("progress"), new BreakdownChart().Width(40).HideTags()
            .AddItem("up", Math.Max(0.0001, p.Established), Color.Green).AddItem("failed", p.Failed, Color.Red)
            .AddItem("to do", Math.Max(0, p.Requested - p.Established - p.Failed), Color.Grey));
        table.AddRow("done", string.Create(CultureInfo.InvariantCulture, $"{fraction * 100:N1} % of {p.Requested:N0}"));
        table.AddRow("established / up now", $"{p.Established:N0} / {p.Up:N0}");
        table.AddRow("in flight", $"{p.InFlight:N0}");
        table.AddRow("set-ups per second", $"{p.CurrentRate:N0}");
        table.AddRow("failed", $"{p.Failed:N0}");
        foreach ((string cause, long count) in p.Failures.OrderByDescending(f => f.Value).Take(5))
            table.AddRow("  " + Markup.Escape(cause), $"{count:N0}");
        if (p.Gateway is { } g)
            table.AddRow("gateway", string.Create(CultureInfo.InvariantCulture, $"cpu {g.CpuSeconds:N1} s, rss {g.RssBytes / 1048576.0:N1} MiB, fds {g.FileDescriptors:N0}"));
        return table;
    }
}
