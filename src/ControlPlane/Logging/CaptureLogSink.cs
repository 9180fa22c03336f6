namespace PptpGw.ControlPlane.Logging;

/// <summary>Keeps every record in memory, for tests and for "show logging"-style views. Thread-safe.</summary>
public sealed class CaptureLogSink : ILogSink
{
    private readonly Lock _lock = new();
    private readonly List<LogRecord> _records = [];

    /// <inheritdoc/>
    public void Write(in LogRecord record)
    {
        lock (_lock)
        {
            _records.Add(record);
        }
    }

    /// <summary>A copy of the records captured so far, oldest first.</summary>
    public IReadOnlyList<LogRecord> Records
    {
        get
        {
            lock (_lock)
            {
                return [.. _records];
            }
        }
    }

    /// <summary>The captured records as <see cref="LogRecord.Format"/> prints them.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lock)
            {
                var lines = new string[_records.Count];
                for (int i = 0; i < lines.Length; i++)
                {
                    lines[i] = _records[i].Format();
                }

                return lines;
            }
        }
    }

    /// <summary>Forget every record.</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _records.Clear();
        }
    }
}
