using System.Collections.Immutable;
using System.Globalization;

namespace PptpGw.ControlPlane.Config;

/// <summary>How serious a configuration diagnostic is.</summary>
public enum ConfigSeverity
{
    /// <summary>A line that was understood but ignored (a PIX command this gateway has no use for).</summary>
    Notice = 0,
    /// <summary>The configuration loads, but something in it will not work as the operator probably expects.</summary>
    Warning,
    /// <summary>The configuration cannot be used; <see cref="ConfigParseResult.Config"/> is null.</summary>
    Error,
}

/// <summary>
/// One finding about a configuration file. <see cref="Line"/> is 1-based; 0 means the whole file
/// (for example "no vpdn enable line"). <see cref="ToString"/> gives the compiler-style
/// "file:line: severity: message" form editors and grep understand.
/// </summary>
public sealed record ConfigDiagnostic(ConfigSeverity Severity, string FileName, int Line, string Message)
{
    /// <summary>
    /// For a notice about a PIX command this gateway has no use for (<c>fixup</c>, <c>names</c>, ...): the command's
    /// first word, so that <c>pptpgw check</c> can sum such lines up in one line; null for every other diagnostic.
    /// </summary>
    public string? IgnoredCommand { get; init; }

    public override string ToString()
    {
        string severity = Severity switch
        {
            ConfigSeverity.Error => "error",
            ConfigSeverity.Warning => "warning",
            _ => "notice",
        };
        return Line > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{FileName}:{Line}: {severity}: {Message}")
            : $"{FileName}: {severity}: {Message}";
    }
}

/// <summary>What <see cref="PixConfigParser.Parse"/> returns: the model when there was no error, and every diagnostic in line order.</summary>
public sealed class ConfigParseResult
{
    internal ConfigParseResult(GatewayConfig? config, ImmutableArray<ConfigDiagnostic> diagnostics)
    {
        Config = config;
        Diagnostics = diagnostics;
    }

    /// <summary>The validated configuration, or null when at least one diagnostic is an error.</summary>
    public GatewayConfig? Config { get; }

    /// <summary>Errors, warnings and notices, ordered by line (file-wide ones, line 0, last).</summary>
    public ImmutableArray<ConfigDiagnostic> Diagnostics { get; }

    public bool HasErrors => Config is null;

    public IEnumerable<ConfigDiagnostic> Errors => Diagnostics.Where(d => d.Severity == ConfigSeverity.Error);

    public IEnumerable<ConfigDiagnostic> Warnings => Diagnostics.Where(d => d.Severity == ConfigSeverity.Warning);
}
