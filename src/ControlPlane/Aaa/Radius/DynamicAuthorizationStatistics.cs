namespace PptpGw.ControlPlane.Aaa.Radius;

/// <summary>Counters of a <see cref="DynamicAuthorizationServer"/>.</summary>
public sealed class DynamicAuthorizationStatistics
{
    internal long received, acks, naks, duplicates, unknownClient, badAuthenticator, malformed, unsupportedCode;

    /// <summary>Datagrams received.</summary>
    public long Received => Interlocked.Read(ref received);
    /// <summary>Disconnect-ACK and CoA-ACK sent.</summary>
    public long Acks => Interlocked.Read(ref acks);
    /// <summary>Disconnect-NAK and CoA-NAK sent.</summary>
    public long Naks => Interlocked.Read(ref naks);
    /// <summary>Retransmitted requests answered from the cache without acting again.</summary>
    public long Duplicates => Interlocked.Read(ref duplicates);
    /// <summary>Silently dropped: the source address is not a configured client (RFC 5176 §5).</summary>
    public long DroppedUnknownClient => Interlocked.Read(ref unknownClient);
    /// <summary>Silently dropped: wrong Request Authenticator or Message-Authenticator (RFC 5176 §3.1, §3.3).</summary>
    public long DroppedBadAuthenticator => Interlocked.Read(ref badAuthenticator);
    /// <summary>Silently dropped: not a well-formed RADIUS packet.</summary>
    public long DroppedMalformed => Interlocked.Read(ref malformed);
    /// <summary>Silently dropped: neither Disconnect-Request nor CoA-Request.</summary>
    public long DroppedUnsupportedCode => Interlocked.Read(ref unsupportedCode);
}
