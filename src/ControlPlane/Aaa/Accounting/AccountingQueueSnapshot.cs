using System.Collections.Immutable;

namespace PptpGw.ControlPlane.Aaa.Accounting;

/// <summary>An accounting queue at one instant (for <c>show aaa-server</c> and metrics).</summary>
/// <param name="Group">The <c>aaa-server</c> group.</param>
/// <param name="SpoolPath">The spool file; null when the records live in memory only.</param>
/// <param name="QueueDepth">Records not yet acknowledged (waiting, ready or in flight).</param>
/// <param name="OldestAge">Age of the oldest of them, from its event; null when none.</param>
/// <param name="Spooled">Records in the spool (not marked done).</param>
/// <param name="SpoolBytes">Their octets (the bound is <see cref="AccountingQueueOptions.SpoolMaximumBytes"/>).</param>
/// <param name="Delivered">Records acknowledged.</param>
/// <param name="Retried">Retransmissions.</param>
/// <param name="Replayed">Records found in the spool at start.</param>
/// <param name="DroppedInterim">Interim-Updates dropped because the spool was full.</param>
/// <param name="DroppedStart">Starts dropped because the spool was full (of Starts and Stops).</param>
/// <param name="DroppedStop">Stops dropped because the spool was full of Stops.</param>
/// <param name="Superseded">Interim-Updates replaced by a newer record of the same session before they were sent.</param>
/// <param name="Expired">Records given up on after <see cref="AccountingQueueOptions.MaximumAge"/>.</param>
public sealed record AccountingQueueSnapshot(
    string Group,
    string? SpoolPath,
    int QueueDepth,
    TimeSpan? OldestAge,
    int Spooled,
    long SpoolBytes,
    long Delivered,
    long Retried,
    long Replayed,
    long DroppedInterim,
    long DroppedStart,
    long DroppedStop,
    long Superseded,
    long Expired,
    ImmutableArray<AccountingServerSnapshot> Servers)
{
    /// <summary>Replies the group's transport discarded, by reason.</summary>
    public AccountingIgnoredReplies IgnoredReplies { get; init; }
}
