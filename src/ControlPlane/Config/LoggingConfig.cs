using System.Collections.Immutable;
using PptpGw.ControlPlane.Logging;

namespace PptpGw.ControlPlane.Config;

/// <summary>
/// The PIX's <c>logging</c> lines that the gateway honours: <c>logging on</c>, <c>logging trap LEVEL</c>,
/// <c>logging facility N</c>, <c>logging host [IF] ADDR [udp/PORT] [format rfc3164|rfc5424]</c>, <c>logging message ID
/// level LEVEL</c> / <c>no logging message ID</c>, and the extension <c>logging json on|off</c>.
/// </summary>
/// <param name="Enabled"><c>logging on</c>: without it nothing goes to the <c>logging host</c>s (as on the PIX).</param>
/// <param name="TrapLevel"><c>logging trap</c>: the least severe level sent to syslog (hosts and the local socket).</param>
/// <param name="Facility"><c>logging facility</c> (16-23: local0-local7; the PIX's default 20 is local4).</param>
/// <param name="Hosts">The <c>logging host</c> lines.</param>
/// <param name="MessageLevels"><c>logging message ID level L</c>: the severity a message is logged at (null: suppressed).</param>
/// <param name="Json"><c>logging json on</c>: the console (journald, docker, Loki) gets one JSON object per line.</param>
public sealed record LoggingConfig(
    bool Enabled,
    PixSeverity TrapLevel,
    SyslogFacility Facility,
    ImmutableArray<LoggingHostConfig> Hosts,
    ImmutableDictionary<PixMessageId, PixSeverity?> MessageLevels,
    bool Json)
{
    /// <summary>No <c>logging</c> lines: off, trap informational, local4, PIX severities, text console.</summary>
    public static LoggingConfig Default { get; } = new(false, PixSeverity.Informational, SyslogFacility.Local4, [],
        ImmutableDictionary<PixMessageId, PixSeverity?>.Empty, false);

    /// <summary>Value equality, the hosts and message levels included (records compare collections by reference).</summary>
    public bool Equals(LoggingConfig? other) =>
        other is not null && Enabled == other.Enabled && TrapLevel == other.TrapLevel && Facility == other.Facility && Json == other.Json
        && Hosts.SequenceEqual(other.Hosts)
        && MessageLevels.Count == other.MessageLevels.Count
        && MessageLevels.All(kv => other.MessageLevels.TryGetValue(kv.Key, out PixSeverity? level) && level == kv.Value);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Enabled, TrapLevel, Facility, Json, Hosts.Length, MessageLevels.Count);
}
