using PptpGw.ControlPlane.Ppp;
using PptpGw.ControlPlane.Ppp.Auth;
using PptpGw.ControlPlane.Ppp.Ccp;
using PptpGw.ControlPlane.Ppp.Fsm;
using PptpGw.ControlPlane.Ppp.Session;
using PptpGw.Dataplane.Mppe;
using PptpGw.Dataplane.Packets;
using static PptpGw.Tests.ControlPlane.Ppp.Session.SessionPair;

namespace PptpGw.Tests.ControlPlane.Ppp.Session;

/// <summary>Server session against client session through an in-memory loopback, on a fake clock.</summary>
public sealed class PppSessionLoopbackTests
{
    public static TheoryData<PppAuthProtocol, MppeSupportedBits, bool> MsChapMatrix()
    {
        var data = new TheoryData<PppAuthProtocol, MppeSupportedBits, bool>();
        foreach (PppAuthProtocol protocol in new[] { PppAuthProtocol.MsChapV2, PppAuthProtocol.MsChapV1 })
            foreach (MppeSupportedBits strength in new[] { MppeSupportedBits.Encryption40Bit, MppeSupportedBits.Encryption56Bit, MppeSupportedBits.Encryption128Bit })
                foreach (bool stateless in new[] { true, false })
                    data.Add(protocol, strength, stateless);
        return data;
    }

    [Theory]
    [MemberData(nameof(MsChapMatrix))]
    public void MsChapWithMppeReachesNetworkPhaseWithMatchingKeys(PppAuthProtocol protocol, MppeSupportedBits strength, bool stateless)
    {
        var pool = NewPool();
        // The server allows every strength, the client only one: the server's Nak must land on the client's.
        using var pair = new SessionPair(
            ServerOptions(pool, Policy(AllStrengths, stateless), PppAuthProtocol.MsChapV2, PppAuthProtocol.MsChapV1, PppAuthProtocol.Pap),
            ClientOptions(Policy(strength, stateless), null, protocol));
        pair.Start();

        PppLinkResult server = pair.ServerEvents.Up;
        PppLinkResult client = pair.ClientEvents.Up;
        Assert.Equal(protocol, server.AuthenticationProtocol);
        Assert.Equal(protocol, client.AuthenticationProtocol);
        Assert.Equal(User, server.UserName);
        Assert.Equal(LocalPppAuthenticator.LocalServerName, server.AaaServer);

        MppeKeyStrength expected = MppePolicy.ToStrength(strength);
        Assert.NotNull(server.Mppe);
        Assert.NotNull(client.Mppe);
        Assert.Equal(expected, server.Mppe.Strength);
        Assert.Equal(expected, client.Mppe.Strength);
        Assert.Equal(stateless, server.Mppe.Stateless);
        Assert.Equal(stateless, client.Mppe.Stateless);
        int keyLength = MppeKeySchedule.SessionKeyLength(expected);
        Assert.Equal(keyLength, server.Mppe.SendStartKey.Length);
        Assert.Equal(server.Mppe.SendStartKey, client.Mppe.ReceiveStartKey);
        Assert.Equal(server.Mppe.ReceiveStartKey, client.Mppe.SendStartKey);
        // RFC 3079 §3.4: MS-CHAPv2 keys differ per direction; MS-CHAPv1's are one key for both (§2).
        if (protocol == PppAuthProtocol.MsChapV2)
            Assert.NotEqual(server.Mppe.SendStartKey, server.Mppe.ReceiveStartKey);
        else
            Assert.Equal(server.Mppe.SendStartKey, server.Mppe.ReceiveStartKey);

        // IPCP: the pool's first address for the client, the inside address for the server, DNS as configured.
        Assert.Equal(Ip("192.168.1.1"), server.PeerAddress);
        Assert.Equal(Ip("192.168.1.1"), client.LocalAddress);
        Assert.Equal(Ip("10.1.1.1"), client.PeerAddress);
        Assert.Equal(Ip("10.1.1.53"), client.PrimaryDns);
        Assert.Equal(Ip("10.1.1.54"), client.SecondaryDns);
        Assert.Equal(1, pool.UsedCount);

        PppSessionSnapshot snapshot = pair.Server.GetSnapshot();
        Assert.Equal(PppPhase.Network, snapshot.Phase);
        Assert.True(snapshot.IsLinkUp);
        Assert.Equal(expected, snapshot.MppeStrength);
        Assert.Equal(User, snapshot.UserName);
        Assert.Single(pair.ServerEvents.Started);
        Assert.Single(pair.ServerEvents.Succeeded);

        // Teardown from the client: both sides go down, the address returns to the pool.
        pair.Client.Close("user hung up");
        pair.Pump();
        pair.Advance(TimeSpan.FromSeconds(4));
        Assert.Contains("user hung up", pair.ServerEvents.Down);
        Assert.Equal("user hung up", pair.ClientEvents.Down);
        Assert.Equal(0, pool.UsedCount);
        Assert.Equal(PppPhase.Dead, pair.Server.Phase);
    }

    [Theory]
    [InlineData(PppAuthProtocol.Pap)]
    [InlineData(PppAuthProtocol.Chap)]
    [InlineData(PppAuthProtocol.MsChapV1)]
    [InlineData(PppAuthProtocol.MsChapV2)]
    public void EveryProtocolWithoutMppeReachesNetworkPhase(PppAuthProtocol protocol)
    {
        var pool = NewPool();
        using var pair = new SessionPair(ServerOptions(pool, null, protocol), ClientOptions(null, null, protocol));
        pair.Start();
        Assert.Equal(protocol, pair.ServerEvents.Up.AuthenticationProtocol);
        Assert.Null(pair.ServerEvents.Up.Mppe);
        Assert.Null(pair.ClientEvents.Up.Mppe);
        Assert.Equal(Ip("192.168.1.1"), pair.ClientEvents.Up.LocalAddress);
        // CCP opens without options (as the PIX does when MPPE is not configured).
        Assert.Equal(PppFsmState.Opened, pair.Server.GetSnapshot().Ccp);
    }

    [Theory]
    [InlineData(PppAuthProtocol.Pap)]
    [InlineData(PppAuthProtocol.Chap)]
    public void PapAndChapWithOptionalMppeComeUpUnencrypted(PppAuthProtocol protocol)
    {
        // MPPE is configured (not required) but the clear-text protocol yields no keys: CCP offers nothing.
        using var pair = new SessionPair(
            ServerOptions(NewPool(), Policy(AllStrengths), protocol),
            ClientOptions(Policy(AllStrengths), null, protocol));
        pair.Start();
        Assert.Null(pair.ServerEvents.Up.Mppe);
        Assert.Null(pair.ClientEvents.Up.Mppe);
    }

    [Theory]
    [InlineData(PppAuthProtocol.Pap)]
    [InlineData(PppAuthProtocol.Chap)]
    public void RequiredMppeWithClearTextAuthenticationTerminates(PppAuthProtocol protocol)
    {
        var pool = NewPool();
        using var pair = new SessionPair(
            ServerOptions(pool, Policy(AllStrengths, required: true), protocol),
            ClientOptions(Policy(AllStrengths), null, protocol));
        pair.Start();
        pair.Advance(TimeSpan.FromSeconds(4));
        Assert.Empty(pair.ServerEvents.Ups);
        Assert.Contains("requires mschap for MPPE", pair.ServerEvents.Down);
        Assert.Single(pair.ClientEvents.Downs);
        Assert.Equal(0, pool.UsedCount);
    }

    [Fact]
    public void RequiredMppeAgainstAClientThatWillNotEncryptTerminates()
    {
        var pool = NewPool();
        using var pair = new SessionPair(
            ServerOptions(pool, Policy(MppeSupportedBits.Encryption40Bit, required: true), PppAuthProtocol.MsChapV2),
            ClientOptions(mppe: null, null, PppAuthProtocol.MsChapV2));
        pair.Start();
        pair.Advance(TimeSpan.FromSeconds(4));
        Assert.Empty(pair.ServerEvents.Ups);
        Assert.Equal("mppe required but not active", pair.ServerEvents.Down);
        Assert.Equal(0, pool.UsedCount);
        // The client's CCP rejected the server's MPPE option verbatim.
        Assert.Contains(PacketsOf(pair.ClientSent, PppProtocol.Ccp), p => p[0] == PppFsmCode.ConfigureReject && p[4] == 18);
        // Issue 9 item 5 (pppd's start_networks): IPCP waits for CCP, so the client asked for IPCP in vain - the server
        // never sent one IPCP packet, the client got no address and no link, and no cleartext window existed.
        Assert.Contains(PacketsOf(pair.ClientSent, PppProtocol.Ipcp), p => p[0] == PppFsmCode.ConfigureRequest);
        Assert.Empty(PacketsOf(pair.ServerSent, PppProtocol.Ipcp));
        Assert.Empty(pair.ClientEvents.Ups);
        Assert.NotEqual(PppFsmState.Opened, pair.Client.GetSnapshot().Ipcp);
        // The LCP Terminate-Request carries the reference's reason.
        Assert.Contains(PacketsOf(pair.ServerSent, PppProtocol.Lcp), p => p[0] == PppFsmCode.TerminateRequest
            && System.Text.Encoding.ASCII.GetString(p, 4, p.Length - 4).Contains("mppe required but not active", StringComparison.Ordinal));
    }

    /// <summary>
    /// pppd's <c>noccp</c>: the client answers the server's CCP Configure-Request with an LCP Protocol-Reject (RFC 1661
    /// §5.7). Under <c>mppe ... required</c> the session ends with the reference's reason, and IPCP never started.
    /// </summary>
    [Fact]
    public void RequiredMppeAgainstAClientThatProtocolRejectsCcpTerminatesWithoutIpcp()
    {
        var pool = NewPool();
        using var pair = new SessionPair(
            ServerOptions(pool, Policy(AllStrengths, required: true), PppAuthProtocol.MsChapV2),
            ClientOptions(mppe: null, null, PppAuthProtocol.MsChapV2));
        byte rejectId = 0x40;
        pair.ToClientFilter = frame =>
        {
            (ushort protocol, byte[] packet) = Open(frame);
            if (protocol != PppProtocol.Ccp)
                return true;
            // FF 03, LCP, Protocol-Reject, the rejected protocol and its packet.
            int length = 4 + 2 + packet.Length;
            byte[] reject = [0xFF, 0x03, 0xC0, 0x21, PppFsmCode.ProtocolReject, rejectId++, (byte)(length >> 8), (byte)length, 0x80, 0xFD, .. packet];
            pair.Server.Receive(reject);
            return false;
        };
        pair.Start();
        pair.Advance(TimeSpan.FromSeconds(4));
        Assert.Empty(pair.ServerEvents.Ups);
        Assert.Equal("mppe required but not active", pair.ServerEvents.Down);
        Assert.Equal(0, pool.UsedCount);
        Assert.Empty(PacketsOf(pair.ServerSent, PppProtocol.Ipcp));
        Assert.Contains(PacketsOf(pair.ClientSent, PppProtocol.Ipcp), p => p[0] == PppFsmCode.ConfigureRequest);
        Assert.Contains(PacketsOf(pair.ServerSent, PppProtocol.Lcp), p => p[0] == PppFsmCode.TerminateRequest
            && System.Text.Encoding.ASCII.GetString(p, 4, p.Length - 4).Contains("mppe required but not active", StringComparison.Ordinal));
        Assert.Empty(pair.ClientEvents.Ups);
    }

    /// <summary>
    /// Under <c>mppe ... required</c> the server starts IPCP only once CCP is Opened with MPPE; the IPCP request the client
    /// sent before (as Windows does) is kept and answered then, so the link comes up at once, not after a restart timer.
    /// </summary>
    [Fact]
    public void RequiredMppeStartsIpcpOnlyAfterCcpAndStillComesUpAtOnce()
    {
        var pool = NewPool();
        using var pair = new SessionPair(
            ServerOptions(pool, Policy(AllStrengths, required: true), PppAuthProtocol.MsChapV2),
            ClientOptions(Policy(MppeSupportedBits.Encryption128Bit), null, PppAuthProtocol.MsChapV2));
        pair.Start(); // no clock advance: nothing may wait for a restart timer
        Assert.NotNull(pair.ServerEvents.Up.Mppe);
        Assert.NotNull(pair.ClientEvents.Up.Mppe);

        int firstIpcp = pair.ServerSent.FindIndex(f => Open(f).Protocol == PppProtocol.Ipcp);
        int ccpAck = pair.ServerSent.FindIndex(f => Open(f) is { Protocol: PppProtocol.Ccp } o && o.Packet[0] == PppFsmCode.ConfigureAck);
        int clientCcpAck = pair.ClientSent.FindIndex(f => Open(f) is { Protocol: PppProtocol.Ccp } o && o.Packet[0] == PppFsmCode.ConfigureAck);
        int clientIpcp = pair.ClientSent.FindIndex(f => Open(f).Protocol == PppProtocol.Ipcp);
        Assert.True(ccpAck >= 0 && clientCcpAck >= 0 && firstIpcp > ccpAck, $"server IPCP at {firstIpcp}, its CCP Configure-Ack at {ccpAck}");
        Assert.True(clientIpcp >= 0 && clientIpcp < clientCcpAck, "the client opens IPCP early (the case the server must answer later)");
        Assert.Contains("mppe required: IPCP waits for CCP", pair.ServerEvents.Logs);
        Assert.Contains("CCP up with MPPE: starting IPCP", pair.ServerEvents.Logs);
    }

    [Fact]
    public void OptionalMppeAgainstAClientThatWillNotEncryptComesUpClear()
    {
        using var pair = new SessionPair(
            ServerOptions(NewPool(), Policy(AllStrengths), PppAuthProtocol.MsChapV2),
            ClientOptions(mppe: null, null, PppAuthProtocol.MsChapV2));
        pair.Start();
        Assert.Null(pair.ServerEvents.Up.Mppe);
    }

    [Fact]
    public void StatelessPreferenceMeetsStatefulOnlyClientAndSettlesOnOneMode()
    {
        using var pair = new SessionPair(
            ServerOptions(NewPool(), Policy(AllStrengths, stateless: true), PppAuthProtocol.MsChapV2),
            ClientOptions(Policy(MppeSupportedBits.Encryption128Bit, stateless: false), null, PppAuthProtocol.MsChapV2));
        pair.Start();
        MppeSessionKeys server = pair.ServerEvents.Up.Mppe!;
        MppeSessionKeys client = pair.ClientEvents.Up.Mppe!;
        Assert.Equal(MppeKeyStrength.Bits128, server.Strength);
        Assert.Equal(server.Stateless, client.Stateless);
    }

    [Fact]
    public void WrongMsChapV2PasswordIsRetriedWithANewChallengeThenSucceeds()
    {
        using var pair = new SessionPair(
            ServerOptions(NewPool(), Policy(AllStrengths), PppAuthProtocol.MsChapV2),
            ClientOptions(Policy(AllStrengths), new PppClientCredentials(User, "wrong", n => Password), PppAuthProtocol.MsChapV2));
        pair.Start();
        PppAuthOutcome failure = Assert.Single(pair.ServerEvents.Failed);
        Assert.False(failure.IsFinal);
        Assert.NotNull(pair.ServerEvents.Up.Mppe);

        // The Failure carried E=691 R=1, a new 32-digit challenge and V=3; the retry answered that challenge.
        byte[] failurePacket = PacketsOf(pair.ServerSent, PppProtocol.Chap).Single(p => p[0] == 4);
        string text = System.Text.Encoding.ASCII.GetString(failurePacket, 4, failurePacket.Length - 4);
        Assert.Matches("^E=691 R=1 C=[0-9A-F]{32} V=3 M=", text);
        byte[][] responses = PacketsOf(pair.ClientSent, PppProtocol.Chap).Where(p => p[0] == 2).ToArray();
        Assert.Equal(2, responses.Length);
        Assert.Equal((byte)(responses[0][1] + 1), responses[1][1]);
    }

    [Fact]
    public void WrongMsChapV2PasswordFailsAfterTheRetryLimit()
    {
        var pool = NewPool();
        using var pair = new SessionPair(
            ServerOptions(pool, Policy(AllStrengths), PppAuthProtocol.MsChapV2),
            ClientOptions(Policy(AllStrengths), new PppClientCredentials(User, "wrong", n => "still wrong"), PppAuthProtocol.MsChapV2));
        pair.Start();
        pair.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(3, pair.ServerEvents.Failed.Count);
        Assert.True(pair.ServerEvents.Failed[^1].IsFinal);
        Assert.Empty(pair.ServerEvents.Ups);
        Assert.StartsWith("authentication failed", pair.ServerEvents.Down, StringComparison.Ordinal);
        byte[] last = PacketsOf(pair.ServerSent, PppProtocol.Chap).Last(p => p[0] == 4);
        Assert.Contains("R=0", System.Text.Encoding.ASCII.GetString(last, 4, last.Length - 4), StringComparison.Ordinal);
        Assert.Equal(0, pool.UsedCount);
    }

    [Fact]
    public void WrongMsChapV1PasswordWithoutRetryEndsTheLink()
    {
        using var pair = new SessionPair(
            ServerOptions(NewPool(), Policy(AllStrengths), PppAuthProtocol.MsChapV1),
            ClientOptions(Policy(AllStrengths), new PppClientCredentials(User, "wrong"), PppAuthProtocol.MsChapV1));
        pair.Start();
        pair.Advance(TimeSpan.FromSeconds(4));
        byte[] failure = PacketsOf(pair.ServerSent, PppProtocol.Chap).Single(p => p[0] == 4);
        Assert.Matches("^E=691 R=1 C=[0-9A-F]{16} V=2$", System.Text.Encoding.ASCII.GetString(failure, 4, failure.Length - 4));
        Assert.Empty(pair.ServerEvents.Ups);
        Assert.Single(pair.ServerEvents.Downs);
        Assert.StartsWith("authentication failed", pair.ClientEvents.Down, StringComparison.Ordinal);
    }

    [Fact]
    public void WrongPapPasswordIsNakd()
    {
        using var pair = new SessionPair(
            ServerOptions(NewPool(), null, PppAuthProtocol.Pap),
            ClientOptions(null, new PppClientCredentials(User, "wrong"), PppAuthProtocol.Pap));
        pair.Start();
        pair.Advance(TimeSpan.FromSeconds(4));
        Assert.Contains(PacketsOf(pair.ServerSent, PppProtocol.Pap), p => p[0] == 3);
        Assert.Empty(pair.ServerEvents.Ups);
        Assert.Contains("Authenticate-Nak", pair.ClientEvents.Down, StringComparison.Ordinal);
        Assert.Single(pair.ServerEvents.Downs);
    }

    [Fact]
    public void ServerFallsBackToTheProtocolTheClientSuggests()
    {
        using var pair = new SessionPair(
            ServerOptions(NewPool(), null, PppAuthProtocol.MsChapV2, PppAuthProtocol.Chap, PppAuthProtocol.Pap),
            ClientOptions(null, null, PppAuthProtocol.Pap));
        pair.Start();
        Assert.Equal(PppAuthProtocol.Pap, pair.ServerEvents.Up.AuthenticationProtocol);
        // The client Nak'd C223 81 suggesting C023.
        Assert.Contains(PacketsOf(pair.ClientSent, PppProtocol.Lcp),
            p => p[0] == PppFsmCode.ConfigureNak && p.AsSpan(4).SequenceEqual(new byte[] { 3, 4, 0xC0, 0x23 }));
    }

    [Fact]
    public void NoCommonAuthenticationProtocolFailsLcp()
    {
        var pool = NewPool();
        using var pair = new SessionPair(ServerOptions(pool, null, PppAuthProtocol.MsChapV2), ClientOptions(null, null, PppAuthProtocol.Pap));
        pair.Start();
        pair.Advance(TimeSpan.FromSeconds(10));
        Assert.Empty(pair.ServerEvents.Ups);
        Assert.Contains("no authentication protocol", pair.ServerEvents.Down, StringComparison.Ordinal);
        Assert.Equal(0, pool.UsedCount);
    }

    [Fact]
    public void UnknownProtocolGetsProtocolRejectAndTheLinkStaysUp()
    {
        using var pair = new SessionPair(ServerOptions(NewPool(), Policy(AllStrengths), PppAuthProtocol.MsChapV2),
            ClientOptions(Policy(AllStrengths), null, PppAuthProtocol.MsChapV2));
        pair.Start();
        Assert.True(pair.Server.IsLinkUp);
        int before = pair.ServerSent.Count;

        byte[] ipv6cp = [0x80, 0x57, 0x01, 0x01, 0x00, 0x0E, 0x01, 0x0A, 1, 2, 3, 4, 5, 6, 7, 8];
        pair.Server.Receive(ipv6cp); // ACFC agreed: the client may omit FF 03
        pair.Pump();

        byte[] reject = Assert.Single(pair.ServerSent.Skip(before));
        (ushort protocol, byte[] packet) = Open(reject);
        Assert.Equal(PppProtocol.Lcp, protocol);
        Assert.Equal(0xFF, reject[0]); // LCP is never compressed (RFC 1661 §6.6)
        Assert.Equal(PppFsmCode.ProtocolReject, packet[0]);
        Assert.Equal(ipv6cp, packet[4..]);
        Assert.True(pair.Server.IsLinkUp);
        Assert.True(pair.Client.IsLinkUp);
        Assert.Equal(1, pair.Server.GetSnapshot().ProtocolRejectsSent);
        Assert.Empty(pair.ServerEvents.Downs);
    }

    [Fact]
    public void FramesAfterLcpOpenedHonourAcfcAndPfcExceptLcp()
    {
        using var pair = new SessionPair(ServerOptions(NewPool(), null, PppAuthProtocol.MsChapV2), ClientOptions(null, null, PppAuthProtocol.MsChapV2));
        pair.Start();
        Assert.True(pair.ServerEvents.Up.TransmitAddressControlFieldCompression);
        Assert.True(pair.ServerEvents.Up.TransmitProtocolFieldCompression);
        foreach (byte[] frame in pair.ServerSent)
        {
            (ushort protocol, _) = Open(frame);
            if (protocol == PppProtocol.Lcp)
                Assert.Equal(new byte[] { 0xFF, 0x03, 0xC0, 0x21 }, frame[..4]);
            else
                Assert.NotEqual(0xFF, frame[0]); // CHAP, IPCP and CCP after LCP opened: no FF 03
        }
    }

    [Fact]
    public void DataFramesAreCountedNotProcessed()
    {
        using var pair = new SessionPair(ServerOptions(NewPool(), null, PppAuthProtocol.Pap), ClientOptions(null, null, PppAuthProtocol.Pap));
        pair.Start();
        int before = pair.ServerSent.Count;
        pair.Server.Receive([0x21, 0x45, 0, 0, 20]);
        pair.Server.Receive([0xFF, 0x03, 0x00, 0xFD, 0x90, 0x00]);
        Assert.Equal(2, pair.Server.GetSnapshot().DataFramesReceived);
        Assert.Equal(before, pair.ServerSent.Count);
    }

    [Fact]
    public void CcpResetRequestIsReportedAndAcknowledgedBothWays()
    {
        using var pair = new SessionPair(
            ServerOptions(NewPool(), Policy(AllStrengths, stateless: false), PppAuthProtocol.MsChapV2),
            ClientOptions(Policy(AllStrengths, stateless: false), null, PppAuthProtocol.MsChapV2));
        pair.Start();
        Assert.False(pair.ServerEvents.Up.Mppe!.Stateless);

        Assert.True(pair.Client.SendCcpResetRequest());
        pair.Pump();
        Assert.Equal(1, pair.ServerEvents.ResetRequests);
        Assert.Contains(PacketsOf(pair.ServerSent, PppProtocol.Ccp), p => p[0] == (byte)CcpCode.ResetAck);

        Assert.True(pair.Server.SendCcpResetRequest());
        pair.Pump();
        Assert.Equal(1, pair.ClientEvents.ResetRequests);
        Assert.True(pair.Server.IsLinkUp);
    }

    [Fact]
    public void LostChapChallengeIsRetransmitted()
    {
        using var pair = new SessionPair(ServerOptions(NewPool(), null, PppAuthProtocol.MsChapV2), ClientOptions(null, null, PppAuthProtocol.MsChapV2));
        bool dropped = false;
        pair.ToClientFilter = frame =>
        {
            (ushort protocol, byte[] packet) = Open(frame);
            if (protocol != PppProtocol.Chap || packet[0] != 1 || dropped)
                return true;
            dropped = true;
            return false;
        };
        pair.Start();
        Assert.Empty(pair.ServerEvents.Ups);
        pair.Advance(TimeSpan.FromSeconds(3));
        Assert.True(dropped);
        Assert.Single(pair.ServerEvents.Ups);
        byte[][] challenges = PacketsOf(pair.ServerSent, PppProtocol.Chap).Where(p => p[0] == 1).ToArray();
        Assert.Equal(2, challenges.Length);
        Assert.Equal(challenges[0], challenges[1]); // RFC 1994 §4.1: same Identifier and Value
    }

    [Fact]
    public void UnansweredChallengesEndTheAuthentication()
    {
        using var pair = new SessionPair(ServerOptions(NewPool(), null, PppAuthProtocol.Chap), ClientOptions(null, null, PppAuthProtocol.Chap));
        pair.ToClientFilter = frame => Open(frame) is not (PppProtocol.Chap, _);
        pair.Start();
        pair.Advance(TimeSpan.FromSeconds(40));
        Assert.Contains("no response to the CHAP Challenge", pair.ServerEvents.Down, StringComparison.Ordinal);
        Assert.Equal(10, PacketsOf(pair.ServerSent, PppProtocol.Chap).Count());
    }

    [Fact]
    public void NegotiationTimeoutDropsAStuckPeer()
    {
        var pool = NewPool();
        PppSessionOptions options = ServerOptions(pool, null, PppAuthProtocol.Pap) with { NegotiationTimeout = TimeSpan.FromSeconds(20) };
        using var pair = new SessionPair(options, ClientOptions(null, null, PppAuthProtocol.Pap));
        // The client never sends its Authenticate-Request: the server sits in the authentication phase.
        pair.ToServerFilter = frame => Open(frame) is not (PppProtocol.Pap, _);
        pair.Start();
        Assert.Equal(PppPhase.Authenticate, pair.Server.Phase);
        pair.Advance(TimeSpan.FromSeconds(21));
        Assert.Contains("negotiation not complete after 20 s", pair.ServerEvents.Down, StringComparison.Ordinal);
    }

    [Fact]
    public void LowerLayerDownEndsTheSessionAndReleasesTheAddress()
    {
        var pool = NewPool();
        using var pair = new SessionPair(ServerOptions(pool, null, PppAuthProtocol.Pap), ClientOptions(null, null, PppAuthProtocol.Pap));
        pair.Start();
        Assert.Equal(1, pool.UsedCount);
        int sent = pair.ServerSent.Count;
        pair.Server.LowerLayerDown("call cleared");
        Assert.Equal("call cleared", pair.ServerEvents.Down);
        Assert.Equal(sent, pair.ServerSent.Count); // nothing sent: the lower layer is gone
        Assert.Equal(0, pool.UsedCount);
        Assert.Equal(PppPhase.Dead, pair.Server.Phase);
    }

    [Fact]
    public void PoolExhaustionTerminates()
    {
        var pool = new PptpGw.ControlPlane.Pools.IpLocalPool("tiny", [new PptpGw.ControlPlane.Pools.Ipv4Range(Ip("192.168.1.1"), Ip("192.168.1.1"))]);
        Assert.True(pool.TryAllocate(out _));
        using var pair = new SessionPair(ServerOptions(pool, null, PppAuthProtocol.Pap), ClientOptions(null, null, PppAuthProtocol.Pap));
        pair.Start();
        pair.Advance(TimeSpan.FromSeconds(4));
        Assert.Contains("exhausted", pair.ServerEvents.Down, StringComparison.Ordinal);
        Assert.Equal(1, pool.UsedCount);
    }

    [Fact]
    public void DomainUserAuthenticatesAgainstThePlainEntry()
    {
        using var pair = new SessionPair(ServerOptions(NewPool(), Policy(AllStrengths), PppAuthProtocol.MsChapV2),
            ClientOptions(Policy(AllStrengths), new PppClientCredentials("CORP\\" + User, Password), PppAuthProtocol.MsChapV2));
        pair.Start();
        Assert.Equal("CORP\\" + User, pair.ServerEvents.Up.UserName);
        Assert.Equal(pair.ServerEvents.Up.Mppe!.SendStartKey, pair.ClientEvents.Up.Mppe!.ReceiveStartKey);
    }
}
