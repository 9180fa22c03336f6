using PptpGw.ControlPlane.Config;

namespace PptpGw.ControlPlane.Admin;

/// <summary>
/// The gateway's own life, for the admin commands <c>reload</c>, <c>shutdown [soft [SECONDS]|hard]</c> and the state in
/// <c>show version</c>. Thread-safe; the host implements it.
/// </summary>
public interface IGatewayControl
{
    /// <summary>The current state.</summary>
    GatewayRunState State { get; }

    /// <summary>Sessions up now.</summary>
    int LiveSessions { get; }

    /// <summary>With <see cref="GatewayRunState.Draining"/> and a deadline: when the drain turns into a hard stop.</summary>
    DateTimeOffset? DrainDeadline { get; }

    /// <summary>Re-reads the configuration file and applies what can change live (<see cref="ConfigReloadReport"/>).</summary>
    Task<ConfigReloadReport> ReloadAsync(CancellationToken cancellationToken);

    /// <summary>Starts a shutdown; returns at once (the answer goes out before the admin socket closes).</summary>
    ShutdownResult Shutdown(ShutdownMode mode, TimeSpan? deadline);
}
