using System.Globalization;
using System.Text;

namespace PptpGw.ControlPlane.Admin;

/// <summary>The vpdn command family: <c>show vpdn …</c> and <c>clear vpdn tunnel …</c>.</summary>
internal static class VpdnCommands
{
    public static AdminReply Show(IAdminHandler handler, VpdnView view) => AdminReply.Ok(VpdnRenderer.Render(handler.GetSnapshot(), view));

    public static async Task<AdminReply> ClearTunnelAsync(IAdminHandler handler, ushort tunnelId, CancellationToken cancellationToken)
    {
        VpdnClearResult? cleared = await handler.ClearTunnelAsync(tunnelId, cancellationToken).ConfigureAwait(false);
        return cleared is null
            ? new AdminReply(AdminStatus.NotFound, string.Create(CultureInfo.InvariantCulture, $"% No tunnel with id {tunnelId}\n"))
            : AdminReply.Ok(RenderCleared(cleared));
    }

    public static async Task<AdminReply> ClearAllAsync(IAdminHandler handler, CancellationToken cancellationToken) =>
        AdminReply.Ok(RenderCleared(await handler.ClearAllTunnelsAsync(cancellationToken).ConfigureAwait(false)));

    /// <summary>
    /// "Tunnel 7 (198.18.0.2) cleared, 2 sessions" per tunnel, then the total; the PIX answers a clear with nothing, we
    /// say what went (an operator clearing "all" wants the count).
    /// </summary>
    public static string RenderCleared(VpdnClearResult result)
    {
        if (result.Tunnels.Count == 0)
            return "% No active PPTP tunnels\n";
        var text = new StringBuilder();
        foreach (ClearedTunnel t in result.Tunnels)
        {
            text.Append(CultureInfo.InvariantCulture, $"Tunnel {t.TunnelId} ({t.Remote}) cleared, {t.Sessions} session{(t.Sessions == 1 ? "" : "s")}");
            text.Append(t.Closed ? "\n" : " (still closing)\n");
        }
        if (result.Tunnels.Count > 1)
            text.Append(CultureInfo.InvariantCulture, $"{result.Tunnels.Count} tunnels, {result.Sessions} sessions cleared\n");
        return text.ToString();
    }
}
