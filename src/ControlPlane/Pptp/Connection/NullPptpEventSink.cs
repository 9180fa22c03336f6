using System.Net;

namespace PptpGw.ControlPlane.Pptp.Connection;

/// <summary>An <see cref="IPptpEventSink"/> that drops everything.</summary>
public sealed class NullPptpEventSink : IPptpEventSink
{
    /// <summary>The instance.</summary>
    public static readonly NullPptpEventSink Instance = new();
    private NullPptpEventSink() { }
    /// <inheritdoc/>
    public void TunnelCreated(uint tunnelId, IPEndPoint remote, IPEndPoint local) { }
    /// <inheritdoc/>
    public void TunnelDeleted(uint tunnelId, IPEndPoint remote, PptpCloseReason reason) { }
    /// <inheritdoc/>
    public void ControlMessage(uint tunnelId, PptpMessageDirection direction, PptpControlMessageType type, ReadOnlySpan<byte> message) { }
    /// <inheritdoc/>
    public void StateChanged(in PptpStateChange change) { }
    /// <inheritdoc/>
    public void Error(uint tunnelId, PptpErrorKind kind, string detail) { }
    /// <inheritdoc/>
    public void AcceptFailed(int errno, string detail) { }
}
