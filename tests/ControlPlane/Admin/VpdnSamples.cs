using System.Net;
using PptpGw.ControlPlane.Admin;
using PptpGw.Dataplane.Mppe;

namespace PptpGw.Tests.ControlPlane.Admin;

/// <summary>The tunnel and session of the reference guide's "show vpdn" example, as snapshots.</summary>
internal static class VpdnSamples
{
    /// <summary>The guide's output, as the guide prints it (its line breaks were lost in the copy).</summary>
    public const string GuideShowVpdn =
        "PPTP Tunnel and Session Information (Total tunnels=1 sessions=1) Tunnel id 13, remote id is 13, 1 active sessions " +
        "Tunnel state is estabd, time since event change 24 secs remote Internet Address 10.44.17.104, port 1723 " +
        "Local Internet Address 172.18.124.152, port 1723 12 packets sent, 35 received, 394 bytes sent, 3469 received " +
        "Call id 13 is up on tunnel id 13 Remote Internet Address is 10.44.17.104 Session username is cisco, state is estabd " +
        "Time since event change 24 secs, interface outside Remote call id is 32768 PPP interface id is 1 " +
        "12 packets sent, 35 received, 394 bytes sent, 3469 received Seq 13, Ack 34, Ack_Rcvd 12, peer RWS 64 0 out of order packets";

    public static SessionSnapshot Session { get; } = new()
    {
        CallId = 13,
        PeerCallId = 32768,
        TunnelId = 13,
        State = "estabd",
        SecondsSinceStateChange = 24,
        RemoteAddress = IPAddress.Parse("10.44.17.104"),
        InterfaceName = "outside",
        UserName = "cisco",
        PppInterfaceId = 1,
        ClientAddress = IPAddress.Parse("192.168.1.1"),
        Mppe = new MppeStatus(MppeKeyStrength.Bits40, Stateless: true),
        PacketsSent = 12,
        PacketsReceived = 35,
        BytesSent = 394,
        BytesReceived = 3469,
        SequenceSent = 13,
        AcknowledgmentSent = 34,
        SequenceReceived = 34,
        AcknowledgmentReceived = 12,
        PeerReceiveWindow = 64,
        OutOfOrderPackets = 0,
        DroppedPackets = 2,
        AaaServer = "RADIUS AuthInbound 172.18.124.99",
        Uptime = TimeSpan.FromSeconds(24),
    };

    public static TunnelSnapshot Tunnel { get; } = new()
    {
        TunnelId = 13,
        RemoteTunnelId = 13,
        State = "estabd",
        SecondsSinceStateChange = 24,
        RemoteEndPoint = new IPEndPoint(IPAddress.Parse("10.44.17.104"), 1723),
        LocalEndPoint = new IPEndPoint(IPAddress.Parse("172.18.124.152"), 1723),
        PacketsSent = 12,
        PacketsReceived = 35,
        BytesSent = 394,
        BytesReceived = 3469,
        Uptime = TimeSpan.FromSeconds(25),
        Sessions = [Session],
    };

    public static VpdnSnapshot Snapshot { get; } = new([Tunnel]);

    public static string Normalize(string text) => string.Join(' ', text.Split((char[])[' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries));
}
