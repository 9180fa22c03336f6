using System.Collections.Immutable;
using Microsoft.Extensions.Time.Testing;
using PptpGw.ControlPlane.Config;
using PptpGw.ControlPlane.Pools;
using PptpGw.ControlPlane.Ppp;
using PptpGw.ControlPlane.Ppp.Auth;
using PptpGw.ControlPlane.Ppp.Ccp;
using PptpGw.ControlPlane.Ppp.Fsm;
using PptpGw.ControlPlane.Ppp.Ipcp;
using PptpGw.ControlPlane.Ppp.Lcp;
using PptpGw.ControlPlane.Ppp.Session;
using PptpGw.Dataplane.Packets;

namespace PptpGw.Fuzz;

/// <summary>
/// A whole PPP session as the gateway (server) or our dial client runs it, fed frames from the peer: PppFrame, LCP, the
/// authentication phase (PAP, CHAP-MD5, MS-CHAP v1/v2 through PppAuthServer/PppAuthClient and the local user store),
/// IPCP with the address pool, CCP/MPPE. The first octet picks one of four configurations; the rest are frames
/// (FuzzChunks). A 1-octet chunk lets that many seconds pass; the chunk 00 P acks the session's own last
/// Configure-Request of LCP (P=0), IPCP (1) or CCP (2), whose magic number the fuzzer cannot guess.
/// </summary>
public static class PppSessionTargets
{
    public static FuzzTarget Server { get; } = new("ppp-session",
        "PppSession (server): PppFrame, LCP/IPCP/CCP under PppFsm, PppAuthServer (PAP, CHAP, MS-CHAP v1/v2 packets and texts), IpLocalPool",
        input => Run(input, PppRole.Server), () => Seeds(PppRole.Server));

    public static FuzzTarget Client { get; } = new("ppp-client",
        "PppSession (client, `pptpgw dial`): the same layers from the PAC side, PppAuthClient (CHAP challenges, MS-CHAP Success/Failure texts)",
        input => Run(input, PppRole.Client), () => Seeds(PppRole.Client));

    private const string User = "cisco";
    private const string Password = "cisco";
    private static readonly ushort[] ConfigurableProtocols = [PppProtocol.Lcp, PppProtocol.Ipcp, PppProtocol.Ccp];

    public static void Run(ReadOnlySpan<byte> input, PppRole role) => RunToLinkState(input, role);

    /// <summary>Runs the input; true when the link was up (LCP, authentication and IPCP done) after the last frame.</summary>
    public static bool RunToLinkState(ReadOnlySpan<byte> input, PppRole role)
    {
        if (input.IsEmpty)
            return false;
        var time = new FakeTimeProvider();
        var peer = new Peer();
        PppSessionOptions options = role == PppRole.Server ? ServerOptions(input[0]) : ClientOptions(input[0]);
        using var session = new PppSession(options, peer.Sent, Trace.Instance, time, "fuzz");
        session.Start();
        var chunks = new FuzzChunks(input[1..]);
        for (int guard = 0; guard < 256 && chunks.TryNext(out ReadOnlySpan<byte> chunk); guard++)
        {
            if (chunk.Length < 2)
                time.Advance(TimeSpan.FromSeconds(chunk.IsEmpty ? 3 : chunk[0]));
            else if (chunk[0] == 0 && chunk.Length == 2)
                peer.AckLastRequest(session, ConfigurableProtocols[chunk[1] % ConfigurableProtocols.Length]);
            else
                session.Receive(chunk);
        }
        _ = session.Phase;
        bool up = session.IsLinkUp;
        session.LowerLayerDown("fuzz input ended");
        return up;
    }

    private static PppSessionOptions ServerOptions(byte mode)
    {
        var pool = new IpLocalPool("fuzz-pool", [new Ipv4Range(0xC613000A, 0xC613003C)]);
        (ImmutableArray<PppAuthProtocol> auth, MppePolicy? mppe) = Mode(mode);
        return new PppSessionOptions
        {
            Role = PppRole.Server,
            Lcp = new LcpLayerOptions { AuthenticationProtocols = auth },
            Ipcp = new IpcpLayerOptions { LocalAddress = 0xC6130001, PrimaryDns = 0xC6130035, SecondaryDns = 0xC6130036 },
            Mppe = mppe,
            Authenticator = new LocalPppAuthenticator(new VpdnUserCredentialStore([new VpdnUser(User, Password)])),
            Authentication = new PppAuthServerOptions { RequireMppeKeys = mppe is not null && !auth.IsEmpty },
            AddressPool = pool,
        };
    }

    private static PppSessionOptions ClientOptions(byte mode)
    {
        (ImmutableArray<PppAuthProtocol> auth, MppePolicy? mppe) = Mode(mode);
        return new PppSessionOptions
        {
            Role = PppRole.Client,
            Lcp = new LcpLayerOptions { AuthenticationProtocols = auth.IsEmpty ? [PppAuthProtocol.Pap] : auth },
            Ipcp = new IpcpLayerOptions { RequestDns = true },
            Mppe = mppe,
            Credentials = new PppClientCredentials(User, Password),
        };
    }

    /// <summary>
    /// The four configurations: PAP, clear (its recorded conversation replays to an up link: PAP has no challenge);
    /// MS-CHAP v2/v1 with MPPE required; no authentication; CHAP-MD5 or MS-CHAPv2, MPPE-128 stateful optional.
    /// </summary>
    private static (ImmutableArray<PppAuthProtocol>, MppePolicy?) Mode(byte mode) => (mode & 3) switch
    {
        0 => ([PppAuthProtocol.Pap], null),
        1 => ([PppAuthProtocol.MsChapV2, PppAuthProtocol.MsChapV1], new MppePolicy(MppePolicy.StrengthBits, Required: true, PreferStateless: true)),
        2 => ([], null),
        _ => ([PppAuthProtocol.Chap, PppAuthProtocol.MsChapV2], new MppePolicy(MppeSupportedBits.Encryption128Bit, Required: false, PreferStateless: false)),
    };

    /// <summary>With PPTPGW_FUZZ_TRACE=1 the session's log lines go to stderr (to see what an input did); silent otherwise.</summary>
    private sealed class Trace : IPppSessionObserver
    {
        public static readonly IPppSessionObserver? Instance =
            Environment.GetEnvironmentVariable("PPTPGW_FUZZ_TRACE") == "1" ? new Trace() : null;

        public void Log(PppSession session, string message) => Console.Error.WriteLine($"{session.Name}: {message}");
        public void LinkUp(PppSession session, PppLinkResult result) => Console.Error.WriteLine($"{session.Name}: LINK UP {result}");
        public void LinkDown(PppSession session, string reason) => Console.Error.WriteLine($"{session.Name}: LINK DOWN {reason}");
    }

    /// <summary>The other end of the link: keeps what the session sent, to ack its own Configure-Requests on demand.</summary>
    private sealed class Peer
    {
        private readonly Dictionary<ushort, byte[]> _lastRequest = [];
        public List<byte[]> Frames { get; } = [];
        public bool Record { get; init; }

        public void Sent(ReadOnlySpan<byte> frame)
        {
            if (Record)
                Frames.Add(frame.ToArray());
            if (PppFrame.TryParse(frame, out PppFrame ppp) == PppFrameError.None && ppp.Information.Length >= PppControlPacket.HeaderLength
                && ppp.Information[0] == (byte)PppFsmCode.ConfigureRequest)
                _lastRequest[ppp.Protocol] = ppp.Information.ToArray();
        }

        public void AckLastRequest(PppSession session, ushort protocol)
        {
            if (!_lastRequest.TryGetValue(protocol, out byte[]? request))
                return;
            byte[] frame = new byte[4 + request.Length];
            PppFrameWriter.TryWriteHeader(frame, protocol, false, false);
            request.CopyTo(frame, 4);
            frame[4] = (byte)PppFsmCode.ConfigureAck;
            session.Receive(frame);
        }

        /// <summary>For a recorded frame: the chunk that replays it (an ack of the other side's request becomes "00 P").</summary>
        public static byte[] ToChunk(byte[] frame)
        {
            if (PppFrame.TryParse(frame, out PppFrame ppp) == PppFrameError.None && ppp.Information.Length >= PppControlPacket.HeaderLength
                && ppp.Information[0] == (byte)PppFsmCode.ConfigureAck)
            {
                int index = Array.IndexOf(ConfigurableProtocols, ppp.Protocol);
                if (index >= 0)
                    return [0, (byte)index];
            }
            return frame;
        }
    }

    /// <summary>
    /// Seeds: a real conversation per configuration, recorded between a server and a client session of this code base
    /// (what the peer sent to the session under test), with the peer's Configure-Acks turned into "00 P" chunks.
    /// </summary>
    private static IEnumerable<byte[]> Seeds(PppRole role)
    {
        for (byte mode = 0; mode < 4; mode++)
        {
            var time = new FakeTimeProvider();
            var toServer = new Peer { Record = true };
            var toClient = new Peer { Record = true };
            var queue = new Queue<(bool ToServer, byte[] Frame)>();
            using var server = new PppSession(ServerOptions(mode), f => { toClient.Sent(f); queue.Enqueue((false, f.ToArray())); }, null, time, "server");
            using var client = new PppSession(ClientOptions(mode), f => { toServer.Sent(f); queue.Enqueue((true, f.ToArray())); }, null, time, "client");
            server.Start();
            client.Start();
            for (int i = 0; i < 2000 && queue.TryDequeue(out var item); i++)
                (item.ToServer ? server : client).Receive(item.Frame);
            // What the session under test received: for the server, the client's frames.
            List<byte[]> received = role == PppRole.Server ? toServer.Frames : toClient.Frames;
            yield return [mode, .. FuzzChunks.Join(received.Select(Peer.ToChunk))];
        }
        // The reference guide's Windows client LCP Configure-Request and Identification (server side).
        yield return [2, .. FuzzChunks.Join(
            Seed.Hex("ff03c021 01 00 0015 0506447e217e 0702 0802 0d0306 1104064e"),
            Seed.Hex("ff03c0210c020012447e217e4d5352415356352e3030"))];
    }
}
