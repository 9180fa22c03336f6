using System.Security.Cryptography;

namespace PptpGw.ControlPlane.Ppp.Auth;

/// <summary>
/// Which end of the link derives MS-CHAPv2 keys. RFC 3079 §3.4 GetAsymmetricStartKey picks its magic string
/// from both "is this the send key" and "is this the server": the server's send key is the client's receive key.
/// </summary>
public enum MppeRole
{
    /// <summary>The authenticator (this gateway, the PNS): send key from Magic3, receive key from Magic2.</summary>
    Server,
    /// <summary>The peer (the PAC side): send key from Magic2, receive key from Magic3.</summary>
    Client,
}
