namespace PptpGw.ControlPlane.Logging;

/// <summary>The command-line names of <see cref="DebugClasses"/> ("vpdn events", "ppp io", ...).</summary>
public static class DebugClassNames
{
    private static readonly (DebugClasses Class, string Group, string Name)[] Table =
    [
        (DebugClasses.VpdnEvents, "vpdn", "events"),
        (DebugClasses.VpdnPacket, "vpdn", "packet"),
        (DebugClasses.VpdnError, "vpdn", "error"),
        (DebugClasses.PppNegotiation, "ppp", "negotiation"),
        (DebugClasses.PppIo, "ppp", "io"),
        (DebugClasses.PppError, "ppp", "error"),
        (DebugClasses.PppUauth, "ppp", "uauth"),
    ];

    /// <summary>Every single class with its group ("vpdn" or "ppp") and keyword, in "show debug" order.</summary>
    public static IReadOnlyList<(DebugClasses Class, string Group, string Name)> All => Table;

    /// <summary>"vpdn events" for <see cref="DebugClasses.VpdnEvents"/>; null for a combination or <see cref="DebugClasses.None"/>.</summary>
    public static string? NameOf(DebugClasses single)
    {
        foreach (var (c, g, n) in Table)
        {
            if (c == single)
            {
                return g + " " + n;
            }
        }

        return null;
    }

    /// <summary>The class named by <paramref name="group"/> and <paramref name="name"/> (exact, lower case), or None.</summary>
    public static DebugClasses Find(string group, string name)
    {
        foreach (var (c, g, n) in Table)
        {
            if (g == group && n == name)
            {
                return c;
            }
        }

        return DebugClasses.None;
    }

    /// <summary>One "debug vpdn events" line per enabled class, as "show debug" prints them; empty when none is on.</summary>
    public static string FormatShowDebug(DebugClasses enabled)
    {
        var sb = new System.Text.StringBuilder();
        foreach (var (c, g, n) in Table)
        {
            if ((enabled & c) != 0)
            {
                sb.Append("debug ").Append(g).Append(' ').Append(n).Append('\n');
            }
        }

        return sb.ToString();
    }
}
