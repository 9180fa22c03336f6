using PptpGw.ControlPlane.Config;
using PptpGw.ControlPlane.Logging;
using PptpGw.ControlPlane.Ppp.Auth;

namespace PptpGw.Gateway.Hosting;

/// <summary>
/// Builds the authenticator of an <c>aaa-server</c> group (RADIUS, TACACS+); null when this build cannot serve the group.
/// The seam where the AAA clients (src/ControlPlane/Aaa) plug in.
/// </summary>
public delegate IPppAuthenticator? AaaAuthenticatorFactory(GatewayConfig config, AaaServerGroup group, GatewayLog log);

/// <summary>Chooses the <see cref="IPppAuthenticator"/> of the dial-in group by its <c>client authentication</c> line.</summary>
public static class Authenticators
{
    /// <summary>
    /// <c>client authentication local</c>: the <c>vpdn username</c> lines; <c>client authentication aaa NAME</c>: the
    /// group's backend from <paramref name="aaa"/>.
    /// </summary>
    /// <exception cref="GatewayStartupException">An AAA group this build cannot serve.</exception>
    public static IPppAuthenticator Create(GatewayConfig config, VpdnGroupConfig group, GatewayLog log, AaaAuthenticatorFactory? aaa)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(log);
        if (group.AuthenticationSource == ClientAuthenticationSource.Local)
            return new LocalPppAuthenticator(new VpdnUserCredentialStore(config.Users), group.StripDomain);

        string name = group.AuthenticationServerGroup ?? string.Empty;
        AaaServerGroup serverGroup = config.Aaa.FindGroup(name)
            ?? throw new GatewayStartupException($"vpdn group {group.Name} client authentication aaa {name}: no such aaa-server group");
        return aaa?.Invoke(config, serverGroup, log)
            ?? throw new GatewayStartupException(
                $"vpdn group {group.Name} client authentication aaa {name}: {(serverGroup.Protocol == AaaProtocol.Radius ? "RADIUS" : "TACACS+")} " +
                "authentication is not yet supported by this build; use 'client authentication local' for now");
    }
}
