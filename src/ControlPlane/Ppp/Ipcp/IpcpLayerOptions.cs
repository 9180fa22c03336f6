namespace PptpGw.ControlPlane.Ppp.Ipcp;

/// <summary>What our IPCP offers (server) or asks for (client). Addresses are host-order IPv4 numbers; 0 means none.</summary>
public sealed record IpcpLayerOptions
{
    /// <summary>
    /// Server: our own address, sent in our IP-Address option (the inside address, DESIGN.md). Client: the address we
    /// ask for first (0.0.0.0 asks the server to assign one, RFC 1332 §3.3).
    /// </summary>
    public uint LocalAddress { get; init; }

    /// <summary>Server: <c>client configuration dns</c> (RFC 1877 §1.1, §1.3): 0 for none.</summary>
    public uint PrimaryDns { get; init; }
    public uint SecondaryDns { get; init; }

    /// <summary>Server: <c>client configuration wins</c> (RFC 1877 §1.2, §1.4): 0 for none.</summary>
    public uint PrimaryNbns { get; init; }
    public uint SecondaryNbns { get; init; }

    /// <summary>Client: ask for DNS servers (RFC 1877) with 0.0.0.0 and take the Nak'd values.</summary>
    public bool RequestDns { get; init; } = true;

    /// <summary>Client: ask for NBNS (WINS) servers likewise.</summary>
    public bool RequestNbns { get; init; }
}
