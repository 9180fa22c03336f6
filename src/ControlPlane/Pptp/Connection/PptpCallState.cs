namespace PptpGw.ControlPlane.Pptp.Connection;

/// <summary>States of a call on the PAC side of an outgoing call (RFC 2637 §3.2.4.1 "PAC Outgoing Call States").</summary>
/// <remarks>
/// The gateway answers Outgoing-Call-Requests as the PAC does (as the PIX does). §3.2.4.1's wait_cs_ans
/// (dialling) is, for a VPN gateway, the wait for the gateway's decision (AAA, limits, a PPP interface) —
/// the PIX calls it "wt-vacc" (waiting for the virtual access interface): "vacc-ok -> state change wt-vacc to estabd".
/// </remarks>
public enum PptpCallState
{
    /// <summary>Outgoing-Call-Request received; waiting for <see cref="IPptpCallHandler.OnOutgoingCallRequestAsync"/> (§3.2.4.1 wait_cs_ans; PIX "wt-vacc").</summary>
    WaitDecision = 0,
    /// <summary>Outgoing-Call-Reply Connected sent (§3.2.4.1 established; PIX "estabd").</summary>
    Established,
    /// <summary>Cleared: refused, disconnected, or its control connection went down (§3.2.4.1 idle). Final.</summary>
    Cleared,
}
