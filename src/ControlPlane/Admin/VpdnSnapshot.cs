namespace PptpGw.ControlPlane.Admin;

/// <summary>Everything "show vpdn" prints, taken at one instant.</summary>
/// <param name="Tunnels">The tunnels with their sessions.</param>
public sealed record VpdnSnapshot(IReadOnlyList<TunnelSnapshot> Tunnels)
{
    /// <summary>No tunnels.</summary>
    public static VpdnSnapshot Empty { get; } = new([]);

    /// <summary>The number of sessions over all tunnels.</summary>
    public int SessionCount
    {
        get
        {
            int n = 0;
            foreach (var t in Tunnels)
            {
                n += t.Sessions.Count;
            }

            return n;
        }
    }
}
