namespace PptpGw.ControlPlane.Admin;

/// <summary>The operator views and actions beyond the PIX's own (<see cref="OperatorCommandParser"/>).</summary>
public enum OperatorCommandKind
{
    /// <summary>"show vpdn session brief [columns C,C] [match COLUMN REGEX] [order COLUMN [desc]]".</summary>
    ShowSessionBrief = 1,
    /// <summary>"show vpdn username [NAME]".</summary>
    ShowUsername,
    /// <summary>"show vpdn pppinterface [id N]".</summary>
    ShowPppInterface,
    /// <summary>"show vpdn group [NAME]".</summary>
    ShowGroup,
    /// <summary>"show dataplane".</summary>
    ShowDataplane,
    /// <summary>"show aaa-server".</summary>
    ShowAaaServer,
    /// <summary>"clear vpdn username NAME | session ip ADDR | session id N [soft|hard]".</summary>
    ClearSessions,
    /// <summary>A PIX show command ("show vpdn [tunnel|session]", "show version", "show debug") answered in JSON.</summary>
    PixShowJson,
    /// <summary>"reload": re-read the configuration file and apply what can change live.</summary>
    Reload,
    /// <summary>"shutdown [hard]" or "shutdown soft [SECONDS]".</summary>
    Shutdown,
}
