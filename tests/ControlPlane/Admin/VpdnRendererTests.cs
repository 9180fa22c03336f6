using PptpGw.ControlPlane.Admin;
using PptpGw.Dataplane.Mppe;

namespace PptpGw.Tests.ControlPlane.Admin;

public class VpdnRendererTests
{
    [Fact]
    public void PixCompatibleOutputIsTheGuidesText()
    {
        string text = VpdnRenderer.Render(VpdnSamples.Snapshot, VpdnView.All, extended: false);
        Assert.Equal(VpdnSamples.GuideShowVpdn, VpdnSamples.Normalize(text));
    }

    [Fact]
    public void LayoutKeepsThePixIndentationAndBlankLines()
    {
        string text = VpdnRenderer.Render(VpdnSamples.Snapshot, VpdnView.All, extended: false);
        Assert.Equal(
            "PPTP Tunnel and Session Information (Total tunnels=1 sessions=1)\n" +
            "\n" +
            "Tunnel id 13, remote id is 13, 1 active sessions\n" +
            "  Tunnel state is estabd, time since event change 24 secs\n" +
            "  remote Internet Address 10.44.17.104, port 1723\n" +
            "  Local Internet Address 172.18.124.152, port 1723\n" +
            "  12 packets sent, 35 received, 394 bytes sent, 3469 received\n" +
            "\n" +
            "Call id 13 is up on tunnel id 13\n" +
            "Remote Internet Address is 10.44.17.104\n" +
            "  Session username is cisco, state is estabd\n" +
            "    Time since event change 24 secs, interface outside\n" +
            "    Remote call id is 32768\n" +
            "    PPP interface id is 1\n" +
            "    12 packets sent, 35 received, 394 bytes sent, 3469 received\n" +
            "    Seq 13, Ack 34, Ack_Rcvd 12, peer RWS 64\n" +
            "    0 out of order packets\n",
            text);
    }

    [Fact]
    public void ExtendedOutputAppendsOurFieldsAtTheEndOfEachBlock()
    {
        string[] pix = VpdnRenderer.Render(VpdnSamples.Snapshot, VpdnView.All, extended: false).Split('\n');
        string[] ext = VpdnRenderer.Render(VpdnSamples.Snapshot, VpdnView.All, extended: true).Split('\n');

        // Tunnel block: the PIX's 5 lines, then ours.
        Assert.Equal(pix[..7], ext[..7]);
        Assert.Equal("  Up time 00:00:25", ext[7]);
        // Session block: the PIX's 9 lines unchanged, then ours.
        Assert.Equal(pix[8..17], ext[9..18]);
        Assert.Equal(
        [
            "    2 dropped packets, Seq_Rcvd 34",
            "    Client address 192.168.1.1, MPPE 40 bits stateless",
            "    Authenticated by RADIUS AuthInbound 172.18.124.99",
            "    Up time 00:00:24",
            "",
        ], ext[18..]);
    }

    [Fact]
    public void TunnelAndSessionViewsPrintOnlyTheirBlocks()
    {
        string tunnels = VpdnRenderer.Render(VpdnSamples.Snapshot, VpdnView.Tunnel, extended: false);
        Assert.StartsWith("PPTP Tunnel Information (Total tunnels=1 sessions=1)\n\nTunnel id 13,", tunnels, StringComparison.Ordinal);
        Assert.DoesNotContain("Call id", tunnels, StringComparison.Ordinal);

        string sessions = VpdnRenderer.Render(VpdnSamples.Snapshot, VpdnView.Session, extended: false);
        Assert.StartsWith("PPTP Session Information (Total tunnels=1 sessions=1)\n\nCall id 13 is up on tunnel id 13\n", sessions, StringComparison.Ordinal);
        Assert.DoesNotContain("Tunnel id", sessions, StringComparison.Ordinal);
        Assert.EndsWith("    0 out of order packets\n", sessions, StringComparison.Ordinal);
    }

    [Fact]
    public void EmptyStateSaysSo()
    {
        foreach (var view in Enum.GetValues<VpdnView>())
        {
            Assert.Equal("% No active PPTP tunnels\n", VpdnRenderer.Render(VpdnSnapshot.Empty, view));
        }
    }

    [Fact]
    public void SessionsFollowTheirTunnelAndTotalsCountAll()
    {
        var second = VpdnSamples.Session with { CallId = 14, PeerCallId = 1, UserName = null, ClientAddress = null, AaaServer = null, Mppe = default, Uptime = TimeSpan.FromHours(50) };
        var t2 = VpdnSamples.Tunnel with { TunnelId = 20, RemoteTunnelId = 20, Sessions = [second, second with { CallId = 15 }] };
        var empty = VpdnSamples.Tunnel with { TunnelId = 30, RemoteTunnelId = 30, State = "wt-sccrq", Sessions = [] };
        string text = VpdnRenderer.Render(new VpdnSnapshot([VpdnSamples.Tunnel, t2, empty]), VpdnView.All);

        Assert.StartsWith("PPTP Tunnel and Session Information (Total tunnels=3 sessions=3)\n", text, StringComparison.Ordinal);
        int t20 = text.IndexOf("Tunnel id 20, remote id is 20, 2 active sessions", StringComparison.Ordinal);
        int c14 = text.IndexOf("Call id 14 is up", StringComparison.Ordinal);
        int c15 = text.IndexOf("Call id 15 is up", StringComparison.Ordinal);
        int t30 = text.IndexOf("Tunnel id 30, remote id is 30, 0 active sessions", StringComparison.Ordinal);
        Assert.True(text.IndexOf("Call id 13", StringComparison.Ordinal) < t20 && t20 < c14 && c14 < c15 && c15 < t30);
        Assert.Contains("  Session username is Unknown, state is estabd\n", text, StringComparison.Ordinal);
        Assert.Contains("    Client address none, MPPE None\n", text, StringComparison.Ordinal);
        Assert.Contains("    Not authenticated\n", text, StringComparison.Ordinal);
        Assert.Contains("    Up time 2d 02:00:00\n", text, StringComparison.Ordinal);
        Assert.Contains("  Tunnel state is wt-sccrq,", text, StringComparison.Ordinal);
    }

    [Fact]
    public void MppeStatusText()
    {
        Assert.Equal("None", new MppeStatus(null, true).ToString());
        Assert.Equal("128 bits stateful", new MppeStatus(MppeKeyStrength.Bits128, false).ToString());
        Assert.Equal("56 bits stateless", new MppeStatus(MppeKeyStrength.Bits56, true).ToString());
    }
}
