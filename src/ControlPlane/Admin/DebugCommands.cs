using PptpGw.ControlPlane.Logging;

namespace PptpGw.ControlPlane.Admin;

/// <summary>The debug command family: <c>debug …</c>, <c>no debug …</c>, <c>show debug</c>.</summary>
internal static class DebugCommands
{
    public static AdminReply Show(GatewayLog log) => AdminReply.Ok(DebugClassNames.FormatShowDebug(log.Debugging));

    public static AdminReply On(GatewayLog log, DebugClasses classes)
    {
        log.EnableDebug(classes);
        return AdminReply.Ok(string.Empty);
    }

    public static AdminReply Off(GatewayLog log, DebugClasses classes)
    {
        log.DisableDebug(classes);
        return AdminReply.Ok(string.Empty);
    }
}
