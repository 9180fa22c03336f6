using System.Net;

namespace PptpGw.Client;

/// <summary>Settings of a client control connection (<see cref="PptpTunnel"/>): where to connect and how long to wait.</summary>
public sealed record PptpTunnelOptions
{
    /// <summary>The PPTP server's address.</summary>
    public required IPAddress Server { get; init; }

    /// <summary>The control connection's TCP port (RFC 2637 §1: 1723).</summary>
    public int Port { get; init; } = 1723;

    /// <summary>Local address to bind the TCP connection to (and so the GRE socket); null lets the kernel choose.</summary>
    public IPAddress? SourceAddress { get; init; }

    /// <summary>Host Name of our Start-Control-Connection-Request (RFC 2637 §2.1).</summary>
    public string HostName { get; init; } = Environment.MachineName.Length <= 64 ? Environment.MachineName : "pptpgw-client";

    /// <summary>How long the TCP connect and the Start-Control-Connection-Reply may take.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an Outgoing-Call-Reply may take (RFC 2637 leaves it to the implementation).</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a clear or stop waits for its answer (Call-Disconnect-Notify, Stop-Control-Connection-Reply).</summary>
    public TimeSpan StepTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Diagnostic lines (control messages); null for none.</summary>
    public Action<string>? Log { get; init; }
}
