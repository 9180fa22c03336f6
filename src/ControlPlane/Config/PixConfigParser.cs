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
    /// (line 0) instead of an exception; so do an empty file (no command in it: the gateway would have nothing to serve)
    /// and every line that is not valid UTF-8 (an error with its line and column: the file is refused rather than
    /// read with replacement characters, which would silently change a password or a name).
    /// </summary>
    public static ConfigParseResult ParseFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return new ConfigParseResult(null,
                [new ConfigDiagnostic(ConfigSeverity.Error, path, 0, $"cannot read the configuration: {e.Message}")]);
        }
        ReadOnlySpan<byte> content = bytes;
        if (content.StartsWith(Utf8Bom))
            content = content[Utf8Bom.Length..];
        ImmutableArray<ConfigDiagnostic> encoding = Utf8Errors(content, path);
        // Lenient decoding for the rest of the diagnostics; the encoding errors alone make the result unusable.
        string text = System.Text.Encoding.UTF8.GetString(content);
        ConfigParseResult parsed = Parse(text, path);
        bool empty = true;
        foreach (var rawLine in text.AsSpan().EnumerateLines())
        {
            if (Tokenize(rawLine).Length > 0)
            {
                empty = false;
                break;
            }
        }
        if (encoding.IsEmpty && !empty)
            return parsed;
        var diagnostics = new List<ConfigDiagnostic>(encoding);
        if (empty)
        {
            diagnostics.Add(new ConfigDiagnostic(ConfigSeverity.Error, path, 0, bytes.Length == 0
                ? "the file is empty: no configuration to run"
                : "the file has no configuration command (only blank lines and comments): no configuration to run"));
        }
        diagnostics.AddRange(parsed.Diagnostics);
        return new ConfigParseResult(null, Sort(diagnostics));
    }

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    /// <summary>One error per line that is not valid UTF-8 (RFC 3629), at the first offending byte (1-based column in bytes).</summary>
    private static ImmutableArray<ConfigDiagnostic> Utf8Errors(ReadOnlySpan<byte> content, string path)
    {
        var errors = ImmutableArray.CreateBuilder<ConfigDiagnostic>();
        int lineNumber = 0;
        while (!content.IsEmpty)
        {
            lineNumber++;
            int end = content.IndexOf((byte)'\n');
            ReadOnlySpan<byte> line = end < 0 ? content : content[..end];
            content = end < 0 ? default : content[(end + 1)..];
            if (System.Text.Unicode.Utf8.IsValid(line))
                continue;
            int column = 0;
            while (System.Text.Rune.DecodeFromUtf8(line[column..], out _, out int consumed) == System.Buffers.OperationStatus.Done)
                column += consumed;
            errors.Add(new ConfigDiagnostic(ConfigSeverity.Error, path, lineNumber, string.Create(CultureInfo.InvariantCulture,
                $"not valid UTF-8 (byte 0x{line[column]:X2} at column {column + 1}): the configuration must be UTF-8 text")));
        }
        return errors.ToImmutable();
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
