using System.Net;
using PptpGw.ControlPlane.Logging;
using PptpGw.Dataplane.Mppe;

namespace PptpGw.Tests.ControlPlane.Logging;

/// <summary>Message texts against the lines printed in the PIX reference guide (000_78fc8e2d733fd35b.txt).</summary>
public class PixMessagesTests
{
    private static readonly IPAddress Peer = IPAddress.Parse("10.44.17.104");

    [Fact]
    public void TunnelCreatedMatchesTheGuideWith40BitMppe()
    {
        // "603104: PPTP Tunnel created, tunnel_id is 9, remote_peer_ip is 10.44.17.104 ppp_virtual_interface_id is 1, client_dynamic_ip is 192.168.1.1 username is john, MPPE_key_strength is 40 bits"
        Assert.Equal(
            "PPTP Tunnel created, tunnel_id is 9, remote_peer_ip is 10.44.17.104 ppp_virtual_interface_id is 1, client_dynamic_ip is 192.168.1.1 username is john, MPPE_key_strength is 40 bits",
            PixMessages.PptpTunnelCreated(9, Peer, 1, IPAddress.Parse("192.168.1.1"), "john", MppeKeyStrength.Bits40));
    }

    [Fact]
    public void TunnelCreatedMatchesTheGuideForAnUnauthenticatedSession()
    {
        // "603104: PPTP Tunnel created, tunnel_id is 15, ... client_dynamic_ip is 0.0.0.0 username is Unknown, MPPE_key_strength is None"
        Assert.Equal(
            "PPTP Tunnel created, tunnel_id is 15, remote_peer_ip is 10.44.17.104 ppp_virtual_interface_id is 1, client_dynamic_ip is 0.0.0.0 username is Unknown, MPPE_key_strength is None",
            PixMessages.PptpTunnelCreated(15, Peer, 1, null, null, null));
        Assert.Equal(
            "PPTP Tunnel created, tunnel_id is 42, remote_peer_ip is 99.99.99.5 ppp_virtual_interface_id is 1, client_dynamic_ip is 172.16.1.1 username is john, MPPE_key_strength is None",
            PixMessages.PptpTunnelCreated(42, IPAddress.Parse("99.99.99.5"), 1, IPAddress.Parse("172.16.1.1"), "john", null));
    }

    [Theory]
    [InlineData(MppeKeyStrength.Bits56, "56 bits")]
    [InlineData(MppeKeyStrength.Bits128, "128 bits")]
    public void OtherKeyStrengthsPrintLikeFortyBits(MppeKeyStrength strength, string text)
    {
        Assert.EndsWith("MPPE_key_strength is " + text, PixMessages.PptpTunnelCreated(1, Peer, 1, null, "u", strength), StringComparison.Ordinal);
    }

    [Fact]
    public void TunnelDeletedMatchesTheGuide() =>
        Assert.Equal("PPTP Tunnel deleted, tunnel_id = 15, remote_peer_ip = 10.44.17.104", PixMessages.PptpTunnelDeleted(15, Peer));

    [Fact]
    public void AaaMessagesMatchTheGuide()
    {
        Assert.Equal("PPP virtual interface 1 - user: john aaa authentication started", PixMessages.PppAaaAuthenticationStarted(1, "john"));
        Assert.Equal("PPP virtual interface 1 - user: john aaa authentication succeed", PixMessages.PppAaaAuthenticationStatus(1, "john", true));
        Assert.Equal("PPP virtual interface 1 - user: cisco aaa authentication failed", PixMessages.PppAaaAuthenticationStatus(1, "cisco", false));
        Assert.Equal("PPP virtual interface 1, user: cisco missing MPPE key from aaa server", PixMessages.PppMissingMppeKey(1, "cisco"));
        Assert.Equal("Authen Session Start: user 'john', sid 3", PixMessages.AuthenSessionStart("john", 3));
    }

    [Fact]
    public void SocketErrorMatchesTheGuide() =>
        Assert.Equal("PPTP control daemon socket io accept error, errno = 5", PixMessages.PptpControlSocketIoError("accept error", 5));

    [Fact]
    public void CatalogueMessagesHaveThePixWording()
    {
        Assert.Equal("PPTP tunnel hashtable insert failed, peer = 10.44.17.104", PixMessages.PptpTunnelHashtableInsertFailed(Peer));
        Assert.Equal("PPP virtual interface 2 isn't opened", PixMessages.PppVirtualInterfaceNotOpened(2));
        Assert.Equal("PPP virtual interface 2 client ip allocation failed", PixMessages.PppClientIpAllocationFailed(2));
        Assert.Equal("PPTP session state not established, but received an XGRE packet, tunnel_id=9, session_id=9", PixMessages.PptpSessionNotEstablished(9, 9));
        Assert.Equal("PPP virtual interface 1 rcvd pkt with invalid protocol: 21, reason: mppe required but not active", PixMessages.PppInvalidProtocol(1, 0x0021, "mppe required but not active"));
        Assert.Equal("PPP virtual interface max connections reached", PixMessages.PppMaxConnectionsReached());
        Assert.Equal("PPP virtual interface 1 requires mschap for MPPE", PixMessages.PppRequiresMschapForMppe(1));
        Assert.Equal("PPP virtual interface 1 requires RADIUS for MPPE", PixMessages.PppRequiresRadiusForMppe(1));
        Assert.Equal("PPP virtual interface 1 missing aaa server group info", PixMessages.PppMissingAaaServerGroup(1));
        Assert.Equal("PPP virtual interface 1 missing client ip address option", PixMessages.PppMissingClientIpAddressOption(1));
        Assert.Equal("Rec'd packet not an PPTP packet. (ip) dest_address= 172.18.124.152, src_addr= 10.44.17.104, data: 4500",
            PixMessages.NotPptpPacket(IPAddress.Parse("172.18.124.152"), Peer, [0x45, 0x00]));
        Assert.Equal("PPTP received out of seq or duplicate pkt, tnl_id=9, sess_id=9, seq=17", PixMessages.PptpOutOfSequence(9, 9, 17));
    }

    [Theory]
    [InlineData(PixMessageId.AuthenSessionStart, PixSeverity.Critical)]
    [InlineData(PixMessageId.PptpControlSocketIoError, PixSeverity.Error)]
    [InlineData(PixMessageId.PppClientIpAllocationFailed, PixSeverity.Error)]
    [InlineData(PixMessageId.PptpSessionNotEstablished, PixSeverity.Warning)]
    [InlineData(PixMessageId.PppMissingMppeKey, PixSeverity.Warning)]
    [InlineData(PixMessageId.PptpOutOfSequence, PixSeverity.Informational)]
    [InlineData(PixMessageId.PptpTunnelCreated, PixSeverity.Informational)]
    public void SeveritiesAreThePixOnes(PixMessageId id, PixSeverity severity) => Assert.Equal(severity, PixMessages.SeverityOf(id));

    [Fact]
    public void PeerControlledTextCannotForgeLogLines()
    {
        string text = PixMessages.PppAaaAuthenticationStarted(1, "evil\r\n%PIX-6-603104: fake");
        Assert.DoesNotContain('\n', text);
        Assert.DoesNotContain('\r', text);
        Assert.Equal("PPP virtual interface 1 - user: evil??%PIX-6-603104: fake aaa authentication started", text);
        Assert.Equal("Unknown", PixMessages.Clean(""));
    }

    [Fact]
    public void RecordFormatCarriesThePixPrefix()
    {
        var record = new LogRecord(DateTimeOffset.UnixEpoch, PixSeverity.Informational, PixMessageId.PptpTunnelDeleted, DebugClasses.None, PixMessages.PptpTunnelDeleted(8, Peer));
        Assert.Equal("%PIX-6-603105: PPTP Tunnel deleted, tunnel_id = 8, remote_peer_ip = 10.44.17.104", record.Format());
        var debug = new LogRecord(DateTimeOffset.UnixEpoch, PixSeverity.Debugging, PixMessageId.None, DebugClasses.PppIo, "PPP xmit, ifc = 0, len: 8 data: ff03c22303010004");
        Assert.Equal("PPP xmit, ifc = 0, len: 8 data: ff03c22303010004", debug.Format());
    }
}
