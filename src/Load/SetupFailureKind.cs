namespace PptpGw.Load;

/// <summary>The families of set-up failure the load tool counts; <see cref="SetupFailure.Code"/> holds the detail value.</summary>
public enum SetupFailureKind
{
    /// <summary>TCP connect failed; the code is the <see cref="System.Net.Sockets.SocketError"/>.</summary>
    TcpConnect,
    /// <summary>The server closed or reset the control connection; the code is the phase's <see cref="SetupPhase"/>.</summary>
    ControlConnectionLost,
    /// <summary>Start-Control-Connection-Reply with a Result Code other than 1; the code is the Result Code (RFC 2637 §2.2).</summary>
    ControlRefused,
    /// <summary>Outgoing-Call-Reply with a Result Code other than 1; the code is the Result Code (RFC 2637 §2.8).</summary>
    CallRefused,
    /// <summary>Call-Disconnect-Notify before the link was up; the code is its Result Code (RFC 2637 §2.13).</summary>
    CallDisconnected,
    /// <summary>The server sent Stop-Control-Connection-Request; the code is its Reason (RFC 2637 §2.3).</summary>
    ControlStopped,
    /// <summary>The server's control messages did not parse or made no sense (e.g. a reply for another call).</summary>
    ControlProtocol,
    /// <summary>No answer within the phase's time-out; <see cref="SetupFailure.Phase"/> says which.</summary>
    Timeout,
    /// <summary>Authentication failed; the code is the <see cref="ControlPlane.Ppp.Auth.PppAuthFailure"/>.</summary>
    Authentication,
    /// <summary>PPP went down for another reason; the code is the <see cref="ControlPlane.Ppp.Session.PppDownCause"/>.</summary>
    Ppp,
    /// <summary>The tool itself could not go on (stopped by the user, no descriptor left).</summary>
    Local,
}
