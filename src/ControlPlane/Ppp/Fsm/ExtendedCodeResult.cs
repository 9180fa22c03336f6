namespace PptpGw.ControlPlane.Ppp.Fsm;

/// <summary>What the layer did with a packet whose code the automaton does not handle (0 and 8-255).</summary>
public enum ExtendedCodeResult
{
    /// <summary>Not a code of this protocol: RUC, the automaton sends a Code-Reject (scj).</summary>
    Unknown = 0,
    /// <summary>The layer handled it completely (e.g. CCP Reset-Request/Reset-Ack, LCP Identification): no event.</summary>
    Handled,
    /// <summary>Echo-Request, Echo-Reply or Discard-Request: RXR (ser in Opened, see <see cref="IPppFsmLayer.WriteEchoReply"/>).</summary>
    EchoOrDiscard,
    /// <summary>A Protocol-Reject of something we can do without (e.g. an NCP): RXJ+.</summary>
    RejectPermitted,
    /// <summary>A Protocol-Reject that is catastrophic (e.g. of LCP itself): RXJ-.</summary>
    RejectCatastrophic,
}
