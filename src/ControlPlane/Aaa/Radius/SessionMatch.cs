using System.Net;

namespace PptpGw.ControlPlane.Aaa.Radius;

/// <summary>
/// Which session a Disconnect-Request or CoA-Request names (RFC 5176 §3: the session identification attributes).
/// Every non-null field must match; at least one is set.
/// </summary>
public sealed record SessionMatch(string? AcctSessionId, string? UserName, IPAddress? FramedIpAddress, uint? NasPort, string? CallingStationId);
