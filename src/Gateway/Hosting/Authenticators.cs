using PptpGw.ControlPlane.Aaa.Radius;
using PptpGw.ControlPlane.Aaa.Tacacs;
using PptpGw.ControlPlane.Config;
using PptpGw.ControlPlane.Logging;
using PptpGw.ControlPlane.Ppp.Auth;

namespace PptpGw.Gateway.Hosting;

/// <summary>
/// Builds the authenticator of an <c>aaa-server</c> group (RADIUS, TACACS+) in place of the built-in clients (tests plug
/// a fake in here); null: the built-in client of the group's protocol.
/// </summary>
public delegate IPppAuthenticator? AaaAuthenticatorFactory(GatewayConfig config, AaaServerGroup group, GatewayLog log);

/// <summary>Chooses the <see cref="IPppAuthenticator"/> of the dial-in group by its <c>client authentication</c> line.</summary>
public static class Authenticators
{
    /// <summary>
    /// Checks that the group's <c>client authentication</c> can be served: local users always; <c>aaa NAME</c> when the
    /// group exists and is RADIUS or TACACS+ with at least one host. Returns the AAA group, or null for local.
    /// </summary>
    /// <exception cref="GatewayStartupException">No such group, or a group without hosts.</exception>
    public static AaaServerGroup? Validate(GatewayConfig config, VpdnGroupConfig group)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(group);
        if (group.AuthenticationSource == ClientAuthenticationSource.Local)
            return null;
        string name = group.AuthenticationServerGroup ?? string.Empty;
        AaaServerGroup serverGroup = config.Aaa.FindGroup(name)
            ?? throw new GatewayStartupException($"vpdn group {group.Name} client authentication aaa {name}: no such aaa-server group");
        if (serverGroup.Hosts.IsEmpty)
            throw new GatewayStartupException($"vpdn group {group.Name} client authentication aaa {name}: the group has no 'aaa-server {name} (IF) host' line");
        return serverGroup;
    }

    /// <summary>
    /// <c>client authentication local</c>: the <c>vpdn username</c> lines; <c>client authentication aaa NAME</c>: the
    /// group's backend from <paramref name="aaa"/>, else a new RADIUS (<see cref="RadiusPppAuthenticator"/>) or TACACS+
    /// (<see cref="TacacsPlusAuthenticator"/>) client of the group, which the caller then owns. The running gateway builds
    /// its backends through <see cref="Aaa.GatewayAaa"/> instead, which also gives each call its NAS-Port and address.
    /// </summary>
    /// <exception cref="GatewayStartupException">An unusable AAA group.</exception>
    public static IPppAuthenticator Create(GatewayConfig config, VpdnGroupConfig group, GatewayLog log, AaaAuthenticatorFactory? aaa)
    {
        ArgumentNullException.ThrowIfNull(log);
        if (Validate(config, group) is not { } serverGroup)
            return new LocalPppAuthenticator(new VpdnUserCredentialStore(config.Users), group.StripDomain);
        if (aaa?.Invoke(config, serverGroup, log) is { } custom)
            return custom;
        try
        {
            return serverGroup.Protocol == AaaProtocol.Radius
                ? new RadiusPppAuthenticator(new RadiusClient(serverGroup, log: log), log)
                : new TacacsPlusAuthenticator(new TacacsPlusClient(serverGroup, log), log, new TacacsPlusAuthenticatorOptions { Mppe = group.Mppe });
        }
        catch (ArgumentException ex)
        {
            throw new GatewayStartupException($"vpdn group {group.Name} client authentication aaa {serverGroup.Name}: {ex.Message}", ex);
        }
    }
}
