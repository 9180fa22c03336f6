using System.Text.RegularExpressions;

namespace PptpGw.Tests.Build;

/// <summary>
/// An analyzer-like guard over src/: outcomes are types, not text (docs/CONVENTIONS.md). No code may decide behaviour by
/// matching a reason, message, detail or answer string produced elsewhere (<c>reason.Contains("mppe")</c>,
/// <c>answer.StartsWith("% Error")</c>), nor run a regular expression over one (an errno parsed out of a message).
/// Parsing peer or operator input is not a decision on our own text: codecs match UTF-8 literals (<c>"S="u8</c>) and the
/// configuration parser owns its patterns, listed below.
/// </summary>
public partial class NoDecisionsFromTextTests
{
    /// <summary>Files allowed to use regular expressions, each with why.</summary>
    private static readonly Dictionary<string, string> RegexAllowed = new(StringComparer.Ordinal)
    {
        ["src/ControlPlane/Config/PixConfigParser.cs"] = "strips a pasted PIX prompt from operator input, not our text",
        ["src/ControlPlane/Admin/OperatorCommandParser.cs"] = "compiles the operator's own 'match COLUMN REGEX' (accel-cmd style), with a match timeout",
        ["src/ControlPlane/Admin/OperatorCommand.cs"] = "carries the operator's compiled 'match' patterns",
        ["src/ControlPlane/Admin/OperatorCommands.cs"] = "applies the operator's 'match' patterns to session columns (a filter, not a decision on our text)",
    };

    [Fact]
    public void No_file_matches_reason_or_message_text()
    {
        var findings = new List<string>();
        foreach ((string path, int line, string text) in SourceLines())
        {
            if (TextMatch().IsMatch(text) && !text.Contains("\"u8", StringComparison.Ordinal))
                findings.Add($"{path}:{line}: {text.Trim()}");
        }
        Assert.True(findings.Count == 0, "decisions from message text (use a typed outcome):\n" + string.Join("\n", findings));
    }

    [Fact]
    public void No_regular_expression_outside_the_input_parsers()
    {
        var findings = new List<string>();
        foreach ((string path, int line, string text) in SourceLines())
        {
            if (RegexUse().IsMatch(text) && !RegexAllowed.ContainsKey(path))
                findings.Add($"{path}:{line}: {text.Trim()}");
        }
        Assert.True(findings.Count == 0, "regular expressions outside the allowed parsers:\n" + string.Join("\n", findings));
    }

    [Fact]
    public void The_guard_sees_what_it_guards_against()
    {
        // The patterns themselves, so a refactoring of this test cannot silently make it pass everything.
        Assert.Matches(TextMatch(), """if (reason.Contains("requires mschap", StringComparison.Ordinal))""");
        Assert.Matches(TextMatch(), """return answer.StartsWith("% Error", StringComparison.Ordinal) ? 1 : 0;""");
        Assert.Matches(TextMatch(), """if (outcome.Reason.Contains("missing MPPE key"))""");
        Assert.Matches(TextMatch(), """else if (down.Detail.EndsWith("exhausted"))""");
        Assert.Matches(RegexUse(), """Match errno = ErrnoPattern().Match(detail); [GeneratedRegex(@"errno = (\d+)")]""");
        Assert.Matches(RegexUse(), """Match match = Regex.Match(reason, @"E=(\d+)");""");
        Assert.DoesNotMatch(TextMatch(), """if (_options.Pool?.Contains(result.PeerAddress) == true)""");
        Assert.True(SourceLines().Any(), "no source files found: the guard would pass vacuously");
    }

    // A receiver whose name says it is text for humans, followed by a string-matching call.
    [GeneratedRegex(@"\b\w*(?:[Rr]eason|[Mm]essage|[Dd]etail|[Aa]nswer|[Ee]rrorText|[Dd]escription)\w*\??\s*\.\s*(?:Contains|StartsWith|EndsWith|IndexOf|Equals)\s*\(")]
    private static partial Regex TextMatch();

    [GeneratedRegex(@"\bRegex\b|GeneratedRegex|RegularExpressions")]
    private static partial Regex RegexUse();

    private static IEnumerable<(string Path, int Line, string Text)> SourceLines()
    {
        string root = RepositoryRoot();
        foreach (string file in Directory.EnumerateFiles(Path.Combine(root, "src"), "*.cs", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(root, file).Replace('\\', '/');
            if (relative.Contains("/obj/", StringComparison.Ordinal) || relative.Contains("/bin/", StringComparison.Ordinal))
                continue;
            int number = 0;
            foreach (string line in File.ReadLines(file))
            {
                number++;
                string trimmed = line.TrimStart();
                if (trimmed.StartsWith("//", StringComparison.Ordinal))
                    continue;
                yield return (relative, number, line);
            }
        }
    }

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Dataplane.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException("the repository root (Dataplane.sln) is not above " + AppContext.BaseDirectory);
    }
}
