using System.Net;
using PptpGw.ControlPlane.Logging;

namespace PptpGw.Tests.ControlPlane.Logging;

/// <summary>Debug lines rebuilt from the frames in the reference guide's "debug vpdn/ppp" captures.</summary>
public class PixDebugTextTests
{
    private static readonly IPAddress Client = IPAddress.Parse("10.44.17.104");

    // LCP Configure-Request the PIX sends in the Windows NT capture (23 bytes, printed whole).
    private static readonly byte[] LcpRequest = Convert.FromHexString("ff03c021010100130305c2238005065a899b2307020802");

    [Fact]
    public void FramesUpTo23BytesArePrintedWhole()
    {
        Assert.Equal("PPP xmit, ifc = 0, len: 23 data: ff03c021010100130305c2238005065a899b2307020802", PixDebugText.PppTransmit(0, LcpRequest));
        Assert.Equal("PPP rcvd, ifc = 0, pppdev: 1, len: 23, data: ff03c021020100130305c2238005065a899b2307020802",
            PixDebugText.PppReceived(0, 1, Convert.FromHexString("ff03c021020100130305c2238005065a899b2307020802")));
    }

    [Fact]
    public void LongerFramesShowTheir22FirstBytesAndAnEllipsis()
    {
        // "PPP rcvd, ifc = 0, pppdev: 1, len: 48, data: ff03c0210100002c0506447e217e070208020d030611..."
        var frame = new byte[48];
        Convert.FromHexString("ff03c0210100002c0506447e217e070208020d030611").CopyTo(frame, 0);
        frame[22] = 0xEE; // must not show
        Assert.Equal("PPP rcvd, ifc = 0, pppdev: 1, len: 48, data: ff03c0210100002c0506447e217e070208020d030611...", PixDebugText.PppReceived(0, 1, frame));
        Assert.Equal("ff03c0210100002c0506447e217e070208020d030611...", PixDebugText.HexTruncated(frame.AsSpan(0, 24)));
        Assert.Equal(48 * 2, PixDebugText.Hex(frame).Length);
    }

    [Fact]
    public void GreLinesMatchTheCapture()
    {
        // Enhanced GRE (RFC 2637 §4.1) header for peer call id 0x4000, seq 1, ack 0, then the 23-byte LCP request.
        byte[] gre = [.. Convert.FromHexString("3081880b001740000000000100000000"), .. LcpRequest];
        Assert.Equal(39, gre.Length);
        Assert.Equal("outside PPTP: Sending xGRE pak to 10.44.17.104, len 39, seq 1, ack 0, data: 3081880b001740000000000100000000ff03c0210101...",
            PixDebugText.GreSending("outside", Client, gre, 1, 0));
        Assert.Equal("outside PPTP: Recvd xGRE pak from 10.44.17.104, len 60, seq 0", PixDebugText.GreReceived("outside", Client, 60, 0, null));
        Assert.Equal("outside PPTP: Recvd xGRE pak from 10.44.17.104, len 39, seq 1, ack 1", PixDebugText.GreReceived("outside", Client, 39, 1, 1));
        Assert.Equal("Interface outside - PPTP xGRE: Out paket, PPP len 23", PixDebugText.GreOut("outside", 23));
    }

    [Fact]
    public void ControlConnectionLinesMatchTheCapture()
    {
        var sccrq = new byte[156];
        Convert.FromHexString("009c00011a2b3c4d0001000001000000000000010000").CopyTo(sccrq, 0);
        Assert.Equal("Tnl 9 PPTP: CC I 009c00011a2b3c4d0001000001000000000000010000...", PixDebugText.ControlReceivedBytes(9, sccrq));
        Assert.Equal("Tnl 9 PPTP: CC I SCCRQ", PixDebugText.ControlMessage(9, null, true, "SCCRQ"));
        Assert.Equal("Tnl/Cl 42/42 PPTP: CC O OCRP", PixDebugText.ControlMessage(42, 42, false, "OCRP"));
        Assert.Equal("Tnl 9 PPTP: SCCRQ-ok -> state change wt-sccrq to estabd", PixDebugText.StateChange(9, null, "SCCRQ-ok", "wt-sccrq", "estabd"));
        Assert.Equal("Tnl/Cl 9/9 PPTP: vacc-ok -> state change wt-vacc to estabd", PixDebugText.StateChange(9, 9, "vacc-ok", "wt-vacc", "estabd"));
        Assert.Equal("Tnl 9 PPTP: Tunnel created; peer initiated", PixDebugText.TunnelCreated(9));
        Assert.Equal("PPTP: created tunnel, id = 9", PixDebugText.CreatedTunnel(9));
        Assert.Equal("Tnl 9 PPTP: vendor \"Microsoft Windows NT\"", PixDebugText.TunnelLine(9, null, "vendor \"Microsoft Windows NT\""));
        Assert.Equal("PPTP: cc rcv 156 bytes of data", PixDebugText.ControlReceive(156));
        Assert.Equal("PPTP: cc snddata, socket fd=1, len=156, data: 009c00011a2b3c4d0001000001000000000000010000...", PixDebugText.ControlSend(1, sccrq));
        Assert.Equal("Tnl/Cl 9/9 PPTP: l2x store session: tunnel id 9, session id 9, hash_ix=9", PixDebugText.StoreSession(9, 9));
        Assert.Equal("PPP virtual access open, ifc = 0", PixDebugText.VirtualAccessOpen(0));
    }

    [Fact]
    public void AuthenticationAndErrorLinesMatchTheCapture()
    {
        Assert.Equal("uauth_mschap_send_req: pppdev=1, ulen=4, user=john", PixDebugText.UauthMschapSendRequest(1, "john"));
        Assert.Equal("uauth_mschap_proc_reply: pppdev = 1, status = 1", PixDebugText.UauthMschapProcessReply(1, 1));
        Assert.Equal("CHAP peer authentication succeeded for john", PixDebugText.ChapPeerAuthenticationSucceeded("john"));
        Assert.Equal("PPTP: Call id 8, no session id protocol: 21, reason: mppe required but not active, tunnel terminated", PixDebugText.MppeRequiredButNotActive(8, 0x21));
        Assert.Equal("PPP Encr/Comp Pkt: 9000bccf59b71755d9af7330dae3bbc94d28e431d057...",
            PixDebugText.PppEncryptedPacket(Convert.FromHexString("9000bccf59b71755d9af7330dae3bbc94d28e431d057" + "0000")));
        Assert.Equal("PPP IP Pkt: 4500001cc80000008001e5ccac100101e00000020a00...",
            PixDebugText.PppIpPacket(Convert.FromHexString("4500001cc80000008001e5ccac100101e00000020a00" + "0000")));
    }

    [Fact]
    public void DebugClassNamesRoundTrip()
    {
        foreach (var (cls, group, name) in DebugClassNames.All)
        {
            Assert.Equal(cls, DebugClassNames.Find(group, name));
            Assert.Equal(group + " " + name, DebugClassNames.NameOf(cls));
        }

        Assert.Equal(DebugClasses.All, DebugClassNames.All.Aggregate(DebugClasses.None, (a, e) => a | e.Class));
        Assert.Equal("debug vpdn events\ndebug ppp io\n", DebugClassNames.FormatShowDebug(DebugClasses.PppIo | DebugClasses.VpdnEvents));
        Assert.Equal(string.Empty, DebugClassNames.FormatShowDebug(DebugClasses.None));
        Assert.Null(DebugClassNames.NameOf(DebugClasses.All));
    }
}
