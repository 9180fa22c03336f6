namespace PptpGw.ControlPlane.Aaa.Accounting;

/// <summary>Where a record is in the queue.</summary>
internal enum AccountingRecordState : byte
{
    /// <summary>Behind an earlier record of its session (RFC 2866 has no ordering, billing does).</summary>
    Waiting,
    /// <summary>Next of its session, not yet sent.</summary>
    Ready,
    /// <summary>Sent, waiting for an answer or its next retransmission.</summary>
    InFlight,
    /// <summary>Acknowledged, superseded, or given up: out of the queue and marked done in the spool.</summary>
    Done,
}
