using System.Net;
using PptpGw.ControlPlane.Logging;

namespace PptpGw.ControlPlane.Config;

/// <summary>One <c>logging host [IF] ADDR [udp/PORT] [format rfc3164|rfc5424]</c> line.</summary>
/// <param name="Interface">The PIX interface name, or null (routing picks the way out; kept for the PIX's syntax).</param>
/// <param name="EndPoint">The collector (UDP, port 514 unless given).</param>
/// <param name="Format">RFC 3164 (the PIX's, the default) or RFC 5424.</param>
public sealed record LoggingHostConfig(string? Interface, IPEndPoint EndPoint, SyslogFormat Format);
