namespace PptpGw.ControlPlane.Aaa.Accounting;

/// <summary>Tuning of an <see cref="AccountingQueue"/> (the <c>accounting ...</c> lines, docs/CONFIG.md).</summary>
public sealed record AccountingQueueOptions
{
    /// <summary>Wait after the first transmission of a record; each retransmission doubles it up to <see cref="RetransmitMaximum"/>.
    /// Never shorter than the server's <c>timeout</c>.</summary>
    public TimeSpan RetransmitInitial { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest wait between two transmissions of a record.</summary>
    public TimeSpan RetransmitMaximum { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>A record older than this (from its event) is given up with a log line carrying its data. Default 7 days.</summary>
    public TimeSpan MaximumAge { get; init; } = TimeSpan.FromDays(7);

    /// <summary>Records in flight per server at once (RADIUS: beyond 128 per source port, more ports are opened). Default 64:
    /// with 256, a real FreeRADIUS's accounting socket dropped 110-131 datagrams in a 20,000-session run (each then waited for
    /// its retransmission); with 64 it dropped none at the same set-up rate (bench/RESULTS.md, issue 11 session 7).</summary>
    public int MaxInFlightPerServer { get; init; } = 64;

    /// <summary>Unanswered transmissions to one server before a record moves to the next server of the group (fail-over).</summary>
    public int TransmissionsPerServer { get; init; } = 3;

    /// <summary>How long a server that let a record fail over is skipped for new records (while another is alive).</summary>
    public TimeSpan DeadTime { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Bound on the spool's live records, in octets. When full, Interim-Updates go first, then Starts; Stops last.</summary>
    public long SpoolMaximumBytes { get; init; } = 64L << 20;

    /// <summary>The spool's directory (one file per group); null: memory only (a restart loses what is queued).</summary>
    public string? SpoolDirectory { get; init; } = DefaultSpoolDirectory;

    /// <summary>How often the spool is fsynced: what a power loss can cost at most. Zero: before every first transmission.
    /// (A killed process loses nothing: every record is in the kernel before it is sent.)</summary>
    public TimeSpan SpoolSyncInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How long a clean shutdown waits for the Stops and the Accounting-Off; what is left stays in the spool.</summary>
    public TimeSpan ShutdownWait { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The default spool directory.</summary>
    public const string DefaultSpoolDirectory = "/var/lib/pptpgw/accounting";
}
