namespace PptpGw.ControlPlane.Logging;

/// <summary>Settings of a <see cref="SyslogSink"/>.</summary>
public sealed record SyslogSinkOptions
{
    /// <summary>The local syslog socket (a Unix datagram socket).</summary>
    public string Path { get; init; } = SyslogSink.DefaultPath;
    /// <summary>Facility; local4 like the PIX's "logging facility 20".</summary>
    public SyslogFacility Facility { get; init; } = SyslogFacility.Local4;
    /// <summary>The TAG field (RFC 3164 §4.1.3).</summary>
    public string Tag { get; init; } = "pptpgw";
    /// <summary>HOSTNAME field; null for the glibc-style local form without it.</summary>
    public string? Hostname { get; init; }
    /// <summary>Process id after the tag; 0 to leave it out.</summary>
    public int ProcessId { get; init; } = Environment.ProcessId;
    /// <summary>Least severe severity sent (records with a larger number are dropped).</summary>
    public PixSeverity Level { get; init; } = PixSeverity.Debugging;
    /// <summary>Whether debug-class output goes to syslog too (the PIX sent it to the console only).</summary>
    public bool IncludeDebug { get; init; } = true;
    /// <summary>Time zone of the RFC 3164 timestamp; local time when null.</summary>
    public TimeZoneInfo? TimeZone { get; init; }
    /// <summary>How long to wait before trying to reach an absent socket again.</summary>
    public TimeSpan ReconnectInterval { get; init; } = TimeSpan.FromSeconds(5);
}
