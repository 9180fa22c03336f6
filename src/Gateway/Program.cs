using PptpGw.Gateway.Cli;

namespace PptpGw.Gateway;

/// <summary>The <c>pptpgw</c> executable; <see cref="GatewayCommandLine"/> has the commands.</summary>
public static class Program
{
    public static Task<int> Main(string[] args) => RunAsync(args, Console.Out, Console.Error);

    /// <summary>Runs one command line with its output going to <paramref name="stdout"/> and <paramref name="stderr"/> (tests call this in-process).</summary>
    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default) =>
        GatewayCommandLine.RunAsync(args, stdout, stderr, cancellationToken);
}
