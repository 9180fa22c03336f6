using System.Buffers;
using System.Net;
using PptpGw.ControlPlane.Config;

namespace PptpGw.ControlPlane.Aaa.Radius;

/// <summary>Tuning of a <see cref="RadiusClient"/>.</summary>
public sealed record RadiusClientOptions
{
    /// <summary>Sends per server before failing over to the next (the first try plus retransmissions); at least 1.</summary>
    public int Transmissions { get; init; } = 3;
    /// <summary>How long a server that did not answer is skipped (while another is alive).</summary>
    public TimeSpan DeadTime { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Address the client sockets bind to (the source address servers see); null: any.</summary>
    public IPAddress? LocalAddress { get; init; }
    /// <summary>NAS-IP-Address / NAS-Identifier.</summary>
    public RadiusNasIdentity Nas { get; init; } = RadiusNasIdentity.Default;
    /// <summary>Put a Message-Authenticator in every Access-Request (RFC 3579 §3.2; BlastRADIUS advice). Default on.</summary>
    public bool SendMessageAuthenticator { get; init; } = true;
    /// <summary>Override of <see cref="AaaServerGroup.RequireMessageAuthenticator"/>; null: the group's setting.</summary>
    public bool? RequireMessageAuthenticator { get; init; }
}
