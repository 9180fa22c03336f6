using System.Globalization;
using System.Net;

namespace PptpGw.ControlPlane.Pptp.Connection;

/// <summary>Direction of a control message, as <c>debug vpdn packet</c> prints it ("CC I", "CC O").</summary>
public enum PptpMessageDirection
{
    /// <summary>Received from the peer ("I").</summary>
    In,
    /// <summary>Sent to the peer ("O").</summary>
    Out,
}

/// <summary>Why a control connection closed.</summary>
public enum PptpCloseReason
{
    /// <summary>The peer sent Stop-Control-Connection-Request (answered).</summary>
    PeerStopRequest,
    /// <summary>We sent Stop-Control-Connection-Request and the peer replied.</summary>
    LocalStop,
    /// <summary>We sent Stop-Control-Connection-Request and no reply came in time.</summary>
    StopReplyTimeout,
    /// <summary>The gateway stopped the connection before any control connection existed (no SCCRQ yet).</summary>
    LocalStopBeforeStart,
    /// <summary>No Start-Control-Connection-Request arrived in time.</summary>
    StartRequestTimeout,
    /// <summary>The peer did not answer our Echo-Request in time (RFC 2637 §3.1.4).</summary>
    EchoTimeout,
    /// <summary>The peer closed TCP.</summary>
    PeerClosed,
    /// <summary>The stream lost PPTP framing (bad Magic Cookie or Length, RFC 2637 §2).</summary>
    StreamCorrupt,
    /// <summary>A read or write failed.</summary>
    IoError,
    /// <summary>A write did not complete in time (the peer stopped reading).</summary>
    WriteTimeout,
    /// <summary>The run was cancelled by its caller, or the connection disposed.</summary>
    Aborted,
    /// <summary>The listener was over its connection limit: SCCRQ answered with General Error / No-Resource, then closed.</summary>
    AdmissionRefused,
    /// <summary>Closed before its SCCRQ to make room for a new connection: the listener was full (oldest such connection first).</summary>
    Shed,
}

/// <summary>What went wrong, for <c>debug vpdn error</c>.</summary>
public enum PptpErrorKind
{
    /// <summary>A framed message failed its parser (§2.16 Bad-Format / Bad-Value); the text has the parse error.</summary>
    MalformedMessage,
    /// <summary>The stream lost framing and the connection is closed.</summary>
    CorruptStream,
    /// <summary>A message that is valid but not in the current state (e.g. OCRQ before SCCRQ).</summary>
    UnexpectedMessage,
    /// <summary>A message a PAC never receives (e.g. OCRP, ICCN) or that we do not support (ICRQ).</summary>
    UnsupportedMessage,
    /// <summary>A Call ID that matches no call (§2.16 Bad-Call ID).</summary>
    UnknownCallId,
    /// <summary>A Start-Control-Connection-Request was refused (version, admission, duplicate).</summary>
    StartRequestRefused,
    /// <summary>An Outgoing-Call-Request was refused (by the handler, a limit, or no free Call ID).</summary>
    CallRefused,
    /// <summary>A wait timed out (SCCRQ, Echo-Reply, StopCCRP, handler decision, write).</summary>
    Timeout,
    /// <summary>A read or write failed.</summary>
    Transport,
    /// <summary>The gateway's handler threw.</summary>
    HandlerFailure,
    /// <summary>A reserved field was not 0 (tolerated; RFC 2637 §2 says MUST be sent as 0).</summary>
    ReservedFieldNonZero,
    /// <summary>The listener failed to accept a connection (PIX 213001 "PPTP control daemon socket io accept error").</summary>
    AcceptError,
    /// <summary>The listener refused a connection (connection limit).</summary>
    ConnectionRefused,
    /// <summary>The listener closed a connection at once: its source is over the per-source connection rate (accel-ppp's connlimit).</summary>
    ConnectionRateLimited,
    /// <summary>The listener closed a connection that had not sent SCCRQ, the oldest such, to admit a new one.</summary>
    ConnectionShed,
    /// <summary>The peer reported line errors with WAN-Error-Notify (§2.14); the text has the counters.</summary>
    PeerReportedError,
}

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

/// <summary>One state change. <see cref="CallId"/> is null for the control connection itself.</summary>
/// <param name="TunnelId">The tunnel.</param>
/// <param name="CallId">Our Call ID when a call changed state.</param>
/// <param name="Trigger">What caused it, as the PIX prints it ("SCCRQ-ok", "vacc-ok").</param>
/// <param name="From">Old state's short name.</param>
/// <param name="To">New state's short name.</param>
public readonly record struct PptpStateChange(uint TunnelId, ushort? CallId, string Trigger, string From, string To);

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

/// <summary>Renders events as the reference PIX's debug output (reference guide, "debug vpdn" captures).</summary>
public static class PptpDebugText
{
    /// <summary>Octets of a message the PIX prints before "..." in "CC I 009c00011a2b…".</summary>
    public const int HexPrefixLength = 22;

    /// <summary>"Tnl 9 PPTP: CC I 009c00011a2b3c4d0001000001000000000000010000..." — the first 22 octets in hex.</summary>
    public static string PacketHex(uint tunnelId, PptpMessageDirection direction, ReadOnlySpan<byte> message)
    {
        ReadOnlySpan<byte> head = message.Length > HexPrefixLength ? message[..HexPrefixLength] : message;
        string ellipsis = message.Length > HexPrefixLength ? "..." : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"Tnl {tunnelId} PPTP: CC {DirectionLetter(direction)} {Convert.ToHexStringLower(head)}{ellipsis}");
    }

    /// <summary>"Tnl 9 PPTP: CC I SCCRQ"; for a call message "Tnl/Cl 9/9 PPTP: CC O OCRP".</summary>
    public static string PacketType(uint tunnelId, ushort? callId, PptpMessageDirection direction, PptpControlMessageType type) =>
        string.Create(CultureInfo.InvariantCulture, $"{Prefix(tunnelId, callId)} PPTP: CC {DirectionLetter(direction)} {type.Abbreviation()}");

    /// <summary>"Tnl 9 PPTP: SCCRQ-ok -> state change wt-sccrq to estabd"; "Tnl/Cl 9/9 PPTP: vacc-ok -> state change wt-vacc to estabd".</summary>
    public static string StateChange(in PptpStateChange change) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{Prefix(change.TunnelId, change.CallId)} PPTP: {change.Trigger} -> state change {change.From} to {change.To}");

    /// <summary>"Tnl 9 PPTP: error: …" (listener errors: "PPTP: error: …").</summary>
    public static string Error(uint tunnelId, PptpErrorKind kind, string detail) =>
        tunnelId == 0
            ? string.Create(CultureInfo.InvariantCulture, $"PPTP: {kind}: {detail}")
            : string.Create(CultureInfo.InvariantCulture, $"Tnl {tunnelId} PPTP: {kind}: {detail}");

    private static string Prefix(uint tunnelId, ushort? callId) =>
        callId is { } call
            ? string.Create(CultureInfo.InvariantCulture, $"Tnl/Cl {tunnelId}/{call}")
            : string.Create(CultureInfo.InvariantCulture, $"Tnl {tunnelId}");

    private static char DirectionLetter(PptpMessageDirection direction) => direction == PptpMessageDirection.In ? 'I' : 'O';
}
