using PptpGw.ControlPlane.Aaa.Radius;
using PptpGw.ControlPlane.Aaa.Tacacs;
using PptpGw.ControlPlane.Config;
using PptpGw.ControlPlane.Ppp.Auth;

namespace PptpGw.Gateway.Aaa;

/// <summary>
/// The authentication side of <see cref="GatewayAaa"/> at one moment: exactly one of the three authenticators, and the
/// server group it asks. Immutable, swapped whole by a reload so a call never sees half of an old and half of a new one.
/// </summary>
/// <param name="Group">The <c>client authentication aaa</c> group, or null for local users.</param>
/// <param name="Local">The local users (or a test's custom authenticator).</param>
/// <param name="Radius">The RADIUS authenticator (one per call via ForCall).</param>
/// <param name="Tacacs">The TACACS+ authenticator (one per call via ForCall).</param>
/// <param name="RadiusClient">The RADIUS client this set owns (disposed when the set is retired), or null.</param>
/// <param name="TacacsClient">The TACACS+ client this set owns, or null (also null when accounting shares it: accounting owns it then).</param>
internal sealed record AuthenticationBackends(AaaServerGroup? Group, IPppAuthenticator? Local, RadiusPppAuthenticator? Radius,
    TacacsPlusAuthenticator? Tacacs, RadiusClient? RadiusClient, TacacsPlusClient? TacacsClient)
{
    /// <summary>The authenticator that serves every call the same way.</summary>
    public IPppAuthenticator Authenticator => (IPppAuthenticator?)Radius ?? (IPppAuthenticator?)Tacacs ?? Local!;
}
