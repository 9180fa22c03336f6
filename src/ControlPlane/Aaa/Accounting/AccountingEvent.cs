using PptpGw.ControlPlane.Aaa.Radius;

namespace PptpGw.ControlPlane.Aaa.Accounting;

/// <summary>One thing to account for, before a protocol encodes it (<see cref="IAccountingRecordFormat.Encode"/>).</summary>
/// <param name="Kind">Start, Interim, Stop, Accounting-On or -Off.</param>
/// <param name="Time">When it happened (Event-Timestamp, RFC 2869 §5.3; TACACS+ stop_time).</param>
/// <param name="SessionId">Acct-Session-Id (for On/Off: one of their own, RFC 2866 §5.5 asks for it in every request).</param>
public sealed record AccountingEvent(AccountingRecordKind Kind, DateTimeOffset Time, string SessionId)
{
    /// <summary>The session (Start, Interim, Stop); null for Accounting-On/Off.</summary>
    public AccountingSessionData? Session { get; init; }
    /// <summary>When the session started (Acct-Session-Time counts from here).</summary>
    public DateTimeOffset SessionStart { get; init; }
    /// <summary>Counters (Interim, Stop).</summary>
    public AccountingCounters Counters { get; init; }
    /// <summary>Acct-Terminate-Cause (Stop).</summary>
    public AcctTerminateCause? Cause { get; init; }
}
