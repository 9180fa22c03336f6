using System.Buffers;
using System.Text.Json;

namespace PptpGw.ControlPlane.Logging;

/// <summary>
/// <c>logging json on</c>: one JSON object per line on standard output, for journald, docker and Loki —
/// <c>{"ts":"2026-12-07T12:00:00.000Z","severity":"informational","level":6,"id":603104,"pix":"%PIX-6-603104",
/// "message":"PPTP Tunnel created, ..."}</c>; debug lines carry <c>"debug":"ppp io"</c> instead of an id.
/// </summary>
public sealed class JsonLogSink : ILogSink
{
    private static readonly string[] SeverityNames = ["emergency", "alert", "critical", "error", "warning", "notice", "informational", "debug"];

    private readonly TextWriter _writer;
    private readonly Lock _lock = new();

    /// <summary>A sink writing to <paramref name="writer"/>, or to <see cref="Console.Out"/> when null.</summary>
    public JsonLogSink(TextWriter? writer = null) => _writer = writer ?? Console.Out;

    /// <summary>The line written for <paramref name="record"/>, without the newline.</summary>
    public static string FormatLine(in LogRecord record)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("ts", record.Timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture));
            json.WriteString("severity", SeverityNames[(int)record.Severity]);
            json.WriteNumber("level", (int)record.Severity);
            if (record.MessageId != PixMessageId.None)
            {
                json.WriteNumber("id", (int)record.MessageId);
                json.WriteString("pix", string.Create(System.Globalization.CultureInfo.InvariantCulture, $"%PIX-{(int)record.Severity}-{(int)record.MessageId}"));
            }
            if (record.DebugClass != DebugClasses.None)
                json.WriteString("debug", DebugClassNames.NameOf(record.DebugClass) ?? record.DebugClass.ToString());
            json.WriteString("message", record.Text);
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <inheritdoc/>
    public void Write(in LogRecord record)
    {
        string line = FormatLine(record);
        lock (_lock)
        {
            try
            {
                _writer.Write(line);
                _writer.Write('\n');
                _writer.Flush();
            }
            catch (IOException)
            {
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }
}
