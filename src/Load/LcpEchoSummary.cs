namespace PptpGw.Load;

/// <summary>
/// LCP echo during the hold (RFC 1661 §5.8): each session up sends an Echo-Request every <paramref name="IntervalSeconds"/>
/// (as pppd's lcp-echo-interval does), spread evenly over the interval; the gateway's Echo-Replies counted on arrival,
/// and the gateway's own Echo-Requests that our PPP answered. Counted when the hold ends; requests sent in its last
/// <paramref name="GraceSeconds"/> are not made, so a missing reply is a lost one.
/// </summary>
public sealed record LcpEchoSummary(double IntervalSeconds, double GraceSeconds, long RequestsSent, long RepliesReceived,
    long RepliesMissing, long GatewayRequestsAnswered);
