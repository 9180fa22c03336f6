namespace PptpGw.ControlPlane.Ppp.Session;

/// <summary>Which end of the PPP link a session plays.</summary>
public enum PppRole
{
    /// <summary>The gateway (PNS side): authenticates the peer, assigns its address, offers MPPE.</summary>
    Server,
    /// <summary>The dial-in client (PAC/pppd side): is authenticated, takes the address it is given.</summary>
    Client,
}
