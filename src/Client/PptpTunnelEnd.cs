using PptpGw.ControlPlane.Pptp;

namespace PptpGw.Client;

/// <summary>Why a control connection ended.</summary>
/// <param name="Kind"><see cref="PptpCallEndKind.TunnelStopped"/> or <see cref="PptpCallEndKind.TunnelLost"/>.</param>
/// <param name="ByServer">True when the server sent the Stop-Control-Connection-Request.</param>
/// <param name="StopReason">The server's Stop Reason, when it stopped.</param>
/// <param name="Detail">Text for logs.</param>
public sealed record PptpTunnelEnd(PptpCallEndKind Kind, bool ByServer, StopControlConnectionReason? StopReason, string Detail);
