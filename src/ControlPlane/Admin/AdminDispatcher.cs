using PptpGw.ControlPlane.Logging;

namespace PptpGw.ControlPlane.Admin;

/// <summary>
/// Executes admin command lines against an <see cref="IAdminHandler"/> and the <see cref="GatewayLog"/>, and returns
/// the reply (status and text). Transport-free, so the socket server and tests share it. Each command family lives in
/// its own file (<see cref="VpdnCommands"/>, <see cref="DebugCommands"/>); a new family adds a file and a case here.
/// Like the PIX, commands that succeed silently (debug) answer with empty text.
/// </summary>
public sealed class AdminDispatcher
{
    private readonly IAdminHandler _handler;
    private readonly GatewayLog _log;
    private readonly IOperatorViews? _views;
    private readonly IGatewayControl? _control;

    /// <summary>
    /// A dispatcher over <paramref name="handler"/>, toggling debug classes on <paramref name="log"/>; the operator views
    /// and per-session clears (<see cref="OperatorCommandParser"/>) act on <paramref name="views"/> when given, and
    /// <c>reload</c> / <c>shutdown</c> on <paramref name="control"/> (without it they answer that they are not offered).
    /// </summary>
    public AdminDispatcher(IAdminHandler handler, GatewayLog log, IOperatorViews? views = null, IGatewayControl? control = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(log);
        _handler = handler;
        _log = log;
        _views = views;
        _control = control;
    }

    /// <summary>The log whose debug classes the commands toggle.</summary>
    public GatewayLog Log => _log;

    /// <summary>Parses and executes <paramref name="line"/>; a bad line yields the PIX-style error text.</summary>
    public Task<AdminReply> ExecuteAsync(string? line, CancellationToken cancellationToken = default)
    {
        // The operator views first (their own file and grammar); whatever they do not claim is a PIX command.
        OperatorParseResult op = OperatorCommandParser.Parse(line);
        if (op.Error is { } error)
            return Task.FromResult(new AdminReply(AdminStatus.InvalidInput, error + "\n"));
        if (op.Command is { } operatorCommand)
            return ExecuteOperatorAsync(operatorCommand, cancellationToken);
        var parsed = AdminCommandParser.Parse(line);
        return parsed.Success
            ? ExecuteAsync(parsed.Command, cancellationToken)
            : Task.FromResult(new AdminReply(AdminStatus.InvalidInput, AdminCommandParser.FormatError(line, parsed)));
    }

    /// <summary>Executes a parsed command. <see cref="AdminCommandKind.TerminalMonitor"/> is the transport's job and answers with a notice.</summary>
    public async Task<AdminReply> ExecuteAsync(AdminCommand command, CancellationToken cancellationToken = default)
    {
        try
        {
            return command.Kind switch
            {
                AdminCommandKind.ShowVpdn => VpdnCommands.Show(_handler, command.View),
                AdminCommandKind.ClearTunnel => await VpdnCommands.ClearTunnelAsync(_handler, command.TunnelId, cancellationToken).ConfigureAwait(false),
                AdminCommandKind.ClearAllTunnels => await VpdnCommands.ClearAllAsync(_handler, cancellationToken).ConfigureAwait(false),
                AdminCommandKind.ShowDebug => DebugCommands.Show(_log),
                AdminCommandKind.DebugOn => DebugCommands.On(_log, command.Debug),
                AdminCommandKind.DebugOff => DebugCommands.Off(_log, command.Debug),
                AdminCommandKind.ShowVersion => AdminReply.Ok(EndLine(_handler.GetVersion())
                    + (_control is null ? "" : GatewayControlCommands.StateLine(_control) + "\n")),
                AdminCommandKind.Help => AdminReply.Ok(AdminCommandParser.HelpText + OperatorCommandParser.HelpText),
                AdminCommandKind.TerminalMonitor => AdminReply.Ok("% terminal monitor needs a connection that stays open\n"),
                _ => new AdminReply(AdminStatus.InvalidInput, "% Invalid input\n"),
            };
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // a failing handler must answer the operator, not kill the admin server
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return new AdminReply(AdminStatus.Error, "% Error: " + PixMessages.Clean(ex.Message) + "\n");
        }
    }

    private async Task<AdminReply> ExecuteOperatorAsync(OperatorCommand command, CancellationToken cancellationToken)
    {
        try
        {
            return await OperatorCommands.ExecuteAsync(command, _handler, _views, _log, cancellationToken, _control).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // a failing view must answer the operator, not kill the admin server
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return new AdminReply(AdminStatus.Error, "% Error: " + PixMessages.Clean(ex.Message) + "\n");
        }
    }

    private static string EndLine(string text) => text.EndsWith('\n') ? text : text + "\n";
}
