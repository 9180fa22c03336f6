namespace PptpGw.ControlPlane.Logging;

/// <summary>
/// Syslog facility codes (RFC 3164 §4.1.1). The PIX's "logging facility 20" is <see cref="Local4"/>, its default.
/// </summary>
public enum SyslogFacility
{
    /// <summary>0: kernel messages.</summary>
    Kernel = 0,
    /// <summary>1: user-level messages.</summary>
    User = 1,
    /// <summary>3: system daemons.</summary>
    Daemon = 3,
    /// <summary>4: security/authorization messages.</summary>
    Auth = 4,
    /// <summary>16: local use 0.</summary>
    Local0 = 16,
    /// <summary>17: local use 1.</summary>
    Local1 = 17,
    /// <summary>18: local use 2.</summary>
    Local2 = 18,
    /// <summary>19: local use 3.</summary>
    Local3 = 19,
    /// <summary>20: local use 4 (PIX default "logging facility 20").</summary>
    Local4 = 20,
    /// <summary>21: local use 5.</summary>
    Local5 = 21,
    /// <summary>22: local use 6.</summary>
    Local6 = 22,
    /// <summary>23: local use 7.</summary>
    Local7 = 23,
}
