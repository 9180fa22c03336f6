using System.Collections.Immutable;
using System.Globalization;
using System.Text.RegularExpressions;

namespace PptpGw.ControlPlane.Config;

/// <summary>
/// Reads a Cisco PIX 6.3 style configuration (the <c>ip address</c>, <c>ip local pool</c>, <c>aaa-server</c>,
/// <c>vpdn</c> and <c>sysopt connection permit-pptp</c> lines, plus this gateway's documented extensions) into a
/// validated <see cref="GatewayConfig"/>. Every other PIX line is ignored with a notice, so a PIX <c>write terminal</c>
/// or a configuration pasted from Cisco's guide (with "pix(config)#" prompts and "!---" comments) loads as is.
/// See docs/CONFIG.md.
/// </summary>
public static partial class PixConfigParser
{
    /// <summary>
    /// Parses and validates <paramref name="text"/>. <paramref name="fileName"/> only labels the diagnostics.
    /// Never throws: every problem becomes a diagnostic, and <see cref="ConfigParseResult.Config"/> is null when any is an error.
    /// </summary>
    public static ConfigParseResult Parse(string text, string fileName)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(fileName);
        var builder = new ConfigBuilder(fileName);
        int lineNumber = 0;
        foreach (var rawLine in text.AsSpan().EnumerateLines())
        {
            lineNumber++;
            var tokens = Tokenize(rawLine);
            if (tokens.Length > 0)
                builder.Apply(lineNumber, tokens);
        }
        return builder.Build();
    }

    /// <summary>
    /// Reads and parses the file at <paramref name="path"/>. An unreadable file gives one error diagnostic
    /// (line 0) instead of an exception.
    /// </summary>
    public static ConfigParseResult ParseFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return new ConfigParseResult(null,
                [new ConfigDiagnostic(ConfigSeverity.Error, path, 0, $"cannot read the configuration: {e.Message}")]);
        }
        return Parse(text, path);
    }

    /// <summary>
    /// Splits one line into words, after removing a CLI prompt ("pix(config)# ", "PIX# ", "PIX> ") that a config pasted
    /// from a terminal session or from Cisco's guide carries. Comment lines ("!", "!--- ...", ": end", ": Saved")
    /// give no words.
    /// </summary>
    internal static string[] Tokenize(ReadOnlySpan<char> rawLine)
    {
        var line = rawLine.Trim();
        if (line.IsEmpty)
            return [];
        string text = line.ToString();
        var prompt = PromptPattern().Match(text);
        if (prompt.Success)
            text = text[prompt.Length..];
        if (text.Length == 0 || text[0] is '!' or ':')
            return [];
        return text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
    }

    // A host name, an optional mode such as "(config)" or "(config-if)", then '#' or '>'.
    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_.\-/]*(\([A-Za-z0-9\-]+\))?[#>]\s*", RegexOptions.CultureInvariant)]
    private static partial Regex PromptPattern();

    internal static bool TryParseNumber(string token, int min, int max, out int value)
    {
        value = 0;
        if (token.Length is 0 or > 9)
            return false;
        foreach (char c in token)
        {
            if (!char.IsAsciiDigit(c))
                return false;
        }
        value = int.Parse(token, NumberStyles.None, CultureInfo.InvariantCulture);
        return value >= min && value <= max;
    }

    internal static ImmutableArray<ConfigDiagnostic> Sort(IEnumerable<ConfigDiagnostic> diagnostics) =>
        [.. diagnostics.Select((d, i) => (d, i))
            .OrderBy(x => x.d.Line == 0 ? int.MaxValue : x.d.Line)
            .ThenBy(x => x.i)
            .Select(x => x.d)];
}
