using System.Collections.Immutable;
using System.Globalization;
using System.Text;

namespace PptpGw.ControlPlane.Config;

/// <summary>What a reload (SIGHUP, admin <c>reload</c>) did: the outcome, every change with its disposition, the file's diagnostics.</summary>
/// <param name="Outcome">Applied, unchanged, invalid (nothing changed) or unavailable.</param>
/// <param name="FileName">The file read.</param>
/// <param name="Changes">The differences found, in <see cref="ConfigChangeKind"/> order.</param>
/// <param name="Diagnostics">With <see cref="ConfigReloadOutcome.Invalid"/>: the errors (and warnings), <c>file:line: severity: message</c>.</param>
/// <param name="Reason">With <see cref="ConfigReloadOutcome.Unavailable"/>: why.</param>
public sealed record ConfigReloadReport(ConfigReloadOutcome Outcome, string FileName, ImmutableArray<ConfigChange> Changes,
    ImmutableArray<ConfigDiagnostic> Diagnostics, string? Reason = null)
{
    /// <summary>The changes with <paramref name="disposition"/>.</summary>
    public IEnumerable<ConfigChange> With(ReloadDisposition disposition) => Changes.Where(c => c.Disposition == disposition);

    /// <summary>A reload that could not run.</summary>
    public static ConfigReloadReport Unavailable(string fileName, string reason) => new(ConfigReloadOutcome.Unavailable, fileName, [], [], reason);

    /// <summary>The operator's text: a summary line, then one line per change or diagnostic.</summary>
    public string Render()
    {
        var text = new StringBuilder();
        switch (Outcome)
        {
            case ConfigReloadOutcome.Unavailable:
                text.Append(CultureInfo.InvariantCulture, $"% reload not possible: {Reason}\n");
                return text.ToString();
            case ConfigReloadOutcome.Invalid:
                int errors = Diagnostics.Count(d => d.Severity == ConfigSeverity.Error);
                text.Append(CultureInfo.InvariantCulture,
                    $"% reload {FileName}: {errors} error{(errors == 1 ? "" : "s")}: nothing changed, the running configuration is kept\n");
                foreach (ConfigDiagnostic d in Diagnostics.Where(d => d.Severity >= ConfigSeverity.Warning))
                    text.Append(d).Append('\n');
                return text.ToString();
            case ConfigReloadOutcome.Unchanged:
                text.Append(CultureInfo.InvariantCulture, $"reload {FileName}: no changes\n");
                return text.ToString();
        }
        int applied = With(ReloadDisposition.Applied).Count(), restart = With(ReloadDisposition.NeedsRestart).Count(),
            refused = With(ReloadDisposition.Refused).Count();
        text.Append(CultureInfo.InvariantCulture, $"reload {FileName}: {applied} applied, {restart} need{(restart == 1 ? "s" : "")} a restart, {refused} refused; sessions kept\n");
        foreach (ConfigChange change in Changes)
        {
            string disposition = change.Disposition switch
            {
                ReloadDisposition.Applied => "applied",
                ReloadDisposition.NeedsRestart => "needs restart",
                _ => "refused",
            };
            text.Append(CultureInfo.InvariantCulture, $"  {disposition,-13} {KindText(change.Kind)}: {change.Detail}\n");
        }
        return text.ToString();
    }

    /// <summary>The kind as the operator reads it ("authentication-servers").</summary>
    public static string KindText(ConfigChangeKind kind) => kind switch
    {
        ConfigChangeKind.AuthenticationServers => "authentication",
        ConfigChangeKind.GroupSettings => "vpdn group",
        ConfigChangeKind.AdminSocket => "admin-socket",
        ConfigChangeKind.DynamicAuthorization => "dynamic-authorization",
        ConfigChangeKind.NasIdentity => "nas-identity",
        _ => kind.ToString().ToLowerInvariant(),
    };
}
