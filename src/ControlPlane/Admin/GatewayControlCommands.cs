using System.Globalization;
using System.Text.Json.Nodes;
using PptpGw.ControlPlane.Config;

namespace PptpGw.ControlPlane.Admin;

/// <summary>Executes <c>reload</c> and <c>shutdown</c> over an <see cref="IGatewayControl"/>, and renders the state for <c>show version</c>.</summary>
internal static class GatewayControlCommands
{
    public static async Task<AdminReply> ReloadAsync(IGatewayControl control, bool json, CancellationToken cancellationToken)
    {
        ConfigReloadReport report = await control.ReloadAsync(cancellationToken).ConfigureAwait(false);
        AdminStatus status = report.Outcome is ConfigReloadOutcome.Applied or ConfigReloadOutcome.Unchanged ? AdminStatus.Ok : AdminStatus.Error;
        if (!json)
            return new AdminReply(status, report.Render());
        var node = new JsonObject
        {
            ["outcome"] = Snake(report.Outcome.ToString()),
            ["file"] = report.FileName,
            ["changes"] = new JsonArray([.. report.Changes.Select(c => (JsonNode)new JsonObject
            {
                ["kind"] = ConfigReloadReport.KindText(c.Kind),
                ["disposition"] = Snake(c.Disposition.ToString()),
                ["detail"] = c.Detail,
            })]),
            ["diagnostics"] = new JsonArray([.. report.Diagnostics.Select(d => (JsonNode)JsonValue.Create(d.ToString()))]),
        };
        if (report.Reason is { } reason)
            node["reason"] = reason;
        return new AdminReply(status, AdminJson.Text(node));
    }

    public static AdminReply Shutdown(IGatewayControl control, ShutdownMode mode, int? deadlineSeconds)
    {
        ShutdownResult result = control.Shutdown(mode, deadlineSeconds is { } s ? TimeSpan.FromSeconds(s) : null);
        if (mode == ShutdownMode.Cancel)
        {
            return result.AlreadyStopping
                ? new AdminReply(AdminStatus.Error, result.State == GatewayRunState.Stopping
                    ? "% shutdown cancel: too late, the gateway is stopping\n"
                    : $"% shutdown cancel: no soft shutdown to cancel (gateway state: {StateText(result.State)})\n")
                : AdminReply.Ok(string.Create(CultureInfo.InvariantCulture,
                    $"shutdown cancel: accepting new tunnels and calls again; {result.Sessions} session{(result.Sessions == 1 ? "" : "s")} up\n"));
        }
        string text = result.State == GatewayRunState.Draining
            ? string.Create(CultureInfo.InvariantCulture,
                $"shutdown soft: no new tunnels or calls; {result.Sessions} session{(result.Sessions == 1 ? "" : "s")} left, the gateway stops when the last ends{(result.Deadline is { } d ? $" or at {d:u} (then hard)" : "")}")
            : string.Create(CultureInfo.InvariantCulture, $"shutdown: stopping now ({result.Sessions} session{(result.Sessions == 1 ? "" : "s")} ended)");
        if (result.AlreadyStopping)
            text += " (already under way)";
        return AdminReply.Ok(text + "\n");
    }

    /// <summary>"gateway state: draining (3 sessions left, hard stop at ...)" for <c>show version</c>.</summary>
    public static string StateLine(IGatewayControl control)
    {
        GatewayRunState state = control.State;
        string line = "gateway state: " + StateText(state);
        if (state == GatewayRunState.Draining)
        {
            int left = control.LiveSessions;
            line += string.Create(CultureInfo.InvariantCulture, $" ({left} session{(left == 1 ? "" : "s")} left{(control.DrainDeadline is { } d ? $", hard stop at {d:u}" : "")})");
        }
        return line;
    }

    public static string StateText(GatewayRunState state) => state.ToString().ToLowerInvariant();

    private static string Snake(string pascal) =>
        string.Concat(pascal.Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
