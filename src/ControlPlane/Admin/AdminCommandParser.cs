using System.Globalization;
using PptpGw.ControlPlane.Logging;

namespace PptpGw.ControlPlane.Admin;

/// <summary>
/// Parses the PIX-style admin commands, accepting any unambiguous abbreviation of each keyword as the PIX CLI does
/// ("sh vpdn", "clear vpdn tun all", "deb ppp io"). Never throws: a bad line yields an <see cref="AdminParseError"/>
/// and the position of the offending word, which <see cref="FormatError"/> turns into the PIX's "% Invalid input"
/// text.
/// </summary>
public static class AdminCommandParser
{
    /// <summary>The longest command line accepted.</summary>
    public const int MaxLineLength = 512;

    /// <summary>The commands understood, one per line, for "help".</summary>
    public const string HelpText =
        "show vpdn [tunnel | session]\n" +
        "show debug\n" +
        "show version\n" +
        "clear vpdn tunnel all\n" +
        "clear vpdn tunnel id <tunnel_id>\n" +
        "debug vpdn events | packet | error\n" +
        "debug ppp negotiation | io | error | uauth\n" +
        "no debug vpdn ... | no debug ppp ... | no debug all\n" +
        "undebug all\n" +
        "terminal monitor\n";

    private static readonly string[] TopLevel = ["show", "clear", "debug", "no", "undebug", "terminal", "help"];
    private static readonly string[] ShowWords = ["vpdn", "debug", "version"];
    private static readonly string[] VpdnViews = ["tunnel", "session"];
    private static readonly string[] VpdnWord = ["vpdn"];
    private static readonly string[] TunnelWord = ["tunnel"];
    private static readonly string[] ClearTunnelWords = ["all", "id"];
    private static readonly string[] DebugGroups = ["vpdn", "ppp"];
    private static readonly string[] DebugGroupsOrAll = ["vpdn", "ppp", "all"];
    private static readonly string[] DebugWord = ["debug"];
    private static readonly string[] VpdnClasses = ["events", "packet", "error"];
    private static readonly string[] PppClasses = ["negotiation", "io", "error", "uauth"];
    private static readonly string[] MonitorWord = ["monitor"];

    private readonly record struct Token(int Start, string Text);

    /// <summary>Parses one command line (without its newline).</summary>
    public static AdminParseResult Parse(string? line)
    {
        if (line is null)
        {
            return new(AdminParseError.Empty, default, 0);
        }

        if (line.Length > MaxLineLength)
        {
            return new(AdminParseError.TooLong, default, MaxLineLength);
        }

        for (int i = 0; i < line.Length; i++)
        {
            if (char.IsControl(line[i]) && line[i] != '\t')
            {
                return new(AdminParseError.InvalidInput, default, i);
            }
        }

        var tokens = Tokenize(line);
        if (tokens.Count == 0)
        {
            return new(AdminParseError.Empty, default, 0);
        }

        if (tokens[0].Text == "?")
        {
            return Done(tokens, 1, new AdminCommand(AdminCommandKind.Help), line);
        }

        int t = 0;
        var r = Match(tokens, ref t, TopLevel, line, out string top);
        if (r is { } e0)
        {
            return e0;
        }

        switch (top)
        {
            case "help":
                return Done(tokens, t, new AdminCommand(AdminCommandKind.Help), line);
            case "show":
                {
                    if (Match(tokens, ref t, ShowWords, line, out string what) is { } e)
                    {
                        return e;
                    }

                    switch (what)
                    {
                        case "debug":
                            return Done(tokens, t, new AdminCommand(AdminCommandKind.ShowDebug), line);
                        case "version":
                            return Done(tokens, t, new AdminCommand(AdminCommandKind.ShowVersion), line);
                        default:
                            if (t == tokens.Count)
                            {
                                return new(AdminParseError.None, new AdminCommand(AdminCommandKind.ShowVpdn, VpdnView.All), 0);
                            }

                            if (Match(tokens, ref t, VpdnViews, line, out string view) is { } ev)
                            {
                                return ev;
                            }

                            return Done(tokens, t, new AdminCommand(AdminCommandKind.ShowVpdn, view == "tunnel" ? VpdnView.Tunnel : VpdnView.Session), line);
                    }
                }

            case "clear":
                {
                    if (Match(tokens, ref t, VpdnWord, line, out _) is { } e1)
                    {
                        return e1;
                    }

                    if (Match(tokens, ref t, TunnelWord, line, out _) is { } e2)
                    {
                        return e2;
                    }

                    if (Match(tokens, ref t, ClearTunnelWords, line, out string which) is { } e3)
                    {
                        return e3;
                    }

                    if (which == "all")
                    {
                        return Done(tokens, t, new AdminCommand(AdminCommandKind.ClearAllTunnels), line);
                    }

                    if (t == tokens.Count)
                    {
                        return new(AdminParseError.Incomplete, default, line.Length);
                    }

                    var idToken = tokens[t++];
                    if (!IsDigits(idToken.Text) || !ushort.TryParse(idToken.Text, NumberStyles.None, CultureInfo.InvariantCulture, out ushort id))
                    {
                        return new(AdminParseError.InvalidInput, default, idToken.Start);
                    }

                    return Done(tokens, t, new AdminCommand(AdminCommandKind.ClearTunnel, TunnelId: id), line);
                }

            case "debug":
                return ParseDebugClass(tokens, t, line, on: true, allowAll: false);
            case "no":
                {
                    if (Match(tokens, ref t, DebugWord, line, out _) is { } e)
                    {
                        return e;
                    }

                    return ParseDebugClass(tokens, t, line, on: false, allowAll: true);
                }

            case "undebug":
                return ParseDebugClass(tokens, t, line, on: false, allowAll: true);
            default: // terminal
                {
                    if (Match(tokens, ref t, MonitorWord, line, out _) is { } e)
                    {
                        return e;
                    }

                    return Done(tokens, t, new AdminCommand(AdminCommandKind.TerminalMonitor), line);
                }
        }
    }

    /// <summary>
    /// The text the CLI prints for a failed parse, as the PIX does: the line, a '^' under the offending word and
    /// "% Invalid input detected at '^' marker."; or "% Incomplete command." / "% Ambiguous command: ...".
    /// </summary>
    public static string FormatError(string? line, AdminParseResult result)
    {
        line ??= string.Empty;
        return result.Error switch
        {
            AdminParseError.None or AdminParseError.Empty => string.Empty,
            AdminParseError.Incomplete => "% Incomplete command.\n",
            AdminParseError.Ambiguous => "% Ambiguous command:  \"" + Printable(line) + "\"\n",
            AdminParseError.TooLong => "% Command line too long.\n",
            _ => Printable(line) + "\n" + new string(' ', Math.Clamp(result.Position, 0, line.Length)) + "^\n% Invalid input detected at '^' marker.\n",
        };
    }

    private static string Printable(string line) => PixMessages.Clean(line.Replace('\t', ' '));

    private static AdminParseResult ParseDebugClass(List<Token> tokens, int t, string line, bool on, bool allowAll)
    {
        if (Match(tokens, ref t, allowAll ? DebugGroupsOrAll : DebugGroups, line, out string group) is { } e)
        {
            return e;
        }

        if (group == "all")
        {
            return Done(tokens, t, new AdminCommand(AdminCommandKind.DebugOff, Debug: DebugClasses.All), line);
        }

        if (Match(tokens, ref t, group == "vpdn" ? VpdnClasses : PppClasses, line, out string name) is { } e2)
        {
            return e2;
        }

        var cls = DebugClassNames.Find(group, name);
        return Done(tokens, t, new AdminCommand(on ? AdminCommandKind.DebugOn : AdminCommandKind.DebugOff, Debug: cls), line);
    }

    private static AdminParseResult Done(List<Token> tokens, int t, AdminCommand command, string line) =>
        t < tokens.Count
            ? new(AdminParseError.InvalidInput, default, tokens[t].Start)
            : new(AdminParseError.None, command, line.Length);

    /// <summary>
    /// Matches tokens[t] against <paramref name="keywords"/>: an exact match wins, otherwise the one keyword it is a
    /// prefix of. Returns null on success (and advances <paramref name="t"/>), or the error.
    /// </summary>
    private static AdminParseResult? Match(List<Token> tokens, ref int t, string[] keywords, string line, out string keyword)
    {
        keyword = string.Empty;
        if (t >= tokens.Count)
        {
            return new AdminParseResult(AdminParseError.Incomplete, default, line.Length);
        }

        var token = tokens[t];
        string? found = null;
        int matches = 0;
        foreach (string k in keywords)
        {
            if (string.Equals(k, token.Text, StringComparison.OrdinalIgnoreCase))
            {
                found = k;
                matches = 1;
                break;
            }

            if (k.StartsWith(token.Text, StringComparison.OrdinalIgnoreCase))
            {
                found = k;
                matches++;
            }
        }

        if (matches == 0)
        {
            return new AdminParseResult(AdminParseError.InvalidInput, default, token.Start);
        }

        if (matches > 1)
        {
            return new AdminParseResult(AdminParseError.Ambiguous, default, token.Start);
        }

        keyword = found!;
        t++;
        return null;
    }

    private static bool IsDigits(string s)
    {
        foreach (char c in s)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }

        return s.Length > 0;
    }

    private static List<Token> Tokenize(string line)
    {
        var tokens = new List<Token>(6);
        int i = 0;
        while (i < line.Length)
        {
            while (i < line.Length && (line[i] == ' ' || line[i] == '\t'))
            {
                i++;
            }

            int start = i;
            while (i < line.Length && line[i] != ' ' && line[i] != '\t')
            {
                i++;
            }

            if (i > start)
            {
                tokens.Add(new Token(start, line[start..i]));
            }
        }

        return tokens;
    }
}
