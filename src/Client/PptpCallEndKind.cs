namespace PptpGw.Client;

/// <summary>How a call placed with <see cref="PptpTunnel.PlaceCallAsync"/> ended.</summary>
public enum PptpCallEndKind
{
    /// <summary>The server sent Call-Disconnect-Notify (RFC 2637 §2.13): <see cref="PptpCallEnd.Result"/> says why.</summary>
    ServerDisconnected,
    /// <summary>We cleared it (Call-Clear-Request, §2.12).</summary>
    Cleared,
    /// <summary>The control connection was stopped, by the server's or our Stop-Control-Connection-Request (§2.3: every call goes with it).</summary>
    TunnelStopped,
    /// <summary>The control connection was lost (TCP closed or broke, a corrupt stream) or disposed.</summary>
    TunnelLost,
}
