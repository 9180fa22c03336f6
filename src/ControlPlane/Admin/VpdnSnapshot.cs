using System.Net;
using PptpGw.ControlPlane.Logging;
using PptpGw.Dataplane.Mppe;

namespace PptpGw.ControlPlane.Admin;

/// <summary>MPPE as negotiated for a session: key strength and mode (RFC 3078 §2.1; H bit = stateless, RFC 3078 §3.1).</summary>
/// <param name="KeyStrength">Key length, or null when the session is not encrypted (printed "None").</param>
/// <param name="Stateless">Stateless ("historyless") mode: a new key for every packet.</param>
public readonly record struct MppeStatus(MppeKeyStrength? KeyStrength, bool Stateless)
{
    /// <summary>"None", "40 bits stateless", "128 bits stateful".</summary>
    public override string ToString() => KeyStrength is null
        ? KeyStrength.ToPixString()
        : KeyStrength.ToPixString() + (Stateless ? " stateless" : " stateful");
}

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

/// <summary>One control connection (tunnel), as "show vpdn tunnel" shows it.</summary>
public sealed record TunnelSnapshot
{
    /// <summary>Our tunnel id.</summary>
    public required ushort TunnelId { get; init; }
    /// <summary>The "remote id" the PIX prints; PPTP has no tunnel id on the wire, so the PIX shows its own id again.</summary>
    public required ushort RemoteTunnelId { get; init; }
    /// <summary>Tunnel state name, PIX style ("wt-sccrq", "estabd", ...).</summary>
    public required string State { get; init; }
    /// <summary>Seconds since <see cref="State"/> last changed.</summary>
    public long SecondsSinceStateChange { get; init; }
    /// <summary>The client's TCP end point.</summary>
    public required IPEndPoint RemoteEndPoint { get; init; }
    /// <summary>The gateway's TCP end point (port 1723).</summary>
    public required IPEndPoint LocalEndPoint { get; init; }
    /// <summary>Packets sent on the tunnel (control and data, as the PIX counts them).</summary>
    public ulong PacketsSent { get; init; }
    /// <summary>Packets received on the tunnel.</summary>
    public ulong PacketsReceived { get; init; }
    /// <summary>Bytes sent.</summary>
    public ulong BytesSent { get; init; }
    /// <summary>Bytes received.</summary>
    public ulong BytesReceived { get; init; }
    /// <summary>Time since the control connection was accepted.</summary>
    public TimeSpan Uptime { get; init; }
    /// <summary>The calls on this tunnel.</summary>
    public IReadOnlyList<SessionSnapshot> Sessions { get; init; } = [];
}

/// <summary>Everything "show vpdn" prints, taken at one instant.</summary>
/// <param name="Tunnels">The tunnels with their sessions.</param>
public sealed record VpdnSnapshot(IReadOnlyList<TunnelSnapshot> Tunnels)
{
    /// <summary>No tunnels.</summary>
    public static VpdnSnapshot Empty { get; } = new([]);

    /// <summary>The number of sessions over all tunnels.</summary>
    public int SessionCount
    {
        get
        {
            int n = 0;
            foreach (var t in Tunnels)
            {
                n += t.Sessions.Count;
            }

            return n;
        }
    }
}
