using System.Globalization;
using System.Text;

namespace PptpGw.ControlPlane.Admin;

/// <summary>
/// Renders "show vpdn [tunnel|session]" in the PIX 6.3 layout (wording, indentation and line order of the
/// reference's output). With <c>extended</c> set, each block ends with the lines the PIX does not have (drops,
/// received sequence number, client address, MPPE, AAA server, up time), so a script that reads the PIX's lines
/// finds them where it expects them.
/// </summary>
public static class VpdnRenderer
{
    /// <summary>What is printed when there is nothing to show.</summary>
    public const string NoTunnels = "% No active PPTP tunnels";

    /// <summary>Renders <paramref name="snapshot"/>; every line ends with '\n'.</summary>
    public static string Render(VpdnSnapshot snapshot, VpdnView view, bool extended = true)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var sb = new StringBuilder(256 + (512 * snapshot.Tunnels.Count));
        if (snapshot.Tunnels.Count == 0)
        {
            return NoTunnels + "\n";
        }

        string title = view switch
        {
            VpdnView.Tunnel => "PPTP Tunnel Information",
            VpdnView.Session => "PPTP Session Information",
            _ => "PPTP Tunnel and Session Information",
        };
        Line(sb, $"{title} (Total tunnels={snapshot.Tunnels.Count} sessions={snapshot.SessionCount})");
        foreach (var tunnel in snapshot.Tunnels)
        {
            if (view != VpdnView.Session)
            {
                sb.Append('\n');
                AppendTunnel(sb, tunnel, extended);
            }

            if (view != VpdnView.Tunnel)
            {
                foreach (var session in tunnel.Sessions)
                {
                    sb.Append('\n');
                    AppendSession(sb, session, extended);
                }
            }
        }

        return sb.ToString();
    }

    /// <summary>One tunnel block ("Tunnel id 13, remote id is 13, 1 active sessions" ...).</summary>
    public static void AppendTunnel(StringBuilder sb, TunnelSnapshot t, bool extended)
    {
        ArgumentNullException.ThrowIfNull(sb);
        ArgumentNullException.ThrowIfNull(t);
        Line(sb, $"Tunnel id {t.TunnelId}, remote id is {t.RemoteTunnelId}, {t.Sessions.Count} active sessions");
        Line(sb, $"  Tunnel state is {t.State}, time since event change {t.SecondsSinceStateChange} secs");
        Line(sb, $"  remote Internet Address {t.RemoteEndPoint.Address}, port {t.RemoteEndPoint.Port}");
        Line(sb, $"  Local Internet Address {t.LocalEndPoint.Address}, port {t.LocalEndPoint.Port}");
        Line(sb, $"  {t.PacketsSent} packets sent, {t.PacketsReceived} received, {t.BytesSent} bytes sent, {t.BytesReceived} received");
        if (extended)
        {
            Line(sb, $"  Up time {FormatUptime(t.Uptime)}");
        }
    }

    /// <summary>One session block ("Call id 13 is up on tunnel id 13" ...).</summary>
    public static void AppendSession(StringBuilder sb, SessionSnapshot s, bool extended)
    {
        ArgumentNullException.ThrowIfNull(sb);
        ArgumentNullException.ThrowIfNull(s);
        Line(sb, $"Call id {s.CallId} is up on tunnel id {s.TunnelId}");
        Line(sb, $"Remote Internet Address is {s.RemoteAddress}");
        Line(sb, $"  Session username is {Logging.PixMessages.Clean(s.UserName)}, state is {s.State}");
        Line(sb, $"    Time since event change {s.SecondsSinceStateChange} secs, interface {s.InterfaceName}");
        Line(sb, $"    Remote call id is {s.PeerCallId}");
        Line(sb, $"    PPP interface id is {s.PppInterfaceId}");
        Line(sb, $"    {s.PacketsSent} packets sent, {s.PacketsReceived} received, {s.BytesSent} bytes sent, {s.BytesReceived} received");
        Line(sb, $"    Seq {s.SequenceSent}, Ack {s.AcknowledgmentSent}, Ack_Rcvd {s.AcknowledgmentReceived}, peer RWS {s.PeerReceiveWindow}");
        Line(sb, $"    {s.OutOfOrderPackets} out of order packets");
        if (extended)
        {
            Line(sb, $"    {s.DroppedPackets} dropped packets, Seq_Rcvd {s.SequenceReceived}");
            Line(sb, $"    Client address {(s.ClientAddress is null ? "none" : s.ClientAddress.ToString())}, MPPE {s.Mppe}");
            if (s.AaaServer is null)
            {
                LineText(sb, "    Not authenticated");
            }
            else
            {
                Line(sb, $"    Authenticated by {Logging.PixMessages.Clean(s.AaaServer)}");
            }

            Line(sb, $"    Up time {FormatUptime(s.Uptime)}");
        }
    }

    /// <summary>"00:00:24", or "2d 03:04:05" past a day.</summary>
    public static string FormatUptime(TimeSpan uptime)
    {
        if (uptime < TimeSpan.Zero)
        {
            uptime = TimeSpan.Zero;
        }

        return uptime.Days > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{uptime.Days}d {uptime.Hours:D2}:{uptime.Minutes:D2}:{uptime.Seconds:D2}")
            : string.Create(CultureInfo.InvariantCulture, $"{uptime.Hours:D2}:{uptime.Minutes:D2}:{uptime.Seconds:D2}");
    }

    private static void Line(StringBuilder sb, FormattableString text) => sb.Append(text.ToString(CultureInfo.InvariantCulture)).Append('\n');

    private static void LineText(StringBuilder sb, string text) => sb.Append(text).Append('\n');
}
