using System.Buffers;

namespace PptpGw.ControlPlane.Aaa.Radius;

/// <summary>Counters of a <see cref="RadiusClient"/> (monotonic; read with <see cref="Volatile"/> semantics).</summary>
public sealed class RadiusClientStatistics
{
    internal long requests, retransmissions, timeouts, accepts, rejects, accountingResponses, shed;
    internal long malformed, unknownIdentifier, wrongSource, unexpectedCode, badAuthenticator, badMessageAuthenticator, missingMessageAuthenticator;

    /// <summary>Requests started (Access and Accounting).</summary>
    public long Requests => Interlocked.Read(ref requests);
    /// <summary>Packets re-sent after a timeout (the same server).</summary>
    public long Retransmissions => Interlocked.Read(ref retransmissions);
    /// <summary>Requests no server answered.</summary>
    public long Timeouts => Interlocked.Read(ref timeouts);
    /// <summary>Requests given up unsent because every server's in-flight places and queue were full
    /// (<see cref="RadiusClientOptions.MaxQueuedPerServer"/>): load shed at the gateway, not a server's silence.</summary>
    public long Shed => Interlocked.Read(ref shed);
    /// <summary>Access-Accepts received.</summary>
    public long Accepts => Interlocked.Read(ref accepts);
    /// <summary>Access-Rejects (and Challenges) received.</summary>
    public long Rejects => Interlocked.Read(ref rejects);
    /// <summary>Accounting-Responses received.</summary>
    public long AccountingResponses => Interlocked.Read(ref accountingResponses);
    /// <summary>Datagrams that were not RADIUS packets (RFC 2865 §3: silently discarded).</summary>
    public long DroppedMalformed => Interlocked.Read(ref malformed);
    /// <summary>Replies whose Identifier matches no outstanding request.</summary>
    public long DroppedUnknownIdentifier => Interlocked.Read(ref unknownIdentifier);
    /// <summary>Replies from an address or port the request was not sent to.</summary>
    public long DroppedWrongSource => Interlocked.Read(ref wrongSource);
    /// <summary>Replies whose Code does not answer the request's.</summary>
    public long DroppedUnexpectedCode => Interlocked.Read(ref unexpectedCode);
    /// <summary>Replies with a wrong Response Authenticator (RFC 2865 §3: silently discarded).</summary>
    public long DroppedBadAuthenticator => Interlocked.Read(ref badAuthenticator);
    /// <summary>Replies with a wrong or malformed Message-Authenticator (RFC 3579 §3.2).</summary>
    public long DroppedBadMessageAuthenticator => Interlocked.Read(ref badMessageAuthenticator);
    /// <summary>Access replies without a Message-Authenticator while one is required (BlastRADIUS, CVE-2024-3596).</summary>
    public long DroppedMissingMessageAuthenticator => Interlocked.Read(ref missingMessageAuthenticator);
}
