namespace PptpGw.Dataplane.Workers;

/// <summary>
/// Which end of the PPTP calls a worker is: the same pipeline (GRE, sequencing, PPP, MPPE) serves both; only the
/// addresses it reads and writes differ.
/// </summary>
public enum DataplaneRole
{
    /// <summary>
    /// The PNS (gateway): a session is named by the client's address and our call id; inside packets are looked up by
    /// their destination (the client's tunnel address), and outside → inside datagrams must come from it.
    /// </summary>
    Gateway = 0,

    /// <summary>
    /// Many PACs at once (the load tool): every session talks to the one server in
    /// <see cref="DataplanePortPair.LocalAddress"/>; a session is named by its own (local) address and call id, so
    /// the outer IPv4 header's destination names it on receive and is its source on transmit; inside packets are
    /// looked up by their source (our tunnel address), and datagrams coming out of the tunnel must be addressed to it.
    /// Needs <see cref="OutsideFraming.Ipv4"/>.
    /// </summary>
    Client,
}
