using System.Collections.Immutable;
using System.Security.Cryptography;

namespace PptpGw.ControlPlane.Ppp.Lcp;

/// <summary>What our LCP asks for and accepts.</summary>
public sealed record LcpLayerOptions
{
    /// <summary>
    /// The MRU we request (RFC 1661 §6.1). PPTP over a 1500-octet path carries IP (20) + GRE (16) + PPP (4) + MPPE (2)
    /// around the PPP Information, so an MRU of 1400 (≤ 1446) keeps GRE packets unfragmented. 1500 (the default MRU)
    /// is not requested at all.
    /// </summary>
    public ushort Mru { get; init; } = 1400;

    /// <summary>Request Protocol-Field-Compression (RFC 1661 §6.5).</summary>
    public bool RequestProtocolFieldCompression { get; init; } = true;

    /// <summary>Request Address-and-Control-Field-Compression (RFC 1661 §6.6).</summary>
    public bool RequestAddressControlFieldCompression { get; init; } = true;

    /// <summary>
    /// Server: the protocols we may ask the peer to authenticate with (tried most preferred first,
    /// <see cref="PppAuthProtocolOption.PreferenceOrder"/>). Client: the protocols we agree to authenticate with.
    /// </summary>
    public ImmutableArray<PppAuthProtocol> AuthenticationProtocols { get; init; } = [];

    /// <summary>Magic-Number collisions (RFC 1661 §6.4) after which we log that the link looks looped back.</summary>
    public int LoopbackLimit { get; init; } = 3;

    /// <summary>The configured set.</summary>
    public PppAuthProtocols AuthenticationProtocolSet
    {
        get
        {
            PppAuthProtocols set = PppAuthProtocols.None;
            foreach (PppAuthProtocol p in AuthenticationProtocols)
                set |= p.ToSet();
            return set;
        }
    }
}
