namespace PptpGw.ControlPlane.Aaa.Radius;

/// <summary>Counters of a <see cref="RadiusAccountingTransport"/> (monotonic).</summary>
public sealed class RadiusAccountingStatistics
{
    internal long transmissions, responses, lateResponses, evicted, malformed, unknownIdentifier, wrongSource, unexpectedCode, badAuthenticator;

    /// <summary>Accounting-Requests sent (first transmissions and retransmissions).</summary>
    public long Transmissions => Interlocked.Read(ref transmissions);
    /// <summary>Accounting-Responses accepted.</summary>
    public long Responses => Interlocked.Read(ref responses);
    /// <summary>Of those, answers to an earlier transmission than the record's latest (a slow server).</summary>
    public long LateResponses => Interlocked.Read(ref lateResponses);
    /// <summary>Earlier transmissions forgotten to free an Identifier (answers to them no longer match).</summary>
    public long Evicted => Interlocked.Read(ref evicted);
    /// <summary>Datagrams that were not RADIUS packets.</summary>
    public long DroppedMalformed => Interlocked.Read(ref malformed);
    /// <summary>Replies whose Identifier matches no transmission outstanding on that port.</summary>
    public long DroppedUnknownIdentifier => Interlocked.Read(ref unknownIdentifier);
    /// <summary>Replies from an address or port the request was not sent to.</summary>
    public long DroppedWrongSource => Interlocked.Read(ref wrongSource);
    /// <summary>Replies that are not Accounting-Responses.</summary>
    public long DroppedUnexpectedCode => Interlocked.Read(ref unexpectedCode);
    /// <summary>Replies with a wrong Response Authenticator (RFC 2865 §3: silently discarded).</summary>
    public long DroppedBadAuthenticator => Interlocked.Read(ref badAuthenticator);
}
