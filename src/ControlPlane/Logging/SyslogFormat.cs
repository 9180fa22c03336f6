namespace PptpGw.ControlPlane.Logging;

/// <summary>How a remote syslog message is framed.</summary>
public enum SyslogFormat
{
    /// <summary>BSD syslog (RFC 3164 §4.1), what the PIX sends: "&lt;PRI&gt;Mmm dd hh:mm:ss HOST TAG: MSG".</summary>
    Rfc3164 = 0,
    /// <summary>RFC 5424 §6: "&lt;PRI&gt;1 TIMESTAMP HOST APP PROCID MSGID - MSG" with an ISO 8601 UTC timestamp.</summary>
    Rfc5424 = 1,
}
