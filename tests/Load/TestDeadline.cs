using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace PptpGw.Tests.Load;

/// <summary>
/// A whole test under a deadline: the body runs on the thread pool (not on xunit's synchronization context, so no
/// continuation of it can wait for a runner thread) and the test fails, saying which step it was in, what the lab's
/// processes printed and which child processes the test host still has, when the body has not ended by then. Without
/// it a step that never completes stalls the whole suite (issue 11: the merged tree sat idle for 30 minutes in the load
/// tests) instead of failing one test.
/// </summary>
internal sealed class TestDeadline
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<string> _steps = [];
    private readonly Lock _gate = new();
    private Func<string>? _output;
    private Func<ValueTask>? _cleanup;

    private TestDeadline()
    {
    }

    /// <summary>Runs <paramref name="body"/>; fails the test when it has not ended within <paramref name="limit"/>.</summary>
    public static async Task RunAsync(TimeSpan limit, Func<TestDeadline, Task> body)
    {
        var deadline = new TestDeadline();
        Task run = Task.Run(() => body(deadline));
        try
        {
            await run.WaitAsync(limit).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            string report = deadline.Report(limit);
            // Leave nothing running behind a failed test: the body's own clean-up (its lab: its processes by PID, its
            // namespaces), itself bounded. The stuck body stays parked; it holds no lock anyone else needs.
            if (deadline._cleanup is { } cleanup)
            {
                try
                {
                    await Task.Run(async () => await cleanup().ConfigureAwait(false)).WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
                }
                catch (Exception e) when (e is TimeoutException or InvalidOperationException or IOException)
                {
                    report += $"\n(clean-up after the deadline failed too: {e.GetType().Name} {e.Message})";
                }
            }
            throw new Xunit.Sdk.XunitException(report);
        }
    }

    /// <summary>Notes the step the body is about to take (the failure message names the last one).</summary>
    public void Step(string what)
    {
        lock (_gate)
            _steps.Add(string.Create(CultureInfo.InvariantCulture, $"{_clock.Elapsed.TotalSeconds,7:F1} s  {what}"));
    }

    /// <summary>What the failure message quotes (e.g. the output of the lab's processes), read when the deadline passes.</summary>
    public void Output(Func<string> output) => _output = output;

    /// <summary>What to undo when the deadline passes (the lab), instead of the body's own <c>await using</c>.</summary>
    public void CleanUp(Func<ValueTask> cleanup) => _cleanup = cleanup;

    private string Report(TimeSpan limit)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"the test did not end within {limit.TotalSeconds} s; its steps:\n");
        lock (_gate)
        {
            foreach (string step in _steps)
                sb.Append("  ").Append(step).Append('\n');
        }
        sb.Append("child processes of the test host now: ").Append(ChildProcesses()).Append('\n');
        try
        {
            if (_output?.Invoke() is { Length: > 0 } output)
                sb.Append("output:\n").Append(output);
        }
        catch (InvalidOperationException e)
        {
            sb.Append("(no output: ").Append(e.Message).Append(')');
        }
        return sb.ToString();
    }

    /// <summary>The test host's children from /proc (PID, state, command), or "none".</summary>
    private static string ChildProcesses()
    {
        int self = Environment.ProcessId;
        var children = new List<string>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
                continue;
            try
            {
                // /proc/PID/stat: "pid (comm) state ppid ..." — comm may hold spaces, so read after its closing parenthesis.
                string stat = File.ReadAllText(Path.Combine(dir, "stat"));
                int close = stat.LastIndexOf(')');
                string[] rest = stat[(close + 2)..].Split(' ');
                if (rest.Length > 1 && rest[1] == self.ToString(CultureInfo.InvariantCulture))
                    children.Add(string.Create(CultureInfo.InvariantCulture, $"{pid} {rest[0]} {stat[(stat.IndexOf('(') + 1)..close]}"));
            }
            catch (IOException)
            {
                // Gone meanwhile.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return children.Count == 0 ? "none" : string.Join(", ", children);
    }
}
