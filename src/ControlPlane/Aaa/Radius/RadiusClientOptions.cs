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
    /// <summary>
    /// Requests outstanding at one server at once (1-256; 256 is one socket's Identifier space, RFC 2865 §3). A burst
    /// beyond what the server's socket and threads absorb is lost there and costs a whole timeout each (seen: 10 % of
    /// the Access-Requests of a 2,048-call burst answered only after the 5 s retransmission); the rest wait in a queue.
    /// </summary>
    public int MaxInFlightPerServer { get; init; } = DefaultMaxInFlightPerServer;
    /// <summary>Requests waiting for one of a server's in-flight places; beyond it the request is shed (counted as
    /// <see cref="RadiusClientStatistics.Shed"/>, tried at the next server of the group, and otherwise answered as a time-out).</summary>
    public int MaxQueuedPerServer { get; init; } = DefaultMaxQueuedPerServer;

    /// <summary>The default of <see cref="MaxInFlightPerServer"/>.</summary>
    public const int DefaultMaxInFlightPerServer = 64;
    /// <summary>The default of <see cref="MaxQueuedPerServer"/>: a queue a server at 2,000 answers a second drains in about 4 s.</summary>
    public const int DefaultMaxQueuedPerServer = 8192;
}
