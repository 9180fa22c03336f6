using PptpGw.ControlPlane.Logging;

namespace PptpGw.ControlPlane.Admin;

/// <summary>What an admin command does.</summary>
public enum AdminCommandKind
{
    /// <summary>"show vpdn [tunnel|session]"; <see cref="AdminCommand.View"/> says which part.</summary>
    ShowVpdn = 1,
    /// <summary>"show debug": the debug classes that are on.</summary>
    ShowDebug,
    /// <summary>"show version".</summary>
    ShowVersion,
    /// <summary>"clear vpdn tunnel id N"; <see cref="AdminCommand.TunnelId"/> is N.</summary>
    ClearTunnel,
    /// <summary>"clear vpdn tunnel all".</summary>
    ClearAllTunnels,
    /// <summary>"debug vpdn events" etc.; <see cref="AdminCommand.Debug"/> holds the class.</summary>
    DebugOn,
    /// <summary>"no debug vpdn events", "undebug all" etc.; <see cref="AdminCommand.Debug"/> holds the classes.</summary>
    DebugOff,
    /// <summary>"terminal monitor": keep the connection open and stream log and debug lines to it.</summary>
    TerminalMonitor,
    /// <summary>"help" or "?": the list of commands.</summary>
    Help,
}

/// <summary>A parsed admin command.</summary>
/// <param name="Kind">What to do.</param>
/// <param name="View">For <see cref="AdminCommandKind.ShowVpdn"/>.</param>
/// <param name="TunnelId">For <see cref="AdminCommandKind.ClearTunnel"/>.</param>
/// <param name="Debug">For <see cref="AdminCommandKind.DebugOn"/> / <see cref="AdminCommandKind.DebugOff"/>.</param>
public readonly record struct AdminCommand(AdminCommandKind Kind, VpdnView View = VpdnView.All, ushort TunnelId = 0, DebugClasses Debug = DebugClasses.None);

/// <summary>Why a command line was not understood.</summary>
public enum AdminParseError
{
    /// <summary>Parsed.</summary>
    None = 0,
    /// <summary>The line is empty or blank.</summary>
    Empty,
    /// <summary>A word that is not a keyword here, a bad number, a control character or words after a complete command.</summary>
    InvalidInput,
    /// <summary>The command stops before it is complete ("clear vpdn").</summary>
    Incomplete,
    /// <summary>An abbreviation that matches several keywords ("show v": vpdn or version).</summary>
    Ambiguous,
    /// <summary>Longer than <see cref="AdminCommandParser.MaxLineLength"/>.</summary>
    TooLong,
}

/// <summary>The outcome of <see cref="AdminCommandParser.Parse"/>.</summary>
/// <param name="Error">None on success.</param>
/// <param name="Command">The command when <paramref name="Error"/> is None.</param>
/// <param name="Position">Index in the line of the offending word (for the '^' marker).</param>
public readonly record struct AdminParseResult(AdminParseError Error, AdminCommand Command, int Position)
{
    /// <summary>True when the line parsed.</summary>
    public bool Success => Error == AdminParseError.None;
}
