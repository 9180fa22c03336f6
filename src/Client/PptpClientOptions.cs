using System.Collections.Immutable;
using System.Net;
using PptpGw.ControlPlane.Ppp;

namespace PptpGw.Client;

/// <summary>What <c>--mppe</c> asks for.</summary>
public enum ClientMppeMode
{
    /// <summary>No MPPE: CCP opens without options (a server that requires MPPE then drops the call).</summary>
    None,
    /// <summary>Require 40-bit MPPE.</summary>
    Bits40,
    /// <summary>Require 56-bit MPPE.</summary>
    Bits56,
    /// <summary>Require 128-bit MPPE.</summary>
    Bits128,
    /// <summary>Require MPPE of any strength the server offers (the strongest is taken).</summary>
    Any,
}

/// <summary>Everything <see cref="PptpClient.ConnectAsync"/> needs.</summary>
public sealed record PptpClientOptions
{
    /// <summary>The PPTP server's address.</summary>
    public required IPAddress Server { get; init; }

    /// <summary>The control connection's TCP port (RFC 2637 §1: 1723).</summary>
    public int Port { get; init; } = 1723;

    public required string UserName { get; init; }

    public required string Password { get; init; }

    /// <summary>The authentication protocols we agree to (LCP Authentication-Protocol, RFC 1661 §6.2); empty means all four.</summary>
    public ImmutableArray<PppAuthProtocol> AuthenticationProtocols { get; init; } = [];

    public ClientMppeMode Mppe { get; init; } = ClientMppeMode.Any;

    /// <summary>Ask for stateful MPPE (RFC 3078 §7.2) instead of stateless (H bit, §7.1).</summary>
    public bool Stateful { get; init; }

    /// <summary>Local address to bind the TCP connection (and so the GRE socket) to; null lets the kernel choose.</summary>
    public IPAddress? SourceAddress { get; init; }

    /// <summary>Our Call ID (RFC 2637 §2.7); 0 picks a random one.</summary>
    public ushort CallId { get; init; }

    /// <summary>The Packet Recv. Window Size we advertise in the Outgoing-Call-Request (RFC 2637 §2.7).</summary>
    public ushort ReceiveWindow { get; init; } = 64;

    /// <summary>Host Name of our Start-Control-Connection-Request (RFC 2637 §2.1).</summary>
    public string HostName { get; init; } = Environment.MachineName.Length <= 64 ? Environment.MachineName : "pptpgw-client";

    /// <summary>From the TCP connect to the PPP link up; past it the dial fails with <see cref="PptpClientFailure.Timeout"/>.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a graceful hang-up waits for each answer (LCP Terminate-Ack, CDN, StopCCRP).</summary>
    public TimeSpan HangUpStepTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// How long a graceful hang-up waits, once LCP is closed, for the server's own Call-Disconnect-Notify before it sends
    /// Call-Clear-Request (a PAC such as the gateway or the PIX clears the call itself when PPP ends); at most
    /// <see cref="HangUpStepTimeout"/>.
    /// </summary>
    public TimeSpan CallDisconnectGrace { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// How long an acknowledgment may wait for data to piggy-back on before an acknowledgment-only GRE packet goes
    /// (RFC 2637 §4.2, §4.4).
    /// </summary>
    public TimeSpan AcknowledgmentDelay { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>The tunnel interface's name.</summary>
    public string InterfaceName { get; init; } = "pptp0";

    /// <summary>Prefixes routed through the tunnel besides the server's own address.</summary>
    public ImmutableArray<Ipv4Prefix> Routes { get; init; } = [];

    /// <summary>Opens the GRE transport once the control connection is up: (our local address, server address). Default: <see cref="RawGreTransport"/>.</summary>
    public Func<IPAddress, IPAddress, IGreTransport>? GreTransportFactory { get; init; }

    /// <summary>Creates the tunnel interface at link-up. Default: <see cref="KernelTunnelInterface"/>.</summary>
    public Func<TunnelInterfaceSettings, ITunnelInterface>? InterfaceFactory { get; init; }

    /// <summary>Progress lines for people and scripts ("control connection up", "call established ..."); null for none.</summary>
    public Action<string>? Progress { get; init; }

    /// <summary>Diagnostic lines (PPP negotiation, control messages); null for none.</summary>
    public Action<string>? Log { get; init; }

    /// <summary>Clock of the PPP timers; <see cref="TimeProvider.System"/> when null.</summary>
    public TimeProvider? TimeProvider { get; init; }

    /// <summary>The control connection's settings (<see cref="PptpTunnel.OpenAsync"/>) from these.</summary>
    public PptpTunnelOptions ToTunnelOptions() => new()
    {
        Server = Server,
        Port = Port,
        SourceAddress = SourceAddress,
        HostName = HostName,
        ConnectTimeout = ConnectTimeout,
        CallTimeout = ConnectTimeout,
        StepTimeout = HangUpStepTimeout,
        Log = Log,
    };
}
