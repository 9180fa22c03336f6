using System.Net;

namespace PptpGw.ControlPlane.Admin;

/// <summary>One control connection (tunnel), as "show vpdn tunnel" shows it.</summary>
public sealed record TunnelSnapshot
{
    /// <summary>Our tunnel id.</summary>
    public required ushort TunnelId { get; init; }
    /// <summary>The "remote id" the PIX prints; PPTP has no tunnel id on the wire, so the PIX shows its own id again.</summary>
    public required ushort RemoteTunnelId { get; init; }
    /// <summary>Tunnel state name, PIX style ("wt-sccrq", "estabd", ...).</summary>
    public required string State { get; init; }
    /// <summary>Seconds since <see cref="State"/> last changed.</summary>
    public long SecondsSinceStateChange { get; init; }
    /// <summary>The client's TCP end point.</summary>
    public required IPEndPoint RemoteEndPoint { get; init; }
    /// <summary>The gateway's TCP end point (port 1723).</summary>
    public required IPEndPoint LocalEndPoint { get; init; }
    /// <summary>Packets sent on the tunnel (control and data, as the PIX counts them).</summary>
    public ulong PacketsSent { get; init; }
    /// <summary>Packets received on the tunnel.</summary>
    public ulong PacketsReceived { get; init; }
    /// <summary>Bytes sent.</summary>
    public ulong BytesSent { get; init; }
    /// <summary>Bytes received.</summary>
    public ulong BytesReceived { get; init; }
    /// <summary>Time since the control connection was accepted.</summary>
    public TimeSpan Uptime { get; init; }
    /// <summary>The calls on this tunnel.</summary>
    public IReadOnlyList<SessionSnapshot> Sessions { get; init; } = [];
}
