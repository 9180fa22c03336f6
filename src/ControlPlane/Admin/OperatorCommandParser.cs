using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace PptpGw.ControlPlane.Admin;

/// <summary>
/// Parses the operator commands that go beyond the PIX (<see cref="OperatorCommandKind"/>) with the same keyword
/// abbreviations as <see cref="AdminCommandParser"/>, and <c>--json</c> on every show command. A line that is none of
/// these is left to <see cref="AdminCommandParser"/> (<see cref="OperatorParseResult.NotOurs"/>), so the PIX grammar
/// stays in one place.
/// </summary>
public static class OperatorCommandParser
{
    /// <summary>The commands understood here, for "help".</summary>
    public const string HelpText =
        "show vpdn session brief [columns C,C,...|all] [match COLUMN REGEX]... [order COLUMN [desc]]\n" +
        "show vpdn username [NAME]\n" +
        "show vpdn pppinterface [id N]\n" +
        "show vpdn group [NAME]\n" +
        "show dataplane\n" +
        "show aaa-server\n" +
        "clear vpdn username NAME [soft|hard]\n" +
        "clear vpdn session ip A.B.C.D [soft|hard]\n" +
        "clear vpdn session id N [soft|hard]\n" +
        "show ... --json   (every show command)\n" +
        "reload [--json]   (re-read the configuration file; sessions stay up)\n" +
        "shutdown [hard] | shutdown soft [SECONDS] | shutdown cancel\n";

    /// <summary>How long a <c>match</c> pattern may run on one cell (the admin socket is root's, but a pattern still gets a bound).</summary>
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(100);

    private static readonly string[] TopLevel = ["show", "clear", "debug", "no", "undebug", "terminal", "help"];
    private static readonly string[] ShowWords = ["vpdn", "debug", "version", "dataplane", "aaa-server"];
    private static readonly string[] ShowVpdnWords = ["tunnel", "session", "username", "pppinterface", "group"];
    private static readonly string[] ClearVpdnWords = ["tunnel", "username", "session"];
    private static readonly string[] SessionBy = ["ip", "id"];
    private static readonly string[] BriefOptions = ["columns", "match", "order"];
    private static readonly string[] Modes = ["soft", "hard"];
    private static readonly string[] ShutdownModes = ["soft", "hard", "cancel"];

    /// <summary>Parses <paramref name="line"/>; <see cref="OperatorParseResult.NotOurs"/> for the PIX commands.</summary>
    public static OperatorParseResult Parse(string? line)
    {
        if (string.IsNullOrWhiteSpace(line) || line.Length > AdminCommandParser.MaxLineLength)
            return OperatorParseResult.NotOurs;
        List<string> words = [.. line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)];
        bool json = words.RemoveAll(w => w == "--json") > 0;
        // Whole words only: "sh" stays the PIX's abbreviation of show, and nobody reloads or stops a gateway by a typo.
        if (words.Count > 0 && string.Equals(words[0], "reload", StringComparison.OrdinalIgnoreCase))
            return words.Count == 1 ? OperatorParseResult.Ok(new OperatorCommand(OperatorCommandKind.Reload) { Json = json })
                : OperatorParseResult.Invalid($"% unexpected '{words[1]}'");
        if (words.Count > 0 && string.Equals(words[0], "shutdown", StringComparison.OrdinalIgnoreCase))
            return json ? OperatorParseResult.Invalid("% --json applies to show commands and reload") : ParseShutdown(new Cursor(words.GetRange(1, words.Count - 1)));
        var cursor = new Cursor(words);
        if (cursor.Keyword(TopLevel) is not { } top)
            return cursor.Error ?? OperatorParseResult.NotOurs;
        return top switch
        {
            "show" => ParseShow(cursor, line, json),
            "clear" => json ? OperatorParseResult.Invalid("% --json applies to show commands") : ParseClear(cursor),
            _ => json ? OperatorParseResult.Invalid("% --json applies to show commands") : OperatorParseResult.NotOurs,
        };
    }

    private static OperatorParseResult ParseShow(Cursor cursor, string line, bool json)
    {
        string? what = cursor.Keyword(ShowWords);
        if (what is null)
            return cursor.Error ?? OperatorParseResult.NotOurs;
        switch (what)
        {
            case "dataplane":
                return cursor.End(new OperatorCommand(OperatorCommandKind.ShowDataplane) { Json = json });
            case "aaa-server":
                return cursor.End(new OperatorCommand(OperatorCommandKind.ShowAaaServer) { Json = json });
            case "debug" or "version":
                return json ? PixJson(line) : OperatorParseResult.NotOurs;
        }
        if (cursor.AtEnd)
            return json ? PixJson(line) : OperatorParseResult.NotOurs;
        string? view = cursor.Keyword(ShowVpdnWords);
        if (view is null)
            return cursor.Error ?? OperatorParseResult.NotOurs;
        switch (view)
        {
            case "tunnel":
                return json ? PixJson(line) : OperatorParseResult.NotOurs;
            case "session":
                if (cursor.AtEnd)
                    return json ? PixJson(line) : OperatorParseResult.NotOurs;
                if (!cursor.Is("brief"))
                    return OperatorParseResult.Invalid("% expected 'brief' after 'show vpdn session'");
                return ParseBrief(cursor, json);
            case "username":
                {
                    string? name = cursor.AtEnd ? null : cursor.Take();
                    return cursor.End(new OperatorCommand(OperatorCommandKind.ShowUsername) { Json = json, Name = name });
                }
            case "pppinterface":
                {
                    int? id = null;
                    if (!cursor.AtEnd)
                    {
                        if (!cursor.Is("id"))
                            return OperatorParseResult.Invalid("% expected 'id N'");
                        if (cursor.Number() is not { } n)
                            return OperatorParseResult.Invalid("% expected a PPP virtual interface id");
                        id = n;
                    }
                    return cursor.End(new OperatorCommand(OperatorCommandKind.ShowPppInterface) { Json = json, Id = id });
                }
            default: // group
                {
                    string? name = cursor.AtEnd ? null : cursor.Take();
                    return cursor.End(new OperatorCommand(OperatorCommandKind.ShowGroup) { Json = json, Name = name });
                }
        }
    }

    private static OperatorParseResult PixJson(string line)
    {
        string pix = string.Join(' ', line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries).Where(w => w != "--json"));
        AdminParseResult parsed = AdminCommandParser.Parse(pix);
        if (!parsed.Success)
            return OperatorParseResult.Invalid(AdminCommandParser.FormatError(pix, parsed).TrimEnd('\n'));
        return OperatorParseResult.Ok(new OperatorCommand(OperatorCommandKind.PixShowJson) { Json = true, Pix = parsed.Command });
    }

    private static OperatorParseResult ParseBrief(Cursor cursor, bool json)
    {
        var command = new OperatorCommand(OperatorCommandKind.ShowSessionBrief) { Json = json };
        var matches = new List<(SessionBriefColumn, Regex)>();
        while (!cursor.AtEnd)
        {
            string? option = cursor.Keyword(BriefOptions);
            if (option is null)
                return cursor.Error ?? OperatorParseResult.Invalid("% expected columns, match or order");
            switch (option)
            {
                case "columns":
                    {
                        if (cursor.AtEnd)
                            return OperatorParseResult.Invalid("% expected a comma-separated column list (" + ColumnNames() + ") or 'all'");
                        string list = cursor.Take();
                        if (string.Equals(list, "all", StringComparison.OrdinalIgnoreCase))
                        {
                            command = command with { Columns = SessionBriefColumns.All };
                            break;
                        }
                        var columns = new List<SessionBriefColumn>();
                        foreach (string name in list.Split(',', StringSplitOptions.RemoveEmptyEntries))
                        {
                            if (SessionBriefColumns.Find(name) is not { } column)
                                return OperatorParseResult.Invalid($"% unknown column '{name}' (columns: {ColumnNames()})");
                            columns.Add(column);
                        }
                        command = command with { Columns = columns };
                        break;
                    }
                case "match":
                    {
                        if (cursor.AtEnd || SessionBriefColumns.Find(cursor.Take()) is not { } column)
                            return OperatorParseResult.Invalid($"% expected 'match COLUMN REGEX' (columns: {ColumnNames()})");
                        if (cursor.AtEnd)
                            return OperatorParseResult.Invalid("% expected a regular expression after 'match " + column.Name + "'");
                        string pattern = cursor.Take();
                        try
                        {
                            matches.Add((column, new Regex(pattern, RegexOptions.CultureInvariant, MatchTimeout)));
                        }
                        catch (ArgumentException ex)
                        {
                            return OperatorParseResult.Invalid("% bad regular expression: " + ex.Message);
                        }
                        break;
                    }
                default: // order
                    {
                        if (cursor.AtEnd || SessionBriefColumns.Find(cursor.Take()) is not { } column)
                            return OperatorParseResult.Invalid($"% expected 'order COLUMN [desc]' (columns: {ColumnNames()})");
                        bool descending = cursor.Is("desc");
                        command = command with { Order = column, Descending = descending };
                        break;
                    }
            }
        }
        return OperatorParseResult.Ok(command with { Matches = matches });
    }

    private static OperatorParseResult ParseClear(Cursor cursor)
    {
        if (!cursor.Is("vpdn"))
            return OperatorParseResult.NotOurs;
        string? what = cursor.Keyword(ClearVpdnWords);
        if (what is null)
            return cursor.Error ?? OperatorParseResult.NotOurs;
        SessionSelector selector;
        switch (what)
        {
            case "tunnel":
                return OperatorParseResult.NotOurs;
            case "username":
                if (cursor.AtEnd)
                    return OperatorParseResult.Invalid("% expected 'clear vpdn username NAME'");
                selector = new SessionSelector(UserName: cursor.Take());
                break;
            default: // session
                {
                    string? by = cursor.Keyword(SessionBy);
                    if (by is null)
                        return cursor.Error ?? OperatorParseResult.Invalid("% expected 'clear vpdn session ip A.B.C.D' or 'clear vpdn session id N'");
                    if (by == "ip")
                    {
                        if (cursor.AtEnd || !IPAddress.TryParse(cursor.Take(), out IPAddress? address)
                            || address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
                            return OperatorParseResult.Invalid("% expected an IPv4 address after 'clear vpdn session ip'");
                        selector = new SessionSelector(ClientAddress: address);
                    }
                    else
                    {
                        if (cursor.Number() is not { } id)
                            return OperatorParseResult.Invalid("% expected a session id (the id column of 'show vpdn session brief')");
                        selector = new SessionSelector(SessionId: id);
                    }
                    break;
                }
        }
        bool soft = true;
        if (!cursor.AtEnd)
        {
            string? mode = cursor.Keyword(Modes);
            if (mode is null)
                return cursor.Error ?? OperatorParseResult.Invalid("% expected soft or hard");
            soft = mode == "soft";
        }
        return cursor.End(new OperatorCommand(OperatorCommandKind.ClearSessions) { Selector = selector, Soft = soft });
    }

    private static OperatorParseResult ParseShutdown(Cursor cursor)
    {
        if (cursor.AtEnd)
            return OperatorParseResult.Ok(new OperatorCommand(OperatorCommandKind.Shutdown) { ShutdownMode = ShutdownMode.Hard });
        string? mode = cursor.Keyword(ShutdownModes);
        if (mode is null)
            return cursor.Error ?? OperatorParseResult.Invalid("% expected 'shutdown [hard]', 'shutdown soft [SECONDS]' or 'shutdown cancel'");
        if (mode == "hard")
            return cursor.End(new OperatorCommand(OperatorCommandKind.Shutdown) { ShutdownMode = ShutdownMode.Hard });
        if (mode == "cancel")
            return cursor.End(new OperatorCommand(OperatorCommandKind.Shutdown) { ShutdownMode = ShutdownMode.Cancel });
        int? deadline = null;
        if (!cursor.AtEnd)
        {
            if (cursor.Number() is not { } seconds || seconds < 1)
                return OperatorParseResult.Invalid("% expected a deadline in seconds (1 or more) after 'shutdown soft'");
            deadline = seconds;
        }
        return cursor.End(new OperatorCommand(OperatorCommandKind.Shutdown) { ShutdownMode = ShutdownMode.Soft, DeadlineSeconds = deadline });
    }

    private static string ColumnNames() => string.Join(',', SessionBriefColumns.All.Select(c => c.Name));

    /// <summary>Walks the words of a line; keyword matching as the PIX (exact, else the one keyword a word abbreviates).</summary>
    private sealed class Cursor(List<string> words)
    {
        private int _next;

        public OperatorParseResult? Error { get; private set; }

        public bool AtEnd => _next >= words.Count;

        public string Take() => words[_next++];

        /// <summary>The keyword the next word names, or null (<see cref="Error"/> set when ambiguous).</summary>
        public string? Keyword(string[] keywords)
        {
            if (AtEnd)
                return null;
            string word = words[_next];
            string? exact = keywords.FirstOrDefault(k => string.Equals(k, word, StringComparison.OrdinalIgnoreCase));
            string[] prefixed = exact is null ? [.. keywords.Where(k => k.StartsWith(word, StringComparison.OrdinalIgnoreCase))] : [exact];
            if (prefixed.Length > 1)
            {
                Error = OperatorParseResult.Invalid($"% Ambiguous command: \"{word}\" ({string.Join(", ", prefixed)})");
                return null;
            }
            if (prefixed.Length == 0)
                return null;
            _next++;
            return prefixed[0];
        }

        public bool Is(string keyword) => Keyword([keyword]) is not null;

        public int? Number()
        {
            if (AtEnd || !int.TryParse(words[_next], NumberStyles.None, CultureInfo.InvariantCulture, out int n))
                return null;
            _next++;
            return n;
        }

        public OperatorParseResult End(OperatorCommand command) =>
            AtEnd ? OperatorParseResult.Ok(command) : OperatorParseResult.Invalid($"% unexpected '{words[_next]}'");
    }
}
