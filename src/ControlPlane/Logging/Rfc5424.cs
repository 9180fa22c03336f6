using System.Globalization;
using System.Text;

namespace PptpGw.ControlPlane.Logging;

/// <summary>
/// The syslog protocol's framing (RFC 5424 §6): "&lt;PRI&gt;1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG", the
/// timestamp ISO 8601 in UTC with milliseconds (§6.2.3), MSGID the PIX message number ("603104") or "-", no
/// structured data ("-").
/// </summary>
public static class Rfc5424
{
    /// <summary>The whole message as text; fields longer than §6's limits are cut, empty ones are the NILVALUE "-".</summary>
    public static string Format(SyslogFacility facility, in LogRecord record, string? hostname, string appName, int pid)
    {
        ArgumentNullException.ThrowIfNull(appName);
        var sb = new StringBuilder(96 + record.Text.Length);
        sb.Append('<').Append(Rfc3164.Priority(facility, record.Severity).ToString(CultureInfo.InvariantCulture)).Append(">1 ");
        sb.Append(record.Timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)).Append(' ');
        sb.Append(Field(hostname, 255)).Append(' ');
        sb.Append(Field(appName, 48)).Append(' ');
        sb.Append(pid > 0 ? pid.ToString(CultureInfo.InvariantCulture) : "-").Append(' ');
        sb.Append(record.MessageId == PixMessageId.None ? "-" : ((int)record.MessageId).ToString(CultureInfo.InvariantCulture)).Append(' ');
        sb.Append("- ").Append(record.Format());
        return sb.ToString();
    }

    /// <summary>PRINTUSASCII without spaces (§6), at most <paramref name="max"/> characters; "-" when empty.</summary>
    private static string Field(string? value, int max)
    {
        if (string.IsNullOrEmpty(value))
            return "-";
        var sb = new StringBuilder(Math.Min(value.Length, max));
        foreach (char c in value)
        {
            if (sb.Length == max)
                break;
            sb.Append(c is > ' ' and < (char)127 ? c : '_');
        }
        return sb.ToString();
    }
}
