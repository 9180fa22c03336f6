using System.Collections.Immutable;
using Microsoft.Extensions.Time.Testing;
using PptpGw.ControlPlane.Ppp;
using PptpGw.ControlPlane.Ppp.Ccp;
using PptpGw.ControlPlane.Ppp.Fsm;
using PptpGw.ControlPlane.Ppp.Ipcp;
using PptpGw.ControlPlane.Ppp.Lcp;
using PptpGw.ControlPlane.Ppp.Session;
using PptpGw.Dataplane.Packets;

namespace PptpGw.Fuzz;

/// <summary>
/// The option lists of LCP (RFC 1661 §6, RFC 1570), IPCP (RFC 1332, RFC 1877) and CCP/MPPE (RFC 1962, RFC 3078) as their
/// layers judge them, under the real RFC 1661 automaton (PppFsm), for a gateway-side (server) and a client-side layer:
/// each chunk is one control packet (Code, Identifier, then the data: the harness writes the Length), so Configure-Request
/// (judged: Ack/Nak/Reject built), -Ack/-Nak/-Reject, Terminate, Code-Reject and the extended codes (LCP Echo, Discard,
/// Identification, Time-Remaining; CCP Reset) all reach the layer in the order the automaton allows. A 1-octet chunk lets
/// that many seconds pass (Restart timer); the chunk FF 00 acks the layer's own last Configure-Request. Every option of a
/// packet is also decoded on its own (the type's TryDecode and its accessors).
/// </summary>
public static class PppOptionTargets
{
    private static readonly ImmutableArray<PppAuthProtocol> AllAuth =
        [PppAuthProtocol.MsChapV2, PppAuthProtocol.MsChapV1, PppAuthProtocol.Chap, PppAuthProtocol.Pap];

    public static FuzzTarget Lcp { get; } = new("lcp",
        "ConfigurationOptionReader, LcpOption.TryDecode, LcpLayer Judge/Nak/Reject/Ack/extended codes (LcpPackets), both roles",
        input => Run(input, role => new LcpLayer(role, new LcpLayerOptions { AuthenticationProtocols = AllAuth }, NoEvents.Instance), DecodeLcp),
        () => Seeds(PppProtocol.Lcp, LcpSeeds()));

    public static FuzzTarget Ipcp { get; } = new("ipcp",
        "ConfigurationOptionReader, IpcpOption.TryDecode, IpcpLayer Judge/Nak/Reject/Ack, both roles",
        input => Run(input, role => new IpcpLayer(role, role == PppRole.Server
            ? new IpcpLayerOptions { LocalAddress = 0xC6130001, PrimaryDns = 0xC6130035, SecondaryDns = 0xC6130036, PrimaryNbns = 0xC6130037 }
            : new IpcpLayerOptions { RequestDns = true, RequestNbns = true }, NoEvents.Instance), DecodeIpcp),
        () => Seeds(PppProtocol.Ipcp, IpcpSeeds()));

    public static FuzzTarget Ccp { get; } = new("ccp",
        "ConfigurationOptionReader, CcpOption.TryDecode, CcpLayer Judge/Nak/Reject/Ack/Reset (MPPE 40/56/128, stateless/stateful, required)",
        input => Run(input, role => new CcpLayer(new MppePolicy(MppePolicy.StrengthBits, Required: role == PppRole.Server, PreferStateless: role == PppRole.Client),
            NoEvents.Instance), DecodeCcp),
        () => Seeds(PppProtocol.Ccp, CcpSeeds()));

    private delegate void Decode(ConfigurationOption option);

    private static void Run(ReadOnlySpan<byte> input, Func<PppRole, IPppFsmLayer> create, Decode decode)
    {
        var time = new FakeTimeProvider();
        Automaton[] automata = [new(create(PppRole.Server), time), new(create(PppRole.Client), time)];
        byte[] packet = new byte[ushort.MaxValue];
        var chunks = new FuzzChunks(input);
        for (int guard = 0; guard < 256 && chunks.TryNext(out ReadOnlySpan<byte> chunk); guard++)
        {
            if (chunk.Length < 2)
            {
                time.Advance(TimeSpan.FromSeconds(chunk.IsEmpty ? 3 : chunk[0]));
                continue;
            }
            ReadOnlySpan<byte> data = chunk[2..];
            var reader = new PptpGw.ControlPlane.Ppp.ConfigurationOptionReader(data);
            while (!reader.End && reader.TryReadNext(out ConfigurationOption option) == ConfigurationOptionError.None)
                decode(option);
            PptpGw.ControlPlane.Ppp.ConfigurationOptionReader.Validate(data, out _);
            foreach (Automaton a in automata)
            {
                if (chunk[0] == 0xFF)
                {
                    // The peer's Configure-Ack echoes our request (RFC 1661 §5.2), whose magic number is random.
                    if (a.LastRequest is { Length: >= PppControlPacket.HeaderLength } last)
                    {
                        byte[] ack = [.. last];
                        ack[0] = (byte)PppFsmCode.ConfigureAck;
                        a.Fsm.ReceivePacket(ack);
                    }
                    continue;
                }
                int length = PppControlPacket.HeaderLength + data.Length;
                packet[0] = chunk[0];
                packet[1] = chunk[1];
                packet[2] = (byte)(length >> 8);
                packet[3] = (byte)length;
                data.CopyTo(packet.AsSpan(PppControlPacket.HeaderLength));
                a.Fsm.ReceivePacket(packet.AsSpan(0, length));
            }
        }
        foreach (Automaton a in automata)
            a.Fsm.Dispose();
    }

    /// <summary>A layer under the real automaton, remembering the last Configure-Request it sent.</summary>
    private sealed class Automaton
    {
        public Automaton(IPppFsmLayer layer, TimeProvider time)
        {
            Fsm = new PppFsm("fuzz", layer, p =>
            {
                if (p.Length > 0 && p[0] == (byte)PppFsmCode.ConfigureRequest)
                    LastRequest = p.ToArray();
            }, time);
            if (layer is CcpLayer ccp)
                ccp.Fsm = Fsm;
            Fsm.Up();
            Fsm.Open();
        }

        public PppFsm Fsm { get; }
        public byte[]? LastRequest { get; private set; }
    }

    private static void DecodeLcp(ConfigurationOption option)
    {
        if (LcpOption.TryDecode(option, out LcpOption o) != LcpOptionError.None)
            return;
        _ = o.IsKnown;
        _ = o.MaximumReceiveUnit + o.AsyncControlCharacterMap + o.AuthenticationProtocol + (int)o.ChapAlgorithm + o.QualityProtocol
            + o.MagicNumber + (int)o.CallbackOperation + o.MultilinkMrru;
        _ = o.AuthenticationData.Length + o.QualityData.Length + o.CallbackMessage.Length;
        if (o.Type == LcpOptionType.AuthenticationProtocol)
            PppAuthProtocolOption.TryParse(option.Data, out _);
    }

    private static void DecodeIpcp(ConfigurationOption option)
    {
        if (IpcpOption.TryDecode(option, out IpcpOption o) != IpcpOptionError.None)
            return;
        _ = o.IsKnown;
        _ = o.IsAddress;
        _ = o.Address + o.CompressionProtocol + o.CompressionData.Length;
    }

    private static void DecodeCcp(ConfigurationOption option)
    {
        if (CcpOption.TryDecode(option, out CcpOption o) != CcpOptionError.None)
            return;
        _ = o.IsKnown;
        _ = (uint)o.SupportedBits + o.LzsHistoryCount + o.LzsCheckMode;
    }

    /// <summary>Seeds: each option list as a Configure-Request, -Nak and -Reject, each followed by an Ack of the layer's own request.</summary>
    private static IEnumerable<byte[]> Seeds(ushort protocol, IEnumerable<byte[]> optionLists)
    {
        _ = protocol;
        var all = new List<byte[]>();
        foreach (byte[] options in optionLists)
        {
            foreach (byte code in (byte[])[1, 3, 4])
            {
                byte[] chunk = [code, 1, .. options];
                all.Add(chunk);
                yield return FuzzChunks.Join(chunk, [0xFF, 0]);
            }
        }
        all.Add([0xFF, 0]);
        all.Add([9, 7, 0, 0, 0, 0]); // Echo-Request
        all.Add([5]);                // 5 s pass
        yield return FuzzChunks.Join(all);
    }

    // The options of the reference guide's frames (after FF 03, the protocol and the 4-octet packet header).
    private static IEnumerable<byte[]> LcpSeeds()
    {
        yield return Seed.Hex("0305c22380 05065a899b23 0702 0802");                 // PIX ConfReq: CHAP MS-v1, magic, PFC, ACFC
        yield return Seed.Hex("0506447e217e 0702 0802 0d0306 1104064e");              // Windows ConfReq: magic, PFC, ACFC, callback, MRRU
        yield return Seed.Hex("0104057c 020600000000 0305c22381 05065a899b23 0702 0802"); // MRU, ACCM, MS-CHAPv2
        yield return Seed.Hex("0304c023 0305c22305 0d0306 1304");                     // PAP, CHAP-MD5, callback, short
        yield return Seed.Hex("0408c0250000ffff 130701beb613cb");                     // LQR, endpoint discriminator
    }

    private static IEnumerable<byte[]> IpcpSeeds()
    {
        yield return Seed.Hex("0306ac127c98");                                        // guide: address 172.18.124.152
        yield return Seed.Hex("0306c0a80101");
        yield return Seed.Hex("0206002d0f01 030600000000 810600000000 820600000000 830600000000 840600000000"); // VJ, addr, DNS/NBNS
        yield return Seed.Hex("8106000000008206000000008306000000008406c6130001");
        yield return Seed.Hex("0206002d");
    }

    private static IEnumerable<byte[]> CcpSeeds()
    {
        yield return Seed.Hex("120601000020");                                        // guide: MPPE 40-bit stateless... +H
        yield return Seed.Hex("120601000040");                                        // 128-bit stateless
        yield return Seed.Hex("1206000000e0");                                        // all strengths, stateful
        yield return Seed.Hex("120601000060 1105000101");                             // MPPE + Stac LZS
    }

    private sealed class NoEvents : IPppLayerEvents
    {
        public static readonly NoEvents Instance = new();
    }
}
