namespace PptpGw.ControlPlane.Aaa.Accounting;

/// <summary>
/// Replies an accounting transport discarded, by reason (RFC 2865 §3: a reply that fails its checks is silently
/// discarded — silently towards the server, counted for the operator).
/// </summary>
/// <param name="Malformed">Datagrams that were not well-formed packets.</param>
/// <param name="WrongSource">From an address or port the requests were not sent to.</param>
/// <param name="UnknownIdentifier">Matching no transmission outstanding (e.g. an answer after the record was done).</param>
/// <param name="UnexpectedCode">Not an Accounting-Response.</param>
/// <param name="BadAuthenticator">A wrong Response Authenticator: most often a shared secret that differs.</param>
public readonly record struct AccountingIgnoredReplies(long Malformed, long WrongSource, long UnknownIdentifier, long UnexpectedCode,
    long BadAuthenticator)
{
    /// <summary>All of them.</summary>
    public long Total => Malformed + WrongSource + UnknownIdentifier + UnexpectedCode + BadAuthenticator;
}
