namespace PptpGw.ControlPlane.Pptp.Connection;

/// <summary>
/// States of a control connection on the receiving side (RFC 2637 §3.1.2, "Control Connection Receiver"):
/// the gateway accepts the TCP connection and waits for the peer's Start-Control-Connection-Request.
/// </summary>
/// <remarks>
/// §3.1.2 calls the first state "idle" (TCP open, no SCCRQ yet); the reference PIX names it "wt-sccrq"
/// ("SCCRQ-ok -> state change wt-sccrq to estabd"), so <see cref="WaitStartControlConnectionRequest"/> is
/// that state and <see cref="Idle"/> is only the state of an object whose run has not begun.
/// </remarks>
public enum PptpControlConnectionState
{
    /// <summary>Created, <see cref="PptpControlConnection.RunAsync"/> not called yet.</summary>
    Idle = 0,
    /// <summary>TCP is open; waiting for Start-Control-Connection-Request (§3.1.2 idle; PIX "wt-sccrq").</summary>
    WaitStartControlConnectionRequest,
    /// <summary>SCCRQ answered with a successful SCCRP: calls may be placed (§3.1.2 established; PIX "estabd").</summary>
    Established,
    /// <summary>We sent Stop-Control-Connection-Request and wait for the reply (§3.1.2 wait-stop-reply).</summary>
    WaitStopReply,
    /// <summary>The TCP connection is closed; every call is cleared. Final.</summary>
    Closed,
}
