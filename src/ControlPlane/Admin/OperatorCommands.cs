using System.Text.RegularExpressions;
using PptpGw.ControlPlane.Logging;

namespace PptpGw.ControlPlane.Admin;

/// <summary>Executes <see cref="OperatorCommand"/>s over the gateway's <see cref="IAdminHandler"/> and <see cref="IOperatorViews"/>.</summary>
internal static class OperatorCommands
{
    public static async Task<AdminReply> ExecuteAsync(OperatorCommand command, IAdminHandler handler, IOperatorViews? views, GatewayLog log,
        CancellationToken cancellationToken, IGatewayControl? control = null)
    {
        switch (command.Kind)
        {
            case OperatorCommandKind.Reload or OperatorCommandKind.Shutdown when control is null:
                return new AdminReply(AdminStatus.Error, "% Error: this gateway does not offer reload or shutdown\n");
            case OperatorCommandKind.Reload:
                return await GatewayControlCommands.ReloadAsync(control!, command.Json, cancellationToken).ConfigureAwait(false);
            case OperatorCommandKind.Shutdown:
                return GatewayControlCommands.Shutdown(control!, command.ShutdownMode, command.DeadlineSeconds);
            case OperatorCommandKind.PixShowJson:
                return command.Pix.Kind switch
                {
                    AdminCommandKind.ShowVpdn => Json(AdminJson.Vpdn(handler.GetSnapshot(), command.Pix.View)),
                    AdminCommandKind.ShowVersion => Json(new System.Text.Json.Nodes.JsonObject
                    {
                        ["version"] = handler.GetVersion(),
                        ["state"] = control is null ? null : GatewayControlCommands.StateText(control.State),
                        ["sessions"] = control?.LiveSessions,
                    }),
                    AdminCommandKind.ShowDebug => Json(AdminJson.Debug(log.Debugging)),
                    _ => new AdminReply(AdminStatus.InvalidInput, "% --json applies to show commands\n"),
                };
            case OperatorCommandKind.ShowSessionBrief:
                {
                    List<SessionSnapshot> rows = Brief(Sessions(handler), command);
                    return command.Json ? Json(AdminJson.Brief(rows, command.Columns)) : AdminReply.Ok(OperatorRenderer.Brief(rows, command.Columns));
                }
            case OperatorCommandKind.ShowUsername:
                {
                    List<SessionSnapshot> rows = [.. Sessions(handler).Where(s => command.Name is null || string.Equals(s.UserName, command.Name, StringComparison.Ordinal))];
                    if (command.Json)
                        return Json(new System.Text.Json.Nodes.JsonObject { ["sessions"] = new System.Text.Json.Nodes.JsonArray([.. rows.Select(AdminJson.Session)]) });
                    return Found(rows.Count > 0 || command.Name is null, OperatorRenderer.Users(rows, command.Name));
                }
            case OperatorCommandKind.ShowPppInterface:
                {
                    List<SessionSnapshot> rows = [.. Sessions(handler).Where(s => command.Id is not { } id || s.PppInterfaceId == id)];
                    if (command.Json)
                        return Json(new System.Text.Json.Nodes.JsonObject { ["sessions"] = new System.Text.Json.Nodes.JsonArray([.. rows.Select(AdminJson.Session)]) });
                    return Found(rows.Count > 0 || command.Id is null, OperatorRenderer.PppInterfaces(rows, command.Id));
                }
        }
        if (views is null)
            return new AdminReply(AdminStatus.Error, "% Error: this gateway does not offer that view\n");
        switch (command.Kind)
        {
            case OperatorCommandKind.ShowGroup:
                {
                    List<VpdnGroupView> groups = [.. views.GetGroups().Where(g => command.Name is null || string.Equals(g.Name, command.Name, StringComparison.Ordinal))];
                    if (command.Json)
                        return Json(AdminJson.Groups(groups));
                    return Found(groups.Count > 0 || command.Name is null, groups.Count == 0 && command.Name is not null
                        ? $"% No vpdn group {command.Name}\n" : OperatorRenderer.Groups(groups));
                }
            case OperatorCommandKind.ShowDataplane:
                return command.Json ? Json(AdminJson.Dataplane(views.GetDataplane())) : AdminReply.Ok(OperatorRenderer.Dataplane(views.GetDataplane()));
            case OperatorCommandKind.ShowAaaServer:
                return command.Json
                    ? Json(AdminJson.AaaServers(views.GetAaaServers(), views.GetAccounting()))
                    : AdminReply.Ok(OperatorRenderer.AaaServers(views.GetAaaServers(), views.GetAccounting()));
            case OperatorCommandKind.ClearSessions:
                {
                    SessionSelector selector = command.Selector!;
                    SessionClearResult result = await views.ClearSessionsAsync(selector, command.Soft, cancellationToken).ConfigureAwait(false);
                    return Found(result.Sessions.Count > 0, OperatorRenderer.Cleared(result, selector));
                }
            default:
                return new AdminReply(AdminStatus.InvalidInput, "% Invalid input\n");
        }
    }

    private static IEnumerable<SessionSnapshot> Sessions(IAdminHandler handler) => handler.GetSnapshot().Tunnels.SelectMany(t => t.Sessions);

    /// <summary>The sessions every <c>match</c> accepts, in <c>order</c> (by id when none is given).</summary>
    private static List<SessionSnapshot> Brief(IEnumerable<SessionSnapshot> sessions, OperatorCommand command)
    {
        IEnumerable<SessionSnapshot> rows = sessions.Where(s => command.Matches.All(m => IsMatch(m.Pattern, m.Column.Text(s))));
        SessionBriefColumn order = command.Order ?? SessionBriefColumns.All[0];
        IComparer<IComparable?> comparer = Comparer<IComparable?>.Create((a, b) => a is null ? (b is null ? 0 : -1) : b is null ? 1 : a.CompareTo(b));
        IOrderedEnumerable<SessionSnapshot> ordered = command.Descending ? rows.OrderByDescending(order.Key, comparer) : rows.OrderBy(order.Key, comparer);
        return [.. ordered.ThenBy(s => s.PppInterfaceId)];
    }

    private static bool IsMatch(Regex pattern, string text)
    {
        try
        {
            return pattern.IsMatch(text);
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }

    private static AdminReply Found(bool found, string text) => found ? AdminReply.Ok(text) : new AdminReply(AdminStatus.NotFound, text);

    private static AdminReply Json(System.Text.Json.Nodes.JsonNode node) => AdminReply.Ok(AdminJson.Text(node));
}
