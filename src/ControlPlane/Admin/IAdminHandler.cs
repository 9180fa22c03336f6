namespace PptpGw.ControlPlane.Admin;

/// <summary>
/// What the admin commands need from the gateway. The gateway implements it over its tunnel table; the methods are
/// called from the admin server's threads, so they must be thread-safe, and the clears are asynchronous end to end (no
/// admin thread blocks while a peer answers StopCCRQ). Debug toggles do not pass through here: they act on the shared
/// <see cref="Logging.GatewayLog"/>, which every component already consults.
/// </summary>
public interface IAdminHandler
{
    /// <summary>A consistent copy of the tunnels and sessions, for "show vpdn".</summary>
    VpdnSnapshot GetSnapshot();

    /// <summary>Tears down tunnel <paramref name="tunnelId"/> and its calls ("clear vpdn tunnel id N"); null if there is no such tunnel.</summary>
    ValueTask<VpdnClearResult?> ClearTunnelAsync(ushort tunnelId, CancellationToken cancellationToken);

    /// <summary>Tears down every tunnel ("clear vpdn tunnel all") and says which.</summary>
    ValueTask<VpdnClearResult> ClearAllTunnelsAsync(CancellationToken cancellationToken);

    /// <summary>The text of "show version".</summary>
    string GetVersion();
}
