using PptpGw.ControlPlane.Logging;

namespace PptpGw.ControlPlane.Admin;

/// <summary>A parsed admin command.</summary>
/// <param name="Kind">What to do.</param>
/// <param name="View">For <see cref="AdminCommandKind.ShowVpdn"/>.</param>
/// <param name="TunnelId">For <see cref="AdminCommandKind.ClearTunnel"/>.</param>
/// <param name="Debug">For <see cref="AdminCommandKind.DebugOn"/> / <see cref="AdminCommandKind.DebugOff"/>.</param>
public readonly record struct AdminCommand(AdminCommandKind Kind, VpdnView View = VpdnView.All, ushort TunnelId = 0, DebugClasses Debug = DebugClasses.None);
