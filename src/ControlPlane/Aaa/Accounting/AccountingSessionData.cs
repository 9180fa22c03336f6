using System.Collections.Immutable;
using System.Net;
using PptpGw.ControlPlane.Aaa.Radius;
using PptpGw.ControlPlane.Ppp;

namespace PptpGw.ControlPlane.Aaa.Accounting;

/// <summary>What stays the same in every accounting record of a session (RFC 2866 §5, RFC 8907 §8.3).</summary>
/// <param name="SessionId">Acct-Session-Id / TACACS+ task_id: unique per gateway and session (<see cref="AccountingSession.NewSessionId"/>).</param>
/// <param name="UserName">The authenticated user.</param>
public sealed record AccountingSessionData(string SessionId, string? UserName)
{
    /// <summary>NAS-Port (the PPTP call id).</summary>
    public uint? NasPort { get; init; }
    /// <summary>TACACS+ port ("pptp/ID").</summary>
    public string? Port { get; init; }
    /// <summary>Framed-IP-Address given to the client (TACACS+ addr=).</summary>
    public IPAddress? FramedIpAddress { get; init; }
    /// <summary>Calling-Station-Id: the client's outside address (TACACS+ rem_addr).</summary>
    public string? CallingStationId { get; init; }
    /// <summary>Called-Station-Id: the gateway address the client dialled.</summary>
    public string? CalledStationId { get; init; }
    /// <summary>Class attributes of the Access-Accept, echoed in every request (RFC 2865 §5.25).</summary>
    public ImmutableArray<ReadOnlyMemory<byte>> Classes { get; init; } = [];
    /// <summary>Acct-Authentic: RADIUS when the session was authenticated by RADIUS, Local for vpdn usernames.</summary>
    public AcctAuthentic Authentic { get; init; } = AcctAuthentic.Radius;
    /// <summary>The PPP authentication protocol (TACACS+ authen_type).</summary>
    public PppAuthProtocol? AuthenticationProtocol { get; init; }
}
