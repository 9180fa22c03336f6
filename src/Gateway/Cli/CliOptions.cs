using System.CommandLine;
using System.Net;
using PptpGw.ControlPlane.Pptp;

namespace PptpGw.Gateway.Cli;

/// <summary>Options several commands share (each command gets its own instance: System.CommandLine symbols have one parent).</summary>
internal static class CliOptions
{
    public static Option<string> Config(bool required) => new("--config", "-c")
    {
        Description = "the PIX 6.3 configuration file ('write terminal' form; docs/CONFIG.md)",
        HelpName = "FILE",
        Required = required,
    };

    public static Option<string> AdminSocket() => new("--admin-socket")
    {
        Description = "the running gateway's admin socket (default: 'gateway admin-socket' of --config, else /run/pptpgw/admin.sock)",
        HelpName = "PATH",
    };

    public static Option<IPEndPoint> Listen() => new("--listen")
    {
        Description = "where to accept PPTP (default: the 'vpdn enable' interface's address when this host has it, else every address; TCP 1723)",
        HelpName = "ADDR[:PORT]",
        CustomParser = result =>
        {
            string text = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Empty;
            if (IPAddress.TryParse(text, out IPAddress? address))
                return new IPEndPoint(address, PptpControlMessage.TcpPort);
            if (IPEndPoint.TryParse(text, out IPEndPoint? endPoint))
                return endPoint;
            result.AddError($"--listen {text}: expected ADDR or ADDR:PORT");
            return null;
        },
    };
}
