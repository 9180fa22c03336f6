using PptpGw.ControlPlane.Config;

namespace PptpGw.Gateway.Hosting;

/// <summary>
/// What <see cref="GatewayHost.Create"/> refuses in a configuration that parses: no dial-in group, an unknown pool, an
/// unusable <c>client authentication aaa</c>. <c>pptpgw check</c> reports them as errors and <c>pptpgw run</c> refuses
/// them before starting anything, both as <c>file: error: message</c>, so check passes exactly what run accepts.
/// What depends on the machine (root, TUN, a free port, another instance) is found at start-up only.
/// </summary>
public static class StartupChecks
{
    /// <summary>The refusals of <paramref name="config"/> as file-wide (line 0) errors of <paramref name="fileName"/>.</summary>
    public static IReadOnlyList<ConfigDiagnostic> Errors(GatewayConfig config, string fileName)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(fileName);
        var errors = new List<ConfigDiagnostic>();
        if (config.DialinGroup is not { } group)
        {
            errors.Add(new ConfigDiagnostic(ConfigSeverity.Error, fileName, 0, "no 'vpdn group NAME accept dialin pptp' line: nothing to serve"));
            return errors;
        }
        if (group.AddressPool is { } pool && config.FindPool(pool) is null)
            errors.Add(new ConfigDiagnostic(ConfigSeverity.Error, fileName, 0, $"vpdn group {group.Name}: unknown pool '{pool}'"));
        try
        {
            Authenticators.Validate(config, group);
        }
        catch (GatewayStartupException ex)
        {
            errors.Add(new ConfigDiagnostic(ConfigSeverity.Error, fileName, 0, ex.Message));
        }
        return errors;
    }
}
