using System.Globalization;

namespace PptpGw.ControlPlane.Logging;

/// <summary>
/// Writes "2007-12-18T08:32:06.780Z %PIX-6-603104: ..." lines to a <see cref="TextWriter"/> (standard output by
/// default). The ISO 8601 UTC stamp sorts and survives journald/docker log collection, unlike the PIX's "Dec 18 2007".
/// </summary>
public sealed class ConsoleLogSink : ILogSink
{
    private readonly TextWriter _writer;
    private readonly Lock _lock = new();

    /// <summary>A sink writing to <paramref name="writer"/>, or to <see cref="Console.Out"/> when null.</summary>
    public ConsoleLogSink(TextWriter? writer = null) => _writer = writer ?? Console.Out;

    /// <summary>The line written for <paramref name="record"/>, without the newline.</summary>
    public static string FormatLine(in LogRecord record) =>
        record.Timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture) + " " + record.Format();

    /// <inheritdoc/>
    public void Write(in LogRecord record)
    {
        // One write of the whole line: Console.Out flushes on every Write, so the line and its newline apart were two
        // write(2) calls per log line (issue 11: a set-up burst's 5 lines per session were ~6 % of the gateway's CPU).
        string line = FormatLine(record) + "\n";
        lock (_lock)
        {
            try
            {
                _writer.Write(line);
                _writer.Flush();
            }
            catch (IOException)
            {
                // stdout closed (e.g. a pipe reader went away): logging must not take the gateway down.
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }
}
