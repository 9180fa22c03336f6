namespace PptpGw.ControlPlane.Logging;

/// <summary>
/// The PIX 6.3 debug classes for PPTP ("debug vpdn ..." and "debug ppp ..."), toggled at run time. A set of flags so
/// one volatile read and an AND answer "is this on?" on every call site.
/// </summary>
[Flags]
public enum DebugClasses : uint
{
    /// <summary>Nothing is being debugged.</summary>
    None = 0,
    /// <summary>debug vpdn events: tunnel set-up and tear-down events (SCCRQ-ok, state changes, CC I/O message names).</summary>
    VpdnEvents = 1 << 0,
    /// <summary>debug vpdn packet: control-connection and GRE packets, with the first bytes in hex.</summary>
    VpdnPacket = 1 << 1,
    /// <summary>debug vpdn error: errors that stop a tunnel from coming up or close it ("mppe required but not active").</summary>
    VpdnError = 1 << 2,
    /// <summary>debug ppp negotiation: LCP/IPCP/CCP automaton events (our extension; the PIX folded these into io).</summary>
    PppNegotiation = 1 << 3,
    /// <summary>debug ppp io: PPP frames received and transmitted on the virtual interfaces ("PPP rcvd, ifc = 0, ...").</summary>
    PppIo = 1 << 4,
    /// <summary>debug ppp error: PPP protocol errors and error statistics.</summary>
    PppError = 1 << 5,
    /// <summary>debug ppp uauth: AAA user authentication of the PPP virtual interfaces ("uauth_mschap_send_req: ...").</summary>
    PppUauth = 1 << 6,
    /// <summary>Every class.</summary>
    All = VpdnEvents | VpdnPacket | VpdnError | PppNegotiation | PppIo | PppError | PppUauth,
}

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
