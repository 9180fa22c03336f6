using System.Net;

namespace PptpGw.ControlPlane.Pptp.Connection;

/// <summary>
/// Structured events of the PPTP control plane, for logging (PIX-style syslog and the debug classes
/// <c>debug vpdn packet</c>, <c>debug vpdn events</c>, <c>debug vpdn error</c>) and metrics. <see cref="PptpDebugText"/>
/// renders them the way the reference prints them.
/// </summary>
/// <remarks>
/// Called synchronously from connection loops and the accept loop, possibly concurrently for different
/// tunnels; implementations must be thread-safe, fast and must not throw. The span passed to
/// <see cref="ControlMessage"/> is valid only during the call.
/// </remarks>
public interface IPptpEventSink
{
    /// <summary>A control connection was accepted and given <paramref name="tunnelId"/> ("Tunnel created; peer initiated").</summary>
    void TunnelCreated(uint tunnelId, IPEndPoint remote, IPEndPoint local);

    /// <summary>The control connection closed (PIX 603105 "PPTP Tunnel deleted").</summary>
    void TunnelDeleted(uint tunnelId, IPEndPoint remote, PptpCloseReason reason);

    /// <summary>A whole control message went in or out (<c>debug vpdn packet</c>). <paramref name="message"/> is its octets.</summary>
    void ControlMessage(uint tunnelId, PptpMessageDirection direction, PptpControlMessageType type, ReadOnlySpan<byte> message);

    /// <summary>A state change of the connection or one of its calls (<c>debug vpdn events</c>).</summary>
    void StateChanged(in PptpStateChange change);

    /// <summary>An error (<c>debug vpdn error</c>). <paramref name="tunnelId"/> is 0 for listener-level errors.</summary>
    void Error(uint tunnelId, PptpErrorKind kind, string detail);

    /// <summary>
    /// The listener failed to accept a connection (PIX 213001 "PPTP control daemon socket io accept error, errno = N"):
    /// <paramref name="errno"/> is the socket error as a value (0 when none), <paramref name="detail"/> text for the debug line.
    /// </summary>
    void AcceptFailed(int errno, string detail) => Error(0, PptpErrorKind.AcceptError, detail);
}
