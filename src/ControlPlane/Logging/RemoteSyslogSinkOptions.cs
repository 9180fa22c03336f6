using System.Net;

namespace PptpGw.ControlPlane.Logging;

/// <summary>Settings of a <see cref="RemoteSyslogSink"/> (one <c>logging host</c> line).</summary>
public sealed record RemoteSyslogSinkOptions
{
    /// <summary>The collector.</summary>
    public required IPEndPoint EndPoint { get; init; }
    /// <summary>RFC 3164 (the PIX's) or RFC 5424.</summary>
    public SyslogFormat Format { get; init; } = SyslogFormat.Rfc3164;
    /// <summary><c>logging facility</c>.</summary>
    public SyslogFacility Facility { get; init; } = SyslogFacility.Local4;
    /// <summary><c>logging trap</c>: the least severe severity sent.</summary>
    public PixSeverity Level { get; init; } = PixSeverity.Informational;
    /// <summary>The HOSTNAME field (RFC 3164 §4.1.2, RFC 5424 §6.2.4): the machine's name by default.</summary>
    public string Hostname { get; init; } = Dns.GetHostName();
    /// <summary>TAG / APP-NAME.</summary>
    public string Tag { get; init; } = "pptpgw";
    /// <summary>PROCID; 0 to leave it out.</summary>
    public int ProcessId { get; init; } = Environment.ProcessId;
    /// <summary>Time zone of the RFC 3164 timestamp (RFC 5424's is UTC); local time when null.</summary>
    public TimeZoneInfo? TimeZone { get; init; }
}
