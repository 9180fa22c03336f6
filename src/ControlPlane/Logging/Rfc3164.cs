using System.Globalization;
using System.Text;

namespace PptpGw.ControlPlane.Logging;

/// <summary>
/// BSD syslog framing (RFC 3164 §4.1): "&lt;PRI&gt;Mmm dd hh:mm:ss [HOSTNAME ]TAG[pid]: MSG". The HOSTNAME field is
/// optional here because the local /dev/log reader (rsyslog imuxsock, journald) expects the glibc syslog(3) form
/// without it and would otherwise take the host name for the tag.
/// </summary>
public static class Rfc3164
{
    /// <summary>RFC 3164 §4.1: "The total length of the packet MUST be 1024 bytes or less."</summary>
    public const int MaxPacketLength = 1024;

    private static readonly string[] Months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    /// <summary>PRI = facility * 8 + severity (RFC 3164 §4.1.1).</summary>
    public static int Priority(SyslogFacility facility, PixSeverity severity) => ((int)facility * 8) + (int)severity;

    /// <summary>
    /// The TIMESTAMP field (RFC 3164 §4.1.2): "Mmm dd hh:mm:ss" in local time, the day padded with a space ("Feb  5").
    /// </summary>
    public static string FormatTimestamp(DateTime localTime) => string.Create(
        CultureInfo.InvariantCulture,
        $"{Months[localTime.Month - 1]} {localTime.Day,2} {localTime.Hour:D2}:{localTime.Minute:D2}:{localTime.Second:D2}");

    /// <summary>The whole message as text (not yet truncated to <see cref="MaxPacketLength"/>).</summary>
    public static string Format(SyslogFacility facility, PixSeverity severity, DateTime localTime, string? hostname, string tag, int pid, string message)
    {
        ArgumentNullException.ThrowIfNull(tag);
        ArgumentNullException.ThrowIfNull(message);
        var sb = new StringBuilder(64 + message.Length);
        sb.Append('<').Append(Priority(facility, severity).ToString(CultureInfo.InvariantCulture)).Append('>');
        sb.Append(FormatTimestamp(localTime)).Append(' ');
        if (!string.IsNullOrEmpty(hostname))
        {
            sb.Append(hostname).Append(' ');
        }

        sb.Append(tag);
        if (pid > 0)
        {
            sb.Append('[').Append(pid.ToString(CultureInfo.InvariantCulture)).Append(']');
        }

        sb.Append(": ").Append(message);
        return sb.ToString();
    }

    /// <summary>
    /// Encodes <paramref name="text"/> as UTF-8 into <paramref name="destination"/>, cut at <see cref="MaxPacketLength"/>
    /// bytes (and never inside a UTF-8 sequence). Returns the number of bytes written.
    /// </summary>
    public static int Encode(string text, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(text);
        var limit = destination[..Math.Min(destination.Length, MaxPacketLength)];
        Encoding.UTF8.GetEncoder().Convert(text, limit, flush: true, out _, out int bytesUsed, out _);
        return bytesUsed;
    }
}
