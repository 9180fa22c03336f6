using System.Collections.Concurrent;
using System.Net;
using PptpGw.ControlPlane.Logging;
using PptpGw.ControlPlane.Pptp.Connection;
using PptpGw.ControlPlane.Pptp;

namespace PptpGw.Gateway.Orchestration;

/// <summary>
/// The PPTP control plane's events as the PIX logs them: 603105 "PPTP Tunnel deleted", 213001 accept errors, and the
/// <c>debug vpdn packet/events/error</c> lines. It also remembers when each tunnel was created (<c>show vpdn</c> uptime).
/// </summary>
internal sealed class PptpEventLog(GatewayLog log, TimeProvider time, ConcurrentDictionary<uint, byte> announcedTunnels) : IPptpEventSink
{
    private readonly ConcurrentDictionary<uint, long> _tunnelCreated = new();

    /// <summary>The timestamp (<see cref="TimeProvider.GetTimestamp"/>) of tunnel <paramref name="tunnelId"/>'s creation.</summary>
    public bool TryGetCreated(uint tunnelId, out long timestamp) => _tunnelCreated.TryGetValue(tunnelId, out timestamp);

    /// <inheritdoc/>
    public void TunnelCreated(uint tunnelId, IPEndPoint remote, IPEndPoint local)
    {
        _tunnelCreated[tunnelId] = time.GetTimestamp();
        if (log.IsEnabled(DebugClasses.VpdnEvents))
        {
            log.Debug(DebugClasses.VpdnEvents, PixDebugText.CreatedTunnel((int)tunnelId));
            log.Debug(DebugClasses.VpdnEvents, PixDebugText.TunnelCreated((int)tunnelId));
        }
    }

    /// <inheritdoc/>
    public void TunnelDeleted(uint tunnelId, IPEndPoint remote, PptpCloseReason reason)
    {
        ArgumentNullException.ThrowIfNull(remote);
        _tunnelCreated.TryRemove(tunnelId, out _);
        // The PIX logs 603105 only for a tunnel it logged 603104 for: a connection that never brought a call up (an idle
        // or half-open one, a refused one) ends without a syslog line; debug vpdn events still shows it.
        if (announcedTunnels.TryRemove(tunnelId, out _))
            log.PptpTunnelDeleted((int)tunnelId, remote.Address.IsIPv4MappedToIPv6 ? remote.Address.MapToIPv4() : remote.Address);
        if (log.IsEnabled(DebugClasses.VpdnEvents))
            log.Debug(DebugClasses.VpdnEvents, PixDebugText.TunnelLine((int)tunnelId, null, "tunnel deleted: " + reason));
    }

    /// <inheritdoc/>
    public void ControlMessage(uint tunnelId, PptpMessageDirection direction, PptpControlMessageType type, ReadOnlySpan<byte> message)
    {
        if (log.IsEnabled(DebugClasses.VpdnPacket))
            log.Debug(DebugClasses.VpdnPacket, PptpDebugText.PacketHex(tunnelId, direction, message));
        if (log.IsEnabled(DebugClasses.VpdnEvents))
            log.Debug(DebugClasses.VpdnEvents, PptpDebugText.PacketType(tunnelId, null, direction, type));
    }

    /// <inheritdoc/>
    public void StateChanged(in PptpStateChange change)
    {
        if (log.IsEnabled(DebugClasses.VpdnEvents))
            log.Debug(DebugClasses.VpdnEvents, PptpDebugText.StateChange(change));
    }

    /// <inheritdoc/>
    public void Error(uint tunnelId, PptpErrorKind kind, string detail)
    {
        detail ??= string.Empty;
        // Listener-level floods (the listener reports each kind at most once per interval, with a count): an operator
        // sees them without debug.
        if (kind is PptpErrorKind.ConnectionRefused or PptpErrorKind.ConnectionRateLimited or PptpErrorKind.ConnectionShed or PptpErrorKind.AcceptError)
            log.Write(PixSeverity.Warning, "PPTP: " + detail);
        if (log.IsEnabled(DebugClasses.VpdnError))
            log.Debug(DebugClasses.VpdnError, PptpDebugText.Error(tunnelId, kind, detail ?? string.Empty));
    }

    /// <inheritdoc/>
    public void AcceptFailed(int errno, string detail)
    {
        log.PptpAcceptError(errno);
        Error(0, PptpErrorKind.AcceptError, detail);
    }
}
