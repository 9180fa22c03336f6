using System.Collections.Immutable;
using PptpGw.ControlPlane.Config;
using PptpGw.ControlPlane.Pools;
using PptpGw.ControlPlane.Ppp.Auth;
using PptpGw.ControlPlane.Ppp.Ccp;
using PptpGw.ControlPlane.Ppp.Fsm;
using PptpGw.ControlPlane.Ppp.Ipcp;
using PptpGw.ControlPlane.Ppp.Lcp;

namespace PptpGw.ControlPlane.Ppp.Session;

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
            Lcp = group.Mru is { } mru
                ? new LcpLayerOptions { AuthenticationProtocols = protocols, Mru = (ushort)mru }
                : new LcpLayerOptions { AuthenticationProtocols = protocols },
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
