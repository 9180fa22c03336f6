using System.Text;
using PptpGw.ControlPlane.Admin;

namespace PptpGw.Fuzz;

/// <summary>
/// A line on the admin socket as AdminServer reads it (UTF-8 up to the newline), then AdminCommandParser (PIX keyword
/// abbreviations, tunnel ids, debug classes) and, for a refused line, the "% Invalid input" text with its caret.
/// </summary>
public static class AdminTarget
{
    public static FuzzTarget Target { get; } = new("admin",
        "AdminCommandParser.Parse and FormatError over UTF-8-decoded lines",
        Run, Seeds);

    public static void Run(ReadOnlySpan<byte> input)
    {
        foreach (string line in Encoding.UTF8.GetString(input).Split('\n'))
        {
            AdminParseResult result = AdminCommandParser.Parse(line);
            if (!result.Success)
                _ = AdminCommandParser.FormatError(line, result);
            else
                _ = result.Command.ToString();
        }
    }

    private static IEnumerable<byte[]> Seeds()
    {
        string[] lines =
        [
            "show vpdn", "sh vpdn tunnel", "show vpdn session", "show debug", "show version",
            "clear vpdn tunnel all", "clear vpdn tun id 42", "debug vpdn events", "deb ppp negotiation",
            "no debug ppp io", "no debug all", "undebug all", "terminal monitor", "help", "sh vpdn tunnel 4294967296",
        ];
        foreach (string line in lines)
            yield return Encoding.UTF8.GetBytes(line);
        yield return Encoding.UTF8.GetBytes(string.Join('\n', lines));
    }
}
