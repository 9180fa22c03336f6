namespace PptpGw.ControlPlane.Pptp.Connection;

/// <summary>Why a call ended. The first four are the gateway's own reasons for <see cref="PptpControlConnection.ClearCallAsync"/>.</summary>
public enum PptpCallClearReason
{
    /// <summary>An administrator cleared it (<c>clear vpdn</c>): CDN Result Code 3 Admin Shutdown.</summary>
    AdminClear,
    /// <summary>PPP on the call terminated (LCP Terminate, authentication failure, …): CDN Result Code 1 Lost Carrier.</summary>
    PppTerminated,
    /// <summary>The AAA server asked for a disconnect (RADIUS Disconnect-Request, session timeout): CDN Result Code 3 Admin Shutdown.</summary>
    AaaDisconnect,
    /// <summary>An internal failure of the gateway: CDN Result Code 2 General Error, Error Code 6 PAC-Error.</summary>
    GatewayError,
    /// <summary>The peer sent Call-Clear-Request (we answered with Call-Disconnect-Notify, Result Code 4 Request).</summary>
    PeerCallClearRequest,
    /// <summary>The peer sent Call-Disconnect-Notify for the call.</summary>
    PeerCallDisconnectNotify,
    /// <summary>The control connection closed, clearing all its calls (RFC 2637 §2.3).</summary>
    ControlConnectionClosed,
    /// <summary>The handler did not decide within the configured time (OCRP Result Code 6 Time-out was sent).</summary>
    DecisionTimeout,
}
