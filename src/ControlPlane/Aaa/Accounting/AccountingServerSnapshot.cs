namespace PptpGw.ControlPlane.Aaa.Accounting;

/// <summary>One server of an accounting queue at one instant (for <c>show aaa-server</c> and metrics).</summary>
/// <param name="Name">Address and port.</param>
/// <param name="QueueDepth">Records on their way to this server: in flight to it, plus, for the server new records go
/// to first (<paramref name="Preferred"/>), those still waiting to be sent.</param>
/// <param name="InFlight">Records sent to it and not yet answered.</param>
/// <param name="OldestAge">Age (since its event) of the oldest of <paramref name="QueueDepth"/>; null when none.</param>
/// <param name="Delivered">Records it acknowledged.</param>
/// <param name="Retried">Retransmissions to it.</param>
/// <param name="Spooled">Records of the group's spool (shared by every server of the group).</param>
/// <param name="Dead">Marked dead after a fail-over; skipped for new records while another is alive.</param>
/// <param name="Preferred">Where new records go now.</param>
public sealed record AccountingServerSnapshot(string Name, int QueueDepth, int InFlight, TimeSpan? OldestAge, long Delivered, long Retried,
    int Spooled, bool Dead, bool Preferred)
{
    /// <summary>Of <see cref="Delivered"/>, answers to an earlier transmission than the record's latest: the server is
    /// slower than its timeout (raise <c>timeout</c> in its <c>aaa-server</c> line).</summary>
    public long LateAnswers { get; init; }
}
