using PptpGw.ControlPlane.Ppp;
using PptpGw.ControlPlane.Ppp.Fsm;
using PptpGw.ControlPlane.Ppp.Session;
using PptpGw.Dataplane.Packets;
using static PptpGw.Tests.ControlPlane.Ppp.Session.SessionPair;

namespace PptpGw.Tests.ControlPlane.Ppp.Session;

/// <summary>
/// LCP, IPCP and CCP renegotiation on a live link (RFC 1661 §4.1: a Configure-Request in Opened is tld + scr, not the
/// end of the call), MS-CHAPv2 with MPPE-128 required, server session against client session on a fake clock.
/// </summary>
public sealed class PppRenegotiationTests
{
    private static SessionPair UpPair()
    {
        var pair = new SessionPair(
            ServerOptions(NewPool(), Policy(AllStrengths, stateless: true, required: true), PppAuthProtocol.MsChapV2),
            ClientOptions(Policy(AllStrengths, stateless: true, required: true), null, PppAuthProtocol.MsChapV2));
        pair.Start();
        Assert.Single(pair.ServerEvents.Ups);
        Assert.Single(pair.ClientEvents.Ups);
        return pair;
    }

    private static void AssertStillUp(SessionPair pair)
    {
        Assert.Empty(pair.ServerEvents.Downs);
        Assert.Empty(pair.ClientEvents.Downs);
        Assert.Single(pair.ServerEvents.Ups); // LinkUp once per call: 603104 and accounting start are not repeated
        Assert.Single(pair.ClientEvents.Ups);
        Assert.True(pair.Server.IsLinkUp && pair.Client.IsLinkUp);
        PppSessionSnapshot server = pair.Server.GetSnapshot(), client = pair.Client.GetSnapshot();
        Assert.Equal((PppFsmState.Opened, PppFsmState.Opened, PppFsmState.Opened), (server.Lcp, server.Ipcp, server.Ccp));
        Assert.Equal((PppFsmState.Opened, PppFsmState.Opened, PppFsmState.Opened), (client.Lcp, client.Ipcp, client.Ccp));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Lcp_renegotiation_reauthenticates_keeps_the_address_and_brings_mppe_back(bool clientAsks)
    {
        using SessionPair pair = UpPair();
        PppLinkResult first = pair.ServerEvents.Up;

        Assert.True((clientAsks ? pair.Client : pair.Server).Renegotiate(PppRenegotiation.Lcp));
        pair.Pump();

        AssertStillUp(pair);
        Assert.Equal([PppRenegotiation.Lcp], pair.ServerEvents.NetworkDowns);
        Assert.Equal([PppRenegotiation.Lcp], pair.ClientEvents.NetworkDowns);
        PppLinkResult server = Assert.Single(pair.ServerEvents.NetworkUps);
        PppLinkResult client = Assert.Single(pair.ClientEvents.NetworkUps);
        // RFC 1661 §3.5: authentication runs again after LCP; the call keeps its address (pool, dataplane, accounting).
        Assert.Equal(2, pair.ServerEvents.Succeeded.Count);
        Assert.Equal(first.PeerAddress, server.PeerAddress);
        Assert.Equal(first.PeerAddress, client.LocalAddress);
        // MPPE from the new authentication's keys, the same on both ends (RFC 3079 §3).
        Assert.NotNull(server.Mppe);
        Assert.NotNull(client.Mppe);
        Assert.Equal(server.Mppe.SendStartKey, client.Mppe.ReceiveStartKey);
        Assert.Equal(server.Mppe.ReceiveStartKey, client.Mppe.SendStartKey);

        // And again: a renegotiated link renegotiates like a fresh one.
        Assert.True(pair.Client.Renegotiate(PppRenegotiation.Lcp));
        pair.Pump();
        AssertStillUp(pair);
        Assert.Equal(2, pair.ServerEvents.NetworkUps.Count);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Ccp_renegotiation_alone_keeps_the_start_keys_and_does_not_reauthenticate(bool clientAsks)
    {
        using SessionPair pair = UpPair();
        PppLinkResult first = pair.ServerEvents.Up;

        Assert.True((clientAsks ? pair.Client : pair.Server).Renegotiate(PppRenegotiation.Ccp));
        pair.Pump();

        AssertStillUp(pair);
        Assert.Equal([PppRenegotiation.Ccp], pair.ServerEvents.NetworkDowns);
        Assert.Equal([PppRenegotiation.Ccp], pair.ClientEvents.NetworkDowns);
        PppLinkResult again = Assert.Single(pair.ServerEvents.NetworkUps);
        Assert.Single(pair.ServerEvents.Succeeded);
        // RFC 3078 §7: MPPE starts over from the start keys (coherency count 0 in the dataplane): the keys are kept.
        Assert.Equal(first.Mppe!.SendStartKey, again.Mppe!.SendStartKey);
        Assert.Equal(first.Mppe.ReceiveStartKey, again.Mppe.ReceiveStartKey);
        Assert.Equal(first.PeerAddress, again.PeerAddress);
    }

    [Fact]
    public void Ipcp_renegotiation_alone_keeps_the_address()
    {
        using SessionPair pair = UpPair();
        PppLinkResult first = pair.ServerEvents.Up;
        Assert.True(pair.Client.Renegotiate(PppRenegotiation.Ipcp));
        pair.Pump();
        AssertStillUp(pair);
        Assert.Equal([PppRenegotiation.Ipcp], pair.ServerEvents.NetworkDowns);
        Assert.Equal(first.PeerAddress, Assert.Single(pair.ServerEvents.NetworkUps).PeerAddress);
        Assert.Equal(first.Mppe!.SendStartKey, pair.ServerEvents.NetworkUps[0].Mppe!.SendStartKey);
    }

    /// <summary>
    /// A raw stand-in peer: an LCP Configure-Request in Opened that our client never built (MRU 1400, a new Magic-Number),
    /// as a peer that renegotiates would send. The server renegotiates instead of ending the call.
    /// </summary>
    [Fact]
    public void Raw_lcp_configure_request_in_opened_renegotiates_instead_of_ending_the_call()
    {
        using SessionPair pair = UpPair();
        byte[] request =
        [
            0xFF, 0x03, 0xC0, 0x21, // PPP: address, control, LCP
            0x01, 0x77, 0x00, 0x0E, // Configure-Request, id 0x77, length 14
            0x01, 0x04, 0x05, 0x78, // MRU 1400
            0x05, 0x06, 0x1F, 0x2E, 0x3D, 0x4C, // Magic-Number
        ];
        pair.Server.Receive(request);
        Assert.Equal([PppRenegotiation.Lcp], pair.ServerEvents.NetworkDowns);
        pair.Pump();
        AssertStillUp(pair);
        Assert.NotEmpty(pair.ServerEvents.NetworkUps);
        // The server acknowledged the stand-in's request verbatim (RFC 1661 §5.2).
        Assert.Contains(PacketsOf(pair.ServerSent, PppProtocol.Lcp), p => p[0] == 2 && p[1] == 0x77);
    }

    [Fact]
    public void A_renegotiation_the_peer_never_answers_ends_the_call_after_max_configure()
    {
        using SessionPair pair = UpPair();
        pair.ToServerFilter = _ => false; // the client went silent
        Assert.True(pair.Server.Renegotiate(PppRenegotiation.Lcp));
        pair.Pump();
        Assert.Empty(pair.ServerEvents.Downs);
        pair.Advance(TimeSpan.FromSeconds(70));
        // RFC 1661 §4.6: Max-Configure (10) requests 3 s apart go unanswered, TO- ends LCP (within the 60 s negotiation clock).
        Assert.Equal(PppDownCause.LcpNegotiationFailed, Assert.Single(pair.ServerEvents.DownCauses));
    }

    [Fact]
    public void Terminate_request_still_ends_the_session()
    {
        using SessionPair pair = UpPair();
        pair.Client.Close("bye");
        pair.Pump();
        Assert.Equal(PppDownCause.PeerTerminated, Assert.Single(pair.ServerEvents.DownCauses));
        Assert.Empty(pair.ServerEvents.NetworkDowns);
    }
}
