using System.Globalization;

namespace PptpGw.ControlPlane.Logging;

/// <summary>
/// One message: a numbered PIX system message (<see cref="MessageId"/> set), a debug line (<see cref="DebugClass"/> set)
/// or free text (neither).
/// </summary>
/// <param name="Timestamp">When it was emitted (UTC, from the log's <see cref="TimeProvider"/>).</param>
/// <param name="Severity">Syslog severity; <see cref="PixSeverity.Debugging"/> for debug lines.</param>
/// <param name="MessageId">The PIX message id, or <see cref="PixMessageId.None"/>.</param>
/// <param name="DebugClass">The debug class that produced it, or <see cref="DebugClasses.None"/>.</param>
/// <param name="Text">The message text without the "%PIX-s-id: " prefix.</param>
public readonly record struct LogRecord(
    DateTimeOffset Timestamp,
    PixSeverity Severity,
    PixMessageId MessageId,
    DebugClasses DebugClass,
    string Text)
{
    /// <summary>
    /// The message as the PIX prints it: "%PIX-6-603104: PPTP Tunnel created, ..." for numbered messages; the bare
    /// text for debug lines and free text (the PIX's debug output has no prefix either).
    /// </summary>
    public string Format() => MessageId == PixMessageId.None
        ? Text
        : string.Create(CultureInfo.InvariantCulture, $"%PIX-{(int)Severity}-{(int)MessageId}: {Text}");

    /// <inheritdoc/>
    public override string ToString() => Format();
}
