namespace PptpGw.Gateway.Cli;

/// <summary>
/// The exit codes of every <c>pptpgw</c> command (also in <c>pptpgw --help</c> and docs/CONFIG.md), so that scripts
/// and systemd can tell a typo from a failure. <c>dial</c> adds 3-9 (<see cref="PptpGw.Client.PptpClientFailure"/>).
/// </summary>
public static class ExitCodes
{
    /// <summary>Done: the command did what it was asked (a configuration that loads, a gateway that stopped cleanly).</summary>
    public const int Ok = 0;

    /// <summary>
    /// Failed: a configuration with errors, a gateway that could not start, an admin socket nobody listens on, or a
    /// command the gateway answered with an error ("% No tunnel with id 7").
    /// </summary>
    public const int Failure = 1;

    /// <summary>The command line was not understood (unknown command or option, missing value, bad admin words).</summary>
    public const int Usage = 2;

    /// <summary>The text appended to <c>pptpgw --help</c>.</summary>
    public const string HelpText = """
        Exit codes:
          0  done
          1  failed: configuration errors, the gateway could not start, no gateway on the admin socket,
             or the gateway answered with an error
          2  the command line was not understood
          3-9 (dial only) 3 connect failed, 4 refused by the server, 5 authentication failed,
             6 MPPE not agreed, 7 timed out, 8 link failed or the server ended the call, 9 pings unanswered
        """;
}
