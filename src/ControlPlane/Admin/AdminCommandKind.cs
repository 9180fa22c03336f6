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
