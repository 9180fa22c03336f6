using System.Collections.Concurrent;
using System.Net;

namespace PptpGw.ControlPlane.Pptp.Connection;

/// <summary>Settings of a <see cref="PptpListener"/>.</summary>
public sealed record PptpListenerOptions
{
    /// <summary>Where to listen; default all IPv4 addresses, TCP 1723 (RFC 2637 §1).</summary>
    public IPEndPoint EndPoint { get; init; } = new(IPAddress.Any, PptpControlMessage.TcpPort);
    /// <summary>Control connections served at once. Beyond it a connection is refused (see <see cref="PptpListener"/>).</summary>
    public int MaxControlConnections { get; init; } = 1024;
    /// <summary>Refused connections kept open at once to answer their SCCRQ; beyond it they are closed at once.</summary>
    public int MaxPendingRefusals { get; init; } = 16;
    /// <summary>
    /// Connections being shed at once. A shed connection keeps its descriptor until its own run has closed it, which on
    /// a loaded machine can take a while; without a bound a flood could admit new connections faster than the shed ones
    /// close and overrun the descriptor reserve (the runtime aborts with "Out of memory." when it cannot get one).
    /// At the bound the accept loop waits for one of them to close (<see cref="SheddingWait"/>); only if none does in
    /// that time is a new connection over the limit closed at once.
    /// </summary>
    public int MaxSheddingInFlight { get; init; } = 16;
    /// <summary>How long the accept loop waits for a shed connection to close before it refuses the next one.</summary>
    public TimeSpan SheddingWait { get; init; } = TimeSpan.FromSeconds(2);
    /// <summary>How long a refused connection may take to send its SCCRQ before it is closed.</summary>
    public TimeSpan RefusalStartRequestTimeout { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>How long <see cref="PptpListener.StopAsync"/> waits for each peer's Stop-Control-Connection-Reply.</summary>
    public TimeSpan ShutdownReplyTimeout { get; init; } = TimeSpan.FromSeconds(2);
    /// <summary>Pause after an accept error before accepting again (so a full file table does not spin the loop).</summary>
    public TimeSpan AcceptErrorBackoff { get; init; } = TimeSpan.FromMilliseconds(100);
    /// <summary>The listen backlog (capped by net.core.somaxconn): deep enough that a burst of connections is not met with
    /// dropped SYNs (a legitimate client would then wait for its SYN retransmission, 1 s and more).</summary>
    public int Backlog { get; init; } = 1024;
    /// <summary>
    /// New connections per source address: <c>Burst</c> at once, then one per <c>Interval</c> (accel-ppp's connlimit);
    /// over it a connection is closed at once. Null: no per-source limit.
    /// </summary>
    public (int Burst, TimeSpan Interval)? PerSourceLimit { get; init; }
    /// <summary>At most one log line per this interval for each kind of refused, limited or shed connection (with a count).</summary>
    public TimeSpan FloodReportInterval { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Settings of every control connection.</summary>
    public PptpConnectionOptions Connection { get; init; } = new();
}
