namespace PptpGw.ControlPlane.Pptp.Connection;

/// <summary>Why a control connection closed.</summary>
public enum PptpCloseReason
{
    /// <summary>The peer sent Stop-Control-Connection-Request (answered).</summary>
    PeerStopRequest,
    /// <summary>We sent Stop-Control-Connection-Request and the peer replied.</summary>
    LocalStop,
    /// <summary>We sent Stop-Control-Connection-Request and no reply came in time.</summary>
    StopReplyTimeout,
    /// <summary>The gateway stopped the connection before any control connection existed (no SCCRQ yet).</summary>
    LocalStopBeforeStart,
    /// <summary>No Start-Control-Connection-Request arrived in time.</summary>
    StartRequestTimeout,
    /// <summary>The peer did not answer our Echo-Request in time (RFC 2637 §3.1.4).</summary>
    EchoTimeout,
    /// <summary>The peer closed TCP.</summary>
    PeerClosed,
    /// <summary>The stream lost PPTP framing (bad Magic Cookie or Length, RFC 2637 §2).</summary>
    StreamCorrupt,
    /// <summary>A read or write failed.</summary>
    IoError,
    /// <summary>A write did not complete in time (the peer stopped reading).</summary>
    WriteTimeout,
    /// <summary>The run was cancelled by its caller, or the connection disposed.</summary>
    Aborted,
    /// <summary>The listener was over its connection limit: SCCRQ answered with General Error / No-Resource, then closed.</summary>
    AdmissionRefused,
    /// <summary>Closed before its SCCRQ to make room for a new connection: the listener was full (oldest such connection first).</summary>
    Shed,
}
