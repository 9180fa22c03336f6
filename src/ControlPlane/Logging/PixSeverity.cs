namespace PptpGw.ControlPlane.Logging;

/// <summary>
/// Severity of a message: the syslog severity numbers (RFC 3164 §4.1.1), which are also the digit after "%PIX-"
/// in a PIX message ("%PIX-6-603104": informational). Lower is more severe.
/// </summary>
public enum PixSeverity
{
    /// <summary>0: the system is unusable.</summary>
    Emergency = 0,
    /// <summary>1: action must be taken immediately.</summary>
    Alert = 1,
    /// <summary>2: critical conditions (the PIX logs 109011 "Authen Session Start" here).</summary>
    Critical = 2,
    /// <summary>3: error conditions (213001 socket errors).</summary>
    Error = 3,
    /// <summary>4: warning conditions (the 4031xx PPP/PPTP warnings).</summary>
    Warning = 4,
    /// <summary>5: normal but significant conditions.</summary>
    Notification = 5,
    /// <summary>6: informational (the 6031xx tunnel and AAA events).</summary>
    Informational = 6,
    /// <summary>7: debug-level messages (the output of the "debug" classes).</summary>
    Debugging = 7,
}
