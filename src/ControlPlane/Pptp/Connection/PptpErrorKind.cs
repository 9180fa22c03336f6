namespace PptpGw.ControlPlane.Pptp.Connection;

/// <summary>What went wrong, for <c>debug vpdn error</c>.</summary>
public enum PptpErrorKind
{
    /// <summary>A framed message failed its parser (§2.16 Bad-Format / Bad-Value); the text has the parse error.</summary>
    MalformedMessage,
    /// <summary>The stream lost framing and the connection is closed.</summary>
    CorruptStream,
    /// <summary>A message that is valid but not in the current state (e.g. OCRQ before SCCRQ).</summary>
    UnexpectedMessage,
    /// <summary>A message a PAC never receives (e.g. OCRP, ICCN) or that we do not support (ICRQ).</summary>
    UnsupportedMessage,
    /// <summary>A Call ID that matches no call (§2.16 Bad-Call ID).</summary>
    UnknownCallId,
    /// <summary>A Start-Control-Connection-Request was refused (version, admission, duplicate).</summary>
    StartRequestRefused,
    /// <summary>An Outgoing-Call-Request was refused (by the handler, a limit, or no free Call ID).</summary>
    CallRefused,
    /// <summary>A wait timed out (SCCRQ, Echo-Reply, StopCCRP, handler decision, write).</summary>
    Timeout,
    /// <summary>A read or write failed.</summary>
    Transport,
    /// <summary>The gateway's handler threw.</summary>
    HandlerFailure,
    /// <summary>A reserved field was not 0 (tolerated; RFC 2637 §2 says MUST be sent as 0).</summary>
    ReservedFieldNonZero,
    /// <summary>The listener failed to accept a connection (PIX 213001 "PPTP control daemon socket io accept error").</summary>
    AcceptError,
    /// <summary>The listener refused a connection (connection limit).</summary>
    ConnectionRefused,
    /// <summary>The listener closed a connection at once: its source is over the per-source connection rate (accel-ppp's connlimit).</summary>
    ConnectionRateLimited,
    /// <summary>The listener closed a connection that had not sent SCCRQ, the oldest such, to admit a new one.</summary>
    ConnectionShed,
    /// <summary>The peer reported line errors with WAN-Error-Notify (§2.14); the text has the counters.</summary>
    PeerReportedError,
}
