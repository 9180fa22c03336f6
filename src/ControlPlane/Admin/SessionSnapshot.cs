using System.Net;

namespace PptpGw.ControlPlane.Admin;

/// <summary>
/// One call (session) inside a tunnel, as "show vpdn session" shows it. Filled by the gateway from the control
/// plane's call automaton and the dataplane's per-session counters. Directions are the gateway's: "sent" is towards
/// the client.
/// </summary>
public sealed record SessionSnapshot
{
    /// <summary>Our Call ID (RFC 2637 §2.8 Outgoing-Call-Reply "Call ID"); the PIX's "Call id".</summary>
    public required ushort CallId { get; init; }
    /// <summary>The client's Call ID ("Remote call id is ...").</summary>
    public required ushort PeerCallId { get; init; }
    /// <summary>The tunnel the call is on.</summary>
    public required ushort TunnelId { get; init; }
    /// <summary>Call state name, PIX style ("estabd", "wt-vacc", ...).</summary>
    public required string State { get; init; }
    /// <summary>Seconds since <see cref="State"/> last changed.</summary>
    public long SecondsSinceStateChange { get; init; }
    /// <summary>The client's (PAC's) public address.</summary>
    public required IPAddress RemoteAddress { get; init; }
    /// <summary>The gateway interface the call arrived on ("outside").</summary>
    public string InterfaceName { get; init; } = "outside";
    /// <summary>Authenticated user name; null before authentication.</summary>
    public string? UserName { get; init; }
    /// <summary>PPP virtual interface id (the "ppp_virtual_interface_id" of 603104).</summary>
    public int PppInterfaceId { get; init; }
    /// <summary>The address IPCP gave the client; null before IPCP is up.</summary>
    public IPAddress? ClientAddress { get; init; }
    /// <summary>MPPE strength and mode.</summary>
    public MppeStatus Mppe { get; init; }
    /// <summary>GRE data packets sent to the client.</summary>
    public ulong PacketsSent { get; init; }
    /// <summary>GRE data packets received from the client.</summary>
    public ulong PacketsReceived { get; init; }
    /// <summary>Bytes sent to the client.</summary>
    public ulong BytesSent { get; init; }
    /// <summary>Bytes received from the client.</summary>
    public ulong BytesReceived { get; init; }
    /// <summary>Last GRE sequence number sent (RFC 2637 §4.1) — the PIX's "Seq".</summary>
    public uint SequenceSent { get; init; }
    /// <summary>Last GRE acknowledgment number sent — the PIX's "Ack".</summary>
    public uint AcknowledgmentSent { get; init; }
    /// <summary>Last GRE sequence number received from the client (our extension "Seq_Rcvd").</summary>
    public uint SequenceReceived { get; init; }
    /// <summary>Last GRE acknowledgment number received — the PIX's "Ack_Rcvd".</summary>
    public uint AcknowledgmentReceived { get; init; }
    /// <summary>The client's Packet Receive Window Size (RFC 2637 §2.7) — the PIX's "peer RWS".</summary>
    public ushort PeerReceiveWindow { get; init; }
    /// <summary>GRE packets that arrived out of order.</summary>
    public ulong OutOfOrderPackets { get; init; }
    /// <summary>Packets dropped (decrypt failure, anti-spoof, ring full, ...).</summary>
    public ulong DroppedPackets { get; init; }
    /// <summary>What authenticated the user: "local", or the AAA server ("RADIUS 172.18.124.99"); null if not yet.</summary>
    public string? AaaServer { get; init; }
    /// <summary>Time since the call was set up.</summary>
    public TimeSpan Uptime { get; init; }
}
