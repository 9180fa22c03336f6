using System.Net;

namespace PptpGw.ControlPlane.Config;

/// <summary>The extension lines <c>accounting ...</c>: the durable accounting queue (docs/CONFIG.md "Accounting").</summary>
/// <param name="SpoolDirectory"><c>accounting spool PATH</c>: one spool file per AAA group; default /var/lib/pptpgw/accounting.</param>
/// <param name="SpoolSizeMegabytes"><c>accounting spool-size MB</c>: bound on the records held, default 64.</param>
/// <param name="SpoolSyncMilliseconds"><c>accounting spool-sync MS</c>: fsync interval (what a power loss can cost), default 100; 0 = every record.</param>
/// <param name="RetransmitInitialSeconds"><c>accounting retransmit INITIAL MAX</c>: first wait, doubling ...</param>
/// <param name="RetransmitMaximumSeconds">... up to this; default 5 and 60.</param>
/// <param name="MaximumAgeSeconds"><c>accounting max-age S</c>: a record is given up this long after its event; default 7 days.</param>
/// <param name="MaxInFlightPerServer"><c>accounting max-inflight N</c>: records in flight per server, default 64.</param>
/// <param name="ShutdownWaitSeconds"><c>accounting shutdown-wait S</c>: how long a clean stop waits for delivery, default 30.</param>
public sealed record AccountingConfig(
    string SpoolDirectory,
    int SpoolSizeMegabytes,
    int SpoolSyncMilliseconds,
    int RetransmitInitialSeconds,
    int RetransmitMaximumSeconds,
    int MaximumAgeSeconds,
    int MaxInFlightPerServer,
    int ShutdownWaitSeconds)
{
    public const string DefaultSpoolDirectory = "/var/lib/pptpgw/accounting";

    /// <summary>The values used without <c>accounting</c> lines.</summary>
    public static AccountingConfig Default { get; } = new(DefaultSpoolDirectory, 64, 100, 5, 60, 7 * 86400, 64, 30);
}

/// <summary>What to do with a session whose accounting Start no server acknowledged (extension
/// <c>vpdn group G accounting unanswered-start carry-on|disconnect S</c>; accel-ppp's acct-timeout).</summary>
/// <param name="Disconnect">False: carry on (the default; the Start stays queued). True: end the session with
/// Acct-Terminate-Cause NAS-Error after <paramref name="TimeoutSeconds"/> without an answer.</param>
public sealed record AccountingStartPolicy(bool Disconnect, int TimeoutSeconds)
{
    /// <summary>Carry on (the default).</summary>
    public static AccountingStartPolicy CarryOn { get; } = new(false, 0);
}

/// <summary>How the gateway names itself to RADIUS servers: extension lines <c>aaa-server radius-nas-identifier TEXT</c>
/// and <c>aaa-server radius-nas-ip-address A.B.C.D</c>; without them the <c>hostname</c> line and the source address.</summary>
public sealed record NasIdentityConfig(string? NasIdentifier, IPAddress? NasIpAddress)
{
    /// <summary>Nothing configured.</summary>
    public static NasIdentityConfig None { get; } = new(null, null);
}
