namespace PptpGw.ControlPlane.Config;

/// <summary>How a reload ended (<see cref="ConfigReloadReport"/>).</summary>
public enum ConfigReloadOutcome
{
    /// <summary>The file was valid; its changes are listed, each with its <see cref="ReloadDisposition"/>.</summary>
    Applied = 1,
    /// <summary>The file was valid and says what the gateway already runs.</summary>
    Unchanged,
    /// <summary>The file has errors (listed with their lines): nothing changed.</summary>
    Invalid,
    /// <summary>No reload possible: the gateway runs without a configuration file, or is stopping.</summary>
    Unavailable,
}
