namespace PptpGw.Tests;

/// <summary>
/// The tests that open raw GRE sockets in the host's own network namespace (on loopback). A raw socket receives every
/// GRE packet of the namespace, so they run one at a time instead of seeing each other's flows.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HostRawGre
{
    /// <summary>The collection's name.</summary>
    public const string Name = "host raw GRE";
}
