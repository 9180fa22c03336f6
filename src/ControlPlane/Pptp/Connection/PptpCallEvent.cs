namespace PptpGw.ControlPlane.Pptp.Connection;

/// <summary>Events of a call's life; each is one row of <see cref="PptpStateMachine.Next(PptpCallState, PptpCallEvent)"/>.</summary>
public enum PptpCallEvent
{
    /// <summary>The gateway accepted the call; OCRP Connected sent.</summary>
    Accepted,
    /// <summary>The gateway refused the call; OCRP with an error sent.</summary>
    Refused,
    /// <summary>The gateway did not decide in time; OCRP Time-out sent.</summary>
    DecisionTimeout,
    /// <summary>Call-Clear-Request from the peer; Call-Disconnect-Notify sent (§3.2.4.1).</summary>
    PeerClearRequest,
    /// <summary>The peer reported the call gone with a Call-Disconnect-Notify.</summary>
    PeerDisconnectNotify,
    /// <summary>The gateway cleared the call (admin, PPP, AAA); Call-Disconnect-Notify sent.</summary>
    LocalClear,
    /// <summary>The control connection closed: its calls are implicitly cleared (RFC 2637 §2.3).</summary>
    ControlConnectionClosed,
}
