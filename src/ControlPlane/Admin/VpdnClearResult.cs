namespace PptpGw.ControlPlane.Admin;

/// <summary>What a <c>clear vpdn tunnel</c> command cleared.</summary>
/// <param name="Tunnels">One entry per tunnel it stopped.</param>
public sealed record VpdnClearResult(IReadOnlyList<ClearedTunnel> Tunnels)
{
    /// <summary>Nothing was cleared.</summary>
    public static VpdnClearResult None { get; } = new([]);

    /// <summary>Sessions ended with the tunnels.</summary>
    public int Sessions => Tunnels.Sum(t => t.Sessions);
}
