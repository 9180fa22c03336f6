namespace PptpGw.ControlPlane.Ppp.Fsm;

/// <summary>How the layer judges a peer's Configure-Request (RFC 1661 §5.1-§5.4).</summary>
public enum ConfigureVerdict
{
    /// <summary>Every option is recognised and acceptable: RCR+, the automaton echoes the options in a Configure-Ack.</summary>
    Ack = 0,
    /// <summary>All options recognised, some values unacceptable: RCR-, the layer wrote the Nak'd options (with the values it wants).</summary>
    Nak,
    /// <summary>Some options unrecognisable or not acceptable for negotiation: RCR-, the layer wrote them verbatim, in order.</summary>
    Reject,
    /// <summary>The request is malformed: silently discarded (no event).</summary>
    Discard,
}
