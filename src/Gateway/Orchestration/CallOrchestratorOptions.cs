using PptpGw.ControlPlane.Config;
using PptpGw.ControlPlane.Pools;
using PptpGw.ControlPlane.Ppp.Auth;
using PptpGw.Gateway.Aaa;

namespace PptpGw.Gateway.Orchestration;

/// <summary>Settings of a <see cref="CallOrchestrator"/>.</summary>
public sealed record CallOrchestratorOptions
{
    /// <summary>The validated configuration.</summary>
    public required GatewayConfig Config { get; init; }

    /// <summary>The vpdn group accepting PPTP dial-in (<see cref="GatewayConfig.DialinGroup"/>).</summary>
    public required VpdnGroupConfig Group { get; init; }

    /// <summary>Where PPP proofs are checked (chosen by the group's <c>client authentication</c>).</summary>
    public required IPppAuthenticator Authenticator { get; init; }

    /// <summary>The group's <c>client configuration address local</c> pool, or null (AAA Framed-IP-Address only).</summary>
    public IpLocalPool? Pool { get; init; }

    /// <summary>Packet Recv. Window Size we announce in the Outgoing-Call-Reply (the listener's connection options say the same).</summary>
    public ushort ReceiveWindowSize { get; init; } = 64;

    /// <summary>
    /// PPP starts when the peer's first PPP frame arrives (RFC 2637 §2.8: the PAC begins once it has the Outgoing-Call-Reply)
    /// or, if the peer stays silent, after this delay, so our first LCP Configure-Request does not overtake the reply.
    /// </summary>
    public TimeSpan PppStartDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Name of the interface PPTP arrives on, for <c>show vpdn</c> ("outside").</summary>
    public string InterfaceName { get; init; } = "outside";

    /// <summary>How long an admin <c>clear vpdn tunnel</c> waits for the tunnel to close before answering.</summary>
    public TimeSpan AdminClearWait { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a finished call's dataplane session lingers before it is removed, so the frames PPP queued last (the
    /// Terminate-Ack of RFC 1661 §5.5 above all) leave before the session does; zero removes it at once.
    /// </summary>
    public TimeSpan DataplaneCloseDelay { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>RADIUS/TACACS+ per call (authenticator, accounting, Session-Timeout); null: <see cref="Authenticator"/> only.</summary>
    public GatewayAaa? Aaa { get; init; }

    /// <summary>Where call setups and authentication requests are counted (<c>gateway metrics</c>); null: off.</summary>
    public Metrics.GatewayMetrics? Metrics { get; init; }

    /// <summary>Text of <c>show version</c>.</summary>
    public string Version { get; init; } = "pptpgw";
}
