using System.Net;

namespace PptpGw.ControlPlane.Admin;

/// <summary>One tunnel a <c>clear vpdn</c> stopped.</summary>
/// <param name="TunnelId">Our tunnel id.</param>
/// <param name="Remote">The peer's address.</param>
/// <param name="Sessions">Calls it carried.</param>
/// <param name="Closed">True: the peer answered StopCCRQ (or timed out) within the wait; false: still closing when the command answered.</param>
public sealed record ClearedTunnel(ushort TunnelId, IPAddress Remote, int Sessions, bool Closed);
