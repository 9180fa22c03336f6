namespace PptpGw.ControlPlane.Aaa.Accounting;

/// <summary>
/// One accounting record in an <see cref="AccountingQueue"/>: what it reports, for which session, when, and the
/// protocol's encoding of it (<see cref="Payload"/>, from an <see cref="IAccountingRecordFormat"/>), as it is kept in
/// the <see cref="AccountingSpool"/>. The scheduling state is the queue's and changes under its lock only.
/// </summary>
public sealed class AccountingRecord
{
    private readonly TaskCompletionSource _acknowledged = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal AccountingRecord(long sequence, AccountingRecordKind kind, string sessionKey, DateTimeOffset eventTime, byte[] payload)
    {
        Sequence = sequence;
        Kind = kind;
        SessionKey = sessionKey;
        EventTime = eventTime;
        Payload = payload;
    }

    /// <summary>Position in the spool: records are sent in this order, and per session strictly so.</summary>
    public long Sequence { get; }

    /// <summary>What the record reports.</summary>
    public AccountingRecordKind Kind { get; }

    /// <summary>The session (Acct-Session-Id, TACACS+ task_id); empty for Accounting-On/Off, which concern the gateway.</summary>
    public string SessionKey { get; }

    /// <summary>When the event happened: Acct-Delay-Time counts from here (RFC 2866 §5.2), and so does the record's age.</summary>
    public DateTimeOffset EventTime { get; }

    /// <summary>The protocol's encoding (RADIUS: the whole Accounting-Request with Acct-Delay-Time last; TACACS+: the REQUEST body).</summary>
    public byte[] Payload { get; }

    /// <summary>Completes when a server acknowledged the record; never faults (a record given up on stays incomplete).</summary>
    public Task Acknowledged => _acknowledged.Task;

    /// <summary>True once acknowledged.</summary>
    public bool IsAcknowledged => _acknowledged.Task.IsCompleted;

    // ---- the queue's scheduling state (under AccountingQueue's lock) ----
    internal AccountingRecordState State;
    internal int Server = -1;
    internal int Attempts;
    internal int AttemptsOnServer;
    internal int BackoffAttempts;
    internal long DueTicks;
    internal long SentTicks;
    internal int SpoolBytes;
    internal bool FromSpool;

    // ---- the transport's state (under the transport's lock) ----
    internal bool TransportClosed;
    internal object? TransportState;

    internal void MarkAcknowledged() => _acknowledged.TrySetResult();

    /// <inheritdoc/>
    public override string ToString() => $"{Kind} #{Sequence} session '{SessionKey}'";
}
