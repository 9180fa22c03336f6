using System.Text;
using Microsoft.Extensions.Time.Testing;
using PptpGw.ControlPlane.Config;
using PptpGw.ControlPlane.Ppp;
using PptpGw.ControlPlane.Ppp.Auth;
using PptpGw.ControlPlane.Ppp.Chap;
using PptpGw.ControlPlane.Ppp.Fsm;
using PptpGw.ControlPlane.Ppp.Session;
using PptpGw.Dataplane.Packets;
using static PptpGw.Tests.ControlPlane.Ppp.Session.SessionPair;

namespace PptpGw.Tests.ControlPlane.Ppp.Session;

/// <summary>
/// The Windows frames of the reference guide ("PPP rcvd" lines of /work/shared/reference/000_78fc8e2d733fd35b.txt) fed
/// into a server session built from a PIX configuration; its answers are compared with the PIX's ("PPP xmit").
/// The guide truncates long frames with "..."; where it does, the missing octets are filled in consistently with the
/// packet's Length field and the parts shown are kept.
/// </summary>
public sealed class PppSessionReferenceTests
{
    private const string Common = """
        ip address outside 172.18.124.152 255.255.255.0
        ip address inside 10.1.1.1 255.255.255.0
        ip local pool pptp-pool 192.168.1.1-192.168.1.50
        vpdn group 1 accept dialin pptp
        vpdn group 1 client configuration address local pptp-pool
        vpdn group 1 client authentication local
        vpdn username john password cisco
        vpdn enable outside
        sysopt connection permit-pptp
        """;

    /// <summary>One server session, its config and everything it sent.</summary>
    private sealed class LoneServer : IDisposable
    {
        public LoneServer(string groupLines)
        {
            ConfigParseResult parsed = PixConfigParser.Parse(Common + "\n" + groupLines, "test.cfg");
            Assert.NotNull(parsed.Config);
            GatewayConfig config = parsed.Config;
            VpdnGroupConfig group = config.DialinGroup!;
            Pool = config.FindPool("pptp-pool")!.CreatePool();
            var authenticator = new LocalPppAuthenticator(new VpdnUserCredentialStore(config.Users), group.StripDomain);
            Session = new PppSession(PppSessionOptions.ForServer(config, group, authenticator, Pool), frame => Sent.Add(frame.ToArray()),
                Events, Time, "Tnl/Cl 9/9");
        }

        public FakeTimeProvider Time { get; } = new();
        public PptpGw.ControlPlane.Pools.IpLocalPool Pool { get; }
        public PppSession Session { get; }
        public RecordingObserver Events { get; } = new();
        public List<byte[]> Sent { get; } = [];

        /// <summary>Feeds one frame (hex) and returns the control packets (protocol, packet) sent in answer.</summary>
        public List<(ushort Protocol, byte[] Packet)> Feed(string hex)
        {
            int before = Sent.Count;
            Session.Receive(Convert.FromHexString(hex));
            return Sent.Skip(before).Select(Open).ToList();
        }

        public List<(ushort Protocol, byte[] Packet)> Start()
        {
            Session.Start();
            return Sent.Select(Open).ToList();
        }

        public void Dispose() => Session.Dispose();
    }

    private static string Hex(byte[] bytes) => Convert.ToHexString(bytes).ToLowerInvariant();

    private static byte[] Single(List<(ushort Protocol, byte[] Packet)> sent, ushort protocol, byte code) =>
        Assert.Single(sent, p => p.Protocol == protocol && p.Packet[0] == code).Packet;

    /// <summary>Acknowledges exactly what the server asked for (the peer's Configure-Ack, RFC 1661 §5.2).</summary>
    private static string AckOf(ushort protocol, byte[] request)
    {
        byte[] ack = (byte[])request.Clone();
        ack[0] = PppFsmCode.ConfigureAck;
        return Hex(PppTestFrames.Frame(protocol, ack));
    }

    /// <summary>An MS-CHAPv1 Response to <paramref name="challengePacket"/> as Windows builds it (NT response only).</summary>
    private static string MsChapV1Response(byte[] challengePacket, string user, string password)
    {
        Assert.Equal(ChapError.None, ChapPacket.TryParse(challengePacket, out ChapPacket challenge));
        Assert.Equal(8, challenge.Value.Length); // RFC 2433 §5.1, as the PIX's "08 f3686cc47e37ce67"
        byte[] nt = new byte[24];
        MsChapV1.NtChallengeResponse(challenge.Value, password, nt);
        byte[] value = new byte[49];
        PptpGw.ControlPlane.Ppp.Chap.MsChapV1Response.TryWrite(value, new byte[24], nt, useNtResponse: true);
        byte[] name = Encoding.ASCII.GetBytes(user);
        byte[] packet = new byte[ChapPacket.GetChallengeOrResponseLength(49, name.Length)];
        Assert.True(ChapPacket.TryWriteResponse(packet, challenge.Identifier, value, name, out _));
        return Hex(PppTestFrames.Frame(PppProtocol.Chap, packet));
    }

    /// <summary>The second trace of the guide: Windows 2000, MS-CHAP, "ppp encryption mppe 40".</summary>
    [Fact]
    public void WindowsMsChapWith40BitMppeGetsThePixAnswers()
    {
        using var server = new LoneServer("""
            vpdn group 1 ppp authentication mschap
            vpdn group 1 ppp encryption mppe 40
            """);

        // Our Configure-Request: MS-CHAP (C223 80) as the PIX's "0305c22380", a Magic-Number, PFC and ACFC, plus our MRU.
        byte[] ourLcp = Single(server.Start(), PppProtocol.Lcp, PppFsmCode.ConfigureRequest);
        string ourOptions = Hex(ourLcp[4..]);
        Assert.StartsWith("01040578", ourOptions, StringComparison.Ordinal);
        Assert.Contains("0305c22380", ourOptions, StringComparison.Ordinal);
        Assert.EndsWith("07020802", ourOptions, StringComparison.Ordinal);

        // PPP rcvd ff03c0210100002c0506447e217e070208020d030611...: Magic, PFC, ACFC, Callback (CBCP), MRRU, Endpoint
        // Discriminator (class 1, 20 octets; the guide shows "01beb613cb").
        const string endpoint = "131701beb613cb" + "00112233445566778899aabbccddeeff";
        var sent = server.Feed("ff03c0210100002c0506447e217e070208020d03061104064e" + endpoint);
        // PPP xmit ff03c021040000220d03061104064e131701beb613cb...: Callback, MRRU and Endpoint Discriminator rejected verbatim.
        byte[] reject = Single(sent, PppProtocol.Lcp, PppFsmCode.ConfigureReject);
        Assert.Equal("040000220d03061104064e" + endpoint, Hex(reject));

        Assert.Empty(server.Feed(AckOf(PppProtocol.Lcp, ourLcp)));
        // PPP rcvd ff03c0210101000e0506447e217e07020802 -> PPP xmit ff03c0210201000e0506447e217e07020802 (identical).
        sent = server.Feed("ff03c0210101000e0506447e217e07020802");
        Assert.Equal("ff03c0210201000e0506447e217e07020802", Hex(server.Sent[^2]));
        // Then the MS-CHAP Challenge: 8 octets (PIX: c2230101000d08f3686cc47e37ce67), without FF 03 now that ACFC is agreed.
        byte[] challenge = Single(sent, PppProtocol.Chap, (byte)ChapCode.Challenge);
        Assert.Equal(0xC2, server.Sent[^1][0]);

        // Windows' Identification packets (RFC 1570) are logged, never answered.
        Assert.Empty(server.Feed("ff03c0210c020012447e217e4d5352415356352e3030"));
        Assert.Contains(server.Events.Logs, l => l.Contains("MSRASV5.00", StringComparison.Ordinal));

        // The Response for john/cisco -> Success with an empty message, as the PIX's "c22303010004".
        sent = server.Feed(MsChapV1Response(challenge, "john", "cisco"));
        byte[] success = Single(sent, PppProtocol.Chap, (byte)ChapCode.Success);
        Assert.Equal(new byte[] { 3, challenge[1], 0, 4 }, success);
        Assert.Equal(["john"], server.Events.Started);
        // Entering the network phase we ask for our address (the inside one) and for 40-bit stateless MPPE, as the PIX
        // did: PPP xmit ff0380fd0101000a120601000020.
        Assert.Equal("0101000a03060a010101", Hex(Single(sent, PppProtocol.Ipcp, PppFsmCode.ConfigureRequest)));
        byte[] ourCcp = Single(sent, PppProtocol.Ccp, PppFsmCode.ConfigureRequest);
        Assert.Equal("0101000a120601000020", Hex(ourCcp));

        // PPP rcvd ff0380fd0104000a120601000001 (H + MPPC) -> PPP xmit ff0380fd0304000a120601000020 (H + 40-bit).
        sent = server.Feed("ff0380fd0104000a120601000001");
        Assert.Equal("0304000a120601000020", Hex(Single(sent, PppProtocol.Ccp, PppFsmCode.ConfigureNak)));

        // PPP rcvd ff038021010500220306000000008106000000008206... (address and the four RFC 1877 servers, none configured)
        // -> PPP xmit ff0380210405001c8106000000008206000000008306...
        sent = server.Feed("ff03802101050022" + "030600000000" + "810600000000" + "820600000000" + "830600000000" + "840600000000");
        Assert.Equal("0405001c" + "810600000000" + "820600000000" + "830600000000" + "840600000000",
            Hex(Single(sent, PppProtocol.Ipcp, PppFsmCode.ConfigureReject)));

        // PPP rcvd ff0380fd0201000a120601000020 (our request acknowledged), ff0380fd0106000a120601000020 -> PPP xmit ff0380fd0206000a120601000020.
        Assert.Empty(server.Feed("ff0380fd0201000a120601000020"));
        sent = server.Feed("ff0380fd0106000a120601000020");
        Assert.Equal("0206000a120601000020", Hex(Single(sent, PppProtocol.Ccp, PppFsmCode.ConfigureAck)));

        // IPCP: our request acknowledged; PPP rcvd ff0380210107000a030600000000 -> PPP xmit ff0380210307000a0306c0a80101.
        Assert.Empty(server.Feed(AckOf(PppProtocol.Ipcp, Convert.FromHexString("0101000a03060a010101"))));
        sent = server.Feed("ff0380210107000a030600000000");
        Assert.Equal("0307000a0306c0a80101", Hex(Single(sent, PppProtocol.Ipcp, PppFsmCode.ConfigureNak)));
        // PPP rcvd ff0380210109000a0306c0a80101 -> PPP xmit ff0380210209000a0306c0a80101, and the link is up.
        sent = server.Feed("ff0380210109000a0306c0a80101");
        Assert.Equal("0209000a0306c0a80101", Hex(Single(sent, PppProtocol.Ipcp, PppFsmCode.ConfigureAck)));

        PppLinkResult up = server.Events.Up;
        Assert.Equal("john", up.UserName);
        Assert.Equal(Ip("192.168.1.1"), up.PeerAddress);
        Assert.Equal(PptpGw.Dataplane.Mppe.MppeKeyStrength.Bits40, up.Mppe!.Strength);
        Assert.True(up.Mppe.Stateless);
        // RFC 3079 §2.1: the 40-bit MS-CHAPv1 start key is the LM hash's first 8 octets, for both directions.
        byte[] lm = new byte[16];
        PasswordHashes.LmPasswordHash("cisco", lm);
        Assert.Equal(lm[..8], up.Mppe.SendStartKey);
        Assert.Equal(lm[..8], up.Mppe.ReceiveStartKey);
    }

    /// <summary>The first trace: Windows 9x, "ppp authentication pap / chap / mschap", no encryption.</summary>
    [Fact]
    public void Windows9xWithoutEncryptionGetsThePixAnswers()
    {
        using var server = new LoneServer("""
            vpdn group 1 ppp authentication pap
            vpdn group 1 ppp authentication chap
            vpdn group 1 ppp authentication mschap
            """);
        byte[] ourLcp = Single(server.Start(), PppProtocol.Lcp, PppFsmCode.ConfigureRequest);
        // The strongest configured protocol first, as the PIX asked "0305c22380" although pap is the first line.
        Assert.Contains("0305c22380", Hex(ourLcp), StringComparison.Ordinal);

        // PPP rcvd ff03c021010100170206000a00000506001137210702...: ACCM, Magic, PFC, ACFC, Callback. The PIX rejected
        // "0206000a0000 0d0306"; we acknowledge the ACCM (meaningless but harmless on PPTP) and reject only the Callback.
        var sent = server.Feed("ff03c02101010017" + "0206000a0000" + "050600113721" + "0702" + "0802" + "0d0306");
        Assert.Equal("040100070d0306", Hex(Single(sent, PppProtocol.Lcp, PppFsmCode.ConfigureReject)));
        sent = server.Feed("ff03c0210102000e05060011372107020802");
        Assert.Equal("0202000e05060011372107020802", Hex(Single(sent, PppProtocol.Lcp, PppFsmCode.ConfigureAck)));
        sent = server.Feed(AckOf(PppProtocol.Lcp, ourLcp));
        byte[] challenge = Single(sent, PppProtocol.Chap, (byte)ChapCode.Challenge);
        sent = server.Feed(MsChapV1Response(challenge, "john", "cisco"));

        // Without MPPE configured our CCP request is empty (PIX: ff0380fd01010004).
        Assert.Equal("01010004", Hex(Single(sent, PppProtocol.Ccp, PppFsmCode.ConfigureRequest)));

        // PPP rcvd ff038021010100280206002d0f010306000000008106...: VJ compression, address, four RFC 1877 servers
        // -> PPP xmit ff038021040100220206002d0f018106000000008206...: VJ and the servers rejected.
        sent = server.Feed("ff03802101010028" + "0206002d0f01" + "030600000000" + "810600000000" + "820600000000" + "830600000000" + "840600000000");
        Assert.Equal("04010022" + "0206002d0f01" + "810600000000" + "820600000000" + "830600000000" + "840600000000",
            Hex(Single(sent, PppProtocol.Ipcp, PppFsmCode.ConfigureReject)));

        // PPP rcvd ff0380fd0101000f1206010000011105000104 (MPPE/MPPC + Stac LZS) -> PPP xmit ff0380fd0401000f1206010000011105000104.
        sent = server.Feed("ff0380fd0101000f1206010000011105000104");
        Assert.Equal("0401000f1206010000011105000104", Hex(Single(sent, PppProtocol.Ccp, PppFsmCode.ConfigureReject)));
        // PPP rcvd ff0380fd02010004 (our empty request acknowledged), ff0380fd01020004 -> PPP xmit ff0380fd02020004.
        Assert.Empty(server.Feed("ff0380fd02010004"));
        sent = server.Feed("ff0380fd01020004");
        Assert.Equal("02020004", Hex(Single(sent, PppProtocol.Ccp, PppFsmCode.ConfigureAck)));

        // IPCP to the end; the link comes up unencrypted.
        Assert.Empty(server.Feed(AckOf(PppProtocol.Ipcp, Convert.FromHexString("0101000a03060a010101"))));
        sent = server.Feed("ff0380210103000a030600000000");
        Assert.Equal("0303000a0306c0a80101", Hex(Single(sent, PppProtocol.Ipcp, PppFsmCode.ConfigureNak)));
        server.Feed("ff0380210104000a0306c0a80101");
        Assert.Null(server.Events.Up.Mppe);

        // PPP rcvd ff0380fd05030004 (CCP Terminate-Request) -> PPP xmit ff0380fd06030004; with no MPPE the link stays up.
        sent = server.Feed("ff0380fd05030004");
        Assert.Equal("06030004", Hex(Single(sent, PppProtocol.Ccp, PppFsmCode.TerminateAck)));
        Assert.True(server.Session.IsLinkUp);
        Assert.Empty(server.Events.Downs);
    }

    [Fact]
    public void EchoRequestIsAnsweredWithOurMagic()
    {
        using var server = new LoneServer("vpdn group 1 ppp authentication mschap");
        byte[] ourLcp = Single(server.Start(), PppProtocol.Lcp, PppFsmCode.ConfigureRequest);
        server.Feed(AckOf(PppProtocol.Lcp, ourLcp));
        server.Feed("ff03c0210101000a0506447e217e");
        Assert.Equal(PppFsmState.Opened, server.Session.GetSnapshot().Lcp);

        var sent = server.Feed("ff03c0210907000c447e217e" + "cafebabe");
        byte[] reply = Single(sent, PppProtocol.Lcp, PppFsmCode.EchoReply);
        int magicAt = Hex(ourLcp).IndexOf("0506", 8, StringComparison.Ordinal) / 2 + 2;
        Assert.Equal(ourLcp[magicAt..(magicAt + 4)], reply[4..8]);
        Assert.Equal(7, reply[1]);
        Assert.Equal("cafebabe", Hex(reply[8..]));
    }

    [Fact]
    public void OurOwnMagicNumberIsNakdWithAnotherValue()
    {
        using var server = new LoneServer("vpdn group 1 ppp authentication mschap");
        byte[] ourLcp = Single(server.Start(), PppProtocol.Lcp, PppFsmCode.ConfigureRequest);
        // A looped-back link: our own request comes back as the peer's (RFC 1661 §6.4).
        byte[] looped = (byte[])ourLcp.Clone();
        looped[1] = 0x42;
        // Drop the Authentication-Protocol (a client asking us to authenticate would be rejected first).
        string options = Hex(looped[4..]).Replace("0305c22380", "", StringComparison.Ordinal);
        byte[] request = Convert.FromHexString("0142" + (4 + options.Length / 2).ToString("x4") + options);
        var sent = server.Feed(Hex(PppTestFrames.Frame(PppProtocol.Lcp, request)));
        byte[] nak = Single(sent, PppProtocol.Lcp, PppFsmCode.ConfigureNak);
        Assert.Equal(5, nak[4]);
        Assert.NotEqual(request.AsSpan(4 + options.IndexOf("0506", StringComparison.Ordinal) / 2 + 2, 4).ToArray(), nak[6..10]);
    }

    [Fact]
    public void ConfigurationMapsOntoSessionOptions()
    {
        ConfigParseResult parsed = PixConfigParser.Parse(Common + """

            vpdn group 1 ppp authentication pap
            vpdn group 1 ppp authentication mschapv2
            vpdn group 1 ppp encryption mppe auto required
            vpdn group 1 client configuration dns 10.1.1.53 10.1.1.54
            vpdn group 1 client configuration wins 10.1.1.60
            """, "t.cfg");
        GatewayConfig config = parsed.Config!;
        PppSessionOptions options = PppSessionOptions.ForServer(config, config.DialinGroup!, LocalUsers(), null);
        Assert.Equal(new[] { PppAuthProtocol.Pap, PppAuthProtocol.MsChapV2 }, options.Lcp.AuthenticationProtocols.ToArray());
        Assert.Equal(Ip("10.1.1.1"), options.Ipcp.LocalAddress);
        Assert.Equal(Ip("10.1.1.54"), options.Ipcp.SecondaryDns);
        Assert.Equal(Ip("10.1.1.60"), options.Ipcp.PrimaryNbns);
        Assert.Equal(0u, options.Ipcp.SecondaryNbns);
        Assert.True(options.Mppe!.Required);
        Assert.Equal(PptpGw.ControlPlane.Ppp.Ccp.MppePolicy.StrengthBits, options.Mppe.AllowedStrengths);
        Assert.True(options.Authentication.RequireMppeKeys);
    }

    [Fact]
    public void AnIpcpRequestAnsweredWithTerminateAckIsResentWhenThePeersIpcpStarts()
    {
        // pppd with require-mppe opens IPCP only after CCP: it answers our first IPCP request with Terminate-Ack and sends
        // its own request later. Ours goes again right then instead of after the 3 s restart timer.
        using var server = new LoneServer("""
            vpdn group 1 ppp authentication mschap
            vpdn group 1 ppp encryption mppe 40
            """);
        byte[] ourLcp = Single(server.Start(), PppProtocol.Lcp, PppFsmCode.ConfigureRequest);
        server.Feed(AckOf(PppProtocol.Lcp, ourLcp));
        var sent = server.Feed("ff03c0210101000e0506447e217e07020802");
        byte[] challenge = Single(sent, PppProtocol.Chap, (byte)ChapCode.Challenge);
        sent = server.Feed(MsChapV1Response(challenge, "john", "cisco"));
        byte[] firstIpcp = Single(sent, PppProtocol.Ipcp, PppFsmCode.ConfigureRequest);

        // IPCP Terminate-Ack with the Identifier of our request: nothing to answer, nothing resent yet.
        Assert.Empty(server.Feed(Hex(PppTestFrames.Frame(PppProtocol.Ipcp, [PppFsmCode.TerminateAck, firstIpcp[1], 0, 4]))));

        // The peer's IPCP request (address 0.0.0.0): our request again, with a new Identifier, and the Nak of the address.
        sent = server.Feed("ff038021010100 0a0306 00000000".Replace(" ", "", StringComparison.Ordinal));
        byte[] again = Single(sent, PppProtocol.Ipcp, PppFsmCode.ConfigureRequest);
        Assert.NotEqual(firstIpcp[1], again[1]);
        Assert.Equal(Hex(firstIpcp[2..]), Hex(again[2..]));
        Assert.Equal("030100 0a0306 c0a80101".Replace(" ", "", StringComparison.Ordinal),
            Hex(Single(sent, PppProtocol.Ipcp, PppFsmCode.ConfigureNak)));
    }
}
