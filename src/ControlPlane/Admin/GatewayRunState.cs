namespace PptpGw.ControlPlane.Admin;

/// <summary>Where the gateway is in its life, for <c>show version</c> and <c>pptpgw_gateway_state</c>.</summary>
public enum GatewayRunState
{
    /// <summary>Built, not yet listening.</summary>
    Starting = 1,
    /// <summary>Accepting tunnels and calls.</summary>
    Running,
    /// <summary><c>shutdown soft</c>: no new tunnels or calls; stops when the last session ends (or at the deadline).</summary>
    Draining,
    /// <summary>Stopping: every peer gets Stop-Control-Connection-Request, every session ends.</summary>
    Stopping,
    /// <summary>Stopped.</summary>
    Stopped,
}
