namespace PptpGw.Dataplane.Gre;

/// <summary>
/// Where a Sequence Number falls relative to a session's receive state (<see cref="GreReceiveState.Check"/>), decided
/// without changing the state: the first, tentative step of the receive path, before the packet has been shown to
/// belong to the session.
/// </summary>
public enum GreWindowCheck
{
    /// <summary>Next expected, or ahead within the receive window (also: the first packet of the session).</summary>
    InWindow = 0,
    /// <summary>Already delivered or already held.</summary>
    Duplicate,
    /// <summary>Before the next expected one and not a known duplicate.</summary>
    TooOld,
    /// <summary>At least the advertised receive window ahead (RFC 2637 §4.2).</summary>
    BeyondWindow,
}
