namespace PptpGw.ControlPlane.Pptp.Connection;

/// <summary>The events that move a control connection between states; each is one row of <see cref="PptpStateMachine.Next(PptpControlConnectionState, PptpControlConnectionEvent)"/>.</summary>
public enum PptpControlConnectionEvent
{
    /// <summary>The run began (TCP is open).</summary>
    Start,
    /// <summary>A Start-Control-Connection-Request with a supported version arrived; SCCRP Successful sent.</summary>
    StartRequestAccepted,
    /// <summary>A Start-Control-Connection-Request was refused (version, admission); SCCRP with an error sent.
    /// §3.1.2: the receiver stays idle, the originator closes.</summary>
    StartRequestRefused,
    /// <summary>No Start-Control-Connection-Request within the configured time.</summary>
    StartRequestTimeout,
    /// <summary>The peer sent Stop-Control-Connection-Request; Stop-Control-Connection-Reply sent.</summary>
    StopRequestReceived,
    /// <summary>The gateway asked to stop (shutdown, clear vpdn tunnel).</summary>
    LocalStop,
    /// <summary>Stop-Control-Connection-Reply arrived.</summary>
    StopReplyReceived,
    /// <summary>No Stop-Control-Connection-Reply within the configured time.</summary>
    StopReplyTimeout,
    /// <summary>Our Echo-Request was not answered in time (§3.1.4 keep-alive).</summary>
    EchoTimeout,
    /// <summary>The peer closed TCP.</summary>
    PeerClosed,
    /// <summary>The byte stream lost PPTP framing (bad Magic Cookie or Length) — RFC 2637 §2 requires closing.</summary>
    StreamCorrupt,
    /// <summary>A read or write failed or timed out, or the run was cancelled.</summary>
    TransportFailure,
}
