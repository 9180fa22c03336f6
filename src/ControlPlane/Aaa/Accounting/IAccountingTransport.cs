namespace PptpGw.ControlPlane.Aaa.Accounting;

/// <summary>
/// How an <see cref="AccountingQueue"/> reaches the servers of one AAA group: it sends one transmission of a record to
/// a server and tells the queue, through <see cref="IAccountingAcknowledgementSink"/>, when any transmission of it was
/// answered. The queue decides when and where to (re)transmit; the transport only sends and matches answers.
/// </summary>
public interface IAccountingTransport : IAsyncDisposable
{
    /// <summary>Number of servers (in fail-over order); at least 1.</summary>
    int ServerCount { get; }

    /// <summary>How a server is named in logs and snapshots ("10.0.0.5:1646").</summary>
    string ServerName(int server);

    /// <summary>The server's own timeout (a record's wait is never shorter).</summary>
    TimeSpan ServerTimeout(int server);

    /// <summary>Where the acknowledgements go; set once by the queue before the first transmission.</summary>
    void Attach(IAccountingAcknowledgementSink sink);

    /// <summary>
    /// Sends one transmission of <paramref name="record"/> to <paramref name="server"/>, the record's
    /// <paramref name="delaySeconds"/> since its event (RADIUS Acct-Delay-Time, RFC 2866 §5.2). Does not block.
    /// </summary>
    void Transmit(AccountingRecord record, int server, uint delaySeconds);

    /// <summary>The record is done: forget its transmissions (late answers to them are then ignored).</summary>
    void Forget(AccountingRecord record);

    /// <summary>Replies the transport received and did not believe, by reason (monotonic; for the operator's views:
    /// a wrong shared secret shows here as bad authenticators while the records wait).</summary>
    AccountingIgnoredReplies IgnoredReplies { get; }
}
