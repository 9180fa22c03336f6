namespace PptpGw.ControlPlane.Logging;

/// <summary>
/// A destination of log records. <see cref="Write"/> is called concurrently from any thread and must neither block for
/// long nor throw: logging must never take the gateway down.
/// </summary>
public interface ILogSink
{
    /// <summary>Deliver one record (drop it if the destination is unavailable).</summary>
    void Write(in LogRecord record);
}
