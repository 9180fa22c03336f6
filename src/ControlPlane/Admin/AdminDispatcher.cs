using System.Globalization;
using PptpGw.ControlPlane.Logging;

namespace PptpGw.ControlPlane.Admin;

/// <summary>
/// Executes admin command lines against an <see cref="IAdminHandler"/> and the <see cref="GatewayLog"/>, and returns
/// the text to show. Transport-free, so the socket server and tests share it. Like the PIX, commands that succeed
/// silently (clear, debug) answer with empty text.
/// </summary>
public sealed class AdminDispatcher
{
    private readonly IAdminHandler _handler;
    private readonly GatewayLog _log;

    /// <summary>A dispatcher over <paramref name="handler"/>, toggling debug classes on <paramref name="log"/>.</summary>
    public AdminDispatcher(IAdminHandler handler, GatewayLog log)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(log);
        _handler = handler;
        _log = log;
    }

    /// <summary>The log whose debug classes the commands toggle.</summary>
    public GatewayLog Log => _log;

    /// <summary>Parses and executes <paramref name="line"/>; a bad line yields the PIX-style error text.</summary>
    public string Execute(string? line)
    {
        var parsed = AdminCommandParser.Parse(line);
        return parsed.Success ? Execute(parsed.Command) : AdminCommandParser.FormatError(line, parsed);
    }

    /// <summary>Executes a parsed command. <see cref="AdminCommandKind.TerminalMonitor"/> is the transport's job and answers with a notice.</summary>
    public string Execute(AdminCommand command)
    {
        try
        {
            switch (command.Kind)
            {
                case AdminCommandKind.ShowVpdn:
                    return VpdnRenderer.Render(_handler.GetSnapshot(), command.View);
                case AdminCommandKind.ShowDebug:
                    return DebugClassNames.FormatShowDebug(_log.Debugging);
                case AdminCommandKind.ShowVersion:
                    return EndLine(_handler.GetVersion());
                case AdminCommandKind.ClearTunnel:
                    return _handler.ClearTunnel(command.TunnelId)
                        ? string.Empty
                        : string.Create(CultureInfo.InvariantCulture, $"% No tunnel with id {command.TunnelId}\n");
                case AdminCommandKind.ClearAllTunnels:
                    _handler.ClearAllTunnels();
                    return string.Empty;
                case AdminCommandKind.DebugOn:
                    _log.EnableDebug(command.Debug);
                    return string.Empty;
                case AdminCommandKind.DebugOff:
                    _log.DisableDebug(command.Debug);
                    return string.Empty;
                case AdminCommandKind.Help:
                    return AdminCommandParser.HelpText;
                case AdminCommandKind.TerminalMonitor:
                    return "% terminal monitor needs a connection that stays open\n";
                default:
                    return "% Invalid input\n";
            }
        }
#pragma warning disable CA1031 // a failing handler must answer the operator, not kill the admin server
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return "% Error: " + PixMessages.Clean(ex.Message) + "\n";
        }
    }

    private static string EndLine(string text) => text.EndsWith('\n') ? text : text + "\n";
}
