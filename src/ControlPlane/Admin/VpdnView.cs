namespace PptpGw.ControlPlane.Admin;

/// <summary>Which part of the VPDN state a "show vpdn" command prints.</summary>
public enum VpdnView
{
    /// <summary>"show vpdn": every tunnel, each followed by its sessions.</summary>
    All,
    /// <summary>"show vpdn tunnel": the tunnel blocks only.</summary>
    Tunnel,
    /// <summary>"show vpdn session": the session blocks only.</summary>
    Session,
}
