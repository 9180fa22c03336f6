namespace PptpGw.ControlPlane.Ppp.Session;

/// <summary>What a session agreed when its link came up (for the gateway: install the dataplane session, 603104).</summary>
/// <param name="UserName">The authenticated name (server) or ours (client); empty without authentication.</param>
/// <param name="AaaServer">Which backend accepted the user (server), or null.</param>
/// <param name="LocalAddress">Our IPCP address.</param>
/// <param name="PeerAddress">The peer's address: the client's (server role), the server's own (client role).</param>
/// <param name="Mppe">Null: no encryption.</param>
/// <param name="PeerMru">The largest PPP Information field the peer accepts.</param>
/// <param name="TransmitAddressControlFieldCompression">The dataplane may omit FF 03 towards the peer (RFC 1661 §6.6).</param>
/// <param name="TransmitProtocolFieldCompression">The dataplane may send 1-octet Protocol fields (RFC 1661 §6.5).</param>
/// <param name="IdleTimeout">The AAA server's Idle-Timeout (RFC 2865 §5.28), or null.</param>
/// <param name="LocalMru">The MRU the peer acknowledged for us: the largest PPP Information it sends (0: not known).</param>
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
    bool TransmitProtocolFieldCompression,
    TimeSpan? IdleTimeout = null,
    ushort LocalMru = 0);
