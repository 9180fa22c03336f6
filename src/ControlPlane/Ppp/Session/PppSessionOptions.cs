using System.Collections.Immutable;
using PptpGw.ControlPlane.Config;
using PptpGw.ControlPlane.Pools;
using PptpGw.ControlPlane.Ppp.Auth;
using PptpGw.ControlPlane.Ppp.Ccp;
using PptpGw.ControlPlane.Ppp.Fsm;
using PptpGw.ControlPlane.Ppp.Ipcp;
using PptpGw.ControlPlane.Ppp.Lcp;
using PptpGw.Dataplane.Mppe;

namespace PptpGw.ControlPlane.Ppp.Session;

/// <summary>Receives every PPP frame a session sends (framed: FF 03 unless ACFC, Protocol per PFC). Valid only during the call.</summary>
public delegate void PppFrameSender(ReadOnlySpan<byte> frame);

/// <summary>Everything a <see cref="PppSession"/> needs to know; <see cref="ForServer"/> builds it from the configuration.</summary>
public sealed record PppSessionOptions
{
    public PppRole Role { get; init; } = PppRole.Server;

    /// <summary>LCP: MRU, PFC/ACFC, and the authentication protocols (server: offered; client: accepted).</summary>
    public LcpLayerOptions Lcp { get; init; } = new();

    /// <summary>IPCP: our address, DNS/NBNS (server: offered; client: requested).</summary>
    public IpcpLayerOptions Ipcp { get; init; } = new();

    /// <summary>MPPE in CCP; null: never encrypt (CCP still opens, without options, as on the PIX).</summary>
    public MppePolicy? Mppe { get; init; }

    /// <summary>Server: where proofs are checked.</summary>
    public IPppAuthenticator? Authenticator { get; init; }

    /// <summary>Server: CHAP retransmission and retry limits.</summary>
    public PppAuthServerOptions Authentication { get; init; } = new();

    /// <summary>Client: who we are.</summary>
    public PppClientCredentials? Credentials { get; init; }

    /// <summary>Server: the pool the peer's address comes from (allocated when the network phase starts, released at the end).</summary>
    public IpLocalPool? AddressPool { get; init; }

    /// <summary>Restart timer and counters of every automaton (RFC 1661 §4.6).</summary>
    public PppFsmOptions Fsm { get; init; } = new();

    /// <summary>From <see cref="PppSession.Start"/> to link-up: a peer that has not got there by then is dropped.</summary>
    public TimeSpan NegotiationTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The server options of a vpdn group (<c>vpdn group N ...</c> lines) for one call.</summary>
    public static PppSessionOptions ForServer(GatewayConfig config, VpdnGroupConfig group, IPppAuthenticator authenticator, IpLocalPool? pool)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(authenticator);
        ImmutableArray<PppAuthProtocol> protocols = [.. group.AuthenticationMethods.Select(ToProtocol).Distinct()];
        uint Address(ImmutableArray<System.Net.IPAddress> list, int index) => index < list.Length ? Ipv4.FromIPAddress(list[index]) : 0;
        return new PppSessionOptions
        {
            Role = PppRole.Server,
            Lcp = new LcpLayerOptions { AuthenticationProtocols = protocols },
            Ipcp = new IpcpLayerOptions
            {
                LocalAddress = config.InsideAddress is { } inside ? Ipv4.FromIPAddress(inside) : 0,
                PrimaryDns = Address(group.DnsServers, 0),
                SecondaryDns = Address(group.DnsServers, 1),
                PrimaryNbns = Address(group.WinsServers, 0),
                SecondaryNbns = Address(group.WinsServers, 1),
            },
            Mppe = group.Mppe is null ? null : MppePolicy.FromSettings(group.Mppe),
            Authenticator = authenticator,
            Authentication = new PppAuthServerOptions { RequireMppeKeys = group.Mppe is not null },
            AddressPool = pool,
        };
    }

    /// <summary>The protocol of a <c>ppp authentication</c> keyword.</summary>
    public static PppAuthProtocol ToProtocol(PppAuthenticationMethod method) => method switch
    {
        PppAuthenticationMethod.Pap => PppAuthProtocol.Pap,
        PppAuthenticationMethod.Chap => PppAuthProtocol.Chap,
        PppAuthenticationMethod.MsChapV1 => PppAuthProtocol.MsChapV1,
        PppAuthenticationMethod.MsChapV2 => PppAuthProtocol.MsChapV2,
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, "Not an authentication method."),
    };
}

/// <summary>MPPE as the dataplane needs it: strength, mode and the start keys of each direction (RFC 3079).</summary>
public sealed record MppeSessionKeys(MppeKeyStrength Strength, bool Stateless, byte[] SendStartKey, byte[] ReceiveStartKey)
{
    /// <summary>Keys are secret: never printed.</summary>
    public override string ToString() => $"MppeSessionKeys {{ {(int)Strength}-bit, {(Stateless ? "stateless" : "stateful")} }}";
}

/// <summary>What a session agreed when its link came up (for the gateway: install the dataplane session, 603104).</summary>
/// <param name="UserName">The authenticated name (server) or ours (client); empty without authentication.</param>
/// <param name="AaaServer">Which backend accepted the user (server), or null.</param>
/// <param name="LocalAddress">Our IPCP address.</param>
/// <param name="PeerAddress">The peer's address: the client's (server role), the server's own (client role).</param>
/// <param name="Mppe">Null: no encryption.</param>
/// <param name="PeerMru">The largest PPP Information field the peer accepts.</param>
/// <param name="TransmitAddressControlFieldCompression">The dataplane may omit FF 03 towards the peer (RFC 1661 §6.6).</param>
/// <param name="TransmitProtocolFieldCompression">The dataplane may send 1-octet Protocol fields (RFC 1661 §6.5).</param>
public sealed record PppLinkResult(
    PppRole Role,
    string UserName,
    PppAuthProtocol? AuthenticationProtocol,
    string? AaaServer,
    uint LocalAddress,
    uint PeerAddress,
    uint PrimaryDns,
    uint SecondaryDns,
    uint PrimaryNbns,
    uint SecondaryNbns,
    MppeSessionKeys? Mppe,
    TimeSpan? SessionTimeout,
    ushort PeerMru,
    bool TransmitAddressControlFieldCompression,
    bool TransmitProtocolFieldCompression);

/// <summary>A consistent view of a session for <c>show vpdn</c>.</summary>
public sealed record PppSessionSnapshot(
    PppRole Role,
    PppPhase Phase,
    PppFsmState Lcp,
    PppFsmState Ipcp,
    PppFsmState Ccp,
    bool IsLinkUp,
    string? UserName,
    PppAuthProtocol? AuthenticationProtocol,
    uint PeerAddress,
    MppeKeyStrength? MppeStrength,
    bool? MppeStateless,
    long ControlFramesReceived,
    long DataFramesReceived,
    long FramesDiscarded,
    long ProtocolRejectsSent,
    long CcpResetRequestsReceived,
    string? DownReason);

/// <summary>
/// What a session reports to the gateway. Called under the session lock, on whichever thread delivered the event (a
/// receive, a timer, an AAA completion): no blocking. The defaults do nothing.
/// </summary>
public interface IPppSessionObserver
{
    /// <summary>The network phase completed: IPCP Opened and CCP settled (MPPE on, or off and allowed).</summary>
    void LinkUp(PppSession session, PppLinkResult result) { }

    /// <summary>The session ended (once per session, whether or not the link was ever up).</summary>
    void LinkDown(PppSession session, PppLinkDown down) { }

    /// <summary>A user name arrived and is being checked (PIX 603102 "aaa authentication started").</summary>
    void AuthenticationStarted(PppSession session, string userName) { }

    /// <summary>PIX 603103 "aaa authentication succeed".</summary>
    void AuthenticationSucceeded(PppSession session, PppAuthOutcome outcome) { }

    /// <summary>PIX 603103 "aaa authentication failed" (also for attempts the peer may retry: see <see cref="PppAuthOutcome.IsFinal"/>).</summary>
    void AuthenticationFailed(PppSession session, PppAuthOutcome outcome) { }

    /// <summary>The peer sent a CCP Reset-Request: the dataplane must set the flushed bit on its next packet (RFC 3078 §3.2).</summary>
    void CcpResetRequested(PppSession session) { }

    /// <summary>"debug ppp negotiation" lines.</summary>
    void Log(PppSession session, string message) { }
}
