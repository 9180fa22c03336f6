using System.Net;

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

/// <summary>One tunnel a <c>clear vpdn</c> stopped.</summary>
/// <param name="TunnelId">Our tunnel id.</param>
/// <param name="Remote">The peer's address.</param>
/// <param name="Sessions">Calls it carried.</param>
/// <param name="Closed">True: the peer answered StopCCRQ (or timed out) within the wait; false: still closing when the command answered.</param>
public sealed record ClearedTunnel(ushort TunnelId, IPAddress Remote, int Sessions, bool Closed);
